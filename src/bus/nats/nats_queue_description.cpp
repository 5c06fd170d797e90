#include "bus/nats/nats_queue_description.h"

#include <fmt/format.h>

#include <charconv>

namespace pharos::bus::nats {
namespace {

constexpr std::string_view kMagic = "pharos-queue v1";

bool parseInt(std::string_view text, int64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0;
}

}  // namespace

std::string formatQueueDescription(const QueueOptions& options) {
  return fmt::format("{} maxReceives={} backoffBase={} backoffMax={}", kMagic, options.maxReceives,
                     options.backoffBase.count(), options.backoffMax.count());
}

std::optional<QueueOptions> parseQueueDescription(std::string_view text, QueueOptions base) {
  if (text.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  text.remove_prefix(kMagic.size());
  int found = 0;
  while (!text.empty()) {
    if (text.front() != ' ') return std::nullopt;
    text.remove_prefix(1);
    size_t end = text.find(' ');
    std::string_view field = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end);
    size_t eq = field.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string_view key = field.substr(0, eq);
    int64_t value = 0;
    if (!parseInt(field.substr(eq + 1), value)) return std::nullopt;
    if (key == "maxReceives" && value <= 1'000'000) {
      base.maxReceives = static_cast<int>(value);
    } else if (key == "backoffBase") {
      base.backoffBase = Millis(value);
    } else if (key == "backoffMax") {
      base.backoffMax = Millis(value);
    } else {
      continue;  // a field from a newer writer: ignored, not an error
    }
    ++found;
  }
  if (found != 3) return std::nullopt;
  return base;
}

}  // namespace pharos::bus::nats
