#include "core/config/loader.h"
#include "core/config/validate.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "fakes/temp_dir.h"

namespace pharos::config {
namespace {

LoadOptions withEnv(std::map<std::string, std::string> vars) {
  LoadOptions o;
  o.lookupEnv = [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  return o;
}

LoadOutcome load(std::string_view yaml, const LoadOptions& o = withEnv({})) {
  return loadConfigString(yaml, "pharos.yaml", o);
}

std::string firstError(const LoadOutcome& out) {
  return out.diagnostics.empty() ? std::string("<none>") : out.diagnostics[0].toString();
}

TEST(ConfigLoaderTest, EmptyFileGivesDevDefaults) {
  LoadOutcome out = load("");
  ASSERT_TRUE(out.ok()) << firstError(out);
  EXPECT_EQ(out.config.env, Environment::kDev);
  EXPECT_EQ(out.config.server.listen, "127.0.0.1:8470");
  EXPECT_EQ(out.config.syslog.listen, "127.0.0.1:5514");
  EXPECT_TRUE(out.config.auth.enabled);  // secure by default, even in dev
  EXPECT_EQ(out.config.api.cors.allowedOrigins, std::vector<std::string>{"*"});
}

TEST(ConfigLoaderTest, ReadsApiAndNetworkSettings) {
  LoadOutcome out = load(R"(
server:
  allow_cidrs: [10.0.0.0/8, "::1"]
  trusted_proxies: [127.0.0.1/32]
api:
  rate_limit: {rate: 2.5, burst: 5}
  cache_ttl: 30s
  cors:
    allowed_origins: [https://status.example.com]
    allow_credentials: true
auth:
  audit_retention: 30d
)");
  ASSERT_TRUE(out.ok()) << firstError(out);
  EXPECT_EQ(out.config.server.allowCidrs.size(), 2u);
  EXPECT_DOUBLE_EQ(out.config.api.keyRateLimit.rate, 2.5);
  EXPECT_EQ(out.config.api.keyRateLimit.burst, 5);
  EXPECT_EQ(out.config.api.cacheTtl, Millis(30'000));
  EXPECT_TRUE(out.config.api.cors.allowCredentials);
  EXPECT_EQ(out.config.auth.auditRetention, Millis(30LL * 86'400'000));
}

TEST(ConfigLoaderTest, RejectsBadRangesAndUnsafeCors) {
  LoadOutcome out = load(R"(server:
  allow_cidrs: [10.0.0.0/33, nonsense]
api:
  rate_limit: {rate: 0}
  cors:
    allowed_origins: ["*"]
    allow_credentials: true
)");
  ASSERT_EQ(out.diagnostics.size(), 4u) << firstError(out);
  std::string all;
  for (const auto& d : out.diagnostics)
    all += d.toString() + "\n";
  EXPECT_NE(all.find("invalid prefix length"), std::string::npos) << all;
  EXPECT_NE(all.find("'nonsense' is not an IP address"), std::string::npos) << all;
  EXPECT_NE(all.find("api.rate_limit.rate: 0 is out of range"), std::string::npos) << all;
  EXPECT_NE(all.find("pharos.yaml:7:24: api.cors: a wildcard origin"), std::string::npos) << all;
}

TEST(ConfigLoaderTest, ReadsEveryKind) {
  LoadOutcome out = load(R"(
env: staging
data_dir: /tmp/pharos
server:
  listen: 0.0.0.0:9000
  max_body_bytes: 4MiB
  read_timeout: 2s
log:
  level: debug
  modules: {bus: warn}
bus:
  max_receives: 3
  visibility_timeout: 1m30s
objects:
  lifecycle:
    - prefix: archive/
      compress_after: 1d
      expire_after: 30d
)");
  ASSERT_TRUE(out.ok()) << firstError(out);
  const Config& c = out.config;
  EXPECT_EQ(c.env, Environment::kStaging);
  EXPECT_TRUE(c.auth.enabled);  // the staging default
  EXPECT_EQ(c.dataDir, "/tmp/pharos");
  EXPECT_EQ(c.server.listen, "0.0.0.0:9000");
  EXPECT_EQ(c.server.maxBodyBytes, 4 << 20);
  EXPECT_EQ(c.server.readTimeout, Millis(2000));
  EXPECT_EQ(c.log.level, logging::Level::kDebug);
  EXPECT_EQ(c.log.modules.at("bus"), logging::Level::kWarn);
  EXPECT_EQ(c.bus.maxReceives, 3);
  EXPECT_EQ(c.bus.visibilityTimeout, Millis(90'000));
  ASSERT_EQ(c.objects.lifecycle.size(), 1u);
  EXPECT_EQ(c.objects.lifecycle[0].expireAfter, Millis(30LL * 86'400'000));
}

TEST(ConfigLoaderTest, UnknownKeyHasPositionAndSuggestion) {
  LoadOutcome out = load("server:\n  listn: 127.0.0.1:1\n");
  ASSERT_EQ(out.diagnostics.size(), 1u);
  EXPECT_EQ(out.diagnostics[0].toString(),
            "pharos.yaml:2:3: unknown key 'listn' in server (did you mean 'listen'?)");
}

TEST(ConfigLoaderTest, ReportsEveryProblemNotJustTheFirst) {
  LoadOutcome out = load(R"(server:
  threads: many
  read_timeout: 10
bus:
  max_receives: 0
colour: blue
)");
  ASSERT_EQ(out.diagnostics.size(), 4u) << firstError(out);
  EXPECT_EQ(out.diagnostics[0].toString(),
            "pharos.yaml:2:12: server.threads: expected an integer, got 'many'");
  EXPECT_EQ(out.diagnostics[1].line, 3);
  EXPECT_NE(out.diagnostics[1].message.find("missing unit"), std::string::npos);
  EXPECT_EQ(out.diagnostics[2].toString(),
            "pharos.yaml:5:17: bus.max_receives: 0 is out of range [1, 1000]");
  EXPECT_EQ(out.diagnostics[3].line, 6);
  EXPECT_NE(out.diagnostics[3].message.find("unknown key 'colour'"), std::string::npos);
}

TEST(ConfigLoaderTest, BrokenYamlHasPosition) {
  LoadOutcome out = load("server:\n  listen: [unclosed\n");
  ASSERT_EQ(out.diagnostics.size(), 1u);
  EXPECT_GT(out.diagnostics[0].line, 0);
  EXPECT_EQ(out.diagnostics[0].file, "pharos.yaml");
}

TEST(ConfigLoaderTest, DuplicateKeysAreErrors) {
  LoadOutcome out = load("data_dir: a\ndata_dir: b\n");
  ASSERT_EQ(out.diagnostics.size(), 1u);
  EXPECT_EQ(out.diagnostics[0].toString(),
            "pharos.yaml:2:1: duplicate key 'data_dir' in the top level");
}

TEST(ConfigLoaderTest, WrongShapesAreErrors) {
  EXPECT_FALSE(load("- a\n- b\n").ok());
  EXPECT_FALSE(load("server: 5\n").ok());
  EXPECT_FALSE(load("server:\n  listen: [a, b]\n").ok());
  EXPECT_FALSE(load("server:\n  listen: localhost\n").ok());
  EXPECT_FALSE(load("server:\n  listen: localhost:99999\n").ok());
  EXPECT_FALSE(load("objects:\n  lifecycle:\n    - prefix: a/\n").ok());
  EXPECT_FALSE(load("env: moon\n").ok());
}

TEST(ConfigLoaderTest, SecretsOnlyFromEnvironmentOrFile) {
  LoadOutcome inlined = load("auth:\n  bootstrap_key: hunter2-inline\n");
  ASSERT_EQ(inlined.diagnostics.size(), 1u);
  EXPECT_NE(inlined.diagnostics[0].message.find("may not be written inline"), std::string::npos);
  EXPECT_EQ(inlined.diagnostics[0].toString().find("hunter2"), std::string::npos);

  LoadOutcome fromEnv =
      load("auth:\n  bootstrap_key: ${BOOT}\n", withEnv({{"BOOT", "s3cret-value"}}));
  ASSERT_TRUE(fromEnv.ok()) << firstError(fromEnv);
  EXPECT_EQ(fromEnv.config.auth.bootstrapKey.reveal(), "s3cret-value");

  LoadOutcome unset = load("auth:\n  bootstrap_key: ${NOPE}\n");
  ASSERT_EQ(unset.diagnostics.size(), 1u);
  EXPECT_EQ(unset.diagnostics[0].toString(),
            "pharos.yaml:2:18: auth.bootstrap_key: environment variable NOPE is not set");

  testing::TempDir dir;
  std::ofstream(dir.file("key")) << "from-a-file\n";
  LoadOutcome fromFile = load("auth:\n  bootstrap_key_file: " + dir.file("key") + "\n");
  ASSERT_TRUE(fromFile.ok()) << firstError(fromFile);
  EXPECT_EQ(fromFile.config.auth.bootstrapKey.reveal(), "from-a-file");
}

TEST(ConfigLoaderTest, ErrorsAboutEnvironmentValuesShowTheReferenceNotTheValue) {
  LoadOutcome out = load("server:\n  listen: ${ADDR}\n  read_timeout: ${ADDR}\n",
                         withEnv({{"ADDR", "token-abc123"}}));
  ASSERT_EQ(out.diagnostics.size(), 2u);
  for (const Diagnostic& d : out.diagnostics) {
    EXPECT_EQ(d.message.find("token-abc123"), std::string::npos) << d.toString();
    EXPECT_NE(d.message.find("${ADDR}"), std::string::npos) << d.toString();
  }
}

TEST(ConfigLoaderTest, ProdRefusesWithoutTlsAndAuth) {
  LoadOutcome out = load("env: prod\nauth:\n  enabled: false\n");
  ASSERT_EQ(out.diagnostics.size(), 2u);
  EXPECT_NE(out.diagnostics[0].message.find("prod requires TLS"), std::string::npos);
  EXPECT_EQ(out.diagnostics[1].toString(),
            "pharos.yaml:3:12: prod requires auth: auth.enabled must be true");

  testing::TempDir dir;
  std::ofstream(dir.file("cert.pem")) << "cert";
  std::ofstream(dir.file("key.pem")) << "key";
  std::string good = "env: prod\nserver:\n  tls:\n    cert_file: " + dir.file("cert.pem") +
                     "\n    key_file: " + dir.file("key.pem") + "\n";
  LoadOutcome ok = load(good);
  EXPECT_TRUE(ok.ok()) << firstError(ok);
  EXPECT_EQ(ok.config.server.listen, "0.0.0.0:8470");
}

TEST(ConfigLoaderTest, EnvironmentPrecedence) {
  // The file says staging; PHAROS_ENV says dev; --env says prod.
  LoadOptions o = withEnv({{"PHAROS_ENV", "dev"}});
  EXPECT_EQ(load("env: staging\n", o).config.env, Environment::kDev);
  o.env = Environment::kProd;
  EXPECT_EQ(load("env: staging\n", o).config.env, Environment::kProd);
  EXPECT_EQ(load("env: staging\n").config.env, Environment::kStaging);
}

TEST(ConfigLoaderTest, CommandLineBeatsFileAndIsBlamedByName) {
  LoadOptions o = withEnv({});
  o.listen = "127.0.0.1:9999";
  o.dataDir = "/tmp/x";
  LoadOutcome out = load("server:\n  listen: 127.0.0.1:1234\n", o);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.config.server.listen, "127.0.0.1:9999");
  EXPECT_EQ(out.config.dataDir, "/tmp/x");
  o.listen = "nonsense";
  LoadOutcome bad = load("", o);
  ASSERT_EQ(bad.diagnostics.size(), 1u);
  EXPECT_EQ(bad.diagnostics[0].toString().rfind("--listen: invalid address 'nonsense'", 0), 0u);
}

TEST(ConfigLoaderTest, MissingFileIsAnError) {
  LoadOutcome out = loadConfigFile("/nonexistent/pharos.yaml", withEnv({}));
  ASSERT_EQ(out.diagnostics.size(), 1u);
  EXPECT_EQ(out.diagnostics[0].toString(), "/nonexistent/pharos.yaml: cannot open config file");
}

}  // namespace
}  // namespace pharos::config

namespace pharos::config {
namespace {

TEST(ConfigLoaderTest, ReadsOutboundRules) {
  LoadOutcome out = load(R"(
outbound:
  checks:    { allow: ["10.0.0.0/8", "*.corp.example"], deny: ["10.9.0.0/16"] }
  scrapes:   { allow: [], deny: [] }
  receivers: { allow: ["hooks.example.org", "fd00::/8"] }
)");
  ASSERT_TRUE(out.ok()) << firstError(out);
  EXPECT_EQ(out.config.outbound.checks.allow,
            (std::vector<std::string>{"10.0.0.0/8", "*.corp.example"}));
  EXPECT_EQ(out.config.outbound.checks.deny, std::vector<std::string>{"10.9.0.0/16"});
  EXPECT_TRUE(out.config.outbound.scrapes.allow.empty());
  EXPECT_EQ(out.config.outbound.receivers.allow.size(), 2u);
  EXPECT_TRUE(out.config.outbound.receivers.deny.empty());
}

TEST(ConfigLoaderTest, OutboundDefaultsAreEmptyInEveryEnvironment) {
  for (Environment env : {Environment::kDev, Environment::kStaging, Environment::kProd}) {
    Config c = defaultsFor(env);
    EXPECT_TRUE(c.outbound.checks.allow.empty() && c.outbound.checks.deny.empty());
    EXPECT_TRUE(c.outbound.receivers.allow.empty() && c.outbound.receivers.deny.empty());
  }
}

TEST(ConfigLoaderTest, OutboundErrorsHavePositionsAndSuggestions) {
  LoadOutcome out = load(R"(outbound:
  check: {allow: []}
  scrapes: {alow: []}
  receivers:
    deny: ["10.0.0.0/33", "*.ok.example", "0251.0376.0251.0376", "bad host", "*"]
    allow: 10.0.0.0/8
)");
  std::vector<std::string> all;
  for (const auto& d : out.diagnostics)
    all.push_back(d.toString());
  ASSERT_EQ(all.size(), 7u) << ::testing::PrintToString(all);
  EXPECT_EQ(all[0], "pharos.yaml:2:3: unknown key 'check' in outbound (did you mean 'checks'?)");
  EXPECT_EQ(all[1],
            "pharos.yaml:3:13: unknown key 'alow' in outbound.scrapes (did you mean 'allow'?)");
  EXPECT_EQ(all[2],
            "pharos.yaml:5:12: outbound.receivers.deny[0]: '10.0.0.0/33' has an invalid prefix "
            "length (0-32)");
  EXPECT_EQ(all[3],
            "pharos.yaml:5:43: outbound.receivers.deny[2]: '0251.0376.0251.0376' is not an IP "
            "address or CIDR range");
  EXPECT_NE(all[4].find("pharos.yaml:5:66: outbound.receivers.deny[3]: 'bad host' is neither"),
            std::string::npos)
      << all[4];
  EXPECT_NE(all[5].find("outbound.receivers.deny[4]: '*' is neither"), std::string::npos) << all[5];
  EXPECT_EQ(all[6], "pharos.yaml:6:12: outbound.receivers.allow: expected a list");
}

TEST(ConfigLoaderTest, HostPatternSyntax) {
  for (const char* ok : {"example.com", "*.corp.example", "intranet", "a-b_c.example", "x1.y2"}) {
    EXPECT_TRUE(isValidHostPattern(ok)) << ok;
  }
  for (const char* bad : {"", "*", "*.", ".example", "a..b", "example.", "10.0.0.1", "a.b.1",
                          "*.*.example", "ex ample.com", "a/b", "ex\xc3\xa4mple.com"}) {
    EXPECT_FALSE(isValidHostPattern(bad)) << bad;
  }
  std::string label(63, 'a');
  EXPECT_TRUE(isValidHostPattern(label));
  label.push_back('a');
  EXPECT_FALSE(isValidHostPattern(label));
}

TEST(ConfigLoaderTest, KeepsAlertingDefinitionsAsTreesWithPositions) {
  LoadOutcome out = load(R"(slos:
  - name: api
alerting:
  evaluation_interval: 10s
  external_url: https://pharos.example.com
  rules:
    - name: HighErrors
  route:
    receiver: ops
notify:
  receivers:
    - name: ops
      type: webhook
)");
  ASSERT_TRUE(out.ok()) << firstError(out);
  const Config& c = out.config;
  ASSERT_TRUE(c.slo.definitions.isList());
  EXPECT_EQ(c.slo.definitions.items.size(), 1u);
  EXPECT_EQ(c.slo.file, "pharos.yaml");
  EXPECT_EQ(c.alerting.evaluationInterval, Millis(10'000));
  EXPECT_EQ(c.alerting.externalUrl, "https://pharos.example.com");
  ASSERT_TRUE(c.alerting.rules.isList());
  const Node* name = c.alerting.rules.items[0].find("name");
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(name->line, 7);
  EXPECT_EQ(name->column, 13);
  ASSERT_TRUE(c.alerting.route.isMap());
  ASSERT_TRUE(c.notify.section.isMap());
  ASSERT_NE(c.notify.section.find("receivers"), nullptr);
  EXPECT_EQ(c.notify.section.find("receivers")->items.size(), 1u);
}

TEST(ConfigLoaderTest, AlertingShapeErrorsArePlaced) {
  LoadOutcome out = load("alerting:\n  rules: {name: x}\n  evalution_interval: 5s\n");
  ASSERT_EQ(out.diagnostics.size(), 2u);
  EXPECT_EQ(out.diagnostics[0].toString(), "pharos.yaml:2:10: alerting.rules: expected a list");
  EXPECT_NE(out.diagnostics[1].message.find("did you mean 'evaluation_interval'"),
            std::string::npos)
      << out.diagnostics[1].toString();
  EXPECT_FALSE(load("notify: [a]\n").ok());
}

}  // namespace
}  // namespace pharos::config
