#include "health/condition_ast.h"

#include <array>
#include <cctype>
#include <string>

#include "core/config/suggest.h"

namespace pharos::health {
namespace {

struct PlaceholderSpelling {
  std::string_view name;  // between the brackets
  Placeholder placeholder;
};

constexpr std::array<PlaceholderSpelling, 9> kSpellings{{
    {"STATUS", Placeholder::kStatus},
    {"RESPONSE_TIME", Placeholder::kResponseTime},
    {"BODY", Placeholder::kBody},
    {"CONNECTED", Placeholder::kConnected},
    {"CERT_EXPIRES_IN", Placeholder::kCertExpiresIn},
    {"CERTIFICATE_EXPIRATION", Placeholder::kCertExpiresIn},  // Gatus' name
    {"DNS_RCODE", Placeholder::kDnsRcode},
    {"IP", Placeholder::kIp},
    {"HEADER", Placeholder::kHeader},
}};

constexpr std::array<std::string_view, kSpellings.size()> kNames = [] {
  std::array<std::string_view, kSpellings.size()> names{};
  for (size_t i = 0; i < kSpellings.size(); ++i)
    names[i] = kSpellings[i].name;
  return names;
}();

}  // namespace

std::string_view placeholderName(Placeholder p) {
  switch (p) {
    case Placeholder::kStatus:
      return "[STATUS]";
    case Placeholder::kResponseTime:
      return "[RESPONSE_TIME]";
    case Placeholder::kBody:
      return "[BODY]";
    case Placeholder::kConnected:
      return "[CONNECTED]";
    case Placeholder::kCertExpiresIn:
      return "[CERT_EXPIRES_IN]";
    case Placeholder::kDnsRcode:
      return "[DNS_RCODE]";
    case Placeholder::kIp:
      return "[IP]";
    case Placeholder::kHeader:
      return "[HEADER]";
  }
  return "[?]";
}

std::optional<Placeholder> placeholderByName(std::string_view name) {
  for (const PlaceholderSpelling& s : kSpellings) {
    if (s.name == name) return s.placeholder;
  }
  return std::nullopt;
}

std::optional<std::string_view> likelyPlaceholder(std::string_view name) {
  std::string upper(name);
  for (char& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::optional<std::string> close = config::closestMatch(upper, kNames);
  for (std::string_view known : kNames) {
    if (known == upper || (close && known == *close)) return known;
  }
  return std::nullopt;
}

std::string_view compareOpSpelling(CompareOp op) {
  switch (op) {
    case CompareOp::kEqual:
      return "==";
    case CompareOp::kNotEqual:
      return "!=";
    case CompareOp::kLess:
      return "<";
    case CompareOp::kLessEqual:
      return "<=";
    case CompareOp::kGreater:
      return ">";
    case CompareOp::kGreaterEqual:
      return ">=";
  }
  return "?";
}

}  // namespace pharos::health
