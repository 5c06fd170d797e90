#include "promql/parser.h"

#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/labels.h"
#include "core/text.h"
#include "promql/lexer.h"

namespace pharos::promql {
namespace {

// Deeper nesting is refused rather than risking the stack (the parser is recursive).
constexpr int kMaxDepth = 256;
constexpr int kPowPrecedence = 6;
// Ranges and offsets up to 2^61 ms (73 million years) keep every time computation of the
// evaluator inside int64 for query times within +-2^60 ms.
constexpr std::int64_t kMaxDurationMs = std::int64_t{1} << 61;

const std::vector<std::string_view> kUnsupportedAggregations = {
    "topk", "bottomk", "quantile", "stddev", "stdvar", "count_values", "group"};
const std::vector<std::string_view> kOtherKeywords = {
    "by",   "without", "on",  "ignoring", "group_left", "group_right",
    "bool", "offset",  "and", "or",       "unless",     "atan2"};

std::optional<AggregateOp> aggregateOpFor(std::string_view word) {
  if (iequals(word, "sum")) return AggregateOp::kSum;
  if (iequals(word, "avg")) return AggregateOp::kAvg;
  if (iequals(word, "min")) return AggregateOp::kMin;
  if (iequals(word, "max")) return AggregateOp::kMax;
  if (iequals(word, "count")) return AggregateOp::kCount;
  return std::nullopt;
}

bool isOneOf(std::string_view word, const std::vector<std::string_view>& words) {
  for (auto w : words) {
    if (iequals(word, w)) return true;
  }
  return false;
}

int precedence(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr:
      return 1;
    case BinaryOp::kAnd:
    case BinaryOp::kUnless:
      return 2;
    case BinaryOp::kEq:
    case BinaryOp::kNe:
    case BinaryOp::kGt:
    case BinaryOp::kLt:
    case BinaryOp::kGe:
    case BinaryOp::kLe:
      return 3;
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
      return 4;
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
    case BinaryOp::kMod:
      return 5;
    case BinaryOp::kPow:
      return kPowPrecedence;
  }
  return 0;
}

std::string unsupported(std::string_view what) {
  return std::string(what) + " is not in Pharos' PromQL subset (see docs/PROMQL.md)";
}

bool isScalarOrVector(ValueType t) {
  return t == ValueType::kScalar || t == ValueType::kVector;
}

class Parser {
 public:
  Parser(std::string_view query, std::vector<Token> tokens)
      : q_(query), tokens_(std::move(tokens)) {}

  Result<ExprPtr> run() {
    PHAROS_ASSIGN_OR_RETURN(ExprPtr expr, parseBinary(0));
    if (peek().type != TokenType::kEnd) return unexpected(peek(), "end of the expression");
    return expr;
  }

 private:
  const Token& peek(std::size_t ahead = 0) const {
    std::size_t k = i_ + ahead;
    return k < tokens_.size() ? tokens_[k] : tokens_.back();
  }
  const Token& take() {
    const Token& t = peek();
    if (i_ + 1 < tokens_.size()) ++i_;
    return t;
  }
  bool isWord(const Token& t, std::string_view word) const {
    return t.type == TokenType::kIdentifier && iequals(t.text, word);
  }

  Error error(std::size_t pos, std::string_view message) const {
    return syntaxError(q_, pos, message);
  }
  Error unexpected(const Token& t, std::string_view expected) const {
    std::string found =
        t.type == TokenType::kEnd ? "end of input" : "\"" + std::string(t.text) + "\"";
    return error(t.pos, "unexpected " + found + ", expected " + std::string(expected));
  }
  Result<Token> expect(TokenType type, std::string_view what) {
    if (peek().type != type) return unexpected(peek(), what);
    return take();
  }

