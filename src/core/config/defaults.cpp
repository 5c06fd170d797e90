#include "core/config/config.h"

#include <charconv>

#include <fmt/format.h>

namespace pharos::config {
namespace {

constexpr int64_t kDayMs = 86'400'000;

}  // namespace

std::string_view environmentName(Environment env) {
  switch (env) {
    case Environment::kDev:
      return "dev";
    case Environment::kStaging:
      return "staging";
    case Environment::kProd:
      return "prod";
  }
  return "dev";
}

Result<Environment> parseEnvironment(std::string_view name) {
  if (name == "dev") return Environment::kDev;
  if (name == "staging") return Environment::kStaging;
  if (name == "prod") return Environment::kProd;
  return makeError(ErrorCode::kInvalidArgument,
                   fmt::format("unknown environment '{}' (expected dev, staging or prod)", name));
}

Config defaultsFor(Environment env) {
  Config c;
  c.env = env;
  c.auth.enabled = true;  // in every environment; in dev the first start prints an admin key
  if (env == Environment::kDev) {
    // Loopback only, forgiving, short retention: a laptop.
    c.dataDir = "./data";
    c.server.listen = "127.0.0.1:8470";
    c.syslog.listen = "127.0.0.1:5514";
    c.log.format = logging::Format::kText;
    c.api.keyRateLimit = {1000, 2000};
    c.api.ipRateLimit = {100, 200};
    c.api.cors.allowedOrigins = {"*"};
    c.retention.archive = Millis(7 * kDayMs);
    c.metrics.rawRetention = Millis(7 * kDayMs);
    c.metrics.minuteRetention = Millis(30 * kDayMs);
    c.metrics.hourRetention = Millis(365 * kDayMs);
    c.analysis.retention = Millis(7 * kDayMs);
    return c;
  }
  // Staging and prod: a server, reachable from other machines, with tighter limits.
  c.dataDir = "/var/lib/pharos";
  c.server.listen = "0.0.0.0:8470";
  c.syslog.listen = "0.0.0.0:5514";
  c.api.keyRateLimit = {50, 100};
  c.api.ipRateLimit = {10, 20};
  c.retention.archive = Millis((env == Environment::kProd ? 30 : 14) * kDayMs);
  c.logs.retention = Millis((env == Environment::kProd ? 30 : 14) * kDayMs);
  c.metrics.rawRetention = Millis((env == Environment::kProd ? 30 : 15) * kDayMs);
  c.metrics.minuteRetention = Millis((env == Environment::kProd ? 180 : 90) * kDayMs);
  c.metrics.hourRetention = Millis((env == Environment::kProd ? 730 : 365) * kDayMs);
  c.analysis.retention = Millis((env == Environment::kProd ? 30 : 14) * kDayMs);
  if (env != Environment::kDev) c.backup.schedule = "@daily";
  c.crypto.encryptArchive = env == Environment::kProd;
  return c;
}

Result<HostPort> parseHostPort(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return makeError(
        ErrorCode::kInvalidArgument,
        fmt::format("invalid address '{}': {} (expected HOST:PORT, e.g. 127.0.0.1:8470)", text,
                    why));
  };
  HostPort hp;
  std::string_view portText;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad("unterminated IPv6 address");
    }
    hp.host = std::string(text.substr(1, close - 1));
    portText = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("missing port");
    hp.host = std::string(text.substr(0, colon));
    portText = text.substr(colon + 1);
    if (hp.host.find(':') != std::string::npos) return bad("IPv6 addresses go in brackets");
  }
  if (hp.host.empty()) return bad("missing host");
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
  if (ec != std::errc() || ptr != portText.data() + portText.size() || port > 65535) {
    return bad("port must be a number from 0 to 65535");
  }
  hp.port = static_cast<uint16_t>(port);
  return hp;
}

}  // namespace pharos::config
