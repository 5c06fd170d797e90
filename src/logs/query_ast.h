#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pharos::logs {

// The log query language's tree (docs/LOGQUERY.md). The parser builds it, the matcher,
// the full-text planner, the renderer and the stats stage read it.
enum class QueryOp : std::uint8_t {
  kAnd,    // every child (two or more; never directly inside another kAnd)
  kOr,     // any child (two or more; never directly inside another kOr)
  kNot,    // one child
  kTerm,   // words in the message: `timeout`, `conn*`, `"connection refused"`
  kField,  // `service:api`, `status>=500`, `pod:*`
};

enum class FieldCompare : std::uint8_t {
  kEquals,        // field:value   (case-insensitive, whole value)
  kPrefix,        // field:value*  (case-insensitive)
  kExists,        // field:*       (present and not empty)
  kLess,          // field<value   (numeric when both sides are numbers)
  kLessEqual,     // field<=value
  kGreater,       // field>value
  kGreaterEqual,  // field>=value
};

struct QueryNode;
using QueryNodePtr = std::unique_ptr<QueryNode>;

struct QueryNode {
  QueryOp op = QueryOp::kTerm;
  std::vector<QueryNodePtr> children;  // kAnd, kOr, kNot

  // kTerm: the words as written, without quotes or the trailing '*'. kField: the value
  // (unescaped; for `level`, the canonical level name; empty for kExists).
  std::string text;
  // kField: the name as written ("service", "pod", "attr.service").
  std::string field;
  FieldCompare compare = FieldCompare::kEquals;
  bool quoted = false;  // written between double quotes
  bool prefix = false;  // kTerm: the last word is a prefix (`conn*`, `"connection ref"*`)
};

// A parsed query: a filter and an optional `| stats` stage.
struct LogQuery {
  static constexpr std::size_t kMaxLength = 4096;  // bytes of query text
  static constexpr int kMaxDepth = 64;             // nested parentheses and NOTs
  static constexpr std::size_t kMaxStatsBy = 8;    // fields after `by`

  QueryNodePtr root;  // null: every record matches
  bool hasStats = false;
  std::vector<std::string> statsBy;  // `| stats count() by (service, level)`: in order
};

}  // namespace pharos::logs
