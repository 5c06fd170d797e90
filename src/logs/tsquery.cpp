#include "logs/tsquery.h"

#include "core/text.h"

namespace pharos::logs {
namespace {

// The longest prefix of `token` of at most kMaxLexemeBytes that ends on a UTF-8 boundary.
std::string_view cutLexeme(std::string_view token, bool& cut) {
  cut = token.size() > kMaxLexemeBytes;
  if (!cut) return token;
  std::size_t n = kMaxLexemeBytes;
  while (n > 0 && (static_cast<unsigned char>(token[n]) & 0xC0) == 0x80)
    --n;
  return token.substr(0, n);
}

}  // namespace

std::optional<std::string> lexemeDocument(std::string_view doc) {
  if (doc.size() > kMaxTsvectorDocBytes || !isValidUtf8(doc)) return std::nullopt;
  std::string out;
  out.reserve(doc.size());
  std::size_t at = 0;
  while (at < doc.size()) {
    std::size_t end = doc.find(' ', at);
    if (end == std::string_view::npos) end = doc.size();
    if (end > at) {
      bool cut = false;
      if (!out.empty()) out += ' ';
      out += cutLexeme(doc.substr(at, end - at), cut);
    }
    at = end + 1;
  }
  return out;
}

std::optional<std::string> tsqueryFromFts(std::string_view fts) {
  std::string out;
  std::size_t i = 0;
  while (i < fts.size()) {
    char c = fts[i];
    if (c == '"') {
      std::size_t close = fts.find('"', i + 1);
      if (close == std::string_view::npos) return std::nullopt;
      std::string_view token = fts.substr(i + 1, close - i - 1);
      if (!isValidUtf8(token)) return std::nullopt;
      bool cut = false;
      // Tokens hold no quote or backslash (tokens.h), so they need no escaping.
      out += '\'';
      out += cutLexeme(token, cut);
      out += '\'';
      i = close + 1;
      bool prefix = i < fts.size() && fts[i] == '*';
      if (prefix) ++i;
      if (prefix || cut) out += ":*";
    } else if (fts.substr(i).starts_with("AND")) {
      out += '&';
      i += 3;
    } else if (fts.substr(i).starts_with("OR")) {
      out += '|';
      i += 2;
    } else {
      out += c;  // spaces and parentheses
      ++i;
    }
  }
  return out;
}

}  // namespace pharos::logs
