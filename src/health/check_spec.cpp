#include "health/check_spec.h"

#include <algorithm>
#include <charconv>
#include <tuple>

#include <fmt/format.h>

#include "core/config/duration.h"
#include "core/config/node_reader.h"
#include "core/text.h"
#include "net/http.h"

namespace pharos::health {
namespace {

using config::Node;

constexpr std::string_view kFields[] = {"name",
                                        "type",
                                        "url",
                                        "method",
                                        "headers",
                                        "body",
                                        "max_redirects",
                                        "expected_status",
                                        "verify_tls",
                                        "host",
                                        "port",
                                        "server",
                                        "record",
                                        "grace",
                                        "token",
                                        "interval",
                                        "timeout",
                                        "retries",
                                        "conditions",
                                        "labels",
                                        "failure_threshold",
                                        "success_threshold",
                                        "paused"};

// The config reader, plus the integer widths and the condition language checks use.
class Reader : public config::NodeReader {
 public:
  using NodeReader::integer;
  using NodeReader::NodeReader;
  template <typename Int>
  void integer(const Node& v, const std::string& f, Int& out, std::int64_t min, std::int64_t max) {
    std::int64_t n = 0;
    if (NodeReader::integer(v, f, n, min, max)) out = static_cast<Int>(n);
  }

