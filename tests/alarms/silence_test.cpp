#include "alarms/silence.h"

#include <gtest/gtest.h>

#include "alarms/silence_json.h"
#include "promql/api_params.h"
#include "route_test_util.h"

namespace pharos::alarms {
namespace {

using testing::jsonNode;
using testing::yamlNode;

WallTime at(std::string_view rfc3339) {
  return fromUnixMillis(promql::parseTimeParam(rfc3339).value());
}

Silence parseOk(const config::Node& node, WallTime now = at("2026-12-05T12:00:00Z")) {
  auto parsed = parseSilence(node, "", now);
  if (auto* p = std::get_if<std::vector<config::FieldProblem>>(&parsed)) {
    ADD_FAILURE() << (p->empty() ? "?" : p->front().message);
    return {};
  }
  return std::get<Silence>(std::move(parsed));
}

std::string problem(std::string_view json) {
  auto parsed = parseSilence(jsonNode(json), "", at("2026-12-05T12:00:00Z"));
  auto* p = std::get_if<std::vector<config::FieldProblem>>(&parsed);
  if (p == nullptr || p->empty()) return "parsed";
  return p->front().field + ": " + p->front().message;
}

const Labels kDisk{{"alertname", "DiskFull"}, {"instance", "db-1"}};

TEST(SilenceTest, AOneOffSilenceIsPendingActiveThenExpired) {
  Silence s = parseOk(jsonNode(R"({"matchers": ["alertname=\"DiskFull\"", "instance=~db-.*"],
      "starts_at": "2026-12-05T14:00:00Z", "ends_at": "2026-12-05T16:00:00Z",
      "created_by": "ana", "comment": "disk swap"})"));
  EXPECT_EQ(s.createdBy, "ana");
  EXPECT_TRUE(s.matches(kDisk));
  EXPECT_FALSE(s.matches(Labels{{"alertname", "DiskFull"}, {"instance", "web-1"}}));
  EXPECT_EQ(s.statusAt(at("2026-12-05T13:59:59Z")), SilenceStatus::kPending);
  EXPECT_EQ(s.statusAt(at("2026-12-05T14:00:00Z")), SilenceStatus::kActive);
  EXPECT_EQ(s.statusAt(at("2026-12-05T15:59:59.999Z")), SilenceStatus::kActive);
  EXPECT_EQ(s.statusAt(at("2026-12-05T16:00:00Z")), SilenceStatus::kExpired);
  EXPECT_EQ(s.activeUntil(at("2026-12-05T15:00:00Z")), at("2026-12-05T16:00:00Z"));
}

TEST(SilenceTest, StartsAtDefaultsToNow) {
  Silence s = parseOk(jsonNode(R"({"matchers": ["a=1"], "ends_at": "2026-12-05T13:00:00Z"})"),
                      at("2026-12-05T12:00:00Z"));
  EXPECT_EQ(s.startsAt, at("2026-12-05T12:00:00Z"));
  EXPECT_TRUE(s.activeAt(at("2026-12-05T12:00:00Z")));
}

TEST(SilenceTest, ARecurringSilenceRunsAcrossMidnight) {
  Silence s =
      parseOk(yamlNode("matchers: [team=db]\n"
                       "every: '0 22 * * *'\n"
                       "duration: 8h\n"
                       "until: 2026-12-08T00:00:00Z\n"));
  Labels db{{"team", "db"}};
  ASSERT_TRUE(s.recurring());
  // Created at noon: pending until 22:00.
  EXPECT_EQ(s.statusAt(at("2026-12-05T21:59:00Z")), SilenceStatus::kPending);
  EXPECT_EQ(s.statusAt(at("2026-12-05T22:00:00Z")), SilenceStatus::kActive);
  EXPECT_EQ(s.statusAt(at("2026-12-05T23:59:59Z")), SilenceStatus::kActive);
  EXPECT_EQ(s.statusAt(at("2026-12-06T00:00:00Z")), SilenceStatus::kActive);
  EXPECT_EQ(s.statusAt(at("2026-12-06T05:59:59Z")), SilenceStatus::kActive);
  EXPECT_EQ(s.activeUntil(at("2026-12-06T03:00:00Z")), at("2026-12-06T06:00:00Z"));
  EXPECT_EQ(s.statusAt(at("2026-12-06T06:00:00Z")), SilenceStatus::kPending);
  EXPECT_EQ(s.statusAt(at("2026-12-06T22:30:00Z")), SilenceStatus::kActive);
  // The night running into `until` is cut there, and nothing recurs after it.
  EXPECT_EQ(s.activeUntil(at("2026-12-07T23:00:00Z")), at("2026-12-08T00:00:00Z"));
  EXPECT_EQ(s.statusAt(at("2026-12-08T00:00:00Z")), SilenceStatus::kExpired);
  EXPECT_EQ(s.statusAt(at("2026-12-08T22:30:00Z")), SilenceStatus::kExpired);

  SilenceSet set({s}, at("2026-12-05T12:00:00Z"));
  EXPECT_FALSE(set.isSilenced(db, at("2026-12-05T21:00:00Z")));
  EXPECT_TRUE(set.isSilenced(db, at("2026-12-06T01:00:00Z")));
  EXPECT_FALSE(set.isSilenced(Labels{{"team", "web"}}, at("2026-12-06T01:00:00Z")));
}

TEST(SilenceTest, ARecurringSilenceCreatedMidOccurrenceAppliesAtOnce) {
  Silence s = parseOk(jsonNode(R"({"matchers": ["team=db"], "every": "0 22 * * *",
      "duration": "8h"})"),
                      at("2026-12-06T02:00:00Z"));
  EXPECT_EQ(s.statusAt(at("2026-12-06T02:00:00Z")), SilenceStatus::kActive);
  EXPECT_EQ(s.statusAt(at("2026-12-06T01:59:00Z")), SilenceStatus::kPending);  // before starts_at
}

