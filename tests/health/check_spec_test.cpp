#include "health/check_spec.h"

#include <gtest/gtest.h>

#include "core/config/loader.h"
#include "health/health_config.h"

namespace pharos::health {
namespace {

ParsedCheck fromJson(std::string_view text) {
  return parseCheckSpec(config::nodeFromJson(nlohmann::json::parse(text)));
}

std::vector<SpecProblem> problemsOf(const ParsedCheck& parsed) {
  if (auto* p = std::get_if<std::vector<SpecProblem>>(&parsed)) return *p;
  return {};
}

std::string allMessages(const std::vector<SpecProblem>& problems) {
  std::string out;
  for (const auto& p : problems)
    out += p.message + "\n";
  return out;
}

TEST(CheckSpecTest, ReadsAnHttpCheckWithDefaults) {
  ParsedCheck parsed = fromJson(
      R"({"name":"web","type":"http","url":"https://example.com/health","interval":"30s",
          "conditions":["[STATUS] == 200","[BODY].status == ok"],"labels":{"team":"web"}})");
  ASSERT_TRUE(std::holds_alternative<CheckSpec>(parsed)) << allMessages(problemsOf(parsed));
  const CheckSpec& s = std::get<CheckSpec>(parsed);
  EXPECT_EQ(s.type, CheckType::kHttp);
  EXPECT_EQ(s.interval, Millis(30'000));
  EXPECT_EQ(s.timeout, Millis(10'000));
  EXPECT_EQ(s.method, "GET");
  EXPECT_EQ(s.conditions.size(), 2u);
  EXPECT_EQ(s.failureThreshold, 3);
  EXPECT_EQ(s.successThreshold, 2);
  EXPECT_EQ(s.identity().str(), R"({check="web",team="web",type="http"})");
}

TEST(CheckSpecTest, DefaultTimeoutShrinksToAShortInterval) {
  ParsedCheck parsed =
      fromJson(R"({"name":"t","type":"tcp","host":"db","port":5432,"interval":"2s"})");
  ASSERT_TRUE(std::holds_alternative<CheckSpec>(parsed)) << allMessages(problemsOf(parsed));
  EXPECT_EQ(std::get<CheckSpec>(parsed).timeout, Millis(2'000));
}

TEST(CheckSpecTest, ReportsEveryProblemNamingItsField) {
  auto problems = problemsOf(fromJson(
      R"({"name":"bad name!","type":"http","interval":"5s","timeout":"9s","intervall":"1s",
          "port":80,"conditions":["[STATU] == 200"],"labels":{"check":"x"}})"));
  std::string all = allMessages(problems);
  EXPECT_NE(all.find("'bad name!' is not a valid name"), std::string::npos) << all;
  EXPECT_NE(all.find("unknown field 'intervall' (did you mean 'interval'?)"), std::string::npos)
      << all;
  EXPECT_NE(all.find("port: not a field of a http check"), std::string::npos) << all;
  EXPECT_NE(all.find("url: a http check needs a url"), std::string::npos) << all;
  EXPECT_NE(all.find("timeout (9s) must not exceed interval (5s)"), std::string::npos) << all;
  EXPECT_NE(all.find("[STATUS]"), std::string::npos) << all;  // the did-you-mean
  EXPECT_NE(all.find("'check' cannot be a label name"), std::string::npos) << all;
}

TEST(CheckSpecTest, RefusesPlaceholdersTheTypeCannotFill) {
  auto problems = problemsOf(fromJson(
      R"({"name":"p","type":"tcp","host":"h","port":1,"conditions":["[STATUS] == 200"]})"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].field, "conditions[0]");
  EXPECT_NE(problems[0].message.find("[STATUS] means nothing for a tcp check"), std::string::npos);
}

TEST(CheckSpecTest, NeedsNameAndType) {
  std::string all = allMessages(problemsOf(fromJson(R"({"url":"http://x"})")));
  EXPECT_NE(all.find("a check needs a name"), std::string::npos) << all;
  EXPECT_NE(all.find("a check needs a type"), std::string::npos) << all;
  all = allMessages(problemsOf(fromJson(R"({"name":"x","type":"icmp"})")));
  EXPECT_NE(all.find("unknown type 'icmp'"), std::string::npos) << all;
}

TEST(CheckSpecTest, JsonOfASpecReadsBackToTheSameSpec) {
  ParsedCheck parsed = fromJson(
      R"({"name":"d","type":"dns","host":"example.com","server":"10.0.0.2","record":"aaaa",
          "conditions":["[DNS_RCODE] == NOERROR"],"retries":2,"paused":true})");
  ASSERT_TRUE(std::holds_alternative<CheckSpec>(parsed)) << allMessages(problemsOf(parsed));
  nlohmann::json first = checkSpecToJson(std::get<CheckSpec>(parsed));
  EXPECT_EQ(first["record"], "AAAA");
  ParsedCheck again = parseCheckSpec(config::nodeFromJson(first));
  ASSERT_TRUE(std::holds_alternative<CheckSpec>(again)) << allMessages(problemsOf(again));
  EXPECT_EQ(checkSpecToJson(std::get<CheckSpec>(again)), first);
}

TEST(CheckSpecTest, CredentialHeadersAreRedactedUnlessStored) {
  ParsedCheck parsed = fromJson(
      R"({"name":"a","type":"http","url":"http://x/","headers":{"Authorization":"Bearer s3cret",
          "Accept":"application/json"}})");
  ASSERT_TRUE(std::holds_alternative<CheckSpec>(parsed));
  const CheckSpec& s = std::get<CheckSpec>(parsed);
  EXPECT_EQ(checkSpecToJson(s)["headers"]["Authorization"], "[redacted]");
  EXPECT_EQ(checkSpecToJson(s)["headers"]["Accept"], "application/json");
  EXPECT_EQ(checkSpecToJson(s, true)["headers"]["Authorization"], "Bearer s3cret");
}

TEST(CheckSpecTest, AHeartbeatGetsAGraceOfAFifthOfItsInterval) {
  ParsedCheck parsed = fromJson(R"({"name":"job","type":"heartbeat","interval":"1h"})");
  ASSERT_TRUE(std::holds_alternative<CheckSpec>(parsed));
  EXPECT_EQ(std::get<CheckSpec>(parsed).grace, Millis(720'000));
}

config::LoadOutcome loadYaml(std::string_view yaml) {
  config::LoadOptions options;
  options.lookupEnv = [](const std::string& name) -> std::optional<std::string> {
    if (name == "HB") return std::string("0123456789abcdefXYZ");
    return std::nullopt;
  };
  return config::loadConfigString(yaml, "pharos.yaml", options);
}

std::vector<config::Diagnostic> healthDiagnostics(std::string_view yaml) {
  config::LoadOutcome out = loadYaml(yaml);
  EXPECT_TRUE(out.ok()) << (out.diagnostics.empty() ? "" : out.diagnostics[0].toString());
  auto read = readHealthConfig(out.config.health);
  if (auto* d = std::get_if<std::vector<config::Diagnostic>>(&read)) return *d;
  return {};
}

TEST(HealthConfigTest, ABrokenConditionIsLocatedAtItsCharacter) {
  auto d = healthDiagnostics(
      "health:\n"
      "  checks:\n"
      "    - name: web\n"
      "      type: http\n"
      "      url: http://127.0.0.1/\n"
      "      conditions:\n"
      "        - \"[STATUS] == 200 && )\"\n");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].line, 7);
  // The quote is at column 11; the ')' is 20 characters into the condition.
  EXPECT_EQ(d[0].column, 11 + 1 + 19);
  EXPECT_NE(d[0].toString().find("pharos.yaml:7:31: health.checks[0].conditions[0]"),
            std::string::npos)
      << d[0].toString();
}

TEST(HealthConfigTest, DuplicateNamesAndUnknownKeysAreLocated) {
  auto d = healthDiagnostics(
      "health:\n"
      "  checks:\n"
      "    - {name: a, type: tcp, host: h, port: 1}\n"
      "    - {name: a, type: tcp, host: h, port: 2, prot: 3}\n");
  ASSERT_EQ(d.size(), 1u);  // the second fails on its unknown key before the duplicate check
  EXPECT_EQ(d[0].line, 4);
  EXPECT_NE(d[0].message.find("unknown field 'health.checks[1].prot' (did you mean 'port'?)"),
            std::string::npos)
      << d[0].message;
  d = healthDiagnostics(
      "health:\n"
      "  checks:\n"
      "    - {name: a, type: tcp, host: h, port: 1}\n"
      "    - {name: a, type: tcp, host: h, port: 2}\n");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NE(d[0].message.find("duplicate check name 'a'"), std::string::npos);
}

TEST(HealthConfigTest, TokensComeOnlyFromTheEnvironment) {
  auto d = healthDiagnostics(
      "health:\n"
      "  checks:\n"
      "    - {name: a, type: heartbeat, token: inline-token-0123456789}\n");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NE(d[0].message.find("may not be written inline"), std::string::npos);
  config::LoadOutcome out = loadYaml(
      "health:\n"
      "  checks:\n"
      "    - {name: a, type: heartbeat, token: '${HB}'}\n");
  auto read = readHealthConfig(out.config.health);
  ASSERT_TRUE(std::holds_alternative<HealthDefinitions>(read));
  EXPECT_EQ(std::get<HealthDefinitions>(read).checks[0].token, "0123456789abcdefXYZ");
}

TEST(HealthConfigTest, ReadsMaintenanceWindows) {
  config::LoadOutcome out = loadYaml(
      "health:\n"
      "  maintenance:\n"
      "    - name: upgrade\n"
      "      start: 2026-12-01T02:00:00Z\n"
      "      end: 2026-12-01T04:00:00Z\n"
      "      checks: [db]\n"
      "    - name: nightly\n"
      "      every: '0 3 * * *'\n"
      "      duration: 30m\n"
      "      labels: ['team=\"db\"']\n");
  ASSERT_TRUE(out.ok());
  auto read = readHealthConfig(out.config.health);
  ASSERT_TRUE(std::holds_alternative<HealthDefinitions>(read));
  const auto& windows = std::get<HealthDefinitions>(read).maintenance;
  ASSERT_EQ(windows.size(), 2u);
  MaintenanceCalendar calendar(windows);
  Labels db{{"check", "orders"}, {"team", "db"}};
  EXPECT_TRUE(calendar.inMaintenance("orders", db, fromUnixMillis(1796094000000 + 600'000)));
  EXPECT_FALSE(calendar.inMaintenance("orders", db, fromUnixMillis(1796094000000 + 3'600'000)));
}

// Found by the SLO spec fuzzer, which reads exclusions with the same code: a time past 2262
// overflowed WallTime's nanoseconds.
TEST(HealthConfigTest, MaintenanceTimesBeyondWhatTimeHoldsAreRefused) {
  auto d = healthDiagnostics(
      "health:\n"
      "  maintenance:\n"
      "    - name: far\n"
      "      start: 4052-12-01T02:00:00Z\n"
      "      end: 4052-12-01T04:00:00Z\n"
      "      checks: [db]\n");
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].line, 4);
  EXPECT_NE(d[0].message.find("expected a time like"), std::string::npos) << d[0].message;
}

TEST(HealthConfigTest, MaintenanceProblemsAreLocated) {
  auto d = healthDiagnostics(
      "health:\n"
      "  maintenance:\n"
      "    - name: bad\n"
      "      every: '0 25 * * *'\n"
      "      duration: 30m\n"
      "      checks: [db]\n");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].line, 4);
  EXPECT_NE(d[0].message.find("out of range"), std::string::npos) << d[0].message;
}

}  // namespace
}  // namespace pharos::health
