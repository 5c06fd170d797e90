#include "core/config/loader.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "core/config/duration.h"
#include "core/config/expand.h"
#include "core/config/suggest.h"
#include "core/config/validate.h"
#include "core/cron.h"
#include "core/labels.h"

namespace pharos::config {
namespace {

using KeyList = std::initializer_list<std::string_view>;

// Walks a parsed YAML document, filling a Config and collecting diagnostics with positions.
class Walker {
 public:
  // `text`: the document, for the source lines of subtrees kept as data.
  Walker(std::string file, std::string_view text, const LoadOptions& options,
         std::vector<Diagnostic>& out)
      : file_(std::move(file)), text_(text), options_(options), out_(out) {}

  void error(const YAML::Mark& mark, std::string message) {
    out_.push_back(Diagnostic{file_, mark.line + 1, mark.column + 1, std::move(message)});
  }
  // Messages about a value taken from ${VAR} show the reference, never the value.
  void error(const YAML::Node& node, std::string message) {
    if (node.IsScalar()) {
      message = hideExpansion(std::move(message), node.Scalar(), options_.lookupEnv);
    }
    error(markOf(node), std::move(message));
  }

  // A node's position, or its key's when the value is empty (`key:` with nothing after it).
  YAML::Mark markOf(const YAML::Node& node) const {
    YAML::Mark m = node.Mark();
    return m.is_null() ? lastKeyMark_ : m;
  }

  // Checks that `node` is a mapping whose keys are all in `known`, then calls `onKey` for each.
  template <typename F>
  void map(const YAML::Node& node, std::string_view path, KeyList known, F&& onKey) {
    if (!node.IsMap()) {
      if (!node.IsNull())
        error(node, fmt::format("{}: expected a mapping of keys", displayPath(path)));
      return;
    }
    std::set<std::string, std::less<>> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      // Copies: the iterator hands out a temporary pair, and a reference into it would dangle.
      const YAML::Node keyNode = it->first;
      const YAML::Node value = it->second;
      if (!keyNode.IsScalar()) {
        error(keyNode, fmt::format("{}: keys must be plain names", displayPath(path)));
        continue;
      }
      std::string key = keyNode.Scalar();
      if (!seen.insert(key).second) {
        error(keyNode, fmt::format("duplicate key '{}' in {}", key, displayPath(path)));
        continue;
      }
      bool isKnown = false;
      for (std::string_view k : known)
        isKnown = isKnown || k == key;
      if (!isKnown) {
        std::vector<std::string_view> candidates(known);
        auto hint = closestMatch(key, candidates);
        error(keyNode,
              fmt::format("unknown key '{}' in {}{}", key, displayPath(path),
                          hint ? fmt::format(" (did you mean '{}'?)", *hint) : std::string()));
        continue;
      }
      lastKeyMark_ = keyNode.Mark();
      onKey(std::string_view(key), value, join(path, key));
    }
  }

  // The scalar text with ${VAR} references expanded, or nullopt after reporting why not.
  std::optional<std::string> scalar(const YAML::Node& v, const std::string& path) {
    if (!v.IsScalar()) {
      error(v, fmt::format("{}: expected a single value", path));
      return std::nullopt;
    }
    return expand(v, path, v.Scalar());
  }

  void string(const YAML::Node& v, const std::string& path, std::string& out) {
    if (auto s = scalar(v, path)) out = *s;
  }

  // One of a few names; an unknown one is an error listing them.
  template <typename E>
  void enumeration(const YAML::Node& v, const std::string& path, E& out,
                   std::initializer_list<std::pair<std::string_view, E>> choices) {
    auto s = scalar(v, path);
    if (!s) return;
    std::string names;
    for (const auto& [name, value] : choices) {
      if (*s == name) {
        out = value;
        return;
      }
      names += names.empty() ? "" : ", ";
      names += name;
    }
    error(v, fmt::format("{}: expected one of {}, got '{}'", path, names, v.Scalar()));
  }

  void boolean(const YAML::Node& v, const std::string& path, bool& out) {
    auto s = scalar(v, path);
    if (!s) return;
    if (*s == "true" || *s == "yes" || *s == "on") {
      out = true;
    } else if (*s == "false" || *s == "no" || *s == "off") {
      out = false;
    } else {
      error(v, fmt::format("{}: expected true or false, got '{}'", path, v.Scalar()));
    }
  }

  void integer(const YAML::Node& v, const std::string& path, int64_t& out, int64_t min,
               int64_t max) {
    auto s = scalar(v, path);
    if (!s) return;
    char* end = nullptr;
    errno = 0;
    long long n = std::strtoll(s->c_str(), &end, 10);
    if (s->empty() || *end != '\0' || errno == ERANGE) {
      error(v, fmt::format("{}: expected an integer, got '{}'", path, v.Scalar()));
    } else if (n < min || n > max) {
      error(v, fmt::format("{}: {} is out of range [{}, {}]", path, n, min, max));
    } else {
      out = n;
    }
  }

