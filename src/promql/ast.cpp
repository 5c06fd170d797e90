#include "promql/ast.h"

#include <charconv>
#include <cmath>

namespace pharos::promql {
namespace {

using VT = ValueType;

const std::vector<FunctionInfo>& functions() {
  static const std::vector<FunctionInfo> kFunctions = {
      {"rate", Function::kRate, {VT::kMatrix}, 0, VT::kVector},
      {"increase", Function::kIncrease, {VT::kMatrix}, 0, VT::kVector},
      {"irate", Function::kIrate, {VT::kMatrix}, 0, VT::kVector},
      {"delta", Function::kDelta, {VT::kMatrix}, 0, VT::kVector},
      {"avg_over_time", Function::kAvgOverTime, {VT::kMatrix}, 0, VT::kVector},
      {"sum_over_time", Function::kSumOverTime, {VT::kMatrix}, 0, VT::kVector},
      {"min_over_time", Function::kMinOverTime, {VT::kMatrix}, 0, VT::kVector},
      {"max_over_time", Function::kMaxOverTime, {VT::kMatrix}, 0, VT::kVector},
      {"count_over_time", Function::kCountOverTime, {VT::kMatrix}, 0, VT::kVector},
      {"last_over_time", Function::kLastOverTime, {VT::kMatrix}, 0, VT::kVector},
      {"quantile_over_time",
       Function::kQuantileOverTime,
       {VT::kScalar, VT::kMatrix},
       0,
       VT::kVector},
      {"histogram_quantile",
       Function::kHistogramQuantile,
       {VT::kScalar, VT::kVector},
       0,
       VT::kVector},
      {"abs", Function::kAbs, {VT::kVector}, 0, VT::kVector},
      {"ceil", Function::kCeil, {VT::kVector}, 0, VT::kVector},
      {"floor", Function::kFloor, {VT::kVector}, 0, VT::kVector},
      {"round", Function::kRound, {VT::kVector, VT::kScalar}, 1, VT::kVector},
      {"clamp_min", Function::kClampMin, {VT::kVector, VT::kScalar}, 0, VT::kVector},
      {"clamp_max", Function::kClampMax, {VT::kVector, VT::kScalar}, 0, VT::kVector},
      {"time", Function::kTime, {}, 0, VT::kScalar},
      {"vector", Function::kVector, {VT::kScalar}, 0, VT::kVector},
      {"scalar", Function::kScalar, {VT::kVector}, 0, VT::kScalar},
  };
  return kFunctions;
}

void appendLabelList(std::string& out, const std::vector<std::string>& labels) {
  out += '(';
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ", ";
    out += labels[i];
  }
  out += ')';
}

void appendNumber(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "Inf" : "-Inf";
  } else {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof(buf), v);
    out.append(buf, r.ptr);
  }
}

void appendSelector(std::string& out, const Expr& e) {
  out += e.text;
  std::vector<const Matcher*> shown;
  for (const auto& m : e.matchers) {
    bool isName = m.name == "__name__" && m.type == Matcher::Type::kEqual && m.value == e.text &&
                  !e.text.empty();
    if (!isName) shown.push_back(&m);
  }
  if (!shown.empty() || e.text.empty()) {
    out += '{';
    for (std::size_t i = 0; i < shown.size(); ++i) {
      if (i > 0) out += ", ";
      out += shown[i]->str();
    }
    out += '}';
  }
  if (e.kind == Expr::Kind::kMatrixSelector) {
    out += '[';
    out += formatPromDuration(e.rangeMs);
    out += ']';
  }
  if (e.offsetMs != 0) {
    out += " offset ";
    if (e.offsetMs < 0) out += '-';
    out += formatPromDuration(e.offsetMs < 0 ? -e.offsetMs : e.offsetMs);
  }
}

