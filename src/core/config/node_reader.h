#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/config/loader.h"
#include "core/config/node.h"

namespace pharos::config {

// A field of a definition that is wrong, located in the file when the definition came from
// one. Definitions read from both the config file and JSON bodies (checks, SLOs, rules,
// receivers) report these; the API turns them into a 400 naming the field, the loader into
// FILE:LINE:COL diagnostics.
struct FieldProblem {
  std::string field;  // "checks[3].conditions[0]", or "conditions[0]" for an API body
  int line = 0;       // 0: not from a file
  int column = 0;
  std::string message;
};

// Reads typed values out of a Node tree, collecting a problem for each wrong one (naming its
// field, "slos[2].objective: expected a number, got 'high'") instead of stopping at the first.
// `path` prefixes every field name; empty for an API body.
class NodeReader {
 public:
  explicit NodeReader(std::string_view path) : path_(path) {}

  const std::string& path() const { return path_; }
  // `key` under the reader's path: "slos[2]" + "objective" = "slos[2].objective".
  std::string field(std::string_view key) const;
  void problem(const Node& at, std::string field, std::string message);
  // Takes the problems another reader found (one reading a nested item under its own path).
  void adopt(std::vector<FieldProblem> problems);

  // Each returns false (and records a problem) when the value is not what was asked for;
  // `out` is then left as it was.
  const std::string* scalar(const Node& v, const std::string& f);
  bool string(const Node& v, const std::string& f, std::string& out);
  // A definition's name (core/text.h isValidDefinitionName).
  bool name(const Node& v, const std::string& f, std::string& out);
  bool boolean(const Node& v, const std::string& f, bool& out);
  bool integer(const Node& v, const std::string& f, std::int64_t& out, std::int64_t min,
               std::int64_t max);
  bool number(const Node& v, const std::string& f, double& out, double min, double max);
  bool duration(const Node& v, const std::string& f, Millis& out, Millis min, Millis max);
  // A list of scalars.
  bool strings(const Node& v, const std::string& f, std::vector<std::string>& out);

  template <typename F>
  void map(const Node& v, const std::string& f, F&& each) {
    if (!v.isMap()) {
      problem(v, f, f + ": expected a mapping");
      return;
    }
    for (const auto& [k, value] : v.members)
      each(k, value);
  }
  template <typename F>
  void list(const Node& v, const std::string& f, F&& each) {
    if (!v.isList()) {
      problem(v, f, f + ": expected a list");
      return;
    }
    for (size_t i = 0; i < v.items.size(); ++i)
      each(v.items[i], f + "[" + std::to_string(i) + "]");
  }

  // Records "unknown field 'x' (did you mean 'y'?)" for `key` when it is not in `known`;
  // returns whether it is known.
  bool knownField(std::string_view key, const Node& value, std::span<const std::string_view> known);

  bool ok() const { return problems_.empty(); }
  std::vector<FieldProblem> take() { return std::move(problems_); }

 private:
  std::string path_;
  std::vector<FieldProblem> problems_;
};

// Problems of a definition read from `file`, as the loader's diagnostics.
void appendDiagnostics(const std::vector<FieldProblem>& problems, const std::string& file,
                       std::vector<Diagnostic>& out);

}  // namespace pharos::config