  void integer(const YAML::Node& v, const std::string& path, int& out, int min, int max) {
    int64_t wide = out;
    integer(v, path, wide, min, max);
    out = static_cast<int>(wide);
  }

  void duration(const YAML::Node& v, const std::string& path, Millis& out, Millis min, Millis max) {
    auto s = scalar(v, path);
    if (!s) return;
    auto d = parseDuration(*s);
    if (!d.ok()) {
      error(v, fmt::format("{}: {}", path, d.error().message));
    } else if (*d < min || *d > max) {
      error(v, fmt::format("{}: {} is out of range [{}, {}]", path, v.Scalar(), formatDuration(min),
                           formatDuration(max)));
    } else {
      out = *d;
    }
  }

  void optionalDuration(const YAML::Node& v, const std::string& path, std::optional<Millis>& out) {
    Millis d{0};
    size_t before = out_.size();
    duration(v, path, d, Millis(1), Millis(std::numeric_limits<int64_t>::max()));
    if (out_.size() == before) out = d;
  }

  void byteSize(const YAML::Node& v, const std::string& path, int64_t& out, int64_t min,
                int64_t max) {
    auto s = scalar(v, path);
    if (!s) return;
    auto n = parseByteSize(*s);
    if (!n.ok()) {
      error(v, fmt::format("{}: {}", path, n.error().message));
    } else if (*n < min || *n > max) {
      error(v, fmt::format("{}: {} is out of range [{}, {}] bytes", path, v.Scalar(), min, max));
    } else {
      out = *n;
    }
  }

  void stringList(const YAML::Node& v, const std::string& path, std::vector<std::string>& out) {
    if (!v.IsSequence()) {
      error(v, fmt::format("{}: expected a list", path));
      return;
    }
    out.clear();
    for (size_t i = 0; i < v.size(); ++i) {
      if (auto s = scalar(v[i], fmt::format("{}[{}]", path, i))) out.push_back(*s);
    }
  }

  void number(const YAML::Node& v, const std::string& path, double& out, double min, double max) {
    auto s = scalar(v, path);
    if (!s) return;
    char* end = nullptr;
    double d = std::strtod(s->c_str(), &end);
    if (s->empty() || *end != '\0' || !std::isfinite(d)) {
      error(v, fmt::format("{}: expected a number, got '{}'", path, v.Scalar()));
    } else if (d < min || d > max) {
      error(v, fmt::format("{}: {} is out of range [{}, {}]", path, v.Scalar(), min, max));
    } else {
      out = d;
    }
  }

  void level(const YAML::Node& v, const std::string& path, logging::Level& out) {
    auto s = scalar(v, path);
    if (!s) return;
    auto l = logging::parseLevel(*s);
    if (l.ok()) {
      out = *l;
    } else {
      error(v, fmt::format("{}: {}", path, l.error().message));
    }
  }

  // A secret must be exactly one ${VAR} reference: an inline value would sit in the file, in
  // backups of it and in version control. The value itself is never echoed.
  void secretRef(const YAML::Node& v, const std::string& path, const std::string& fileKey,
                 Secret& out) {
    if (!v.IsScalar()) {
      error(v, fmt::format("{}: expected a ${{ENV_VAR}} reference", path));
      return;
    }
    const std::string& raw = v.Scalar();
    if (raw.size() < 4 || raw.rfind("${", 0) != 0 || raw.back() != '}' ||
        raw.find('}') != raw.size() - 1) {
      error(v, fmt::format("{}: secrets may not be written inline; use ${{ENV_VAR}} or {}", path,
                           fileKey));
      return;
    }
    if (auto s = expand(v, path, raw)) out = Secret(std::move(*s));
  }

