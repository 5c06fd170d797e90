#include "api/query.h"

#include <cstdlib>

#include <fmt/format.h>

#include "core/error.h"
#include "core/text.h"

namespace pharos::api {
namespace {

std::optional<std::string> decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hexDigitValue(s[i + 1]);
      int lo = hexDigitValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::optional<std::vector<std::pair<std::string, std::string>>> parseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::optional<std::string> name = decode(part.substr(0, eq));
    std::optional<std::string> value =
        decode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
    if (!name || !value) return std::nullopt;
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

std::optional<std::string> queryParam(const QueryParams& params, std::string_view name) {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return std::nullopt;
}

Result<std::int64_t> queryInt(const QueryParams& params, std::string_view name,
                              std::int64_t fallback, std::int64_t min, std::int64_t max) {
  auto text = queryParam(params, name);
  if (!text) return fallback;
  char* end = nullptr;
  long long n = std::strtoll(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || n < min || n > max) {
    return makeError(ErrorCode::kInvalidArgument,
                     fmt::format("{} must be an integer from {} to {}", name, min, max));
  }
  return static_cast<std::int64_t>(n);
}

Result<std::size_t> queryLimit(const QueryParams& params, std::size_t fallback, std::size_t max) {
  PHAROS_ASSIGN_OR_RETURN(std::int64_t n,
                          queryInt(params, "limit", static_cast<std::int64_t>(fallback), 1,
                                   static_cast<std::int64_t>(max)));
  return static_cast<std::size_t>(n);
}

}  // namespace pharos::api