TEST(SilenceTest, SetsSkipSilencesExpiredWhenBuilt) {
  Silence old = parseOk(jsonNode(R"({"matchers": ["a=1"], "starts_at": "2026-12-01T00:00:00Z",
      "ends_at": "2026-12-02T00:00:00Z"})"));
  Silence live = parseOk(jsonNode(R"({"matchers": ["a=2"], "ends_at": "2026-12-09T00:00:00Z"})"));
  SilenceSet set({old, live}, at("2026-12-05T12:00:00Z"));
  EXPECT_EQ(set.all().size(), 2u);
  EXPECT_FALSE(set.isSilenced(Labels{{"a", "1"}}, at("2026-12-01T12:00:00Z")));
  EXPECT_TRUE(set.isSilenced(Labels{{"a", "2"}}, at("2026-12-05T12:00:00Z")));
  EXPECT_FALSE(set.isSilenced(Labels{{"a", "2"}}, at("2026-12-09T00:00:00Z")));
}

TEST(SilenceTest, TheIndexedViewAnswersAsTheSetDoes) {
  WallTime now = at("2026-12-05T23:00:00Z");
  std::vector<Silence> all;
  for (std::string_view body :
       {R"({"matchers": ["alertname=Disk", "instance=~db-.*"], "ends_at": "2027-01-01T00:00:00Z"})",
        R"({"matchers": ["instance=db-2"], "ends_at": "2027-01-01T00:00:00Z"})",
        R"({"matchers": ["team=~db|web"], "ends_at": "2027-01-01T00:00:00Z"})",
        R"({"matchers": ["team=db", "env!=prod"], "every": "0 22 * * *", "duration": "2h"})",
        R"({"matchers": ["team=web"], "every": "0 9 * * *", "duration": "1h"})",
        R"({"matchers": ["alertname=Cpu"], "starts_at": "2027-01-01T00:00:00Z",
               "ends_at": "2027-02-01T00:00:00Z"})"}) {
    all.push_back(parseOk(jsonNode(body)));
  }
  SilenceSet set(all, now);
  SilenceSet::Active active = set.activeAt(now);
  EXPECT_EQ(active.size(), 4u);
  for (const char* alertname : {"Disk", "Cpu", "Mem"}) {
    for (const char* instance : {"db-1", "db-2", "web-1"}) {
      for (const char* team : {"db", "web", "infra"}) {
        for (const char* env : {"prod", "dev"}) {
          Labels l{{"alertname", alertname}, {"instance", instance}, {"team", team}, {"env", env}};
          EXPECT_EQ(active.firstMatching(l), set.silencing(l, now)) << l.str();
        }
      }
    }
  }
  EXPECT_EQ(SilenceSet::Active().firstMatching(kDisk), nullptr);
}

