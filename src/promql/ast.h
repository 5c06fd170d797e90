#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "promql/matcher.h"

namespace pharos::promql {

// The four PromQL value types; every expression has one, fixed at parse time.
enum class ValueType { kScalar, kVector, kMatrix, kString };
// "scalar", "instant vector", "range vector", "string" as Prometheus words them.
std::string_view valueTypeName(ValueType type);

enum class Function {
  kRate,
  kIncrease,
  kIrate,
  kDelta,
  kAvgOverTime,
  kSumOverTime,
  kMinOverTime,
  kMaxOverTime,
  kCountOverTime,
  kLastOverTime,
  kQuantileOverTime,
  kHistogramQuantile,
  kAbs,
  kCeil,
  kFloor,
  kRound,
  kClampMin,
  kClampMax,
  kTime,
  kVector,
  kScalar,
};

// The signature of a supported function: argument types, of which the last `optionalArgs`
// may be left out.
struct FunctionInfo {
  std::string_view name;
  Function function;
  std::vector<ValueType> args;
  std::size_t optionalArgs;
  ValueType result;
};
// nullptr when `name` is not a function of Pharos' subset.
const FunctionInfo* findFunction(std::string_view name);

enum class AggregateOp { kSum, kAvg, kMin, kMax, kCount };
std::string_view aggregateOpName(AggregateOp op);

enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEq,
  kNe,
  kGt,
  kLt,
  kGe,
  kLe,
  kAnd,
  kOr,
  kUnless,
};
std::string_view binaryOpName(BinaryOp op);
bool isComparison(BinaryOp op);
bool isSetOperator(BinaryOp op);

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

// One node of a parsed query. A single struct with a kind rather than a class hierarchy: the
// evaluator switches on the kind anyway, and the fields a kind does not use stay empty.
// `pos` is the byte offset in the query of the node's first token.
struct Expr {
  enum class Kind {
    kNumber,          // number
    kString,          // text
    kVectorSelector,  // metricName, matchers, offsetMs
    kMatrixSelector,  // metricName, matchers, offsetMs, rangeMs
    kCall,            // function, args
    kAggregate,       // aggregateOp, grouping, without, args[0] = body
    kBinary,          // binaryOp, returnBool, matchOn/matching, args[0] op args[1]
    kUnary,           // minus args[0]
    kParen,           // (args[0])
  };

  Kind kind = Kind::kNumber;
  std::size_t pos = 0;

  double number = 0;
  std::string text;               // kString: the unquoted value; selectors: the metric name, if any
  std::vector<Matcher> matchers;  // selectors: every matcher, the metric name's included
  std::int64_t offsetMs = 0;
  std::int64_t rangeMs = 0;

  const FunctionInfo* function = nullptr;

  AggregateOp aggregateOp = AggregateOp::kSum;
  std::vector<std::string> grouping;
  bool without = false;

  BinaryOp binaryOp = BinaryOp::kAdd;
  bool returnBool = false;
  bool matchOn = false;               // on(...) rather than ignoring(...)
  std::vector<std::string> matching;  // the on/ignoring labels

  std::vector<ExprPtr> args;

  ValueType type() const;
};

// The expression in canonical PromQL with every binary expression parenthesised, so the
// structure the parser chose is visible: "(1 + (2 * 3))", "sum by (job) (rate(x[5m]))".
std::string format(const Expr& expr);

// A PromQL double-quoted string literal that reads back to exactly `s`: quotes and
// backslashes escaped, control and non-ASCII bytes as \xHH.
void appendPromString(std::string& out, std::string_view s);

// "1h30m", "500ms": the shortest exact spelling of a duration.
std::string formatPromDuration(std::int64_t ms);

}  // namespace pharos::promql
