#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "health/condition_value.h"

// The parsed form of a condition, shared by the parser that builds it and the evaluator that
// walks it. Internal to the health module.
namespace pharos::health {

enum class Placeholder {
  kStatus,
  kResponseTime,
  kBody,
  kConnected,
  kCertExpiresIn,
  kDnsRcode,
  kIp,
  kHeader,
};

// "[STATUS]": the canonical spelling, used in placeholders() and in reasons.
std::string_view placeholderName(Placeholder p);
// By the name between the brackets ("STATUS", or Gatus' "CERTIFICATE_EXPIRATION").
std::optional<Placeholder> placeholderByName(std::string_view name);
// The placeholder a misspelled name most likely meant ("status", "STATU" -> "STATUS"), for
// did-you-mean hints.
std::optional<std::string_view> likelyPlaceholder(std::string_view name);

// One step of a JSON path: `.key` or `[index]`.
struct PathStep {
  std::string key;
  std::optional<size_t> index;  // set for `[index]`
};

// A placeholder with what follows it: [BODY].data[0].id, [HEADER].content-type, [STATUS].
struct Reference {
  Placeholder placeholder = Placeholder::kStatus;
  std::vector<PathStep> path;  // [BODY] only
  std::string header;          // [HEADER] only
  std::string spelling;        // as written, for reasons
};

enum class CompareOp { kEqual, kNotEqual, kLess, kLessEqual, kGreater, kGreaterEqual };
std::string_view compareOpSpelling(CompareOp op);

// What the parser can tell about an operand's values, to refuse `[IP] < 5` before it runs.
enum class StaticKind {
  kNumeric,  // always a number: [STATUS], len(), 200, 168h
  kText,     // never a number: [IP], has(), ok
  kDynamic,  // depends on the response: [BODY].x, [HEADER].x, "5"
  kPattern,  // pat(...)
  kList,     // any(...)
};

enum class OperandKind { kReference, kLen, kHas, kLiteral, kPattern, kAnyOf };

struct Operand {
  OperandKind kind = OperandKind::kLiteral;
  StaticKind staticKind = StaticKind::kText;
  std::string source;  // as written, for explanations
  size_t offset = 0;
  Reference reference;       // kReference, kLen, kHas
  Value literal;             // kLiteral
  std::string pattern;       // kPattern
  std::vector<Value> anyOf;  // kAnyOf

  bool readsObservation() const {
    return kind == OperandKind::kReference || kind == OperandKind::kLen ||
           kind == OperandKind::kHas;
  }
};

struct Comparison {
  Operand left;
  CompareOp op = CompareOp::kEqual;
  Operand right;
};

// A comparison, or several nodes joined by one operator. Depth is bounded by the parser
// (Condition::kMaxNesting), so walking it recursively is safe.
struct Node {
  enum class Kind { kComparison, kAnd, kOr };
  Kind kind = Kind::kComparison;
  int parentheses = 0;  // how many pairs were written around it
  Comparison comparison;
  std::vector<Node> children;
};

struct ConditionAst {
  Node root;
  std::vector<Placeholder> placeholders;  // each once, in order of first use
};

}  // namespace pharos::health
