#include "health/condition_parser.h"

#include <algorithm>

#include <fmt/format.h>

#include "health/condition.h"
#include "health/condition_lexer.h"

namespace pharos::health {
namespace {

StaticKind placeholderKind(Placeholder p) {
  switch (p) {
    case Placeholder::kStatus:
    case Placeholder::kResponseTime:
    case Placeholder::kCertExpiresIn:
      return StaticKind::kNumeric;
    case Placeholder::kBody:
    case Placeholder::kHeader:
      return StaticKind::kDynamic;
    case Placeholder::kConnected:
    case Placeholder::kDnsRcode:
    case Placeholder::kIp:
      return StaticKind::kText;
  }
  return StaticKind::kDynamic;
}

bool isOrdering(CompareOp op) {
  return op != CompareOp::kEqual && op != CompareOp::kNotEqual;
}

bool isSpecial(const Operand& o) {
  return o.kind == OperandKind::kPattern || o.kind == OperandKind::kAnyOf;
}

// "STATUS == 200" forgot the brackets: point at the placeholder the word resembles.
std::string placeholderHint(const Operand& a, const Operand& b) {
  for (const Operand* o : {&a, &b}) {
    if (o->kind != OperandKind::kLiteral) continue;
    if (auto likely = likelyPlaceholder(o->literal.text))
      return fmt::format(" (did you mean [{}]?)", *likely);
  }
  return " (e.g. [STATUS] == 200)";
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text), lexer_(text) {}

  Result<ConditionAst> run() {
    if (text_.size() > Condition::kMaxLength) {
      return conditionSyntaxError(
          Condition::kMaxLength,
          fmt::format("condition longer than {} bytes", Condition::kMaxLength));
    }
    PHAROS_TRY(advance());
    if (token_.kind == TokenKind::kEnd) return conditionSyntaxError(0, "empty condition");
    PHAROS_ASSIGN_OR_RETURN(ast_.root, parseOr());
    if (token_.kind != TokenKind::kEnd) return unexpected();
    return std::move(ast_);
  }

 private:
  Status advance() {
    PHAROS_ASSIGN_OR_RETURN(token_, lexer_.next());
    return okStatus();
  }

  Error unexpected(std::string_view hint = {}) const {
    return conditionSyntaxError(token_.offset, "unexpected " + describeToken(token_), hint);
  }

  // || joins && chains, so && binds tighter.
  Result<Node> parseOr() { return parseJoined(TokenKind::kOr, Node::Kind::kOr); }
  Result<Node> parseAnd() { return parseJoined(TokenKind::kAnd, Node::Kind::kAnd); }

  Result<Node> parseJoined(TokenKind joiner, Node::Kind kind) {
    auto parseTerm = [&]() { return kind == Node::Kind::kOr ? parseAnd() : parsePrimary(); };
    PHAROS_ASSIGN_OR_RETURN(Node first, parseTerm());
    if (token_.kind != joiner) return first;
    Node joined;
    joined.kind = kind;
    joined.children.push_back(std::move(first));
    while (token_.kind == joiner) {
      PHAROS_TRY(advance());
      PHAROS_ASSIGN_OR_RETURN(Node next, parseTerm());
      joined.children.push_back(std::move(next));
    }
    return joined;
  }

  Result<Node> parsePrimary() {
    if (token_.kind != TokenKind::kLeftParen) return parseComparison();
    size_t open = token_.offset;
    if (++depth_ > Condition::kMaxNesting) {
      return conditionSyntaxError(
          open, fmt::format("parentheses nested deeper than {}", Condition::kMaxNesting));
    }
    PHAROS_TRY(advance());
    PHAROS_ASSIGN_OR_RETURN(Node inner, parseOr());
    if (token_.kind != TokenKind::kRightParen)
      return unexpected(fmt::format(" (the '(' at offset {} is not closed)", open));
    PHAROS_TRY(advance());
    --depth_;
    ++inner.parentheses;
    return inner;
  }

  Result<Node> parseComparison() {
    Node node;
    PHAROS_ASSIGN_OR_RETURN(node.comparison.left, parseOperand());
    if (token_.kind != TokenKind::kCompare) {
      return conditionSyntaxError(token_.offset,
                                  fmt::format("expected == != < <= > or >= after '{}'",
                                              truncateUtf8(node.comparison.left.source, 32)),
                                  fmt::format(", found {}", describeToken(token_)));
    }
    node.comparison.op = token_.op;
    size_t opOffset = token_.offset;
    PHAROS_TRY(advance());
    PHAROS_ASSIGN_OR_RETURN(node.comparison.right, parseOperand());
    PHAROS_TRY(check(node.comparison, opOffset));
    return node;
  }

