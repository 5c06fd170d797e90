#include "core/config/duration.h"

#include <array>
#include <cctype>
#include <limits>

#include <fmt/format.h>

namespace pharos::config {
namespace {

struct Unit {
  std::string_view name;
  int64_t ms;
};

constexpr std::array<Unit, 7> kUnits{{{"ms", 1},
                                      {"s", 1000},
                                      {"m", 60'000},
                                      {"h", 3'600'000},
                                      {"d", 86'400'000},
                                      {"w", 604'800'000},
                                      {"y", 31'536'000'000}}};

Error badDuration(std::string_view text, std::string_view why) {
  return makeError(
      ErrorCode::kInvalidArgument,
      fmt::format("invalid duration '{}': {} (use e.g. 500ms, 10s, 1m30s, 6h, 7d)", text, why));
}

// n = n * 10 + digit, false when that would overflow (checking the multiply alone lets
// 922337203685477580 * 10 + 8 through).
bool appendDigit(int64_t& n, char c) {
  int digit = c - '0';
  if (n > (std::numeric_limits<int64_t>::max() - digit) / 10) return false;
  n = n * 10 + digit;
  return true;
}

}  // namespace

Result<Millis> parseDuration(std::string_view text) {
  if (text == "0") return Millis(0);
  if (text.empty()) return badDuration(text, "empty");
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i])))
      return badDuration(text, "expected a number");
    int64_t n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (!appendDigit(n, text[i])) return badDuration(text, "too large");
      ++i;
    }
    size_t unitStart = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i])))
      ++i;
    std::string_view unit = text.substr(unitStart, i - unitStart);
    if (unit.empty()) return badDuration(text, "missing unit");
    const Unit* found = nullptr;
    for (const Unit& u : kUnits) {
      if (u.name == unit) found = &u;
    }
    if (found == nullptr) return badDuration(text, fmt::format("unknown unit '{}'", unit));
    if (n > (std::numeric_limits<int64_t>::max() - total) / found->ms)
      return badDuration(text, "too large");
    total += n * found->ms;
  }
  return Millis(total);
}

std::string formatDuration(Millis d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  // Days and larger only when exact, so "36h" stays readable instead of "1d12h".
  for (auto it = kUnits.rbegin(); it != kUnits.rend(); ++it) {
    if (it->ms >= 86'400'000 && ms % it->ms != 0) continue;
    if (ms >= it->ms) {
      out += fmt::format("{}{}", ms / it->ms, it->name);
      ms %= it->ms;
    }
  }
  return out;
}

Result<int64_t> parseByteSize(std::string_view text) {
  size_t i = 0;
  int64_t n = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    if (!appendDigit(n, text[i])) break;
    ++i;
  }
  if (i == 0) {
    return makeError(ErrorCode::kInvalidArgument,
                     fmt::format("invalid size '{}' (use e.g. 512, 64KiB, 10MB, 2GiB)", text));
  }
  std::string_view unit = text.substr(i);
  static constexpr std::array<std::pair<std::string_view, int64_t>, 9> kSizes{
      {{"", 1},
       {"B", 1},
       {"KB", 1000},
       {"MB", 1'000'000},
       {"GB", 1'000'000'000},
       {"KiB", 1024},
       {"MiB", 1 << 20},
       {"GiB", 1 << 30},
       {"TiB", int64_t{1} << 40}}};
  for (const auto& [name, mult] : kSizes) {
    if (unit == name) {
      if (n > std::numeric_limits<int64_t>::max() / mult) break;
      return n * mult;
    }
  }
  return makeError(ErrorCode::kInvalidArgument,
                   fmt::format("invalid size '{}' (use e.g. 512, 64KiB, 10MB, 2GiB)", text));
}

}  // namespace pharos::config
