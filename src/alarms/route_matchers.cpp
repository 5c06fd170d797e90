#include "alarms/route_matchers.h"

#include <algorithm>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "core/labels.h"
#include "core/text.h"
#include "health/maintenance.h"

namespace pharos::alarms {
namespace {

// The items of a matcher list split at the commas outside double quotes.
std::optional<std::vector<std::string_view>> splitItems(std::string_view text) {
  std::vector<std::string_view> items;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted && c == '\\') {
      ++i;  // the escaped character, whatever it is
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == ',') {
      items.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  if (quoted) return std::nullopt;
  items.push_back(text.substr(start));
  return items;
}

bool isNameChar(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         (!first && c >= '0' && c <= '9');
}

// `name op value` with the value quoted for PromQL, or nullopt when the item is not of that
// shape (the caller then reports PromQL's own error for the original text).
std::optional<std::string> quotedItem(std::string_view item) {
  item = trimSpaces(item);
  std::size_t i = 0;
  while (i < item.size() && isNameChar(item[i], i == 0))
    ++i;
  if (i == 0) return std::nullopt;
  std::string_view name = item.substr(0, i);
  std::string_view rest = trimSpaces(item.substr(i));
  std::string_view op;
  for (std::string_view candidate : {"=~", "!~", "!=", "="}) {
    if (rest.substr(0, candidate.size()) == candidate) {
      op = candidate;
      break;
    }
  }
  if (op.empty()) return std::nullopt;
  std::string_view value = trimSpaces(rest.substr(op.size()));
  if (!value.empty() && value.front() == '"') return fmt::format("{}{}{}", name, op, value);
  std::string out = fmt::format("{}{}\"", name, op);
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

Result<std::vector<AlertMatcher>> parseAlertMatchers(std::string_view text) {
  auto direct = health::parseLabelMatchers(text);
  if (direct.ok()) return direct;
  std::string_view inner = trimSpaces(text);
  if (inner.size() >= 2 && inner.front() == '{' && inner.back() == '}') {
    inner = trimSpaces(inner.substr(1, inner.size() - 2));
  }
  auto items = splitItems(inner);
  if (!items || inner.empty()) return direct;
  std::string rewritten;
  for (std::string_view item : *items) {
    auto quoted = quotedItem(item);
    if (!quoted) return direct;
    if (!rewritten.empty()) rewritten += ", ";
    rewritten += *quoted;
  }
  auto parsed = health::parseLabelMatchers(rewritten);
  if (!parsed.ok()) {
    // The rewritten text is ours; the message quotes what the user wrote.
    std::string message = parsed.error().message;
    std::string prefix = fmt::format("invalid label matcher '{}': ", rewritten);
    if (message.starts_with(prefix)) message.erase(0, prefix.size());
    return makeError(ErrorCode::kInvalidArgument,
                     fmt::format("invalid label matcher '{}': {}", text, message));
  }
  return parsed;
}

bool readMatchersEntry(config::NodeReader& r, const config::Node& item, const std::string& field,
                       std::vector<AlertMatcher>& out) {
  std::string text;
  if (!r.string(item, field, text)) return false;
  auto parsed = parseAlertMatchers(text);
  if (!parsed.ok()) {
    r.problem(item, field, fmt::format("{}: {}", field, parsed.error().message));
    return false;
  }
  out.insert(out.end(), parsed->begin(), parsed->end());
  return true;
}

}  // namespace pharos::alarms