  std::optional<BinaryOp> binaryOpAt(const Token& t) const {
    switch (t.type) {
      case TokenType::kAdd:
        return BinaryOp::kAdd;
      case TokenType::kSub:
        return BinaryOp::kSub;
      case TokenType::kMul:
        return BinaryOp::kMul;
      case TokenType::kDiv:
        return BinaryOp::kDiv;
      case TokenType::kMod:
        return BinaryOp::kMod;
      case TokenType::kPow:
        return BinaryOp::kPow;
      case TokenType::kEqual:
        return BinaryOp::kEq;
      case TokenType::kNotEqual:
        return BinaryOp::kNe;
      case TokenType::kGreater:
        return BinaryOp::kGt;
      case TokenType::kLess:
        return BinaryOp::kLt;
      case TokenType::kGreaterEqual:
        return BinaryOp::kGe;
      case TokenType::kLessEqual:
        return BinaryOp::kLe;
      default:
        break;
    }
    if (isWord(t, "and")) return BinaryOp::kAnd;
    if (isWord(t, "or")) return BinaryOp::kOr;
    if (isWord(t, "unless")) return BinaryOp::kUnless;
    return std::nullopt;
  }

  Result<ExprPtr> parseBinary(int minPrecedence) {
    if (++depth_ > kMaxDepth) return error(peek().pos, "expression nests too deeply");
    PHAROS_ASSIGN_OR_RETURN(ExprPtr lhs, parseUnary());
    while (true) {
      const Token& opToken = peek();
      if (isWord(opToken, "atan2")) return error(opToken.pos, unsupported("\"atan2\""));
      auto op = binaryOpAt(opToken);
      if (!op || precedence(*op) < minPrecedence) break;
      take();
      auto node = std::make_unique<Expr>();
      node->kind = Expr::Kind::kBinary;
      node->pos = lhs->pos;
      node->binaryOp = *op;
      if (isWord(peek(), "bool")) {
        take();
        node->returnBool = true;
      }
      bool hasMatching = false;
      if (isWord(peek(), "on") || isWord(peek(), "ignoring")) {
        node->matchOn = isWord(take(), "on");
        hasMatching = true;
        PHAROS_ASSIGN_OR_RETURN(node->matching, parseLabelList());
      }
      if (isWord(peek(), "group_left") || isWord(peek(), "group_right")) {
        return error(peek().pos, unsupported("\"" + std::string(peek().text) + "\""));
      }
      int next = *op == BinaryOp::kPow ? precedence(*op) : precedence(*op) + 1;
      PHAROS_ASSIGN_OR_RETURN(ExprPtr rhs, parseBinary(next));
      node->args.push_back(std::move(lhs));
      node->args.push_back(std::move(rhs));
      PHAROS_TRY(checkBinary(*node, opToken.pos, hasMatching));
      lhs = std::move(node);
    }
    --depth_;
    return lhs;
  }

  Status checkBinary(Expr& node, std::size_t opPos, bool hasMatching) {
    ValueType lt = node.args[0]->type();
    ValueType rt = node.args[1]->type();
    if (node.returnBool && !isComparison(node.binaryOp)) {
      return error(opPos, "bool modifier can only be used on comparison operators");
    }
    if (!isScalarOrVector(lt) || !isScalarOrVector(rt)) {
      return error(opPos, "binary expression must contain only scalar and instant vector types");
    }
    if (isComparison(node.binaryOp) && !node.returnBool && lt == ValueType::kScalar &&
        rt == ValueType::kScalar) {
      return error(opPos, "comparisons between scalars must use BOOL modifier");
    }
    if (hasMatching && (lt != ValueType::kVector || rt != ValueType::kVector)) {
      if (!node.matching.empty()) {
        return error(opPos, "vector matching only allowed between instant vectors");
      }
      node.matchOn = false;
    }
    if (isSetOperator(node.binaryOp) && (lt == ValueType::kScalar || rt == ValueType::kScalar)) {
      return error(opPos, "set operator \"" + std::string(binaryOpName(node.binaryOp)) +
                              "\" not allowed in binary scalar expression");
    }
    return okStatus();
  }

