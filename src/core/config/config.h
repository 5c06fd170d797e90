#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/config/node.h"
#include "core/log.h"
#include "core/result.h"
#include "core/secret.h"

namespace pharos::config {

// Selects defaults, like per-environment contexts: dev binds to loopback and is forgiving;
// prod refuses to start without TLS and auth.
enum class Environment { kDev, kStaging, kProd };

std::string_view environmentName(Environment env);
Result<Environment> parseEnvironment(std::string_view name);

struct TlsConfig {
  std::string certFile;
  std::string keyFile;
  bool enabled() const { return !certFile.empty() && !keyFile.empty(); }
};

struct ServerConfig {
  std::string listen = "127.0.0.1:8470";
  TlsConfig tls;
  int threads = 2;
  int64_t maxConnections = 1024;
  int64_t maxBodyBytes = 1 << 20;
  int64_t maxHeaderBytes = 16 << 10;
  Millis readTimeout{10'000};
  Millis idleTimeout{60'000};
  // How long `serve` waits for in-flight work on SIGTERM before it closes everything.
  Millis drainTimeout{10'000};
  // When not empty, only clients in these CIDR ranges may connect ("10.0.0.0/8").
  std::vector<std::string> allowCidrs;
  // Peers in these ranges may set X-Forwarded-For; the client is the last address in it
  // that is not itself a trusted proxy.
  std::vector<std::string> trustedProxies;
};

struct SyslogConfig {
  std::string listen = "127.0.0.1:5514";
};

struct AuthConfig {
  bool enabled = false;
  // The first admin key, so a new install can create others. Only from ${ENV} or a file.
  Secret bootstrapKey;
  // Audit entries older than this are deleted.
  Millis auditRetention{90LL * 86'400'000};
};

// A token bucket: `rate` tokens a second, at most `burst` saved up.
struct RateLimitConfig {
  double rate = 20;
  int64_t burst = 40;
};

struct CorsConfig {
  std::vector<std::string> allowedOrigins;  // exact origins, or "*" (never with credentials)
  std::vector<std::string> allowedMethods{"GET", "POST", "PUT", "PATCH", "DELETE"};
  std::vector<std::string> allowedHeaders{"Authorization", "Content-Type", "X-API-Key"};
  bool allowCredentials = false;
  Millis maxAge{600'000};
};

struct ApiConfig {
  RateLimitConfig keyRateLimit;        // per API key
  RateLimitConfig ipRateLimit{5, 20};  // per client address, for unauthenticated routes
  Millis cacheTtl{5'000};
  int64_t cacheMaxBytes = 16 << 20;
  CorsConfig cors;
};

struct LogConfig {
  logging::Level level = logging::Level::kInfo;
  logging::Format format = logging::Format::kJson;
  std::map<std::string, logging::Level, std::less<>> modules;
};

enum class StoreBackend { kSqlite, kPostgres };

struct StoreConfig {
  // sqlite: DATA/pharos.db and DATA/metrics.db (the default, nothing to run). postgres: one
  // database shared by every process of an installation (docs/CONFIG.md, "Store").
  StoreBackend backend = StoreBackend::kSqlite;
  Millis busyTimeout{5'000};
  // postgres: a libpq URL or key=value string; may hold a password, so it is a secret
  // (${ENV} reference or url_file).
  Secret url;
  int64_t poolSize = 8;
};

enum class BusBackend { kEmbedded, kNats };

struct BusConfig {
  // embedded: DATA/bus.db. nats: JetStream on these servers (docs/CONFIG.md, "Bus on NATS").
  BusBackend backend = BusBackend::kEmbedded;
  std::vector<std::string> servers{"nats://127.0.0.1:4222"};
  int64_t replicas = 1;
  std::string prefix = "pharos";  // names the streams, so installations can share a server
  Millis visibilityTimeout{30'000};
  int64_t maxReceives = 5;
  Millis backoffBase{1'000};
  Millis backoffMax{300'000};
  // nats: who the client is (a user and password, or a NATS .creds file) and TLS to the
  // servers (on with tls_ca_file or `tls://` URLs; a client certificate when cert and key are
  // given). docs/CONFIG.md, "Bus on NATS JetStream".
  std::string user;
  Secret password;
  std::string credentialsFile;
  std::string tlsCaFile, tlsCertFile, tlsKeyFile;
};

struct LifecycleRuleConfig {
  std::string prefix;
  std::optional<Millis> compressAfter;
  std::optional<Millis> expireAfter;
};

enum class ObjectsBackend { kLocal, kS3 };

// An S3-compatible bucket (AWS S3, MinIO, Ceph RGW, Garage, R2, …).
struct S3Config {
  std::string endpoint;  // https://s3.eu-west-1.amazonaws.com, http://127.0.0.1:9000
  std::string region = "us-east-1";
  std::string bucket;
  std::string prefix;  // keys live under prefix/ in the bucket
  std::string accessKeyId;
  Secret secretAccessKey;
  bool pathStyle = true;  // bucket in the path (MinIO, most self-hosted); false: in the host
};

struct ObjectsConfig {
  // local: DATA/objects. s3: the bucket below.
  ObjectsBackend backend = ObjectsBackend::kLocal;
  S3Config s3;
  Millis sweepInterval{3'600'000};
  std::vector<LifecycleRuleConfig> lifecycle;
};

struct RetentionConfig {
  // How long raw archive chunks (objects under archive/) are kept.
  Millis archive{7LL * 86'400'000};
};

// Who outbound connections may reach, for one purpose. Each entry is a CIDR range or bare
// address ("10.0.0.0/8", "fd00::1") or a host pattern ("status.example.com", or
// "*.corp.example" for any name below corp.example). Decided by net::OutboundPolicy.
struct OutboundRulesConfig {
  std::vector<std::string> allow;  // beats the built-in default denies
  std::vector<std::string> deny;   // beats everything
};

// The outbound request policy (see docs/CONFIG.md, "Outbound request policy").
struct OutboundConfig {
  OutboundRulesConfig checks;     // health checks (HTTP, TCP, TLS)
  OutboundRulesConfig scrapes;    // metric scrapes
  OutboundRulesConfig receivers;  // webhooks, chat, SMTP, the summary endpoint, S3
};

// A Prometheus-style scrape job: every target's /metrics, every interval.
struct ScrapeJobConfig {
  std::string job;
  std::vector<std::string> targets;  // host:port
  Millis interval{15'000};
  Millis timeout{10'000};
  std::string path = "/metrics";
  std::string scheme = "http";
  std::map<std::string, std::string> labels;  // added to every series of the job
  int64_t sampleLimit = 0;                    // 0: none; more fails the scrape (up = 0)
};

struct MetricsConfig {
  // Per resolution: raw samples, 1-minute and 1-hour rollups.
  Millis rawRetention{15LL * 86'400'000};
  Millis minuteRetention{90LL * 86'400'000};
  Millis hourRetention{730LL * 86'400'000};
  // When the data directory would pass this, the oldest raw data goes first. 0: no budget.
  int64_t maxDiskBytes = 0;
  int64_t maxSeries = 1'000'000;
  int64_t maxSeriesPerMetric = 100'000;
  // How often sealed chunks are persisted and the write-ahead log checkpointed.
  Millis flushInterval{60'000};
  // Pharos records its own /metrics this often (job="pharos"); 0 turns it off.
  Millis selfScrapeInterval{15'000};
  std::vector<ScrapeJobConfig> scrape;
};

// Health checks and maintenance windows are kept as trees and read by the health module
// (health/health_config.h), which owns their fields; the loader checks only the shape.
struct HealthConfig {
  // Probes in flight at once, over all checks; more wait their turn (and count as late).
  int64_t maxConcurrency = 256;
  // Checks' results waiting to be written are flushed to the metrics store this often.
  Millis flushInterval{1'000};
  std::string file;  // where `checks` and `maintenance` came from, for diagnostics
  Node checks;       // a list of check definitions
  Node maintenance;  // a list of maintenance windows
};

// The log pipeline (see docs/CONFIG.md, "Logs").
struct LogsConfig {
  // A longer message (or attribute value) is cut here, counted as sanitised.
  int64_t maxLineBytes = 256 << 10;
  // Body limit of the ingest routes (after decompression).
  int64_t maxBodyBytes = 16 << 20;
  // Once this many ingested bytes wait for processing, ingest answers 429 with Retry-After
  // and syslog TCP stops reading: the backlog lives on disk, so memory stays flat.
  int64_t maxBacklogBytes = 1LL << 30;
  // The ingest log rolls over to a new segment (one archive object) at this size.
  int64_t segmentBytes = 64 << 20;
  // Searchable lines are kept this long (whole days are dropped).
  Millis retention{7LL * 86'400'000};
  // Attributes whose values the full-text index holds, so `key:value` narrows a search by
  // index besides service, level, status, host and trace_id.
  std::vector<std::string> indexedAttributes;
  // zstd level of the raw archive's text columns (objects under archive/logs/). 3 rather than
  // 6: 0.86x the archive's instructions for 9.04% of the raw bytes instead of 8.90% on the log
  // benchmark's content (bench/logs_archive_bench.cpp), CPU that full processing needs more.
  int64_t archiveLevel = 3;
};

// SLOs, alerting and notifications (see docs/CONFIG.md, "SLOs", "Alerting" and
// "Notifications"). Definitions are kept as trees, read by the modules that own their fields
// (slo, alarms, notify), which also read them from API bodies.
struct SloConfig {
  std::string file;  // where the definitions came from, for diagnostics
  Node definitions;  // the top-level `slos:` list
};

struct AlertingConfig {
  std::string file;
  // Rules and SLOs are evaluated this often; check-state rules act on each transition at once.
  Millis evaluationInterval{30'000};
  // The dashboard's address as receivers should link to it; empty: the server's listen address.
  std::string externalUrl;
  Node rules;         // a list of rules
  Node route;         // the routing tree (a mapping), as Alertmanager's `route`
  Node inhibitRules;  // a list
  Node silences;      // a list
  Node incidents;     // a mapping
};

struct NotifyConfig {
  std::string file;
  Node section;  // `notify:` (retry, breaker, workers, receivers), read by the notify module
};

// Public status pages (dashboard module): a list of {name, title, labels, public}; only the
// entries marked public are served, without a key.
struct StatusPagesConfig {
  std::string file;
  Node pages;
};

// The analysis service (see docs/CONFIG.md, "Analysis"): log anomalies, check failures and
// extra sources (the metric scorer) grouped into findings.
struct AnalysisConfig {
  bool enabled = true;
  // A service's first minutes of logs teach the detector and report nothing.
  Millis logWarmup{10 * 60'000};
  // Anomalies this close in time (edge to edge) are one finding.
  Millis correlationGap{5 * 60'000};
  // Anomalies and findings that ended longer ago are deleted.
  Millis retention{30LL * 86'400'000};
  // PromQL selectors of the series the metric scorer watches; parsed by the scorer.
  std::vector<std::string> metrics;
  // How often the detectors are polled and events correlated and stored.
  Millis pollInterval{15'000};
};

// Encryption at rest (see docs/CONFIG.md, "Encryption and backups"). The master key comes from
// `master_key_file` when it is set; otherwise from the environment variable PHAROS_MASTER_KEY
// (read by main, not here, so the config never holds the key itself).
struct CryptoConfig {
  // A file of 64 hex digits, mode 0600 or stricter (the crypto module refuses a wider one).
  // Empty: the key comes from PHAROS_MASTER_KEY.
  std::string masterKeyFile;
  // Seal each raw log archive object (archive/logs/) with the keyring's `archive` data key.
  // Off in dev and staging, on in prod (defaultsFor).
  bool encryptArchive = false;
};

// Backups of the data directory (see docs/CONFIG.md, "Encryption and backups"): taken by the
// server on `schedule`, by the API, or by `pharos backup create`.
struct BackupConfig {
  // Retention after each backup: keep the newest `retentionCount`, and delete those older than
  // `retentionAge`; the newest backup is never deleted.
  int retentionCount = 30;
  Millis retentionAge{30LL * 86'400'000};
  // The most one stored part of a backup holds (bytes).
  int64_t partSize = int64_t{64} << 20;
  // When the server takes a backup: a 5-field cron expression in UTC or a macro (@daily);
  // empty: never on its own (the default in dev; "@daily" in staging and prod).
  std::string schedule;
  // A directory each backup is copied to and verified on after it is taken (another disk, a
  // mounted remote): the "second region". Empty: none.
  std::string secondTarget;
};

// The parts of Pharos one process can run (`modules:`, `pharos serve --modules`). With shared
// backends, processes running different sets together are the whole system
// (docs/OPERATIONS.md, "Several processes").
inline constexpr std::array<std::string_view, 7> kModuleNames{
    "api", "logs", "health", "alerting", "analysis", "backups", "scrapes"};

struct Config {
  Environment env = Environment::kDev;
  std::string dataDir = "./data";
  // The modules this process runs; empty means all of them.
  std::vector<std::string> modules;
  ServerConfig server;
  SyslogConfig syslog;
  AuthConfig auth;
  ApiConfig api;
  LogConfig log;
  StoreConfig store;
  BusConfig bus;
  ObjectsConfig objects;
  RetentionConfig retention;
  MetricsConfig metrics;
  OutboundConfig outbound;
  HealthConfig health;
  LogsConfig logs;
  SloConfig slo;
  AlertingConfig alerting;
  NotifyConfig notify;
  StatusPagesConfig statusPages;
  AnalysisConfig analysis;
  CryptoConfig crypto;
  BackupConfig backup;
  // The file this was read from (what a backup takes as config/<name>); empty for defaults.
  std::string file;
};

// The built-in defaults of an environment: what `pharos serve` runs with when no file is given.
Config defaultsFor(Environment env);

// Splits "host:port" / "[v6]:port". kInvalidArgument when malformed or the port is out of range.
struct HostPort {
  std::string host;
  uint16_t port = 0;
};
Result<HostPort> parseHostPort(std::string_view text);

}  // namespace pharos::config
