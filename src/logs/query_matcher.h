#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "logs/query_ast.h"
#include "logs/query_field.h"
#include "logs/record.h"

namespace pharos::logs {

// Tests records against a query's filter. Built once per query: terms are lowercased and
// split into tokens, field names resolved, numbers and levels parsed. matches() allocates
// nothing once its thread's scratch buffers have grown to the longest message seen.
// Thread-safe for concurrent matches() calls (the scratch is thread_local).
class QueryMatcher {
 public:
  explicit QueryMatcher(const LogQuery& query);

  bool matches(const Record& record) const;

 private:
  enum class Kind : std::uint8_t { kAll, kAnd, kOr, kNot, kTerm, kField, kLevel };
  struct Node {
    Kind kind = Kind::kAll;
    std::vector<Node> children;
    // kTerm: lowercased tokens, matched consecutively in the message; the last is a prefix
    // when `prefix`.
    std::vector<std::string> tokens;
    bool prefix = false;
    // kField, kLevel
    FieldCompare compare = FieldCompare::kEquals;
    std::string value;  // lowercased
    bool valueIsNumber = false;
    double number = 0;
    Level level = Level::kUnknown;
    FieldAccessor accessor{"service"};
  };
  struct Context;

  static Node compile(const QueryNode& node);
  bool eval(const Node& node, const Record& record, Context& context) const;
  static bool matchTerm(const Node& node, std::string_view lowered);
  static bool matchField(const Node& node, const Record& record, Context& context);
  static bool matchLevel(const Node& node, const Record& record);

  Node root_;
};

// Parses a whole string as a finite number ("503", "-1.5", "2e3"); false otherwise.
bool parseQueryNumber(std::string_view text, double& out);

}  // namespace pharos::logs
