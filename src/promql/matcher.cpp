#include "promql/matcher.h"

#include <algorithm>
#include <regex>

#include "core/error.h"
#include "promql/ast.h"

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
// copies, and its matcher backtracks, so hostile patterns could exhaust the stack, the memory
// or the CPU. Refused, as RE2 (Prometheus) refuses some of them too: repetition counts adding
// up to more than 1000, a repetition operator applied to another ("a**"), and a repeated
// group that itself contains a repetition ("(a*)*"), the classic exponential backtracking.
Status checkComplexity(std::string_view p) {
  auto refuse = [](const char* why) { return makeError(ErrorCode::kInvalidArgument, why); };
  if (p.size() > kMaxPatternBytes) return refuse("regex is longer than 16 KiB");
  std::vector<bool> groupRepeats;  // per open group: does it contain a repetition?
  bool lastWasRepetition = false;
  bool lastWasLazy = false;
  bool lastAtomRepeats = false;  // the atom just closed was a group containing a repetition
  long repetitions = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    bool isRepetition = c == '*' || c == '+' || c == '?' || c == '{';
    if (isRepetition) {
      if (c == '?' && lastWasRepetition && !lastWasLazy) {
        lastWasLazy = true;  // non-greedy "*?"
        continue;
      }
      if (lastWasRepetition) return refuse("regex applies a repetition to a repetition");
      if (lastAtomRepeats) return refuse("regex repeats a group that repeats (nested repetition)");
      if (c == '{') {
        long n = 0;
        std::size_t k = i + 1;
        for (; k < p.size() && k < i + 16; ++k) {
          char d = p[k];
          if (d >= '0' && d <= '9') {
            n = n * 10 + (d - '0');
          } else if (d == ',') {
            repetitions += n;
            n = 0;
          } else {
            break;
          }
        }
        repetitions += n;
        if (repetitions > kMaxRepetitionTotal) {
          return refuse("regex repetition counts exceed 1000 in total");
        }
        if (k < p.size() && p[k] == '}') i = k;
      }
      if (!groupRepeats.empty()) groupRepeats.back() = true;
      lastWasRepetition = true;
      lastWasLazy = false;
      lastAtomRepeats = false;
      continue;
    }
    lastWasRepetition = false;
    lastWasLazy = false;
    lastAtomRepeats = false;
    if (c == '\\') {
      // RE2, which Prometheus uses, has no backreferences; std::regex's reading of a long
      // one ("\\333333333333") overflows inside libstdc++.
      if (i + 1 < p.size() && p[i + 1] >= '0' && p[i + 1] <= '9') {
        return refuse("regex backreferences (\\1) are not supported");
      }
      ++i;
    } else if (c == '[') {
      // A class is one atom; '*' and friends are literal inside it.
      std::size_t k = i + 1;
      if (k < p.size() && p[k] == '^') ++k;
      if (k < p.size() && p[k] == ']') ++k;
      while (k < p.size() && p[k] != ']') {
        if (p[k] == '\\') ++k;
        ++k;
      }
      i = k;
    } else if (c == '(') {
      if (static_cast<int>(groupRepeats.size()) >= kMaxGroupDepth) {
        return refuse("regex nests groups too deeply");
      }
      groupRepeats.push_back(false);
      if (i + 2 < p.size() && p[i + 1] == '?') i += 2;  // "(?:", "(?=", "(?!"
    } else if (c == ')') {
      if (!groupRepeats.empty()) {
        lastAtomRepeats = groupRepeats.back();
        groupRepeats.pop_back();
        if (lastAtomRepeats && !groupRepeats.empty()) groupRepeats.back() = true;
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

bool matchesAll(const std::vector<Matcher>& matchers, const Labels& labels) {
  return std::all_of(matchers.begin(), matchers.end(),
                     [&](const Matcher& m) { return m.matches(labels.get(m.name)); });
}

std::string Matcher::str() const {
  std::string out = name;
  out += matcherOperator(type);
  appendPromString(out, value);
  return out;
}

}  // namespace pharos::promql