TEST(SilenceTest, InvalidSilencesAreRefused) {
  EXPECT_NE(problem(R"({"ends_at": "2026-12-06T00:00:00Z"})").find("at least one matcher"),
            std::string::npos);
  EXPECT_NE(problem(R"({"matchers": ["a=~.*"], "ends_at": "2026-12-06T00:00:00Z"})")
                .find("must not match the empty string"),
            std::string::npos);
  EXPECT_NE(problem(R"({"matchers": ["a=1"]})").find("needs ends_at"), std::string::npos);
  EXPECT_NE(problem(R"({"matchers": ["a=1"], "ends_at": "2026-12-05T11:00:00Z"})")
                .find("after starts_at"),
            std::string::npos);
  EXPECT_NE(problem(R"({"matchers": ["a=1"], "ends_at": "2026-12-06T00:00:00Z",
      "every": "@daily", "duration": "1h"})")
                .find("not both"),
            std::string::npos);
  EXPECT_NE(problem(R"({"matchers": ["a=1"], "every": "@daily"})").find("needs a duration"),
            std::string::npos);
  EXPECT_NE(problem(R"({"matchers": ["a=1"], "every": "0 0 30 2 *", "duration": "1h"})")
                .find("never matches"),
            std::string::npos);
  EXPECT_EQ(
      problem(R"({"matchers": ["a=1"], "every": "0 25 * * *", "duration": "1h"})").substr(0, 6),
      "every:");
  EXPECT_EQ(problem(R"({"matchers": ["a=1"], "ends_at": "tomorrow"})").substr(0, 8), "ends_at:");
  EXPECT_NE(problem(R"({"matchers": ["a=1"], "ends_at": "4054-01-01T00:00:00Z"})")
                .find("outside the years 1970 to 2199"),
            std::string::npos);
  EXPECT_NE(problem(R"({"matchers": ["a=1"], "ends_at": "2026-12-06T00:00:00Z", "id": "x"})")
                .find("unknown field 'id'"),
            std::string::npos);
}

TEST(SilenceTest, AlertmanagerMatcherObjectsAreRead) {
  Silence s = parseOk(jsonNode(R"({"matchers": [
      {"name": "alertname", "value": "DiskFull", "isRegex": false},
      {"name": "instance", "value": "web-.*", "isRegex": true, "isEqual": false}],
      "ends_at": "2026-12-06T00:00:00Z"})"));
  ASSERT_EQ(s.matchers.size(), 2u);
  EXPECT_EQ(s.matchers[0].str(), R"(alertname="DiskFull")");
  EXPECT_EQ(s.matchers[1].str(), R"(instance!~"web-.*")");
  EXPECT_TRUE(s.matches(kDisk));
}

TEST(SilenceTest, JsonReadsBackIntoTheSameSilence) {
  Silence s = parseOk(jsonNode(R"({"matchers": ["team=db"], "every": "0 22 * * 1-5",
      "duration": "8h30m", "until": "2027-01-01T00:00:00Z", "created_by": "ops",
      "comment": "nightly batch"})"));
  nlohmann::json spec = silenceSpecJson(s);
  EXPECT_EQ(spec["every"], "0 22 * * 1-5");
  EXPECT_EQ(spec["duration"], "8h30m");
  EXPECT_EQ(spec["starts_at"], "2026-12-05T12:00:00.000Z");
  Silence back = parseOk(config::nodeFromJson(spec), at("2030-01-01T00:00:00Z"));
  EXPECT_EQ(silenceSpecJson(back), spec);

  s.id = "01ABC";
  // Saturday night is not a weekday night.
  EXPECT_EQ(s.statusAt(at("2026-12-05T23:00:00Z")), SilenceStatus::kPending);
  nlohmann::json view = silenceToJson(s, at("2026-12-07T23:00:00Z"));
  EXPECT_EQ(view["id"], "01ABC");
  EXPECT_EQ(view["status"], "active");
  EXPECT_EQ(view["active_until"], "2026-12-08T06:30:00.000Z");
  EXPECT_EQ(view["source"], "api");
  EXPECT_EQ(view["matchers"][0], R"(team="db")");
}

}  // namespace
}  // namespace pharos::alarms
