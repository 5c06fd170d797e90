#include "promql/matcher.h"

#include <algorithm>
#include <regex>

#include "core/error.h"
#include "core/text.h"

namespace pharos::promql {

// std::regex backtracks and is slow, so the shapes that dominate real selectors are answered
// without it. Like Go's RE2, "." does not match a newline.
struct Matcher::Compiled {
  enum class Shape { kRegex, kLiteral, kAlternatives, kPrefixAny, kAny, kNonEmpty };
  Shape shape = Shape::kRegex;
  std::vector<std::string> literals;  // kLiteral: one; kAlternatives: several; kPrefixAny: one
  std::regex regex;
};

namespace {

constexpr std::size_t kMaxPatternBytes = 16 * 1024;
constexpr int kMaxGroupDepth = 64;
constexpr long kMaxRepetitionTotal = 1000;

bool isMeta(char c) {
  return std::string_view(".^$*+?()[]{}|\\").find(c) != std::string_view::npos;
}

bool isPlainLiteral(std::string_view s) {
  return std::none_of(s.begin(), s.end(), isMeta);
}

// libstdc++'s regex compiler recurses per nesting level and expands counted repetitions into
// copies, so hostile patterns could exhaust the stack or memory. RE2 (Prometheus) refuses
// repetition counts above 1000 too.
Status checkComplexity(std::string_view pattern) {
  if (pattern.size() > kMaxPatternBytes) {
    return makeError(ErrorCode::kInvalidArgument, "regex is longer than 16 KiB");
  }
  int depth = 0;
  long repetitions = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\') {
      ++i;
    } else if (c == '(') {
      if (++depth > kMaxGroupDepth) {
        return makeError(ErrorCode::kInvalidArgument, "regex nests groups too deeply");
      }
    } else if (c == ')') {
      --depth;
    } else if (c == '{') {
      long n = 0;
      for (std::size_t k = i + 1; k < pattern.size() && k < i + 12; ++k) {
        char d = pattern[k];
        if (d >= '0' && d <= '9') {
          n = n * 10 + (d - '0');
        } else if (d == ',' || d == '}') {
          repetitions += n;
          n = 0;
          if (d == '}') break;
        } else {
          break;
        }
      }
      repetitions += n;
      if (repetitions > kMaxRepetitionTotal) {
        return makeError(ErrorCode::kInvalidArgument,
                         "regex repetition counts exceed 1000 in total");
      }
    }
  }
  return okStatus();
}

Result<std::shared_ptr<const Matcher::Compiled>> compile(const std::string& pattern) {
  using Shape = Matcher::Compiled::Shape;
  auto compiled = std::make_shared<Matcher::Compiled>();
  std::string_view p(pattern);
  if (p == ".*") {
    compiled->shape = Shape::kAny;
  } else if (p == ".+") {
    compiled->shape = Shape::kNonEmpty;
  } else if (p.size() >= 2 && p.substr(p.size() - 2) == ".*" &&
             isPlainLiteral(p.substr(0, p.size() - 2))) {
    compiled->shape = Shape::kPrefixAny;
    compiled->literals.emplace_back(p.substr(0, p.size() - 2));
  } else if (isPlainLiteral(p)) {
    compiled->shape = Shape::kLiteral;
    compiled->literals.emplace_back(p);
  } else {
    // "a|b|c": split on '|' and check each part is a literal.
    std::vector<std::string> parts;
    std::size_t begin = 0;
    bool literalParts = true;
    while (true) {
      std::size_t bar = p.find('|', begin);
      std::string_view part = p.substr(begin, bar == std::string_view::npos ? bar : bar - begin);
      if (!isPlainLiteral(part)) {
        literalParts = false;
        break;
      }
      parts.emplace_back(part);
      if (bar == std::string_view::npos) break;
      begin = bar + 1;
    }
    if (literalParts) {
      compiled->shape = Shape::kAlternatives;
      std::sort(parts.begin(), parts.end());
      compiled->literals = std::move(parts);
    }
  }
  // Always compile, so an invalid pattern is reported even when a fast path would answer.
  PHAROS_TRY(checkComplexity(p));
  try {
    compiled->regex = std::regex("^(?:" + pattern + ")$", std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return makeError(ErrorCode::kInvalidArgument,
                     "invalid regular expression \"" + pattern + "\": " + e.what());
  }
  return std::shared_ptr<const Matcher::Compiled>(std::move(compiled));
}

bool hasNewline(std::string_view s) {
  return s.find('\n') != std::string_view::npos;
}

}  // namespace

Result<Matcher> Matcher::make(Type type, std::string name, std::string value) {
  Matcher m;
  m.type = type;
  m.name = std::move(name);
  m.value = std::move(value);
  if (type == Type::kRegexMatch || type == Type::kRegexNoMatch) {
    PHAROS_ASSIGN_OR_RETURN(m.compiled_, compile(m.value));
  }
  return m;
}

bool Matcher::matches(std::string_view labelValue) const {
  switch (type) {
    case Type::kEqual:
      return labelValue == value;
    case Type::kNotEqual:
      return labelValue != value;
    case Type::kRegexMatch:
    case Type::kRegexNoMatch:
      break;
  }
  if (!compiled_) return false;  // a default-constructed regex matcher matches nothing
  bool matched = false;
  const auto& c = *compiled_;
  switch (c.shape) {
    case Compiled::Shape::kAny:
      matched = !hasNewline(labelValue);
      break;
    case Compiled::Shape::kNonEmpty:
      matched = !labelValue.empty() && !hasNewline(labelValue);
      break;
    case Compiled::Shape::kPrefixAny:
      matched = labelValue.substr(0, c.literals[0].size()) == c.literals[0] &&
                !hasNewline(labelValue.substr(c.literals[0].size()));
      break;
    case Compiled::Shape::kLiteral:
      matched = labelValue == c.literals[0];
      break;
    case Compiled::Shape::kAlternatives:
      matched = std::binary_search(c.literals.begin(), c.literals.end(), labelValue);
      break;
    case Compiled::Shape::kRegex:
      try {
        matched = std::regex_match(labelValue.begin(), labelValue.end(), c.regex);
      } catch (const std::regex_error&) {
        matched = false;  // error_complexity / error_stack on a pathological value
      }
      break;
  }
  return type == Type::kRegexMatch ? matched : !matched;
}

std::string_view matcherOperator(Matcher::Type type) {
  switch (type) {
    case Matcher::Type::kEqual:
      return "=";
    case Matcher::Type::kNotEqual:
      return "!=";
    case Matcher::Type::kRegexMatch:
      return "=~";
    case Matcher::Type::kRegexNoMatch:
      return "!~";
  }
  return "=";
}

std::string Matcher::str() const {
  std::string out = name;
  out += matcherOperator(type);
  // PromQL accepts JSON-style escapes in double-quoted strings.
  appendJsonString(out, value);
  return out;
}

}  // namespace pharos::promql