void appendExpr(std::string& out, const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::kNumber:
      appendNumber(out, e.number);
      return;
    case Expr::Kind::kString:
      appendPromString(out, e.text);
      return;
    case Expr::Kind::kVectorSelector:
    case Expr::Kind::kMatrixSelector:
      appendSelector(out, e);
      return;
    case Expr::Kind::kCall:
      out += e.function->name;
      out += '(';
      for (std::size_t i = 0; i < e.args.size(); ++i) {
        if (i > 0) out += ", ";
        appendExpr(out, *e.args[i]);
      }
      out += ')';
      return;
    case Expr::Kind::kAggregate:
      out += aggregateOpName(e.aggregateOp);
      if (e.without || !e.grouping.empty()) {
        out += e.without ? " without " : " by ";
        appendLabelList(out, e.grouping);
      }
      out += " (";
      appendExpr(out, *e.args[0]);
      out += ')';
      return;
    case Expr::Kind::kBinary:
      out += '(';
      appendExpr(out, *e.args[0]);
      out += ' ';
      out += binaryOpName(e.binaryOp);
      if (e.returnBool) out += " bool";
      if (e.matchOn || !e.matching.empty()) {
        out += e.matchOn ? " on" : " ignoring";
        appendLabelList(out, e.matching);
      }
      out += ' ';
      appendExpr(out, *e.args[1]);
      out += ')';
      return;
    case Expr::Kind::kUnary:
      out += '-';
      appendExpr(out, *e.args[0]);
      return;
    case Expr::Kind::kParen:
      // A binary expression brings its own parentheses.
      if (e.args[0]->kind == Expr::Kind::kBinary) {
        appendExpr(out, *e.args[0]);
        return;
      }
      out += '(';
      appendExpr(out, *e.args[0]);
      out += ')';
      return;
  }
}

}  // namespace

std::string_view valueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kVector:
      return "instant vector";
    case ValueType::kMatrix:
      return "range vector";
    case ValueType::kString:
      return "string";
  }
  return "scalar";
}

const FunctionInfo* findFunction(std::string_view name) {
  for (const auto& f : functions()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string_view aggregateOpName(AggregateOp op) {
  switch (op) {
    case AggregateOp::kSum:
      return "sum";
    case AggregateOp::kAvg:
      return "avg";
    case AggregateOp::kMin:
      return "min";
    case AggregateOp::kMax:
      return "max";
    case AggregateOp::kCount:
      return "count";
  }
  return "sum";
}

std::string_view binaryOpName(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kMod:
      return "%";
    case BinaryOp::kPow:
      return "^";
    case BinaryOp::kEq:
      return "==";
    case BinaryOp::kNe:
      return "!=";
    case BinaryOp::kGt:
      return ">";
    case BinaryOp::kLt:
      return "<";
    case BinaryOp::kGe:
      return ">=";
    case BinaryOp::kLe:
      return "<=";
    case BinaryOp::kAnd:
      return "and";
    case BinaryOp::kOr:
      return "or";
    case BinaryOp::kUnless:
      return "unless";
  }
  return "+";
}

bool isComparison(BinaryOp op) {
  return op == BinaryOp::kEq || op == BinaryOp::kNe || op == BinaryOp::kGt || op == BinaryOp::kLt ||
         op == BinaryOp::kGe || op == BinaryOp::kLe;
}

bool isSetOperator(BinaryOp op) {
  return op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kUnless;
}

ValueType Expr::type() const {
  switch (kind) {
    case Kind::kNumber:
      return ValueType::kScalar;
    case Kind::kString:
      return ValueType::kString;
    case Kind::kVectorSelector:
    case Kind::kAggregate:
      return ValueType::kVector;
    case Kind::kMatrixSelector:
      return ValueType::kMatrix;
    case Kind::kCall:
      return function->result;
    case Kind::kBinary:
      return args[0]->type() == ValueType::kScalar && args[1]->type() == ValueType::kScalar
                 ? ValueType::kScalar
                 : ValueType::kVector;
    case Kind::kUnary:
    case Kind::kParen:
      return args[0]->type();
  }
  return ValueType::kScalar;
}

void appendPromString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += ch;
    }
  }
  out += '"';
}

std::string format(const Expr& expr) {
  std::string out;
  appendExpr(out, expr);
  return out;
}

std::string formatPromDuration(std::int64_t ms) {
  if (ms == 0) return "0s";
  static constexpr struct {
    std::int64_t ms;
    const char* unit;
  } kUnits[] = {{365LL * 24 * 3600 * 1000, "y"},
                {7LL * 24 * 3600 * 1000, "w"},
                {24LL * 3600 * 1000, "d"},
                {3600LL * 1000, "h"},
                {60LL * 1000, "m"},
                {1000, "s"},
                {1, "ms"}};
  std::string out;
  for (const auto& u : kUnits) {
    if (ms >= u.ms) {
      out += std::to_string(ms / u.ms);
      out += u.unit;
      ms %= u.ms;
    }
  }
  return out;
}

}  // namespace pharos::promql
