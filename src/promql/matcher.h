#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/labels.h"
#include "core/result.h"

namespace pharos::promql {

// One label matcher of a selector (`job="api"`, `path=~"/v1/.*"`), with Prometheus'
// semantics: regexes are fully anchored, and an absent label matches as the empty string, so
// `{foo=""}` selects the series without `foo`. Copies share the compiled regex, which is
// immutable and so safe to use from several threads.
struct Matcher {
  enum class Type { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

  Type type = Type::kEqual;
  std::string name;
  std::string value;

  // Compiles the regex of the regex types; an invalid (or, for std::regex, too complex)
  // pattern is kInvalidArgument.
  static Result<Matcher> make(Type type, std::string name, std::string value);

  // Pass "" for a label the series does not have.
  bool matches(std::string_view labelValue) const;

  // `name="value"`, `name=~"value"`, ... with the value quoted as in PromQL.
  std::string str() const;

  struct Compiled;

 private:
  std::shared_ptr<const Compiled> compiled_;
};

std::string_view matcherOperator(Matcher::Type type);

// Whether a series with these labels is selected by every matcher (none: every series).
bool matchesAll(const std::vector<Matcher>& matchers, const Labels& labels);

}  // namespace pharos::promql
