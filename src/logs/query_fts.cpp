#include "logs/query_fts.h"

#include <optional>
#include <string>
#include <vector>

#include "logs/query_parser.h"
#include "logs/tokens.h"

namespace pharos::logs {
namespace {

constexpr std::size_t kMinTokenBytes = 2;

// Tokens never hold '"' (tokens.h), so quoting needs no escaping.
std::string quoteToken(std::string_view token) {
  std::string out = "\"";
  out += token;
  out += '"';
  return out;
}

std::string joinAnd(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += " AND ";
    out += part;
  }
  return out;
}

// Words in the message, each one ANDed: the index holds a block's set of tokens (no
// positions, FTS5 detail=none), so a phrase is narrowed by its words and checked on the lines.
// Short tokens are not worth a constraint: "error 5 times" becomes "error" AND "times", which
// every match still satisfies. A prefix applies to the last word only.
std::optional<std::string> termExpression(const QueryNode& node) {
  std::string lowered;
  lowercaseAscii(node.text, lowered);
  std::vector<std::string_view> tokens;
  forEachToken(lowered, [&](std::string_view t) { tokens.push_back(t); });
  bool lastIsPrefix =
      node.prefix && !lowered.empty() && isTokenByte(static_cast<unsigned char>(lowered.back()));
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].size() < kMinTokenBytes) continue;
    bool prefix = lastIsPrefix && i + 1 == tokens.size();
    parts.push_back(quoteToken(tokens[i]) + (prefix ? "*" : ""));
  }
  if (parts.empty()) return std::nullopt;
  return joinAnd(parts);
}

std::optional<std::string> levelExpression(const QueryNode& node) {
  if (node.compare == FieldCompare::kEquals) {
    auto level = parseLevelName(node.text);
    if (!level || *level == Level::kUnknown) return std::nullopt;  // not in the document
    return quoteToken("level_" + std::string(levelName(*level)));
  }
  if (node.compare == FieldCompare::kExists || node.compare == FieldCompare::kPrefix) {
    return std::nullopt;
  }
  auto bound = parseLevelName(node.text);
  if (!bound) return std::nullopt;
  std::vector<std::string> levels;
  for (int l = static_cast<int>(Level::kTrace); l <= static_cast<int>(Level::kFatal); ++l) {
    bool in = false;
    int b = static_cast<int>(*bound);
    switch (node.compare) {
      case FieldCompare::kLess:
        in = l < b;
        break;
      case FieldCompare::kLessEqual:
        in = l <= b;
        break;
      case FieldCompare::kGreater:
        in = l > b;
        break;
      default:
        in = l >= b;
        break;
    }
    if (in) levels.push_back(quoteToken("level_" + std::string(levelName(static_cast<Level>(l)))));
  }
  if (levels.empty()) return std::nullopt;  // matches nothing; the scan finds that out
  if (levels.size() == 1) return levels[0];
  std::string out = "(";
  for (std::size_t i = 0; i < levels.size(); ++i) {
    if (i > 0) out += " OR ";
    out += levels[i];
  }
  return out + ")";
}

using Indexed = std::span<const std::string>;

// The token name a field's values are indexed under, or "" when they are not: the built-in
// fields, and the attributes the index was told to hold (by key, or as `attr.<key>`).
std::string indexedFieldName(std::string_view field, Indexed attributes) {
  bool explicitAttribute = field.starts_with("attr.");
  if (!explicitAttribute && isIndexedField(field)) return std::string(field);
  std::string_view key = explicitAttribute ? field.substr(5) : field;
  for (const auto& a : attributes) {
    if (a == key) return attributeTokenName(key);
  }
  return {};
}

std::optional<std::string> fieldExpression(const QueryNode& node, Indexed attributes) {
  if (node.field == "message" && node.compare == FieldCompare::kEquals) {
    // The whole message equals the value, so the value's words are all in it.
    QueryNode term;
    term.text = node.text;
    return termExpression(term);
  }
  std::string tokenName = indexedFieldName(node.field, attributes);
  if (tokenName.empty()) return std::nullopt;
  if (tokenName == "level") return levelExpression(node);
  if (node.compare != FieldCompare::kEquals && node.compare != FieldCompare::kPrefix) {
    return std::nullopt;
  }
  std::vector<std::string> parts;
  forEachFieldToken(tokenName, node.text,
                    [&](std::string_view token) { parts.push_back(quoteToken(token)); });
  if (parts.empty()) return std::nullopt;
  // A prefix value that ends inside a token leaves that token open: `host:web-1*` holds for
  // "web-12", whose tokens are "host_web" and "host_12".
  if (node.compare == FieldCompare::kPrefix &&
      isTokenByte(static_cast<unsigned char>(node.text.back()))) {
    parts.back() += '*';
  }
  return joinAnd(parts);
}

// Parenthesises a sub-expression holding a looser operator than where it goes. Tokens are
// lowercase, so an upper-case " AND " / " OR " is always an operator.
std::string wrapIf(const std::string& part, std::string_view looser) {
  if (part.find(looser) == std::string::npos) return part;
  return "(" + part + ")";
}

std::optional<std::string> expression(const QueryNode& node, Indexed attributes) {
  switch (node.op) {
    case QueryOp::kNot:
      return std::nullopt;
    case QueryOp::kTerm:
      return termExpression(node);
    case QueryOp::kField:
      return fieldExpression(node, attributes);
    case QueryOp::kAnd: {
      std::vector<std::string> parts;
      for (const auto& child : node.children) {
        auto part = expression(*child, attributes);
        if (part) parts.push_back(wrapIf(*part, " OR "));
      }
      if (parts.empty()) return std::nullopt;
      return joinAnd(parts);
    }
    case QueryOp::kOr: {
      std::string out;
      for (const auto& child : node.children) {
        auto part = expression(*child, attributes);
        if (!part) return std::nullopt;  // that branch could match any block
        if (!out.empty()) out += " OR ";
        out += wrapIf(*part, " AND ");
      }
      return out;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string ftsExpression(const LogQuery& query, std::span<const std::string> indexedAttributes) {
  if (!query.root) return {};
  return expression(*query.root, indexedAttributes).value_or(std::string());
}

}  // namespace pharos::logs
