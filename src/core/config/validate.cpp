#include "core/config/validate.h"

#include "core/config/expand.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace pharos::config {
namespace {

class Reporter {
 public:
  Reporter(const ValidationContext& ctx, std::vector<Diagnostic>& out) : ctx_(ctx), out_(out) {}

  // Reports at the deepest node of `path` that exists in the file (or line 1 when none does).
  void at(std::initializer_list<const char*> path, std::string message) {
    YAML::Mark mark = YAML::Mark::null_mark();
    if (ctx_.root != nullptr && ctx_.root->IsMap()) {
      YAML::Node node;
      node.reset(*ctx_.root);
      for (const char* key : path) {
        if (!node.IsMap()) break;
        YAML::Node child = static_cast<const YAML::Node&>(node)[key];  // const: never inserts
        if (!child) break;
        // reset() re-points the handle; operator= would overwrite the document.
        node.reset(child);
        mark = node.Mark();
      }
      // A message about a value taken from ${VAR} shows the reference, never the value.
      if (!mark.is_null() && node.IsScalar()) {
        message = hideExpansion(std::move(message), node.Scalar(), lookup());
      }
    }
    if (mark.is_null()) {
      out_.push_back(Diagnostic{ctx_.file, 1, 1, std::move(message)});
    } else {
      out_.push_back(Diagnostic{ctx_.file, mark.line + 1, mark.column + 1, std::move(message)});
    }
  }

  void flag(std::string_view flag, std::string message) {
    out_.push_back(Diagnostic{std::string(flag), 0, 0, std::move(message)});
  }

 private:
  EnvLookup lookup() const {
    return ctx_.options != nullptr ? ctx_.options->lookupEnv : EnvLookup();
  }

  const ValidationContext& ctx_;
  std::vector<Diagnostic>& out_;
};

// Syntax only ("10.0.0.0/8", "::1/128", or a bare address); net matches addresses.
Status checkCidr(const std::string& text) {
  size_t slash = text.find('/');
  std::string addr = text.substr(0, slash);
  unsigned char buf[16];
  bool v4 = inet_pton(AF_INET, addr.c_str(), buf) == 1;
  bool v6 = !v4 && inet_pton(AF_INET6, addr.c_str(), buf) == 1;
  if (!v4 && !v6) {
    return makeError(ErrorCode::kInvalidArgument,
                     fmt::format("'{}' is not an IP address or CIDR range", text));
  }
  if (slash != std::string::npos) {
    std::string bits = text.substr(slash + 1);
    char* end = nullptr;
    long n = std::strtol(bits.c_str(), &end, 10);
    if (bits.empty() || *end != '\0' || n < 0 || n > (v4 ? 32 : 128)) {
      return makeError(
          ErrorCode::kInvalidArgument,
          fmt::format("'{}' has an invalid prefix length (0-{})", text, v4 ? 32 : 128));
    }
  }
  return okStatus();
}

bool readable(const std::string& path) {
  return ::access(path.c_str(), R_OK) == 0;
}

}  // namespace

