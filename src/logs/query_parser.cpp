#include "logs/query_parser.h"

#include <string>
#include <utility>

#include "core/text.h"
#include "logs/query_lexer.h"
#include "logs/tokens.h"

namespace pharos::logs {
namespace {

bool hasToken(std::string_view text) {
  bool found = false;
  forEachToken(text, [&](std::string_view) { found = true; });
  return found;
}

bool isKeyword(const QueryToken& t, std::string_view word) {
  return t.kind == QueryTokenKind::kWord && t.text == word;
}

// Letters, digits, '_', '.', '-', '/', starting with a letter or '_'; `attr.` needs a key.
bool isValidFieldName(std::string_view name) {
  if (name.empty()) return false;
  char first = name[0];
  if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') || first == '_')) {
    return false;
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-' || c == '/';
    if (!ok) return false;
  }
  return name != "attr.";
}

QueryNodePtr makeList(QueryOp op, std::vector<QueryNodePtr> items) {
  if (items.size() == 1) return std::move(items[0]);
  auto node = std::make_unique<QueryNode>();
  node->op = op;
  // `(a b) c` is one AND of three: the tree has one shape per meaning, so rendering and
  // re-parsing give the same text.
  for (auto& item : items) {
    if (item->op == op) {
      for (auto& child : item->children)
        node->children.push_back(std::move(child));
    } else {
      node->children.push_back(std::move(item));
    }
  }
  return node;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : lexer_(text) {}

  Result<LogQuery> parse() {
    LogQuery query;
    PHAROS_TRY(advance());
    if (peek_.kind != QueryTokenKind::kEnd && peek_.kind != QueryTokenKind::kPipe) {
      PHAROS_ASSIGN_OR_RETURN(query.root, parseOr(0));
    }
    if (peek_.kind == QueryTokenKind::kPipe) {
      lexer_.enterStageMode();
      PHAROS_TRY(advance());
      PHAROS_TRY(parseStage(query));
    }
    if (peek_.kind != QueryTokenKind::kEnd) {
      if (query.hasStats) return queryError(peek_.offset, "only one stage is supported");
      return queryError(peek_.offset, "unexpected " + describeToken(peek_));
    }
    return query;
  }

 private:
  Status advance() {
    PHAROS_ASSIGN_OR_RETURN(peek_, lexer_.next());
    return okStatus();
  }

  bool startsOperand() const {
    switch (peek_.kind) {
      case QueryTokenKind::kWord:
        return peek_.text != "OR" && peek_.text != "AND";
      case QueryTokenKind::kQuoted:
      case QueryTokenKind::kLParen:
      case QueryTokenKind::kMinus:
        return true;
      default:
        return false;
    }
  }

  Result<QueryNodePtr> parseOr(int depth) {
    std::vector<QueryNodePtr> items;
    PHAROS_ASSIGN_OR_RETURN(auto first, parseAnd(depth));
    items.push_back(std::move(first));
    while (isKeyword(peek_, "OR")) {
      PHAROS_TRY(advance());
      PHAROS_ASSIGN_OR_RETURN(auto next, parseAnd(depth));
      items.push_back(std::move(next));
    }
    return makeList(QueryOp::kOr, std::move(items));
  }

  Result<QueryNodePtr> parseAnd(int depth) {
    std::vector<QueryNodePtr> items;
    PHAROS_ASSIGN_OR_RETURN(auto first, parseUnary(depth));
    items.push_back(std::move(first));
    while (true) {
      if (isKeyword(peek_, "AND")) {
        PHAROS_TRY(advance());
      } else if (!startsOperand()) {
        break;
      }
      PHAROS_ASSIGN_OR_RETURN(auto next, parseUnary(depth));
      items.push_back(std::move(next));
    }
    return makeList(QueryOp::kAnd, std::move(items));
  }

  Result<QueryNodePtr> parseUnary(int depth) {
    if (depth >= LogQuery::kMaxDepth) {
      return queryError(peek_.offset,
                        "nested deeper than " + std::to_string(LogQuery::kMaxDepth) + " levels");
    }
    if (peek_.kind == QueryTokenKind::kMinus || isKeyword(peek_, "NOT")) {
      PHAROS_TRY(advance());
      PHAROS_ASSIGN_OR_RETURN(auto child, parseUnary(depth + 1));
      auto node = std::make_unique<QueryNode>();
      node->op = QueryOp::kNot;
      node->children.push_back(std::move(child));
      return node;
    }
    return parsePrimary(depth);
  }

  Result<QueryNodePtr> parsePrimary(int depth) {
    QueryToken token = peek_;
    switch (token.kind) {
      case QueryTokenKind::kLParen: {
        PHAROS_TRY(advance());
        if (peek_.kind == QueryTokenKind::kRParen) {
          return queryError(peek_.offset, "empty parentheses");
        }
        PHAROS_ASSIGN_OR_RETURN(auto inner, parseOr(depth + 1));
        if (peek_.kind != QueryTokenKind::kRParen) {
          return queryError(peek_.offset, "expected ')' to close the '(' at column " +
                                              std::to_string(token.offset + 1) + ", found " +
                                              describeToken(peek_));
        }
        PHAROS_TRY(advance());
        return inner;
      }
      case QueryTokenKind::kQuoted: {
        PHAROS_TRY(advance());
        if (isFieldOperator(peek_.kind)) {
          return queryError(token.offset, "a field name cannot be quoted");
        }
        return makeTerm(token);
      }
      case QueryTokenKind::kWord: {
        if (token.text == "AND" || token.text == "OR") {
          return queryError(token.offset, "expected a term before '" + token.text + "'");
        }
        PHAROS_TRY(advance());
        if (isFieldOperator(peek_.kind)) return parseField(token);
        return makeTerm(token);
      }
      default:
        return queryError(token.offset,
                          "expected a term, a field or '(', found " + describeToken(token));
    }
  }

  static bool isFieldOperator(QueryTokenKind kind) {
    return kind == QueryTokenKind::kColon || kind == QueryTokenKind::kLess ||
           kind == QueryTokenKind::kLessEqual || kind == QueryTokenKind::kGreater ||
           kind == QueryTokenKind::kGreaterEqual;
  }

  Result<QueryNodePtr> makeTerm(const QueryToken& token) {
    auto node = std::make_unique<QueryNode>();
    node->op = QueryOp::kTerm;
    node->quoted = token.kind == QueryTokenKind::kQuoted;
    node->text = token.text;
    node->prefix = token.prefix;
    if (!node->quoted) {
      std::size_t star = node->text.find('*');
      if (star != std::string::npos) {
        if (star + 1 != node->text.size()) {
          return queryError(token.offset + star, "'*' may only end a word");
        }
        node->text.pop_back();
        node->prefix = true;
      }
    }
    if (!hasToken(node->text)) {
      return queryError(token.offset, "'" + token.text + "' has no letter or digit to search for");
    }
    return node;
  }

  Result<QueryNodePtr> parseField(const QueryToken& name) {
    if (!isValidFieldName(name.text)) {
      return queryError(name.offset, "'" + name.text + "' is not a field name");
    }
    auto node = std::make_unique<QueryNode>();
    node->op = QueryOp::kField;
    node->field = name.text;
    QueryTokenKind op = peek_.kind;
    std::size_t opOffset = peek_.offset;
    PHAROS_TRY(advance());
    QueryToken value = peek_;
    if (value.kind != QueryTokenKind::kWord && value.kind != QueryTokenKind::kQuoted) {
      return queryError(value.offset, "expected a value after " +
                                          describeToken(QueryToken{op, {}, opOffset, false}) +
                                          ", found " + describeToken(value));
    }
    PHAROS_TRY(advance());
    node->quoted = value.kind == QueryTokenKind::kQuoted;
    node->text = value.text;
    bool prefix = value.prefix;
    if (!node->quoted) {
      std::size_t star = node->text.find('*');
      if (star != std::string::npos && star + 1 != node->text.size()) {
        return queryError(value.offset + star, "'*' may only end a value");
      }
      if (star != std::string::npos) {
        node->text.pop_back();
        prefix = true;
      }
    }
    switch (op) {
      case QueryTokenKind::kColon:
        if (prefix && node->text.empty()) {
          node->compare = node->quoted ? FieldCompare::kPrefix : FieldCompare::kExists;
        } else {
          node->compare = prefix ? FieldCompare::kPrefix : FieldCompare::kEquals;
        }
        break;
      case QueryTokenKind::kLess:
        node->compare = FieldCompare::kLess;
        break;
      case QueryTokenKind::kLessEqual:
        node->compare = FieldCompare::kLessEqual;
        break;
      case QueryTokenKind::kGreater:
        node->compare = FieldCompare::kGreater;
        break;
      default:
        node->compare = FieldCompare::kGreaterEqual;
        break;
    }
    if (node->compare == FieldCompare::kPrefix && node->text.empty()) {
      // `path:""*` means the same as `path:*`.
      node->compare = FieldCompare::kExists;
      node->quoted = false;
    }
    if (op != QueryTokenKind::kColon && prefix) {
      return queryError(value.offset, "a comparison takes a value without '*'");
    }
    if (node->compare != FieldCompare::kExists && node->text.empty()) {
      return queryError(value.offset, "empty value: write " + node->field + ":* for 'present', -" +
                                          node->field + ":* for 'absent'");
    }
    if (node->field == "level" && node->compare != FieldCompare::kPrefix &&
        node->compare != FieldCompare::kExists) {
      auto level = parseLevelName(node->text);
      if (!level) {
        return queryError(value.offset, "unknown level '" + node->text +
                                            "' (expected trace, debug, info, warn, error, "
                                            "fatal or unknown)");
      }
      node->text = std::string(levelName(*level));
      node->quoted = false;
    }
    return node;
  }

  Status parseStage(LogQuery& query) {
    if (!isKeyword(peek_, "stats")) {
      return queryError(peek_.offset, "expected 'stats' after '|', found " + describeToken(peek_));
    }
    PHAROS_TRY(advance());
    if (!isKeyword(peek_, "count")) {
      return queryError(peek_.offset,
                        "expected 'count()' after 'stats', found " + describeToken(peek_));
    }
    PHAROS_TRY(advance());
    PHAROS_TRY(expect(QueryTokenKind::kLParen, "'(' after 'count'"));
    PHAROS_TRY(expect(QueryTokenKind::kRParen, "')' after 'count('"));
    query.hasStats = true;
    if (!isKeyword(peek_, "by")) return okStatus();
    PHAROS_TRY(advance());
    std::size_t open = peek_.offset;
    PHAROS_TRY(expect(QueryTokenKind::kLParen, "'(' after 'by'"));
    while (true) {
      if (peek_.kind != QueryTokenKind::kWord || !isValidFieldName(peek_.text)) {
        return queryError(peek_.offset, "expected a field name, found " + describeToken(peek_));
      }
      if (peek_.text == "count" || peek_.text == "other") {
        return queryError(
            peek_.offset,
            "'" + peek_.text + "' is a key of the stats output; write attr." + peek_.text);
      }
      for (const auto& seen : query.statsBy) {
        if (seen == peek_.text) {
          return queryError(peek_.offset, "'" + seen + "' appears twice after 'by'");
        }
      }
      if (query.statsBy.size() == LogQuery::kMaxStatsBy) {
        return queryError(peek_.offset, "at most " + std::to_string(LogQuery::kMaxStatsBy) +
                                            " fields after 'by'");
      }
      query.statsBy.push_back(peek_.text);
      PHAROS_TRY(advance());
      if (peek_.kind == QueryTokenKind::kComma) {
        PHAROS_TRY(advance());
        continue;
      }
      if (peek_.kind == QueryTokenKind::kRParen) break;
      return queryError(peek_.offset, "expected ',' or ')' to close the '(' at column " +
                                          std::to_string(open + 1) + ", found " +
                                          describeToken(peek_));
    }
    return advance();
  }

  Status expect(QueryTokenKind kind, std::string_view what) {
    if (peek_.kind != kind) {
      return queryError(peek_.offset,
                        "expected " + std::string(what) + ", found " + describeToken(peek_));
    }
    return advance();
  }

  QueryLexer lexer_;
  QueryToken peek_;
};

}  // namespace

std::optional<Level> parseLevelName(std::string_view name) {
  struct Named {
    std::string_view name;
    Level level;
  };
  static constexpr Named kNames[] = {
      {"trace", Level::kTrace},     {"debug", Level::kDebug},  {"info", Level::kInfo},
      {"warn", Level::kWarn},       {"warning", Level::kWarn}, {"error", Level::kError},
      {"err", Level::kError},       {"fatal", Level::kFatal},  {"critical", Level::kFatal},
      {"unknown", Level::kUnknown},
  };
  for (const auto& n : kNames) {
    if (iequals(name, n.name)) return n.level;
  }
  return std::nullopt;
}

Result<LogQuery> parseLogQuery(std::string_view text) {
  if (text.size() > LogQuery::kMaxLength) {
    return queryError(LogQuery::kMaxLength, "the query is longer than " +
                                                std::to_string(LogQuery::kMaxLength) + " bytes");
  }
  return Parser(text).parse();
}

}  // namespace pharos::logs
