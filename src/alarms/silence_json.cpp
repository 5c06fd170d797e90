#include "alarms/silence_json.h"

#include <ctime>

#include <fmt/format.h>

#include "core/config/duration.h"
#include "promql/api_params.h"

namespace pharos::alarms {
namespace {

using config::Node;

constexpr std::string_view kSilenceFields[] = {"matchers", "starts_at", "ends_at",    "every",
                                               "duration", "until",     "created_by", "comment"};
constexpr std::string_view kMatcherObjectFields[] = {"name", "value", "isRegex", "isEqual"};

bool readTime(const Node& v, const std::string& f, std::optional<WallTime>& out,
              config::NodeReader& r) {
  std::string s;
  if (!r.string(v, f, s)) return false;
  auto t = promql::parseTimeParam(s);
  if (!t.ok()) {
    r.problem(v, f,
              fmt::format("{}: expected a time like 2026-12-05T22:00:00Z, got '{}'", f, v.shown()));
    return false;
  }
  // WallTime counts nanoseconds in 64 bits, which end in 2262: refuse well before that.
  constexpr std::int64_t kYear2200 = 7'258'118'400'000;
  if (*t < 0 || *t >= kYear2200) {
    r.problem(v, f, fmt::format("{}: '{}' is outside the years 1970 to 2199", f, v.shown()));
    return false;
  }
  out = fromUnixMillis(*t);
  return true;
}

// Alertmanager's API form: {"name": "alertname", "value": "X", "isRegex": false, "isEqual": true}.
void readMatcherObject(const Node& item, const std::string& f, std::vector<AlertMatcher>& out,
                       config::NodeReader& r) {
  std::string name, value;
  bool isRegex = false, isEqual = true, hasName = false, hasValue = false;
  r.map(item, f, [&](const std::string& key, const Node& v) {
    if (!r.knownField(key, v, kMatcherObjectFields)) return;
    std::string kf = fmt::format("{}.{}", f, key);
    if (key == "name") hasName = r.string(v, kf, name);
    if (key == "value") hasValue = r.string(v, kf, value);
    if (key == "isRegex") r.boolean(v, kf, isRegex);
    if (key == "isEqual") r.boolean(v, kf, isEqual);
  });
  if (!hasName || !hasValue) {
    r.problem(item, f, fmt::format("{}: a matcher object needs a name and a value", f));
    return;
  }
  // Reserved names ("__name__") are refused as the string form refuses them.
  if (!isValidLabelName(name) || name.starts_with("__")) {
    r.problem(item, f, fmt::format("{}: '{}' is not a label name", f, name));
    return;
  }
  using Type = AlertMatcher::Type;
  Type type = isRegex ? (isEqual ? Type::kRegexMatch : Type::kRegexNoMatch)
                      : (isEqual ? Type::kEqual : Type::kNotEqual);
  auto m = AlertMatcher::make(type, name, value);
  if (!m.ok()) {
    r.problem(item, f, fmt::format("{}: {}", f, m.error().message));
    return;
  }
  out.push_back(std::move(m).value());
}

void readField(std::string_view key, const Node& v, const std::string& f, Silence& s,
               std::optional<WallTime>& startsAt, config::NodeReader& r) {
  if (key == "matchers") {
    r.list(v, f, [&](const Node& item, const std::string& itemField) {
      if (item.isMap()) {
        readMatcherObject(item, itemField, s.matchers, r);
        return;
      }
      readMatchersEntry(r, item, itemField, s.matchers);
    });
  } else if (key == "starts_at") {
    readTime(v, f, startsAt, r);
  } else if (key == "ends_at") {
    readTime(v, f, s.endsAt, r);
  } else if (key == "until") {
    readTime(v, f, s.until, r);
  } else if (key == "every") {
    std::string text;
    if (!r.string(v, f, text)) return;
    auto cron = CronSchedule::parse(text);
    if (!cron.ok()) {
      r.problem(v, f, fmt::format("{}: {}", f, cron.error().message));
      return;
    }
    s.every = std::move(cron).value();
  } else if (key == "duration") {
    r.duration(v, f, s.duration, Millis(1), Millis::max());
  } else if (key == "created_by") {
    r.string(v, f, s.createdBy);
  } else if (key == "comment") {
    r.string(v, f, s.comment);
  }
}

}  // namespace

std::string formatSilenceTime(WallTime t) {
  std::int64_t ms = toUnixMillis(t);
  std::int64_t seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  auto millis = static_cast<int>(ms - seconds * 1000);
  auto tt = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

std::variant<Silence, std::vector<config::FieldProblem>> parseSilence(const Node& node,
                                                                      std::string_view path,
                                                                      WallTime now, bool validate) {
  config::NodeReader r(path);
  Silence s;
  std::optional<WallTime> startsAt;
  r.map(node, r.path(), [&](const std::string& key, const Node& v) {
    if (r.knownField(key, v, kSilenceFields)) readField(key, v, r.field(key), s, startsAt, r);
  });
  s.startsAt = startsAt.value_or(now);
  s.createdAt = s.updatedAt = now;
  if (validate && r.ok() && node.isMap()) {
    if (Status st = validateSilence(s); !st.ok()) {
      const Node* at = node.find(s.matchers.empty() ? "matchers" : "ends_at");
      std::string where = r.path().empty() ? std::string("silence") : r.path();
      r.problem(at != nullptr ? *at : node, r.path(),
                fmt::format("{}: {}", where, st.error().message));
    }
  }
  if (!r.ok()) return r.take();
  return s;
}

nlohmann::json silenceSpecJson(const Silence& s) {
  nlohmann::json j;
  nlohmann::json matchers = nlohmann::json::array();
  for (const AlertMatcher& m : s.matchers)
    matchers.push_back(m.str());
  j["matchers"] = std::move(matchers);
  j["starts_at"] = formatSilenceTime(s.startsAt);
  if (s.endsAt) j["ends_at"] = formatSilenceTime(*s.endsAt);
  if (s.every) {
    j["every"] = s.every->text();
    j["duration"] = config::formatDuration(s.duration);
  }
  if (s.until) j["until"] = formatSilenceTime(*s.until);
  if (!s.createdBy.empty()) j["created_by"] = s.createdBy;
  if (!s.comment.empty()) j["comment"] = s.comment;
  return j;
}

nlohmann::json silenceToJson(const Silence& s, WallTime now) {
  nlohmann::json j = silenceSpecJson(s);
  j["id"] = s.id;
  j["status"] = silenceStatusName(s.statusAt(now));
  if (auto until = s.activeUntil(now)) j["active_until"] = formatSilenceTime(*until);
  j["created_at"] = formatSilenceTime(s.createdAt);
  j["updated_at"] = formatSilenceTime(s.updatedAt);
  j["source"] = s.fromConfig ? "config" : "api";
  return j;
}

}  // namespace pharos::alarms