  Status check(const Comparison& c, size_t opOffset) const {
    if (isSpecial(c.left) && isSpecial(c.right))
      return conditionSyntaxError(opOffset, "only one side of a comparison can be pat() or any()");
    if ((isSpecial(c.left) || isSpecial(c.right)) && isOrdering(c.op)) {
      return conditionSyntaxError(
          opOffset,
          fmt::format("pat() and any() work with == and != only, not {}", compareOpSpelling(c.op)));
    }
    if (!c.left.readsObservation() && !c.right.readsObservation()) {
      return conditionSyntaxError(c.left.offset, "neither side of the comparison is a placeholder",
                                  placeholderHint(c.left, c.right));
    }
    if (isOrdering(c.op)) {
      for (const Operand* side : {&c.left, &c.right}) {
        if (side->staticKind != StaticKind::kText) continue;
        return conditionSyntaxError(
            side->offset, fmt::format("{} compares numbers, but '{}' is never a number",
                                      compareOpSpelling(c.op), truncateUtf8(side->source, 32)));
      }
    }
    return okStatus();
  }

  void notePlaceholder(Placeholder p) {
    auto& used = ast_.placeholders;
    if (std::find(used.begin(), used.end(), p) == used.end()) used.push_back(p);
  }

  Result<Operand> parseOperand() {
    Operand o;
    o.offset = token_.offset;
    o.source = std::string(token_.source);
    switch (token_.kind) {
      case TokenKind::kReference:
        o.kind = OperandKind::kReference;
        o.staticKind = placeholderKind(token_.reference.placeholder);
        o.reference = std::move(token_.reference);
        notePlaceholder(o.reference.placeholder);
        break;
      case TokenKind::kString:
        o.kind = OperandKind::kLiteral;
        o.staticKind = parseNumber(token_.text) ? StaticKind::kDynamic : StaticKind::kText;
        o.literal = Value::ofText(std::move(token_.text));
        break;
      case TokenKind::kWord:
        o.kind = OperandKind::kLiteral;
        o.literal = classifyWord(token_.text);
        o.staticKind =
            o.literal.kind == Value::Kind::kNumber ? StaticKind::kNumeric : StaticKind::kText;
        break;
      case TokenKind::kFunction:
        return parseCall();
      case TokenKind::kEnd:
        return unexpected(" (expected a value)");
      default:
        return unexpected();
    }
    PHAROS_TRY(advance());
    return o;
  }

  // The current token is `name(`; the lexer stands just after the parenthesis.
  Result<Operand> parseCall() {
    Operand o;
    o.offset = token_.offset;
    const std::string name = token_.text;
    if (name == "pat") {
      PHAROS_ASSIGN_OR_RETURN(RawArgument arg, lexer_.patternArgument());
      o.kind = OperandKind::kPattern;
      o.staticKind = StaticKind::kPattern;
      o.pattern = std::move(arg.text);
    } else if (name == "any") {
      PHAROS_ASSIGN_OR_RETURN(std::vector<RawArgument> items, lexer_.listArguments());
      o.kind = OperandKind::kAnyOf;
      o.staticKind = StaticKind::kList;
      for (RawArgument& item : items) {
        o.anyOf.push_back(item.quoted ? Value::ofText(std::move(item.text))
                                      : classifyWord(item.text));
      }
    } else {
      PHAROS_TRY(advance());
      if (token_.kind != TokenKind::kReference) {
        return unexpected(fmt::format(" ({}() takes a placeholder such as [BODY].items)", name));
      }
      o.kind = name == "len" ? OperandKind::kLen : OperandKind::kHas;
      o.staticKind = name == "len" ? StaticKind::kNumeric : StaticKind::kText;
      o.reference = std::move(token_.reference);
      notePlaceholder(o.reference.placeholder);
      PHAROS_TRY(advance());
      if (token_.kind != TokenKind::kRightParen)
        return unexpected(fmt::format(" ({}( is not closed)", name));
      o.source = std::string(text_.substr(o.offset, token_.offset + 1 - o.offset));
      PHAROS_TRY(advance());
      return o;
    }
    o.source = std::string(text_.substr(o.offset, lexer_.offset() - o.offset));
    PHAROS_TRY(advance());
    return o;
  }

  std::string_view text_;
  ConditionLexer lexer_;
  Token token_;
  int depth_ = 0;
  ConditionAst ast_;
};

}  // namespace

Result<ConditionAst> parseConditionAst(std::string_view text) {
  return Parser(text).run();
}

}  // namespace pharos::health