  Result<ExprPtr> parseUnary() {
    const Token& t = peek();
    if (t.type != TokenType::kSub && t.type != TokenType::kAdd) {
      PHAROS_ASSIGN_OR_RETURN(ExprPtr primary, parsePrimary());
      return parsePostfix(std::move(primary));
    }
    bool minus = take().type == TokenType::kSub;
    std::size_t pos = t.pos;
    // Binds like '*': only '^' binds tighter, so -2^2 is -(2^2) as in Prometheus.
    PHAROS_ASSIGN_OR_RETURN(ExprPtr operand, parseBinary(kPowPrecedence));
    if (operand->kind == Expr::Kind::kNumber) {
      if (minus) operand->number = -operand->number;
      operand->pos = pos;
      return operand;
    }
    if (!isScalarOrVector(operand->type())) {
      return error(pos,
                   "unary expression only allowed on expressions of type scalar or "
                   "instant vector");
    }
    if (!minus) return operand;
    auto node = std::make_unique<Expr>();
    node->kind = Expr::Kind::kUnary;
    node->pos = pos;
    node->args.push_back(std::move(operand));
    return node;
  }

  Result<ExprPtr> parsePostfix(ExprPtr expr) {
    bool hasOffset = false;
    while (true) {
      const Token& t = peek();
      if (t.type == TokenType::kLeftBracket) {
        if (peek(1).type == TokenType::kDuration && peek(2).type == TokenType::kColon) {
          return error(t.pos, unsupported("a subquery"));
        }
        if (peek(1).type == TokenType::kColon) return error(t.pos, unsupported("a subquery"));
        if (expr->kind != Expr::Kind::kVectorSelector) {
          return error(t.pos, "ranges only allowed for vector selectors");
        }
        if (hasOffset) return error(t.pos, "no offset modifiers allowed before range");
        take();
        PHAROS_ASSIGN_OR_RETURN(Token range, expect(TokenType::kDuration, "a duration"));
        if (peek().type == TokenType::kColon) return error(t.pos, unsupported("a subquery"));
        PHAROS_TRY(expect(TokenType::kRightBracket, "\"]\""));
        if (range.durationMs <= 0) return error(range.pos, "range must be greater than zero");
        if (range.durationMs > kMaxDurationMs) return error(range.pos, "range is too long");
        expr->kind = Expr::Kind::kMatrixSelector;
        expr->rangeMs = range.durationMs;
      } else if (isWord(t, "offset")) {
        take();
        if (expr->kind != Expr::Kind::kVectorSelector &&
            expr->kind != Expr::Kind::kMatrixSelector) {
          return error(t.pos,
                       "offset modifier must be preceded by an instant vector selector or range "
                       "vector selector");
        }
        if (hasOffset) return error(t.pos, "offset may not be set multiple times");
        bool negative = false;
        if (peek().type == TokenType::kSub || peek().type == TokenType::kAdd) {
          negative = take().type == TokenType::kSub;
        }
        PHAROS_ASSIGN_OR_RETURN(Token d, expect(TokenType::kDuration, "a duration after offset"));
        if (d.durationMs > kMaxDurationMs) return error(d.pos, "offset is too long");
        expr->offsetMs = negative ? -d.durationMs : d.durationMs;
        hasOffset = true;
      } else if (t.type == TokenType::kAt) {
        return error(t.pos, unsupported("the \"@\" modifier"));
      } else {
        return expr;
      }
    }
  }