bool isValidHostPattern(std::string_view pattern) {
  if (pattern.rfind("*.", 0) == 0) pattern.remove_prefix(2);
  if (pattern.empty() || pattern.size() > 253) return false;
  bool lastAllDigits = true;
  size_t start = 0;
  while (start <= pattern.size()) {
    size_t dot = pattern.find('.', start);
    std::string_view label =
        pattern.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63) return false;
    lastAllDigits = true;
    for (char ch : label) {
      bool alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
      bool digit = ch >= '0' && ch <= '9';
      if (!alpha && !digit && ch != '-' && ch != '_') return false;
      lastAllDigits = lastAllDigits && digit;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return !lastAllDigits;
}

Status checkOutboundEntry(const std::string& entry) {
  bool looksLikeAddress = entry.find_first_of(":/") != std::string::npos ||
                          entry.find_first_not_of("0123456789.") == std::string::npos;
  if (looksLikeAddress) return checkCidr(entry);
  if (isValidHostPattern(entry)) return okStatus();
  return makeError(ErrorCode::kInvalidArgument,
                   fmt::format("'{}' is neither a CIDR range, an address nor a host pattern "
                               "(like 'api.example.com' or '*.corp.example')",
                               entry));
}

void validateModules(const std::vector<std::string>& modules, bool fromFlag, Reporter& report) {
  auto problem = [&](std::string message) {
    if (fromFlag) {
      report.flag("--modules", std::move(message));
    } else {
      report.at({"modules"}, "modules: " + std::move(message));
    }
  };
  auto has = [&](std::string_view m) {
    return std::find(modules.begin(), modules.end(), m) != modules.end();
  };
  for (const std::string& m : modules) {
    if (std::find(kModuleNames.begin(), kModuleNames.end(), m) == kModuleNames.end()) {
      problem(fmt::format("unknown module '{}' (expected some of {})", m,
                          fmt::join(kModuleNames, ", ")));
    }
  }
  // The anomaly detector reads the records the log processor of its own process parses.
  if (has("analysis") && !has("logs")) {
    problem("analysis reads the log records of the same process: run it with logs");
  }
}

namespace {

// "host:port" of a NATS URL, without its scheme or any user:password@.
std::string_view natsHostPort(std::string_view url) {
  for (std::string_view scheme : {"nats://", "tls://"})
    if (url.rfind(scheme, 0) == 0) url.remove_prefix(scheme.size());
  if (size_t at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
  return url;
}

// "127.…", "localhost…" or "[::1]…": a host (and port) on this machine.
bool loopbackHost(std::string_view hostPort) {
  return hostPort.rfind("127.", 0) == 0 || hostPort.rfind("localhost", 0) == 0 ||
         hostPort.rfind("[::1]", 0) == 0;
}

// Who the NATS client is and how it reaches the servers.
void validateNatsClient(const Config& c, Reporter& report) {
  const BusConfig& b = c.bus;
  const bool tls = !b.tlsCaFile.empty();
  if (b.backend != BusBackend::kNats) {
    if (!b.user.empty() || !b.password.reveal().empty() || !b.credentialsFile.empty() || tls ||
        !b.tlsCertFile.empty()) {
      report.at({"bus", "backend"},
                "bus: user, password, credentials_file and tls_* are only read by the nats "
                "backend; set bus.backend: nats or remove them");
    }
    return;
  }
  if (b.user.empty() != b.password.reveal().empty()) {
    report.at({"bus", b.user.empty() ? "password" : "user"},
              "bus.user and bus.password go together");
  }
  if (!b.credentialsFile.empty() && !b.user.empty()) {
    report.at({"bus", "credentials_file"},
              "bus.credentials_file and bus.user are two ways to log in: choose one");
  }
  if (b.tlsCertFile.empty() != b.tlsKeyFile.empty()) {
    report.at({"bus", b.tlsCertFile.empty() ? "tls_key_file" : "tls_cert_file"},
              "bus.tls_cert_file and bus.tls_key_file go together (a client certificate)");
  }
  const std::pair<const char*, const std::string*> files[] = {
      {"credentials_file", &b.credentialsFile},
      {"tls_ca_file", &b.tlsCaFile},
      {"tls_cert_file", &b.tlsCertFile},
      {"tls_key_file", &b.tlsKeyFile}};
  for (const auto& [key, file] : files) {
    if (!file->empty() && !readable(*file)) {
      report.at({"bus", key}, fmt::format("bus.{}: cannot read '{}'", key, *file));
    }
  }
  if (c.env != Environment::kProd) return;
  for (const std::string& url : b.servers) {
    if (!tls && url.rfind("tls://", 0) != 0 && !loopbackHost(natsHostPort(url))) {
      report.at({"bus", "servers"},
                fmt::format("prod requires TLS to a NATS server off this machine ({}): set "
                            "bus.tls_ca_file or use a tls:// URL",
                            natsHostPort(url)));
    }
  }
}

}  // namespace

void validate(const Config& c, const ValidationContext& ctx, std::vector<Diagnostic>& out) {
  Reporter report(ctx, out);
  const LoadOptions* opts = ctx.options;

  if (auto hp = parseHostPort(c.server.listen); !hp.ok()) {
    if (opts != nullptr && opts->listen) {
      report.flag("--listen", hp.error().message);
    } else {
      report.at({"server", "listen"}, "server.listen: " + hp.error().message);
    }
  }
  if (auto hp = parseHostPort(c.syslog.listen); !hp.ok()) {
    if (opts != nullptr && opts->syslogListen) {
      report.flag("--syslog", hp.error().message);
    } else {
      report.at({"syslog", "listen"}, "syslog.listen: " + hp.error().message);
    }
  }
  if (c.dataDir.empty()) report.at({"data_dir"}, "data_dir: must not be empty");
  validateModules(c.modules, opts != nullptr && opts->modules, report);

  const TlsConfig& tls = c.server.tls;
  if (tls.certFile.empty() != tls.keyFile.empty()) {
    report.at({"server", "tls"}, "server.tls: cert_file and key_file must be given together");
  }
  if (!tls.certFile.empty() && !readable(tls.certFile)) {
    report.at({"server", "tls", "cert_file"},
              fmt::format("server.tls.cert_file: cannot read '{}'", tls.certFile));
  }
  if (!tls.keyFile.empty() && !readable(tls.keyFile)) {
    report.at({"server", "tls", "key_file"},
              fmt::format("server.tls.key_file: cannot read '{}'", tls.keyFile));
  }

  for (const auto& [list, key] : {std::pair{&c.server.allowCidrs, "allow_cidrs"},
                                  std::pair{&c.server.trustedProxies, "trusted_proxies"}}) {
    for (const std::string& cidr : *list) {
      if (auto ok = checkCidr(cidr); !ok.ok()) {
        report.at({"server", key}, fmt::format("server.{}: {}", key, ok.error().message));
      }
    }
  }
  const CorsConfig& cors = c.api.cors;
  bool wildcard = std::find(cors.allowedOrigins.begin(), cors.allowedOrigins.end(), "*") !=
                  cors.allowedOrigins.end();
  if (wildcard && cors.allowCredentials) {
    report.at({"api", "cors", "allow_credentials"},
              "api.cors: a wildcard origin ('*') may not be combined with allow_credentials");
  }

  if (c.store.backend == StoreBackend::kPostgres && c.store.url.reveal().empty()) {
    report.at({"store", "backend"},
              "store.backend postgres needs store.url (a ${ENV_VAR} reference) or store.url_file");
  }
  if (c.store.backend == StoreBackend::kSqlite && !c.store.url.reveal().empty()) {
    report.at({"store", "url"},
              "store.url is only read by the postgres backend; set "
              "store.backend: postgres or remove it");
  }

  if (c.bus.backend == BusBackend::kNats && c.bus.servers.empty()) {
    report.at({"bus", "servers"}, "bus.servers: the nats backend needs at least one nats:// URL");
  }
  validateNatsClient(c, report);
  if (c.objects.backend == ObjectsBackend::kS3) {
    const S3Config& s3 = c.objects.s3;
    if (s3.endpoint.empty() || s3.bucket.empty() || s3.accessKeyId.empty() ||
        s3.secretAccessKey.reveal().empty()) {
      report.at({"objects", "s3"},
                "objects.s3: the s3 backend needs endpoint, bucket, access_key_id and "
                "secret_access_key (a ${ENV_VAR} reference) or secret_access_key_file");
    }
    bool plain = s3.endpoint.rfind("http://", 0) == 0;
    bool loopback = plain && loopbackHost(std::string_view(s3.endpoint).substr(7));
    if (c.env == Environment::kProd && plain && !loopback) {
      report.at({"objects", "s3", "endpoint"},
                "prod requires https for objects.s3.endpoint (signed requests still expose "
                "every object's bytes over http)");
    }
  }

  if (c.bus.backoffBase > c.bus.backoffMax) {
    report.at({"bus", "backoff_base"}, "bus.backoff_base: must not exceed bus.backoff_max");
  }

  if (c.env == Environment::kProd) {
    if (!tls.enabled()) {
      report.at(
          {"server", "tls"},
          "prod requires TLS: set server.tls.cert_file and server.tls.key_file (or use --env dev)");
    }
    if (!c.auth.enabled) {
      report.at({"auth", "enabled"}, "prod requires auth: auth.enabled must be true");
    }
  }
}

}  // namespace pharos::config
