// The backend keys of `store:`, `bus:` and `objects:` (issue 11): embedded by default, every
// field read, and the mistakes a user makes reported with their position.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "core/config/loader.h"

namespace pharos::config {
namespace {

LoadOutcome load(std::string_view yaml) {
  LoadOptions options;
  options.lookupEnv = [](const std::string& name) -> std::optional<std::string> {
    if (name == "PG_URL") return "postgresql://pharos:s3cret-pw@db.internal/pharos";
    if (name == "S3_SECRET") return "s3-secret-value";
    if (name == "NATS_PW") return "nats-secret-value";
    return {};
  };
  return loadConfigString(yaml, "pharos.yaml", options);
}

std::string allErrors(const LoadOutcome& out) {
  std::string all;
  for (const auto& d : out.diagnostics)
    all += d.toString() + "\n";
  return all;
}

bool mentions(const LoadOutcome& out, std::string_view text) {
  return allErrors(out).find(text) != std::string::npos;
}

TEST(ConfigBackendsTest, EmbeddedBackendsAreTheDefaultEverywhere) {
  for (Environment env : {Environment::kDev, Environment::kStaging, Environment::kProd}) {
    Config c = defaultsFor(env);
    EXPECT_EQ(c.store.backend, StoreBackend::kSqlite);
    EXPECT_EQ(c.bus.backend, BusBackend::kEmbedded);
    EXPECT_EQ(c.objects.backend, ObjectsBackend::kLocal);
  }
}

TEST(ConfigBackendsTest, ReadsEveryField) {
  LoadOutcome out = load(R"(
store:
  backend: postgres
  url: ${PG_URL}
  pool_size: 16
bus:
  backend: nats
  servers: [nats://a:4222, nats://b:4222]
  replicas: 3
  prefix: prod_eu
objects:
  backend: s3
  s3:
    endpoint: https://s3.eu-west-1.amazonaws.com
    region: eu-west-1
    bucket: pharos-archive
    prefix: eu
    access_key_id: AKIAEXAMPLE
    secret_access_key: ${S3_SECRET}
    path_style: false
)");
  ASSERT_TRUE(out.ok()) << allErrors(out);
  const Config& c = out.config;
  EXPECT_EQ(c.store.backend, StoreBackend::kPostgres);
  EXPECT_EQ(c.store.url.reveal(), "postgresql://pharos:s3cret-pw@db.internal/pharos");
  EXPECT_EQ(c.store.poolSize, 16);
  EXPECT_EQ(c.bus.backend, BusBackend::kNats);
  EXPECT_EQ(c.bus.servers, (std::vector<std::string>{"nats://a:4222", "nats://b:4222"}));
  EXPECT_EQ(c.bus.replicas, 3);
  EXPECT_EQ(c.bus.prefix, "prod_eu");
  EXPECT_EQ(c.objects.backend, ObjectsBackend::kS3);
  EXPECT_EQ(c.objects.s3.endpoint, "https://s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(c.objects.s3.region, "eu-west-1");
  EXPECT_EQ(c.objects.s3.bucket, "pharos-archive");
  EXPECT_EQ(c.objects.s3.prefix, "eu");
  EXPECT_EQ(c.objects.s3.accessKeyId, "AKIAEXAMPLE");
  EXPECT_EQ(c.objects.s3.secretAccessKey.reveal(), "s3-secret-value");
  EXPECT_FALSE(c.objects.s3.pathStyle);
}

TEST(ConfigBackendsTest, AnUnknownBackendListsTheChoicesAtItsPosition) {
  LoadOutcome out = load("store:\n  backend: mysql\n");
  ASSERT_EQ(out.diagnostics.size(), 1u) << allErrors(out);
  EXPECT_EQ(out.diagnostics[0].toString(),
            "pharos.yaml:2:12: store.backend: expected one of sqlite, postgres, got 'mysql'");
  EXPECT_TRUE(mentions(load("bus:\n  backend: kafka\n"), "expected one of embedded, nats"));
  EXPECT_TRUE(mentions(load("objects:\n  backend: gcs\n"), "expected one of local, s3"));
}

TEST(ConfigBackendsTest, SecretsMayNotBeInline) {
  LoadOutcome url = load("store:\n  backend: postgres\n  url: postgresql://u:pw@db/p\n");
  EXPECT_TRUE(mentions(url, "store.url: secrets may not be written inline")) << allErrors(url);
  EXPECT_FALSE(mentions(url, "pw@db")) << "the inline secret was echoed";
  LoadOutcome key = load(
      "objects:\n  backend: s3\n  s3:\n    endpoint: http://127.0.0.1:9000\n    bucket: b\n"
      "    access_key_id: k\n    secret_access_key: plain\n");
  EXPECT_TRUE(mentions(key, "objects.s3.secret_access_key: secrets may not be written inline"))
      << allErrors(key);
}

TEST(ConfigBackendsTest, ABackendMissingWhatItNeedsIsAnError) {
  EXPECT_TRUE(mentions(load("store:\n  backend: postgres\n"), "store.backend postgres needs"));
  EXPECT_TRUE(
      mentions(load("store:\n  url: ${PG_URL}\n"), "store.url is only read by the postgres"));
  EXPECT_TRUE(mentions(load("bus:\n  backend: nats\n  servers: []\n"),
                       "bus.servers: the nats backend needs at least one"));
  EXPECT_TRUE(mentions(load("objects:\n  backend: s3\n  s3:\n    endpoint: http://127.0.0.1:1\n"),
                       "objects.s3: the s3 backend needs endpoint, bucket"));
  EXPECT_TRUE(mentions(load("bus:\n  replicas: 7\n"), "bus.replicas: 7 is out of range [1, 5]"));
}

TEST(ConfigBackendsTest, ProdRefusesPlainHttpToARemoteBucket) {
  const char* s3 =
      "objects:\n  backend: s3\n  s3:\n    endpoint: {}\n    bucket: b\n    access_key_id: k\n"
      "    secret_access_key: ${{S3_SECRET}}\n";
  auto withEndpoint = [&](std::string_view env, std::string_view endpoint) {
    return load("env: " + std::string(env) + "\n" + fmt::format(fmt::runtime(s3), endpoint));
  };
  EXPECT_TRUE(mentions(withEndpoint("prod", "http://minio.internal:9000"),
                       "prod requires https for objects.s3.endpoint"));
  EXPECT_FALSE(mentions(withEndpoint("prod", "https://minio.internal:9000"), "objects.s3"));
  EXPECT_FALSE(mentions(withEndpoint("prod", "http://127.0.0.1:9000"), "objects.s3"));
  EXPECT_FALSE(mentions(withEndpoint("staging", "http://minio.internal:9000"), "objects.s3"));
}

TEST(ConfigBackendsTest, TheNatsClientsLoginAndTls) {
  LoadOutcome out = load(
      "bus:\n  backend: nats\n  servers: [tls://nats.internal:4222]\n  user: pharos\n"
      "  password: ${NATS_PW}\n");
  ASSERT_TRUE(out.ok()) << allErrors(out);
  EXPECT_EQ(out.config.bus.user, "pharos");
  EXPECT_EQ(out.config.bus.password.reveal(), "nats-secret-value");

  EXPECT_TRUE(mentions(load("bus:\n  backend: nats\n  password: ${NATS_PW}\n"),
                       "bus.user and bus.password go together"));
  EXPECT_TRUE(mentions(load("bus:\n  backend: nats\n  user: u\n  password: inline-pw\n"),
                       "secrets may not be written inline"));
  EXPECT_TRUE(
      mentions(load("bus:\n  backend: nats\n  credentials_file: /nonexistent/pharos.creds\n"),
               "bus.credentials_file: cannot read '/nonexistent/pharos.creds'"));
  EXPECT_TRUE(mentions(load("bus:\n  backend: nats\n  tls_cert_file: /etc/hostname\n"),
                       "bus.tls_cert_file and bus.tls_key_file go together"));
  EXPECT_TRUE(
      mentions(load("bus:\n  user: u\n  password: ${NATS_PW}\n"), "only read by the nats backend"));
}

TEST(ConfigBackendsTest, ProdRefusesPlainNatsToARemoteServerWithoutShowingItsPassword) {
  auto withServer = [&](std::string_view env, std::string_view url) {
    return load("env: " + std::string(env) + "\nbus:\n  backend: nats\n  servers: [" +
                std::string(url) + "]\n");
  };
  LoadOutcome plain = withServer("prod", "nats://pharos:hunter2pw@nats.internal:4222");
  EXPECT_TRUE(mentions(plain,
                       "prod requires TLS to a NATS server off this machine "
                       "(nats.internal:4222)"))
      << allErrors(plain);
  EXPECT_FALSE(mentions(plain, "hunter2pw"));
  EXPECT_FALSE(
      mentions(withServer("prod", "tls://nats.internal:4222"), "requires TLS to a NATS server"));
  EXPECT_FALSE(
      mentions(withServer("prod", "nats://127.0.0.1:4222"), "requires TLS to a NATS server"));
  EXPECT_FALSE(mentions(withServer("staging", "nats://nats.internal:4222"),
                        "requires TLS to a NATS server"));
}

// `modules:` and `pharos serve --modules` (issue 11): all by default; names checked, with
// the position in the file or the flag named.
TEST(ConfigModulesTest, AllByDefaultAndAListIsKept) {
  EXPECT_TRUE(load("env: dev\n").config.modules.empty());
  LoadOutcome out = load("modules: [api, logs]\n");
  ASSERT_TRUE(out.ok()) << allErrors(out);
  EXPECT_EQ(out.config.modules, (std::vector<std::string>{"api", "logs"}));
}

TEST(ConfigModulesTest, UnknownModulesAndAnalysisWithoutLogsAreErrorsWithTheirPosition) {
  LoadOutcome out = load("env: dev\nmodules: [api, helth]\n");
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(mentions(out,
                       "pharos.yaml:2:10: modules: unknown module 'helth' (expected some of "
                       "api, logs, health, alerting, analysis, backups, scrapes)"))
      << allErrors(out);
  out = load("modules: [analysis]\n");
  EXPECT_TRUE(mentions(out, "analysis reads the log records of the same process: run it with logs"))
      << allErrors(out);
}

TEST(ConfigModulesTest, TheFlagOverridesTheFileAndItsMistakesNameTheFlag) {
  LoadOptions options;
  options.modules = std::vector<std::string>{"health", "nope"};
  LoadOutcome out = loadConfigString("modules: [api]\n", "pharos.yaml", options);
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(mentions(out, "--modules: unknown module 'nope'")) << allErrors(out);
  options.modules = std::vector<std::string>{"health"};
  out = loadConfigString("modules: [api]\n", "pharos.yaml", options);
  ASSERT_TRUE(out.ok()) << allErrors(out);
  EXPECT_EQ(out.config.modules, (std::vector<std::string>{"health"}));
}

}  // namespace
}  // namespace pharos::config