  Result<ExprPtr> parsePrimary() {
    const Token& t = peek();
    auto node = std::make_unique<Expr>();
    node->pos = t.pos;
    switch (t.type) {
      case TokenType::kNumber:
        node->kind = Expr::Kind::kNumber;
        node->number = take().number;
        return node;
      case TokenType::kString:
        node->kind = Expr::Kind::kString;
        node->text = take().value;
        return node;
      case TokenType::kLeftParen: {
        take();
        node->kind = Expr::Kind::kParen;
        PHAROS_ASSIGN_OR_RETURN(ExprPtr inner, parseBinary(0));
        node->args.push_back(std::move(inner));
        PHAROS_TRY(expect(TokenType::kRightParen, "\")\""));
        return node;
      }
      case TokenType::kLeftBrace:
        return parseSelector(std::move(node), "");
      case TokenType::kIdentifier:
        break;
      default:
        return unexpected(t, "an expression");
    }
    std::string_view word = t.text;
    if (iequals(word, "inf") || iequals(word, "nan")) {
      take();
      node->kind = Expr::Kind::kNumber;
      node->number = iequals(word, "inf") ? std::numeric_limits<double>::infinity()
                                          : std::numeric_limits<double>::quiet_NaN();
      return node;
    }
    if (auto op = aggregateOpFor(word)) return parseAggregate(std::move(node), *op);
    if (isOneOf(word, kUnsupportedAggregations)) {
      return error(t.pos, unsupported("\"" + std::string(word) + "\""));
    }
    if (isOneOf(word, kOtherKeywords)) return unexpected(t, "an expression");
    if (peek(1).type == TokenType::kLeftParen) return parseCall(std::move(node));
    take();
    return parseSelector(std::move(node), word);
  }

  Result<std::vector<std::string>> parseLabelList() {
    PHAROS_TRY(expect(TokenType::kLeftParen, "\"(\""));
    std::vector<std::string> labels;
    while (peek().type != TokenType::kRightParen) {
      const Token& t = peek();
      if (t.type != TokenType::kIdentifier) return unexpected(t, "a label name or \")\"");
      if (!isValidLabelName(t.text)) {
        return error(t.pos, "invalid label name \"" + std::string(t.text) + "\"");
      }
      labels.emplace_back(take().text);
      if (peek().type == TokenType::kComma) {
        take();
      } else if (peek().type != TokenType::kRightParen) {
        return unexpected(peek(), "\",\" or \")\"");
      }
    }
    take();
    return labels;
  }

  Result<ExprPtr> parseAggregate(ExprPtr node, AggregateOp op) {
    take();
    node->kind = Expr::Kind::kAggregate;
    node->aggregateOp = op;
    bool grouped = false;
    if (isWord(peek(), "by") || isWord(peek(), "without")) {
      node->without = isWord(take(), "without");
      PHAROS_ASSIGN_OR_RETURN(node->grouping, parseLabelList());
      grouped = true;
    }
    const Token& open = peek();
    PHAROS_TRY(expect(TokenType::kLeftParen, "\"(\""));
    PHAROS_ASSIGN_OR_RETURN(auto args, parseArgs());
    if (args.empty()) return error(open.pos, "no arguments for aggregate expression provided");
    if (args.size() != 1) {
      return error(open.pos,
                   "wrong number of arguments for aggregate expression provided, "
                   "expected 1, got " +
                       std::to_string(args.size()));
    }
    if (!grouped && (isWord(peek(), "by") || isWord(peek(), "without"))) {
      node->without = isWord(take(), "without");
      PHAROS_ASSIGN_OR_RETURN(node->grouping, parseLabelList());
    }
    if (args[0]->type() != ValueType::kVector) {
      return error(args[0]->pos, "expected type instant vector in aggregation expression, got " +
                                     std::string(valueTypeName(args[0]->type())));
    }
    node->args = std::move(args);
    return node;
  }

  // After "(": comma separated expressions up to and including ")".
  Result<std::vector<ExprPtr>> parseArgs() {
    std::vector<ExprPtr> args;
    while (peek().type != TokenType::kRightParen) {
      PHAROS_ASSIGN_OR_RETURN(ExprPtr arg, parseBinary(0));
      args.push_back(std::move(arg));
      if (peek().type == TokenType::kComma) {
        take();
        if (peek().type == TokenType::kRightParen) return unexpected(peek(), "an expression");
      } else if (peek().type != TokenType::kRightParen) {
        return unexpected(peek(), "\",\" or \")\"");
      }
    }
    take();
    return args;
  }

