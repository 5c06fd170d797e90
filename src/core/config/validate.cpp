#include "core/config/validate.h"

#include "core/config/expand.h"

#include <unistd.h>

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

bool readable(const std::string& path) {
  return ::access(path.c_str(), R_OK) == 0;
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
