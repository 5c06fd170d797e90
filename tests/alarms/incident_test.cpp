#include "alarms/incident.h"

#include <gtest/gtest.h>

#include "alarms/history.h"
#include "alarms_test_util.h"
#include "core/config/node_json.h"

namespace pharos::alarms {
namespace {

using testing::EngineFixture;
using testing::metric;
using testing::rule;

class IncidentTest : public EngineFixture {
 protected:
  std::vector<Incident> list(std::optional<IncidentStatus> status = std::nullopt) {
    IncidentListQuery q;
    q.status = status;
    auto page = engine_->incidents().list(q);
    EXPECT_TRUE(page.ok()) << page.error().toString();
    return page.ok() ? page->items : std::vector<Incident>{};
  }
  Incident get(const std::string& id) {
    auto got = engine_->incidents().get(id);
    EXPECT_TRUE(got.ok()) << got.error().toString();
    return got.ok() ? *got : Incident{};
  }
  std::vector<std::string> kinds(const Incident& i) {
    std::vector<std::string> out;
    for (const auto& e : i.timeline)
      out.push_back(e.kind);
    return out;
  }
  void samples(Labels labels, std::vector<std::pair<int, double>> atSecondsValue) {
    std::vector<Sample> out;
    for (auto [s, v] : atSecondsValue)
      out.push_back({start_ + s * 1000LL, v});
    memory_.add(std::move(labels), std::move(out));
  }
  std::int64_t start_ = toUnixMillis(clock_.now());
};

TEST_F(IncidentTest, GroupsAlertsOfOneServiceIntoOneIncident) {
  // Latency and errors of service api fire together; db's disk on its own; an alert without
  // a service groups by its rule.
  samples(metric("latency", {{"service", "api"}}), {{0, 5}, {30, 5}, {60, 5}, {90, 0}});
  samples(metric("errors", {{"service", "api"}}), {{30, 9}, {60, 0}});
  samples(metric("disk", {{"service", "db"}}), {{0, 99}, {30, 99}, {60, 99}, {90, 99}});
  samples(metric("queue", {}), {{0, 1000}});
  setRules({rule(R"({"name":"Latency","kind":"threshold","expr":"latency","op":">","value":1})"),
            rule(R"({"name":"Errors","kind":"threshold","expr":"errors","op":">","value":1})"),
            rule(R"({"name":"Disk","kind":"threshold","expr":"disk","op":">","value":90})"),
            rule(R"({"name":"Queue","kind":"threshold","expr":"queue","op":">","value":10})")});
  evaluateNow();
  step();  // errors fire 30 s later: same incident
  auto incidents = list();
  ASSERT_EQ(incidents.size(), 3u);
  std::map<std::string, Incident> byKey;
  for (const auto& i : incidents)
    byKey[i.groupKey] = get(i.id);
  ASSERT_TRUE(byKey.count(R"({service="api"})"));
  ASSERT_TRUE(byKey.count(R"({service="db"})"));
  ASSERT_TRUE(byKey.count(R"({alertname="Queue"})"));
  const Incident& api = byKey[R"({service="api"})"];
  EXPECT_EQ(api.alerts.size(), 2u);
  EXPECT_EQ(api.status, IncidentStatus::kOpen);
  EXPECT_EQ(kinds(api), (std::vector<std::string>{"opened", "alert_fired", "alert_fired"}));
  EXPECT_EQ(api.title, R"(Latency {service="api"})");
}

TEST_F(IncidentTest, AcknowledgeNoteResolveMakeATimeline) {
  samples(metric("x", {{"service", "api"}}), {{0, 5}});
  setRules({rule(R"({"name":"X","kind":"threshold","expr":"x","op":">","value":1})")});
  evaluateNow();
  auto incidents = list(IncidentStatus::kOpen);
  ASSERT_EQ(incidents.size(), 1u);
  const std::string id = incidents[0].id;
  IncidentManager& m = engine_->incidents();
  WallTime t = clock_.now();
  ASSERT_TRUE(m.acknowledge(id, "alice", "looking", t + Millis(1)).ok());
  ASSERT_TRUE(m.addNote(id, "alice", "restarted the pods", t + Millis(2)).ok());
  EXPECT_EQ(m.addNote(id, "alice", "", t).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(m.acknowledge("nope", "alice", "", t).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(m.resolve(id, "bob", "fixed", t + Millis(3)).ok());
  EXPECT_EQ(m.resolve(id, "bob", "", t).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(m.acknowledge(id, "bob", "", t).error().code, ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(m.addNote(id, "bob", "postmortem on Monday", t + Millis(4)).ok());

  Incident i = get(id);
  EXPECT_EQ(i.status, IncidentStatus::kResolved);
  EXPECT_EQ(i.acknowledgedBy, "alice");
  EXPECT_EQ(i.resolvedBy, "bob");
  EXPECT_EQ(kinds(i), (std::vector<std::string>{"opened", "alert_fired", "acknowledged", "note",
                                                "resolved", "note"}));
  EXPECT_EQ(i.timeline[3].text, "restarted the pods");
  nlohmann::json j = toJson(i);
  EXPECT_EQ(j["status"], "resolved");
  EXPECT_EQ(j["timeline"].size(), 6u);
  EXPECT_EQ(j["alerts"][0]["state"], "firing");
  EXPECT_TRUE(list(IncidentStatus::kOpen).empty());
  EXPECT_EQ(list(IncidentStatus::kResolved).size(), 1u);
}

TEST_F(IncidentTest, ClosesByItselfWhenItsAlertsResolvedAndItStayedQuiet) {
  // Fires at 0, resolves at 30 s, fires again at 5 min (within the 10 min window: same
  // incident), resolves at 5.5 min, then stays quiet.
  samples(metric("x", {{"service", "api"}}),
          {{0, 5}, {30, 0}, {300, 5}, {330, 0}, {600, 0}, {960, 0}});
  setRules({rule(R"({"name":"X","kind":"threshold","expr":"x","op":">","value":1})")});
  evaluateNow();
  step();
  step(Millis(270'000));
  ASSERT_EQ(list().size(), 1u);
  step();
  step(Millis(570'000));  // 9.5 min after the last resolve: still open
  EXPECT_EQ(list(IncidentStatus::kOpen).size(), 1u);
  step(Millis(60'000));
  auto resolved = list(IncidentStatus::kResolved);
  ASSERT_EQ(resolved.size(), 1u);
  Incident i = get(resolved[0].id);
  EXPECT_EQ(i.resolvedBy, "pharos");
  EXPECT_EQ(kinds(i), (std::vector<std::string>{"opened", "alert_fired", "alert_resolved",
                                                "alert_fired", "alert_resolved", "resolved"}));
}

TEST_F(IncidentTest, AnAlertAfterTheWindowOpensANewIncident) {
  samples(metric("x", {{"service", "api"}}), {{0, 5}, {30, 0}, {1200, 5}});
  setRules({rule(R"({"name":"X","kind":"threshold","expr":"x","op":">","value":1,
                     "interval":"30s"})")});
  evaluateNow();
  step();
  // No round for 20 minutes (the sweep did not run): the fire itself closes the quiet one.
  step(Millis(1'170'000));
  auto all = list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].status, IncidentStatus::kOpen);  // newest first
  EXPECT_EQ(all[1].status, IncidentStatus::kResolved);
}

TEST_F(IncidentTest, ReadsItsOptions) {
  auto parsed = parseIncidentOptions(
      config::nodeFromJson(nlohmann::json::parse(R"({"group_by":["team","env"],"window":"5m"})")));
  ASSERT_TRUE(std::holds_alternative<IncidentOptions>(parsed));
  EXPECT_EQ(std::get<IncidentOptions>(parsed).groupBy, (std::vector<std::string>{"team", "env"}));
  EXPECT_EQ(std::get<IncidentOptions>(parsed).window, Millis(300'000));
  auto bad = parseIncidentOptions(
      config::nodeFromJson(nlohmann::json::parse(R"({"group_by":["9x"],"windw":"5m"})")));
  ASSERT_TRUE(std::holds_alternative<std::vector<config::FieldProblem>>(bad));
  EXPECT_EQ(std::get<std::vector<config::FieldProblem>>(bad).size(), 2u);
  EXPECT_TRUE(std::holds_alternative<IncidentOptions>(parseIncidentOptions(config::Node{})));

  IncidentManager m(*store_, IncidentOptions{{"team", "env"}, Millis(1)});
  EXPECT_EQ(m.groupKey(Labels{{"alertname", "A"}, {"team", "db"}}), R"({team="db"})");
  EXPECT_EQ(m.groupKey(Labels{{"alertname", "A"}}), R"({alertname="A"})");
}

TEST_F(IncidentTest, ReadsActionBodies) {
  auto a = parseIncidentAction(nlohmann::json::parse(R"({"who":"alice","text":"on it"})"), false);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->who, "alice");
  EXPECT_TRUE(parseIncidentAction(nlohmann::json(), false).ok());
  EXPECT_FALSE(parseIncidentAction(nlohmann::json::parse(R"({"text":""})"), true).ok());
  EXPECT_FALSE(parseIncidentAction(nlohmann::json::parse(R"({"txt":"x"})"), false).ok());
  EXPECT_FALSE(parseIncidentAction(nlohmann::json::parse(R"({"text":3})"), false).ok());
}

}  // namespace
}  // namespace pharos::alarms