  Result<ExprPtr> parseCall(ExprPtr node) {
    const Token& name = take();
    const FunctionInfo* info = findFunction(name.text);
    if (!info) return error(name.pos, unsupported("\"" + std::string(name.text) + "\""));
    take();  // "("
    PHAROS_ASSIGN_OR_RETURN(auto args, parseArgs());
    std::size_t most = info->args.size();
    std::size_t least = most - info->optionalArgs;
    std::string fn = "\"" + std::string(info->name) + "\"";
    if (args.size() < least || args.size() > most) {
      std::string bound = least == most ? "" : args.size() < least ? "at least " : "at most ";
      return error(name.pos,
                   "expected " + bound + std::to_string(args.size() < least ? least : most) +
                       " argument(s) in call to " + fn + ", got " + std::to_string(args.size()));
    }
    for (std::size_t k = 0; k < args.size(); ++k) {
      ValueType got = args[k]->type();
      if (got != info->args[k]) {
        return error(args[k]->pos, "expected type " + std::string(valueTypeName(info->args[k])) +
                                       " in call to function " + fn + ", got " +
                                       std::string(valueTypeName(got)));
      }
    }
    node->kind = Expr::Kind::kCall;
    node->function = info;
    node->args = std::move(args);
    return node;
  }

  Result<ExprPtr> parseSelector(ExprPtr node, std::string_view name) {
    node->kind = Expr::Kind::kVectorSelector;
    node->text = std::string(name);
    if (!name.empty()) {
      PHAROS_ASSIGN_OR_RETURN(auto m,
                              Matcher::make(Matcher::Type::kEqual, "__name__", std::string(name)));
      node->matchers.push_back(std::move(m));
    }
    if (peek().type == TokenType::kLeftBrace) {
      take();
      while (peek().type != TokenType::kRightBrace) {
        PHAROS_TRY(parseMatcher(*node, !name.empty()));
        if (peek().type == TokenType::kComma) {
          take();
        } else if (peek().type != TokenType::kRightBrace) {
          return unexpected(peek(), "\",\" or \"}\"");
        }
      }
      take();
    }
    bool selective = false;
    for (const auto& m : node->matchers) {
      if (!m.matches("")) selective = true;
    }
    if (!selective) {
      return error(node->pos, "vector selector must contain at least one non-empty matcher");
    }
    return node;
  }

  Status parseMatcher(Expr& node, bool named) {
    const Token& label = peek();
    if (label.type != TokenType::kIdentifier) return unexpected(label, "a label name");
    if (!isValidLabelName(label.text)) {
      return error(label.pos, "invalid label name \"" + std::string(label.text) + "\"");
    }
    take();
    Matcher::Type type;
    switch (peek().type) {
      case TokenType::kAssign:
        type = Matcher::Type::kEqual;
        break;
      case TokenType::kNotEqual:
        type = Matcher::Type::kNotEqual;
        break;
      case TokenType::kRegexMatch:
        type = Matcher::Type::kRegexMatch;
        break;
      case TokenType::kRegexNoMatch:
        type = Matcher::Type::kRegexNoMatch;
        break;
      default:
        return unexpected(peek(), "a label matching operator (=, !=, =~ or !~)");
    }
    take();
    const Token& value = peek();
    if (value.type != TokenType::kString) return unexpected(value, "a quoted label value");
    take();
    if (named && label.text == "__name__") {
      return error(label.pos, "metric name must not be set twice: \"" + node.text + "\" or \"" +
                                  value.value + "\"");
    }
    auto m = Matcher::make(type, std::string(label.text), value.value);
    if (!m.ok()) return error(value.pos, m.error().message);
    node.matchers.push_back(std::move(m).value());
    return okStatus();
  }

  std::string_view q_;
  std::vector<Token> tokens_;
  std::size_t i_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<ExprPtr> parse(std::string_view query) {
  PHAROS_ASSIGN_OR_RETURN(auto tokens, tokenize(query));
  return Parser(query, std::move(tokens)).run();
}

std::optional<std::size_t> errorPosition(const Error& error) {
  std::string_view c = error.context;
  constexpr std::string_view kPrefix = "position=";
  if (c.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::size_t pos = 0;
  auto r = std::from_chars(c.data() + kPrefix.size(), c.data() + c.size(), pos);
  if (r.ec != std::errc()) return std::nullopt;
  return pos;
}

}  // namespace pharos::promql