  void condition(const Node& v, const std::string& f, std::vector<Condition>& out) {
    const std::string* text = scalar(v, f);
    if (text == nullptr) return;
    auto parsed = Condition::parse(*text);
    if (auto* c = std::get_if<Condition>(&parsed)) {
      out.push_back(std::move(*c));
      return;
    }
    const auto& e = std::get<ConditionSyntaxError>(parsed);
    // Point at the character in the file.
    Node at = v;
    std::tie(at.line, at.column) = v.positionOf(e.offset);
    problem(at, f, fmt::format("{}: {}", f, e.message));
  }
};

std::optional<CheckType> parseCheckType(std::string_view s) {
  if (s == "http") return CheckType::kHttp;
  if (s == "tcp") return CheckType::kTcp;
  if (s == "tls") return CheckType::kTls;
  if (s == "dns") return CheckType::kDns;
  if (s == "heartbeat") return CheckType::kHeartbeat;
  return std::nullopt;
}

// Fields that mean something only for some types; given for another, they are a mistake.
bool fieldAppliesTo(std::string_view key, CheckType t) {
  using enum CheckType;
  if (key == "url" || key == "method" || key == "headers" || key == "body" ||
      key == "max_redirects" || key == "expected_status") {
    return t == kHttp;
  }
  if (key == "verify_tls") return t == kHttp || t == kTls;
  if (key == "host") return t == kTcp || t == kTls || t == kDns;
  if (key == "port") return t == kTcp || t == kTls;
  if (key == "server" || key == "record") return t == kDns;
  if (key == "grace" || key == "token") return t == kHeartbeat;
  if (key == "timeout" || key == "retries") return t != kHeartbeat;
  return true;
}

constexpr std::string_view kRecordTypes[] = {"A",   "AAAA", "CNAME", "MX",  "NS",
                                             "TXT", "PTR",  "SOA",   "SRV", "CAA"};

// Placeholders that a type of check can fill (docs/CONDITIONS.md lists them).
bool placeholderAppliesTo(std::string_view p, CheckType t) {
  using enum CheckType;
  if (p == "[RESPONSE_TIME]" || p == "[CONNECTED]" || p == "[IP]") return true;
  if (p == "[STATUS]" || p == "[HEADER]") return t == kHttp;
  if (p == "[BODY]") return t == kHttp || t == kDns;
  if (p == "[CERT_EXPIRES_IN]" || p == "[CERTIFICATE_EXPIRATION]") return t == kHttp || t == kTls;
  if (p == "[DNS_RCODE]") return t == kDns;
  return false;
}

void checkTypeFields(Reader& r, const Node& node, CheckSpec& s) {
  for (const auto& [key, value] : node.members) {
    if (!fieldAppliesTo(key, s.type)) {
      r.problem(value, r.field(key),
                fmt::format("{}: not a field of a {} check", r.field(key), checkTypeName(s.type)));
    }
  }
  auto require = [&](bool present, std::string_view key, std::string_view what) {
    if (!present) {
      r.problem(node, r.field(key),
                fmt::format("{}: a {} check needs {}", r.field(key), checkTypeName(s.type), what));
    }
  };
  switch (s.type) {
    case CheckType::kHttp:
      require(!s.url.empty(), "url", "a url (http:// or https://)");
      if (!s.url.empty() && !s.url.starts_with("http://") && !s.url.starts_with("https://")) {
        r.problem(*node.find("url"), r.field("url"),
                  fmt::format("{}: expected an http:// or https:// URL", r.field("url")));
      }
      break;
    case CheckType::kTcp:
    case CheckType::kTls:
      require(!s.host.empty(), "host", "a host");
      require(s.port != 0, "port", "a port");
      break;
    case CheckType::kDns:
      require(!s.host.empty(), "host", "the name to look up as host");
      require(!s.server.empty(), "server", "the DNS server's address as server");
      break;
    case CheckType::kHeartbeat:
      break;
  }
  if (s.type != CheckType::kHeartbeat && s.timeout > s.interval) {
    r.problem(node, r.field("timeout"),
              fmt::format("{}: timeout ({}) must not exceed interval ({})", r.field("timeout"),
                          config::formatDuration(s.timeout), config::formatDuration(s.interval)));
  }
  if (const Node* conditions = node.find("conditions"); conditions && conditions->isList()) {
    for (size_t i = 0; i < s.conditions.size() && i < conditions->items.size(); ++i) {
      for (const std::string& p : s.conditions[i].placeholders()) {
        if (!placeholderAppliesTo(p, s.type)) {
          std::string f = fmt::format("{}[{}]", r.field("conditions"), i);
          r.problem(
              conditions->items[i], f,
              fmt::format("{}: {} means nothing for a {} check", f, p, checkTypeName(s.type)));
        }
      }
    }
  }
}

void readField(Reader& r, std::string_view key, const Node& v, CheckSpec& s) {
  std::string f = r.field(key);
  if (key == "name") {
    r.name(v, f, s.name);
  } else if (key == "url") {
    r.string(v, f, s.url);
  } else if (key == "method") {
    r.string(v, f, s.method);
    if (!net::isHttpToken(s.method)) r.problem(v, f, fmt::format("{}: not an HTTP method", f));
  } else if (key == "headers") {
    r.map(v, f, [&](const std::string& name, const Node& value) {
      std::string hf = fmt::format("{}.{}", f, name);
      std::string text;
      r.string(value, hf, text);
      if (!net::isHttpToken(name)) r.problem(value, hf, fmt::format("{}: not a header name", hf));
      if (!net::isHttpFieldValue(text))
        r.problem(value, hf, fmt::format("{}: not a header value", hf));
      s.headers.emplace_back(name, std::move(text));
    });
  } else if (key == "body") {
    r.string(v, f, s.body);
  } else if (key == "max_redirects") {
    r.integer(v, f, s.maxRedirects, 0, 20);
  } else if (key == "expected_status") {
    auto one = [&](const Node& item, const std::string& itemField) {
      int status = 0;
      r.integer(item, itemField, status, 100, 599);
      if (status != 0) s.expectedStatus.push_back(status);
    };
    if (v.isList()) {
      r.list(v, f, one);
    } else {
      one(v, f);
    }
  } else if (key == "verify_tls") {
    r.boolean(v, f, s.verifyTls);
  } else if (key == "host") {
    r.string(v, f, s.host);
  } else if (key == "port") {
    r.integer(v, f, s.port, 1, 65535);
  } else if (key == "server") {
    r.string(v, f, s.server);
  } else if (key == "record") {
    r.string(v, f, s.record);
    std::string upper = s.record;
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    if (std::find(std::begin(kRecordTypes), std::end(kRecordTypes), upper) ==
        std::end(kRecordTypes)) {
      r.problem(v, f, fmt::format("{}: unknown record type '{}'", f, v.shown()));
    }
    s.record = upper;
  } else if (key == "grace") {
    r.duration(v, f, s.grace, Millis(0), Millis(7LL * 86'400'000));
  } else if (key == "token") {
    r.string(v, f, s.token);
    if (!v.fromEnv && v.isScalar()) {
      r.problem(v, f, fmt::format("{}: a token may not be written inline; use ${{ENV_VAR}}", f));
    } else if (!s.token.empty() && s.token.size() < 16) {
      r.problem(v, f, fmt::format("{}: a token needs at least 16 characters", f));
    }
  } else if (key == "interval") {
    r.duration(v, f, s.interval, Millis(1'000), Millis(7LL * 86'400'000));
  } else if (key == "timeout") {
    r.duration(v, f, s.timeout, Millis(10), Millis(600'000));
  } else if (key == "retries") {
    r.integer(v, f, s.retries, 0, 5);
  } else if (key == "conditions") {
    r.list(v, f, [&](const Node& item, const std::string& itemField) {
      r.condition(item, itemField, s.conditions);
    });
  } else if (key == "labels") {
    r.map(v, f, [&](const std::string& name, const Node& value) {
      std::string lf = fmt::format("{}.{}", f, name);
      std::string text;
      r.string(value, lf, text);
      if (!isValidLabelName(name) || name.starts_with("__") || name == "check" || name == "type" ||
          name == "maintenance") {
        r.problem(value, lf,
                  fmt::format("{}: '{}' cannot be a label name (check, type and maintenance are "
                              "set by Pharos)",
                              lf, name));
      } else if (!isValidUtf8(text)) {
        r.problem(value, lf, fmt::format("{}: not valid UTF-8", lf));
      }
      s.labels[name] = std::move(text);
    });
  } else if (key == "failure_threshold") {
    r.integer(v, f, s.failureThreshold, 1, 100);
  } else if (key == "success_threshold") {
    r.integer(v, f, s.successThreshold, 1, 100);
  } else if (key == "paused") {
    r.boolean(v, f, s.paused);
  }
}

}  // namespace

std::string_view checkTypeName(CheckType type) {
  switch (type) {
    case CheckType::kHttp:
      return "http";
    case CheckType::kTcp:
      return "tcp";
    case CheckType::kTls:
      return "tls";
    case CheckType::kDns:
      return "dns";
    case CheckType::kHeartbeat:
      return "heartbeat";
  }
  return "?";
}

Labels CheckSpec::identity() const {
  std::vector<Label> out;
  for (const auto& [k, v] : labels)
    out.push_back({k, v});
  out.push_back({"check", name});
  out.push_back({"type", std::string(checkTypeName(type))});
  return Labels::fromUnsorted(std::move(out));
}

ParsedCheck parseCheckSpec(const Node& node, std::string_view path) {
  Reader r(path);
  CheckSpec s;
  if (!node.isMap()) {
    r.problem(
        node, std::string(path),
        fmt::format("{}: expected a check definition (a mapping)", path.empty() ? "body" : path));
    return r.take();
  }
  bool typed = false;
  for (const auto& [key, value] : node.members) {
    if (!r.knownField(key, value, kFields)) continue;
    if (key == "type") {
      std::string text;
      r.string(value, r.field(key), text);
      if (auto t = parseCheckType(text)) {
        s.type = *t;
        typed = true;
      } else if (value.isScalar()) {
        r.problem(value, r.field(key),
                  fmt::format("{}: unknown type '{}' (expected http, tcp, tls, dns or heartbeat)",
                              r.field(key), value.shown()));
      }
      continue;
    }
    readField(r, key, value, s);
  }
  if (s.name.empty() && !node.find("name")) {
    r.problem(node, r.field("name"), fmt::format("{}: a check needs a name", r.field("name")));
  }
  if (!typed && !node.find("type")) {
    r.problem(node, r.field("type"),
              fmt::format("{}: a check needs a type (http, tcp, tls, dns or heartbeat)",
                          r.field("type")));
  }
  // The default timeout (10s) never exceeds a shorter interval the definition gives.
  if (!node.find("timeout")) s.timeout = std::min(s.timeout, s.interval);
  if (typed) checkTypeFields(r, node, s);
  if (s.type == CheckType::kHeartbeat && !node.find("grace")) s.grace = s.interval / 5;
  if (!r.ok()) return r.take();
  return s;
}

bool isCredentialHeader(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  return lower == "authorization" || lower == "proxy-authorization" || lower == "cookie" ||
         lower == "x-api-key" || lower.find("token") != std::string::npos ||
         lower.find("secret") != std::string::npos;
}

nlohmann::json checkSpecToJson(const CheckSpec& s, bool withCredentials) {
  nlohmann::json j;
  j["name"] = s.name;
  j["type"] = checkTypeName(s.type);
  switch (s.type) {
    case CheckType::kHttp: {
      j["url"] = s.url;
      j["method"] = s.method;
      nlohmann::json headers = nlohmann::json::object();
      for (const auto& [k, v] : s.headers)
        headers[k] = isCredentialHeader(k) && !withCredentials ? std::string("[redacted]") : v;
      j["headers"] = headers;
      j["body"] = s.body;
      j["max_redirects"] = s.maxRedirects;
      j["expected_status"] = s.expectedStatus;
      j["verify_tls"] = s.verifyTls;
      break;
    }
    case CheckType::kTcp:
    case CheckType::kTls:
      j["host"] = s.host;
      j["port"] = s.port;
      if (s.type == CheckType::kTls) j["verify_tls"] = s.verifyTls;
      break;
    case CheckType::kDns:
      j["host"] = s.host;
      j["server"] = s.server;
      j["record"] = s.record;
      break;
    case CheckType::kHeartbeat:
      j["grace"] = config::formatDuration(s.grace);
      break;
  }
  j["interval"] = config::formatDuration(s.interval);
  if (s.type != CheckType::kHeartbeat) {
    j["timeout"] = config::formatDuration(s.timeout);
    j["retries"] = s.retries;
  }
  nlohmann::json conditions = nlohmann::json::array();
  for (const Condition& c : s.conditions)
    conditions.push_back(c.text());
  j["conditions"] = conditions;
  j["labels"] = s.labels;
  j["failure_threshold"] = s.failureThreshold;
  j["success_threshold"] = s.successThreshold;
  j["paused"] = s.paused;
  return j;
}

}  // namespace pharos::health
