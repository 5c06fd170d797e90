#include "notify/notify_config.h"

#include <set>

#include <fmt/format.h>

#include "core/config/duration.h"

namespace pharos::notify {
namespace {

using config::Node;

constexpr std::string_view kSectionFields[] = {"retry", "breaker", "workers", "receivers"};
constexpr std::string_view kRetryFields[] = {"max_attempts", "backoff_base", "backoff_max",
                                             "visibility_timeout"};
constexpr std::string_view kBreakerFields[] = {"failure_threshold", "cooldown"};

}  // namespace

std::variant<NotifyConfig, std::vector<config::FieldProblem>> parseNotifyConfig(
    const Node& section, std::string_view path) {
  NotifyConfig c;
  config::NodeReader r(path);
  std::vector<config::FieldProblem> problems;
  if (section.isNull()) return c;
  std::set<std::string> names;
  r.map(section, r.path(), [&](const std::string& key, const Node& v) {
    if (!r.knownField(key, v, kSectionFields)) return;
    std::string f = r.field(key);
    if (key == "workers") {
      std::int64_t n = 0;
      if (r.integer(v, f, n, 1, 64)) c.outbox.workers = static_cast<int>(n);
    } else if (key == "retry") {
      config::NodeReader sub(f);
      sub.map(v, f, [&](const std::string& k, const Node& value) {
        if (!sub.knownField(k, value, kRetryFields)) return;
        std::string ff = sub.field(k);
        RetryOptions& o = c.outbox.retry;
        if (k == "max_attempts") {
          std::int64_t n = 0;
          if (sub.integer(value, ff, n, 1, 1000)) o.maxAttempts = static_cast<int>(n);
        } else if (k == "backoff_base") {
          sub.duration(value, ff, o.backoffBase, Millis(1), Millis(3'600'000));
        } else if (k == "backoff_max") {
          sub.duration(value, ff, o.backoffMax, Millis(1), Millis(86'400'000));
        } else if (k == "visibility_timeout") {
          sub.duration(value, ff, o.visibilityTimeout, Millis(1'000), Millis(3'600'000));
        }
      });
      if (c.outbox.retry.backoffMax < c.outbox.retry.backoffBase) {
        sub.problem(v, sub.field("backoff_max"),
                    fmt::format("{}: must not be below backoff_base", sub.field("backoff_max")));
      }
      auto more = sub.take();
      problems.insert(problems.end(), more.begin(), more.end());
    } else if (key == "breaker") {
      config::NodeReader sub(f);
      sub.map(v, f, [&](const std::string& k, const Node& value) {
        if (!sub.knownField(k, value, kBreakerFields)) return;
        std::string ff = sub.field(k);
        if (k == "failure_threshold") {
          std::int64_t n = 0;
          if (sub.integer(value, ff, n, 1, 1000)) {
            c.outbox.breaker.failureThreshold = static_cast<int>(n);
          }
        } else {
          sub.duration(value, ff, c.outbox.breaker.cooldown, Millis(1), Millis(86'400'000));
        }
      });
      auto more = sub.take();
      problems.insert(problems.end(), more.begin(), more.end());
    } else if (key == "receivers") {
      r.list(v, f, [&](const Node& item, const std::string& itemField) {
        auto parsed = parseReceiverSpec(item, itemField);
        if (auto* bad = std::get_if<std::vector<config::FieldProblem>>(&parsed)) {
          problems.insert(problems.end(), bad->begin(), bad->end());
          return;
        }
        auto& spec = std::get<ReceiverSpec>(parsed);
        if (!names.insert(spec.name).second) {
          r.problem(item, itemField + ".name",
                    fmt::format("{}.name: receiver '{}' is defined twice", itemField, spec.name));
          return;
        }
        c.receivers.push_back(std::move(spec));
      });
    }
  });
  for (const ReceiverSpec& spec : c.receivers) {
    if (spec.timeout >= c.outbox.retry.visibilityTimeout) {
      r.problem(section, r.field("retry.visibility_timeout"),
                fmt::format("{}: must exceed receiver '{}''s timeout ({})",
                            r.field("retry.visibility_timeout"), spec.name,
                            config::formatDuration(spec.timeout)));
    }
  }
  auto own = r.take();
  problems.insert(problems.end(), own.begin(), own.end());
  if (!problems.empty()) return problems;
  return c;
}

}  // namespace pharos::notify
