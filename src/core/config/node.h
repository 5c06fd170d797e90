#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pharos::config {

struct NodeMember;

// A config subtree kept as data, with each value's place in the file, for a section that a
// higher module reads itself: health checks come both from the file and as JSON through the
// API, and one parser in the health module reads both, so the two cannot drift apart.
// Scalars are already ${VAR}-expanded; `fromEnv` says a value came (partly) from the
// environment, so an error message shows `raw` instead of it.
struct Node {
  enum class Kind { kNull, kScalar, kMap, kList };

  Kind kind = Kind::kNull;
  std::string scalar;               // kScalar: the value, expanded
  std::string raw;                  // kScalar: as written, with ${VAR} references
  bool quoted = false;              // a quoted YAML scalar, or a JSON string
  bool fromEnv = false;             // contains a ${VAR} reference
  std::vector<NodeMember> members;  // kMap, in document order
  std::vector<Node> items;          // kList
  int line = 0;                     // 1-based; 0 when the value has no place in a file (JSON)
  int column = 0;                   // 1-based, of the value's first character
  // kScalar from a file: the file's text from the value's first character (its opening
  // quote, if any) to the end of that line.
  std::string sourceLine;

  bool isNull() const { return kind == Kind::kNull; }
  bool isScalar() const { return kind == Kind::kScalar; }
  bool isMap() const { return kind == Kind::kMap; }
  bool isList() const { return kind == Kind::kList; }
  // The member named `key`, or nullptr.
  const Node* find(std::string_view key) const;
  // What a message may show of a scalar: the raw ${VAR} text for a value from the environment.
  const std::string& shown() const { return fromEnv ? raw : scalar; }
  // The line and column in the file of byte `offset` of `scalar`, past quotes and escapes, so
  // an error inside a value points at its character. Exact for a value written on one line
  // (plain, 'single' or "double" quoted); the value's own position for one that spans lines
  // (block scalars, folded quotes) or comes partly from ${VAR}.
  std::pair<int, int> positionOf(size_t offset) const;
};

// One key of a mapping and its value (a struct, not a pair: a vector of pairs of an
// incomplete Node does not compile with every standard library).
struct NodeMember {
  std::string key;
  Node value;
};

}  // namespace pharos::config