  void secretFile(const YAML::Node& v, const std::string& path, Secret& out) {
    auto file = scalar(v, path);
    if (!file) return;
    std::ifstream in(*file, std::ios::binary);
    if (!in) {
      error(v, fmt::format("{}: cannot read '{}'", path, *file));
      return;
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string value = buffer.str();
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r'))
      value.pop_back();
    if (value.empty()) {
      error(v, fmt::format("{}: '{}' is empty", path, *file));
      return;
    }
    out = Secret(std::move(value));
  }

  // The subtree as data, for a module that reads it itself (config/node.h).
  Node tree(const YAML::Node& v, const std::string& path) {
    Node n;
    YAML::Mark mark = markOf(v);
    n.line = mark.is_null() ? 0 : mark.line + 1;
    n.column = mark.is_null() ? 0 : mark.column + 1;
    if (v.IsScalar()) {
      n.kind = Node::Kind::kScalar;
      n.raw = v.Scalar();
      // yaml-cpp tags plain scalars "?" and quoted ones "!".
      n.quoted = v.Tag() == "!";
      n.fromEnv = n.raw.find("${") != std::string::npos;
      if (auto s = expand(v, path, n.raw)) n.scalar = std::move(*s);
      if (!mark.is_null() && mark.pos >= 0 && static_cast<size_t>(mark.pos) < text_.size()) {
        std::string_view rest = text_.substr(static_cast<size_t>(mark.pos));
        n.sourceLine = std::string(rest.substr(0, rest.find_first_of("\r\n")));
      }
    } else if (v.IsSequence()) {
      n.kind = Node::Kind::kList;
      for (size_t i = 0; i < v.size(); ++i)
        n.items.push_back(tree(v[i], fmt::format("{}[{}]", path, i)));
    } else if (v.IsMap()) {
      n.kind = Node::Kind::kMap;
      for (auto it = v.begin(); it != v.end(); ++it) {
        const YAML::Node key = it->first;
        const YAML::Node value = it->second;
        if (!key.IsScalar()) {
          error(key, fmt::format("{}: keys must be plain names", path));
          continue;
        }
        lastKeyMark_ = key.Mark();
        n.members.push_back(NodeMember{key.Scalar(), tree(value, join(path, key.Scalar()))});
      }
    }
    return n;
  }

  std::optional<std::string> lookupEnv(const std::string& name) const {
    return options_.lookupEnv ? options_.lookupEnv(name) : processEnv(name);
  }

 private:
  static std::string join(std::string_view path, std::string_view key) {
    return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
  }
  static std::string displayPath(std::string_view path) {
    return path.empty() ? std::string("the top level") : std::string(path);
  }

  std::optional<std::string> expand(const YAML::Node& v, const std::string& path,
                                    const std::string& raw) {
    auto expanded = expandEnv(raw, options_.lookupEnv);
    if (!expanded.ok()) {
      error(markOf(v), fmt::format("{}: {}", path, expanded.error().message));
      return std::nullopt;
    }
    return std::move(expanded).value();
  }

  std::string file_;
  std::string_view text_;
  const LoadOptions& options_;
  std::vector<Diagnostic>& out_;
  YAML::Mark lastKeyMark_ = YAML::Mark::null_mark();
};

constexpr Millis kMaxDuration{100LL * 365 * 86'400'000};

void readServer(Walker& w, const YAML::Node& node, ServerConfig& s) {
  w.map(node, "server",
        {"listen", "tls", "threads", "max_connections", "max_body_bytes", "max_header_bytes",
         "read_timeout", "idle_timeout", "drain_timeout", "allow_cidrs", "trusted_proxies"},
        [&](std::string_view key, const YAML::Node& v, const std::string& path) {
          if (key == "listen") w.string(v, path, s.listen);
          if (key == "threads") w.integer(v, path, s.threads, 1, 256);
          if (key == "max_connections") w.integer(v, path, s.maxConnections, 1, 1'000'000);
          if (key == "max_body_bytes") w.byteSize(v, path, s.maxBodyBytes, 1024, int64_t{1} << 30);
          if (key == "max_header_bytes") w.byteSize(v, path, s.maxHeaderBytes, 1024, 1 << 20);
          if (key == "read_timeout")
            w.duration(v, path, s.readTimeout, Millis(100), Millis(3'600'000));
          if (key == "idle_timeout")
            w.duration(v, path, s.idleTimeout, Millis(100), Millis(86'400'000));
          if (key == "drain_timeout")
            w.duration(v, path, s.drainTimeout, Millis(0), Millis(600'000));
          if (key == "allow_cidrs") w.stringList(v, path, s.allowCidrs);
          if (key == "trusted_proxies") w.stringList(v, path, s.trustedProxies);
          if (key == "tls") {
            w.map(v, path, {"cert_file", "key_file"},
                  [&](std::string_view k, const YAML::Node& tv, const std::string& tpath) {
                    if (k == "cert_file") w.string(tv, tpath, s.tls.certFile);
                    if (k == "key_file") w.string(tv, tpath, s.tls.keyFile);
                  });
          }
        });
}

void readLog(Walker& w, const YAML::Node& node, LogConfig& l) {
  w.map(node, "log", {"level", "format", "modules"},
        [&](std::string_view key, const YAML::Node& v, const std::string& path) {
          if (key == "level") w.level(v, path, l.level);
          if (key == "format") {
            std::string f;
            w.string(v, path, f);
            if (f == "json")
              l.format = logging::Format::kJson;
            else if (f == "text")
              l.format = logging::Format::kText;
            else if (!f.empty())
              w.error(v, fmt::format("{}: expected json or text, got '{}'", path, f));
          }
          if (key == "modules") {
            if (!v.IsMap()) {
              w.error(v, fmt::format("{}: expected a mapping of module: level", path));
              return;
            }
            for (auto it = v.begin(); it != v.end(); ++it) {
              logging::Level level = l.level;
              std::string module = it->first.Scalar();
              w.level(it->second, path + "." + module, level);
              l.modules[module] = level;
            }
          }
        });
}

void readRateLimit(Walker& w, const YAML::Node& node, const std::string& path, RateLimitConfig& r) {
  w.map(node, path, {"rate", "burst"},
        [&](std::string_view key, const YAML::Node& v, const std::string& p) {
          if (key == "rate") w.number(v, p, r.rate, 0.001, 1e9);
          if (key == "burst") w.integer(v, p, r.burst, 1, 1'000'000'000);
        });
}

void readApi(Walker& w, const YAML::Node& node, ApiConfig& a) {
  w.map(node, "api", {"rate_limit", "anonymous_rate_limit", "cache_ttl", "cache_max_bytes", "cors"},
        [&](std::string_view key, const YAML::Node& v, const std::string& path) {
          if (key == "rate_limit") readRateLimit(w, v, path, a.keyRateLimit);
          if (key == "anonymous_rate_limit") readRateLimit(w, v, path, a.ipRateLimit);
          if (key == "cache_ttl") w.duration(v, path, a.cacheTtl, Millis(0), Millis(3'600'000));
          if (key == "cache_max_bytes") w.byteSize(v, path, a.cacheMaxBytes, 0, int64_t{1} << 32);
          if (key == "cors") {
            w.map(v, path,
                  {"allowed_origins", "allowed_methods", "allowed_headers", "allow_credentials",
                   "max_age"},
                  [&](std::string_view k, const YAML::Node& cv, const std::string& p) {
                    if (k == "allowed_origins") w.stringList(cv, p, a.cors.allowedOrigins);
                    if (k == "allowed_methods") w.stringList(cv, p, a.cors.allowedMethods);
                    if (k == "allowed_headers") w.stringList(cv, p, a.cors.allowedHeaders);
                    if (k == "allow_credentials") w.boolean(cv, p, a.cors.allowCredentials);
                    if (k == "max_age")
                      w.duration(cv, p, a.cors.maxAge, Millis(0), Millis(86'400'000));
                  });
          }
        });
}

void readObjects(Walker& w, const YAML::Node& node, ObjectsConfig& o) {
  w.map(node, "objects", {"backend", "s3", "sweep_interval", "lifecycle"},
        [&](std::string_view key, const YAML::Node& v, const std::string& path) {
          if (key == "backend") {
            w.enumeration(v, path, o.backend,
                          {{"local", ObjectsBackend::kLocal}, {"s3", ObjectsBackend::kS3}});
          }
          if (key == "s3") {
            S3Config& s3 = o.s3;
            w.map(v, path,
                  {"endpoint", "region", "bucket", "prefix", "access_key_id", "secret_access_key",
                   "secret_access_key_file", "path_style"},
                  [&](std::string_view k, const YAML::Node& sv, const std::string& p) {
                    if (k == "endpoint") w.string(sv, p, s3.endpoint);
                    if (k == "region") w.string(sv, p, s3.region);
                    if (k == "bucket") w.string(sv, p, s3.bucket);
                    if (k == "prefix") w.string(sv, p, s3.prefix);
                    if (k == "access_key_id") w.string(sv, p, s3.accessKeyId);
                    if (k == "secret_access_key") {
                      w.secretRef(sv, p, "objects.s3.secret_access_key_file", s3.secretAccessKey);
                    }
                    if (k == "secret_access_key_file") w.secretFile(sv, p, s3.secretAccessKey);
                    if (k == "path_style") w.boolean(sv, p, s3.pathStyle);
                  });
          }
          if (key == "sweep_interval")
            w.duration(v, path, o.sweepInterval, Millis(1'000), kMaxDuration);
          if (key == "lifecycle") {
            if (!v.IsSequence()) {
              w.error(v, fmt::format("{}: expected a list of rules", path));
              return;
            }
            for (size_t i = 0; i < v.size(); ++i) {
              LifecycleRuleConfig rule;
              std::string rpath = fmt::format("{}[{}]", path, i);
              w.map(v[i], rpath, {"prefix", "compress_after", "expire_after"},
                    [&](std::string_view k, const YAML::Node& rv, const std::string& p) {
                      if (k == "prefix") w.string(rv, p, rule.prefix);
                      if (k == "compress_after") w.optionalDuration(rv, p, rule.compressAfter);
                      if (k == "expire_after") w.optionalDuration(rv, p, rule.expireAfter);
                    });
              if (!rule.compressAfter && !rule.expireAfter) {
                w.error(v[i],
                        fmt::format("{}: a rule needs compress_after or expire_after", rpath));
              }
              o.lifecycle.push_back(std::move(rule));
            }
          }
        });
}

void readOutbound(Walker& w, const YAML::Node& node, OutboundConfig& o) {
  w.map(node, "outbound", {"checks", "scrapes", "receivers"},
        [&](std::string_view key, const YAML::Node& v, const std::string& path) {
          OutboundRulesConfig& rules = key == "checks"    ? o.checks
                                       : key == "scrapes" ? o.scrapes
                                                          : o.receivers;
          w.map(v, path, {"allow", "deny"},
                [&](std::string_view k, const YAML::Node& rv, const std::string& p) {
                  std::vector<std::string>& list = k == "allow" ? rules.allow : rules.deny;
                  w.stringList(rv, p, list);
                  // After an expansion error the list is short and indexes would not line up.
                  if (!rv.IsSequence() || list.size() != rv.size()) return;
                  for (size_t i = 0; i < list.size(); ++i) {
                    if (auto ok = checkOutboundEntry(list[i]); !ok.ok()) {
                      w.error(rv[i], fmt::format("{}[{}]: {}", p, i, ok.error().message));
                    }
                  }
                });
        });
}

void readScrapeJob(Walker& w, const YAML::Node& node, const std::string& path,
                   ScrapeJobConfig& job) {
  w.map(node, path,
        {"job", "targets", "interval", "timeout", "path", "scheme", "labels", "sample_limit"},
        [&](std::string_view k, const YAML::Node& v, const std::string& p) {
          if (k == "job") w.string(v, p, job.job);
          if (k == "targets") w.stringList(v, p, job.targets);
          if (k == "interval") w.duration(v, p, job.interval, Millis(1'000), Millis(86'400'000));
          if (k == "timeout") w.duration(v, p, job.timeout, Millis(100), Millis(3'600'000));
          if (k == "path") w.string(v, p, job.path);
          if (k == "scheme") w.string(v, p, job.scheme);
          if (k == "sample_limit") w.integer(v, p, job.sampleLimit, 0, 100'000'000);
          if (k == "labels") {
            if (!v.IsMap()) {
              w.error(v, fmt::format("{}: expected a mapping of label names to values", p));
              return;
            }
            for (auto it = v.begin(); it != v.end(); ++it) {
              const YAML::Node name = it->first;
              const YAML::Node value = it->second;
              std::string text;
              w.string(value, p + "." + name.Scalar(), text);
              if (!isValidLabelName(name.Scalar()) || name.Scalar().starts_with("__")) {
                w.error(name, fmt::format("{}: invalid label name '{}'", p, name.Scalar()));
              }
              job.labels[name.Scalar()] = text;
            }
          }
        });
  if (!node.IsMap()) return;
  if (job.job.empty()) w.error(node, fmt::format("{}: a scrape job needs a 'job' name", path));
  if (job.targets.empty()) w.error(node, fmt::format("{}: a scrape job needs 'targets'", path));
  for (const auto& target : job.targets) {
    if (auto hp = parseHostPort(target); !hp.ok()) {
      w.error(node["targets"], fmt::format("{}.targets: {}", path, hp.error().message));
    }
  }
  if (job.timeout > job.interval) {
    w.error(node, fmt::format("{}: timeout ({}) must not exceed interval ({}), as in Prometheus",
                              path, formatDuration(job.timeout), formatDuration(job.interval)));
  }
  if (job.scheme != "http" && job.scheme != "https") {
    w.error(node["scheme"],
            fmt::format("{}.scheme: expected http or https, not '{}'", path, job.scheme));
  }
  if (!job.path.starts_with("/")) {
    w.error(node["path"], fmt::format("{}.path: must start with '/'", path));
  }
}

void readMetrics(Walker& w, const YAML::Node& node, MetricsConfig& m) {
  w.map(node, "metrics",
        {"retention", "max_disk_bytes", "max_series", "max_series_per_metric", "flush_interval",
         "self_scrape_interval", "scrape"},
        [&](std::string_view key, const YAML::Node& v, const std::string& path) {
          if (key == "retention") {
            w.map(v, path, {"raw", "minute", "hour"},
                  [&](std::string_view k, const YAML::Node& rv, const std::string& p) {
                    Millis& out = k == "raw"      ? m.rawRetention
                                  : k == "minute" ? m.minuteRetention
                                                  : m.hourRetention;
                    w.duration(rv, p, out, Millis(3'600'000), kMaxDuration);
                  });
          }
          if (key == "max_disk_bytes") w.byteSize(v, path, m.maxDiskBytes, 0, int64_t{1} << 50);
          if (key == "max_series") w.integer(v, path, m.maxSeries, 1, 100'000'000);
          if (key == "max_series_per_metric")
            w.integer(v, path, m.maxSeriesPerMetric, 1, 100'000'000);
          if (key == "flush_interval")
            w.duration(v, path, m.flushInterval, Millis(1'000), Millis(3'600'000));
          if (key == "self_scrape_interval")
            w.duration(v, path, m.selfScrapeInterval, Millis(0), Millis(3'600'000));
          if (key == "scrape") {
            if (!v.IsSequence()) {
              w.error(v, fmt::format("{}: expected a list of scrape jobs", path));
              return;
            }
            for (size_t i = 0; i < v.size(); ++i) {
              ScrapeJobConfig job;
              readScrapeJob(w, v[i], fmt::format("{}[{}]", path, i), job);
              for (const auto& other : m.scrape) {
                if (!job.job.empty() && other.job == job.job) {
                  w.error(v[i], fmt::format("{}[{}]: duplicate job name '{}'", path, i, job.job));
                }
              }
              m.scrape.push_back(std::move(job));
            }
          }
        });
}

// A definition list kept as a tree for the module that owns its fields.
Node listTree(Walker& w, const YAML::Node& v, const std::string& path) {
  if (!v.IsSequence() && !v.IsNull()) {
    w.error(v, fmt::format("{}: expected a list", path));
    return Node{};
  }
  return w.tree(v, path);
}

void readHealth(Walker& w, const YAML::Node& node, const std::string& file, HealthConfig& h) {
  h.file = file;
  w.map(node, "health", {"max_concurrency", "flush_interval", "checks", "maintenance"},
        [&](std::string_view key, const YAML::Node& v, const std::string& path) {
          if (key == "max_concurrency") w.integer(v, path, h.maxConcurrency, 1, 100'000);
          if (key == "flush_interval")
            w.duration(v, path, h.flushInterval, Millis(100), Millis(60'000));
          if (key == "checks") h.checks = listTree(w, v, path);
          if (key == "maintenance") h.maintenance = listTree(w, v, path);
        });
}

void readLogs(Walker& w, const YAML::Node& node, LogsConfig& l) {
  w.map(node, "logs",
        {"max_line_bytes", "max_body_bytes", "max_backlog_bytes", "segment_bytes", "retention",
         "indexed_attributes", "archive_level"},
        [&](std::string_view key, const YAML::Node& v, const std::string& path) {
          if (key == "max_line_bytes") w.integer(v, path, l.maxLineBytes, 1024, 16LL << 20);
          if (key == "max_body_bytes") w.integer(v, path, l.maxBodyBytes, 1024, 1LL << 30);
          if (key == "max_backlog_bytes")
            w.integer(v, path, l.maxBacklogBytes, 1LL << 20, 1LL << 40);
          if (key == "segment_bytes") w.integer(v, path, l.segmentBytes, 1LL << 20, 1LL << 30);
          if (key == "retention")
            w.duration(v, path, l.retention, Millis(86'400'000), kMaxDuration);
          if (key == "archive_level") w.integer(v, path, l.archiveLevel, 1, 19);
          if (key == "indexed_attributes") w.stringList(v, path, l.indexedAttributes);
        });
}

void readAlerting(Walker& w, const YAML::Node& node, const std::string& file, AlertingConfig& a) {
  a.file = file;
  w.map(node, "alerting",
        {"evaluation_interval", "external_url", "rules", "route", "inhibit_rules", "silences",
         "incidents"},
        [&](std::string_view key, const YAML::Node& v, const std::string& path) {
          if (key == "evaluation_interval")
            w.duration(v, path, a.evaluationInterval, Millis(1'000), Millis(3'600'000));
          if (key == "external_url") w.string(v, path, a.externalUrl);
          if (key == "rules") a.rules = listTree(w, v, path);
          if (key == "inhibit_rules") a.inhibitRules = listTree(w, v, path);
          if (key == "silences") a.silences = listTree(w, v, path);
          if (key == "route" || key == "incidents") {
            if (!v.IsMap() && !v.IsNull()) {
              w.error(v, fmt::format("{}: expected a mapping", path));
              return;
            }
            (key == "route" ? a.route : a.incidents) = w.tree(v, path);
          }
        });
}

void readAnalysis(Walker& w, const YAML::Node& node, AnalysisConfig& a) {
  w.map(node, "analysis",
        {"enabled", "log_warmup", "correlation_gap", "retention", "metrics", "poll_interval"},
        [&](std::string_view key, const YAML::Node& v, const std::string& path) {
          if (key == "enabled") w.boolean(v, path, a.enabled);
          if (key == "log_warmup") w.duration(v, path, a.logWarmup, Millis(0), Millis(86'400'000));
          if (key == "correlation_gap")
            w.duration(v, path, a.correlationGap, Millis(1'000), Millis(86'400'000));
          if (key == "retention") w.duration(v, path, a.retention, Millis(3'600'000), kMaxDuration);
          if (key == "metrics") w.stringList(v, path, a.metrics);
          if (key == "poll_interval")
            w.duration(v, path, a.pollInterval, Millis(100), Millis(3'600'000));
        });
}

void readCrypto(Walker& w, const YAML::Node& node, CryptoConfig& c) {
  w.map(node, "crypto", {"master_key_file", "encrypt_archive"},
        [&](std::string_view key, const YAML::Node& v, const std::string& path) {
          if (key == "master_key_file") w.string(v, path, c.masterKeyFile);
          if (key == "encrypt_archive") w.boolean(v, path, c.encryptArchive);
        });
}

void readBackup(Walker& w, const YAML::Node& node, BackupConfig& b) {
  w.map(node, "backup",
        {"retention_count", "retention_age", "part_size", "schedule", "second_target"},
        [&](std::string_view key, const YAML::Node& v, const std::string& path) {
          if (key == "retention_count") w.integer(v, path, b.retentionCount, 1, 100'000);
          if (key == "retention_age")
            w.duration(v, path, b.retentionAge, Millis(3'600'000), kMaxDuration);
          // At least the backup module's smallest part (4 KiB); at most 4 GiB, since a part is
          // held in memory while it is written.
          if (key == "part_size") w.byteSize(v, path, b.partSize, 4096, int64_t{4} << 30);
          if (key == "schedule") {
            std::string text;
            w.string(v, path, text);
            if (text == "off") text.clear();
            if (auto cron = CronSchedule::parse(text); !text.empty() && !cron.ok()) {
              w.error(v, fmt::format("{}: {} (or \"off\")", path, cron.error().message));
            }
            b.schedule = text;
          }
          if (key == "second_target") w.string(v, path, b.secondTarget);
        });
}

void readDocument(Walker& w, const YAML::Node& root, const std::string& file, Config& c) {
  c.file = file;
  w.map(root, "",
        {"env",   "data_dir", "modules", "server",       "syslog",   "auth",     "api",    "log",
         "store", "bus",      "objects", "retention",    "metrics",  "outbound", "health", "logs",
         "slos",  "alerting", "notify",  "status_pages", "analysis", "crypto",   "backup"},
        [&](std::string_view key, const YAML::Node& v, const std::string& path) {
          if (key == "env") return;  // read before the defaults were chosen
          if (key == "data_dir") w.string(v, path, c.dataDir);
          if (key == "modules") w.stringList(v, path, c.modules);
          if (key == "server") readServer(w, v, c.server);
          if (key == "log") readLog(w, v, c.log);
          if (key == "api") readApi(w, v, c.api);
          if (key == "objects") readObjects(w, v, c.objects);
          if (key == "metrics") readMetrics(w, v, c.metrics);
          if (key == "outbound") readOutbound(w, v, c.outbound);
          if (key == "health") readHealth(w, v, file, c.health);
          if (key == "logs") readLogs(w, v, c.logs);
          if (key == "slos") {
            c.slo.file = file;
            c.slo.definitions = listTree(w, v, path);
          }
          if (key == "alerting") readAlerting(w, v, file, c.alerting);
          if (key == "analysis") readAnalysis(w, v, c.analysis);
          if (key == "crypto") readCrypto(w, v, c.crypto);
          if (key == "backup") readBackup(w, v, c.backup);
          if (key == "status_pages") {
            c.statusPages.file = file;
            c.statusPages.pages = listTree(w, v, path);
          }
          if (key == "notify") {
            if (!v.IsMap() && !v.IsNull()) {
              w.error(v, fmt::format("{}: expected a mapping", path));
              return;
            }
            c.notify.file = file;
            c.notify.section = w.tree(v, path);
          }
          if (key == "syslog") {
            w.map(v, path, {"listen"},
                  [&](std::string_view, const YAML::Node& sv, const std::string& p) {
                    w.string(sv, p, c.syslog.listen);
                  });
          }
          if (key == "auth") {
            w.map(v, path, {"enabled", "bootstrap_key", "bootstrap_key_file", "audit_retention"},
                  [&](std::string_view k, const YAML::Node& av, const std::string& p) {
                    if (k == "enabled") w.boolean(av, p, c.auth.enabled);
                    if (k == "bootstrap_key")
                      w.secretRef(av, p, "auth.bootstrap_key_file", c.auth.bootstrapKey);
                    if (k == "bootstrap_key_file") w.secretFile(av, p, c.auth.bootstrapKey);
                    if (k == "audit_retention") {
                      w.duration(av, p, c.auth.auditRetention, Millis(86'400'000), kMaxDuration);
                    }
                  });
          }
          if (key == "store") {
            w.map(v, path, {"backend", "busy_timeout", "url", "url_file", "pool_size"},
                  [&](std::string_view k, const YAML::Node& sv, const std::string& p) {
                    if (k == "backend") {
                      w.enumeration(sv, p, c.store.backend,
                                    {{"sqlite", StoreBackend::kSqlite},
                                     {"postgres", StoreBackend::kPostgres}});
                    }
                    if (k == "busy_timeout")
                      w.duration(sv, p, c.store.busyTimeout, Millis(0), Millis(600'000));
                    if (k == "url") w.secretRef(sv, p, "store.url_file", c.store.url);
                    if (k == "url_file") w.secretFile(sv, p, c.store.url);
                    if (k == "pool_size") w.integer(sv, p, c.store.poolSize, 1, 1000);
                  });
          }
          if (key == "bus") {
            w.map(v, path,
                  {"backend", "servers", "replicas", "prefix", "visibility_timeout", "max_receives",
                   "backoff_base", "backoff_max", "user", "password", "password_file",
                   "credentials_file", "tls_ca_file", "tls_cert_file", "tls_key_file"},
                  [&](std::string_view k, const YAML::Node& bv, const std::string& p) {
                    if (k == "backend") {
                      w.enumeration(
                          bv, p, c.bus.backend,
                          {{"embedded", BusBackend::kEmbedded}, {"nats", BusBackend::kNats}});
                    }
                    if (k == "servers") w.stringList(bv, p, c.bus.servers);
                    if (k == "replicas") w.integer(bv, p, c.bus.replicas, 1, 5);
                    if (k == "prefix") w.string(bv, p, c.bus.prefix);
                    if (k == "visibility_timeout") {
                      w.duration(bv, p, c.bus.visibilityTimeout, Millis(100), Millis(43'200'000));
                    }
                    if (k == "max_receives") w.integer(bv, p, c.bus.maxReceives, 1, 1000);
                    if (k == "backoff_base")
                      w.duration(bv, p, c.bus.backoffBase, Millis(1), Millis(3'600'000));
                    if (k == "backoff_max")
                      w.duration(bv, p, c.bus.backoffMax, Millis(1), Millis(86'400'000));
                    if (k == "user") w.string(bv, p, c.bus.user);
                    if (k == "password") w.secretRef(bv, p, "bus.password_file", c.bus.password);
                    if (k == "password_file") w.secretFile(bv, p, c.bus.password);
                    if (k == "credentials_file") w.string(bv, p, c.bus.credentialsFile);
                    if (k == "tls_ca_file") w.string(bv, p, c.bus.tlsCaFile);
                    if (k == "tls_cert_file") w.string(bv, p, c.bus.tlsCertFile);
                    if (k == "tls_key_file") w.string(bv, p, c.bus.tlsKeyFile);
                  });
          }
          if (key == "retention") {
            w.map(v, path, {"archive"},
                  [&](std::string_view, const YAML::Node& rv, const std::string& p) {
                    w.duration(rv, p, c.retention.archive, Millis(3'600'000), kMaxDuration);
                  });
          }
        });
}

// Picks the environment: --env, then PHAROS_ENV, then the file's `env:`, then dev.
Environment chooseEnvironment(Walker& w, const LoadOptions& options, const YAML::Node* root) {
  if (options.env) return *options.env;
  if (auto fromEnv = w.lookupEnv("PHAROS_ENV"); fromEnv && !fromEnv->empty()) {
    if (auto e = parseEnvironment(*fromEnv); e.ok()) return *e;
    w.error(YAML::Mark::null_mark(),
            fmt::format("PHAROS_ENV: {}", parseEnvironment(*fromEnv).error().message));
  }
  if (root != nullptr && root->IsMap()) {
    if (YAML::Node e = (*root)["env"]; e && e.IsScalar()) {
      auto parsed = parseEnvironment(e.Scalar());
      if (parsed.ok()) return *parsed;
      w.error(e, fmt::format("env: {}", parsed.error().message));
    }
  }
  return Environment::kDev;
}

void applyOverrides(Config& c, const LoadOptions& options) {
  if (options.dataDir) c.dataDir = *options.dataDir;
  if (options.listen) c.server.listen = *options.listen;
  if (options.syslogListen) c.syslog.listen = *options.syslogListen;
  if (options.modules) c.modules = *options.modules;
}

}  // namespace

std::string Diagnostic::toString() const {
  if (line <= 0) return fmt::format("{}: {}", file, message);
  return fmt::format("{}:{}:{}: {}", file, line, column, message);
}

LoadOutcome loadConfigString(std::string_view yaml, std::string_view fileName,
                             const LoadOptions& options) {
  LoadOutcome out;
  std::string file(fileName);
  Walker w(file, yaml, options, out.diagnostics);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    w.error(e.mark, e.msg);
    out.config = defaultsFor(chooseEnvironment(w, options, nullptr));
    return out;
  }
  if (!root.IsMap() && !root.IsNull()) {
    w.error(root, "expected a mapping of keys at the top level");
    return out;
  }
  // Defaults of the chosen environment, then the file over them, then the command line.
  out.config = defaultsFor(chooseEnvironment(w, options, &root));
  readDocument(w, root, file, out.config);
  applyOverrides(out.config, options);
  // The bootstrap key may come from PHAROS_BOOTSTRAP_KEY without the file naming it.
  if (out.config.auth.bootstrapKey.empty()) {
    if (auto key = w.lookupEnv("PHAROS_BOOTSTRAP_KEY"); key && !key->empty()) {
      out.config.auth.bootstrapKey = Secret(std::move(*key));
    }
  }
  validate(out.config, ValidationContext{file, &root, &options}, out.diagnostics);
  return out;
}

LoadOutcome loadConfigFile(const std::string& path, const LoadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadOutcome out;
    out.diagnostics.push_back(Diagnostic{path, 0, 0, "cannot open config file"});
    return out;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return loadConfigString(buffer.str(), path, options);
}

LoadOutcome loadDefaultConfig(const LoadOptions& options) {
  return loadConfigString("", "<defaults>", options);
}

Result<Config> toResult(LoadOutcome outcome) {
  if (outcome.ok()) return std::move(outcome.config);
  std::string message;
  for (const Diagnostic& d : outcome.diagnostics) {
    if (!message.empty()) message += "\n";
    message += d.toString();
  }
  return makeError(ErrorCode::kInvalidArgument, std::move(message));
}

}  // namespace pharos::config
