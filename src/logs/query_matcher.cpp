#include "logs/query_matcher.h"

#include <charconv>
#include <cmath>
#include <string>

#include "core/text.h"
#include "logs/query_parser.h"
#include "logs/tokens.h"

namespace pharos::logs {
namespace {

// Case-insensitive (ASCII) three-way comparison of two byte strings.
int compareFolded(std::string_view a, std::string_view b) {
  std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    auto x = static_cast<unsigned char>(asciiLower(a[i]));
    auto y = static_cast<unsigned char>(asciiLower(b[i]));
    if (x != y) return x < y ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

template <typename T>
bool applyCompare(FieldCompare compare, T a, T b) {
  switch (compare) {
    case FieldCompare::kLess:
      return a < b;
    case FieldCompare::kLessEqual:
      return a <= b;
    case FieldCompare::kGreater:
      return a > b;
    case FieldCompare::kGreaterEqual:
      return a >= b;
    default:
      return a == b;
  }
}

bool isTokenAt(std::string_view s, std::size_t i) {
  return i < s.size() && isTokenByte(static_cast<unsigned char>(s[i]));
}

}  // namespace

bool parseQueryNumber(std::string_view text, double& out) {
  if (text.empty()) return false;
  const char* begin = text.data();
  const char* end = begin + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, out);
  return ec == std::errc() && ptr == end && std::isfinite(out);
}

// Per-call state: the message is lowercased at most once per record, into a buffer kept by
// the thread so that steady-state matching does not allocate.
struct QueryMatcher::Context {
  std::string& lowered;
  std::string& scratch;
  bool messageReady = false;
};

QueryMatcher::QueryMatcher(const LogQuery& query) {
  if (query.root) root_ = compile(*query.root);
}

QueryMatcher::Node QueryMatcher::compile(const QueryNode& node) {
  Node out;
  switch (node.op) {
    case QueryOp::kAnd:
    case QueryOp::kOr:
    case QueryOp::kNot:
      out.kind = node.op == QueryOp::kAnd  ? Kind::kAnd
                 : node.op == QueryOp::kOr ? Kind::kOr
                                           : Kind::kNot;
      for (const auto& child : node.children)
        out.children.push_back(compile(*child));
      return out;
    case QueryOp::kTerm: {
      out.kind = Kind::kTerm;
      std::string lowered;
      lowercaseAscii(node.text, lowered);
      forEachToken(lowered, [&](std::string_view t) { out.tokens.emplace_back(t); });
      // A prefix that ends in punctuation ("web-*") ends with a whole token.
      out.prefix = node.prefix && !lowered.empty() &&
                   isTokenByte(static_cast<unsigned char>(lowered.back()));
      return out;
    }
    case QueryOp::kField:
      break;
  }
  out.kind = node.field == "level" ? Kind::kLevel : Kind::kField;
  out.accessor = FieldAccessor(node.field);
  out.compare = node.compare;
  lowercaseAscii(node.text, out.value);
  out.valueIsNumber = parseQueryNumber(node.text, out.number);
  if (out.kind == Kind::kLevel && node.compare != FieldCompare::kPrefix &&
      node.compare != FieldCompare::kExists) {
    out.level = parseLevelName(node.text).value_or(Level::kUnknown);
  }
  return out;
}

bool QueryMatcher::matches(const Record& record) const {
  thread_local std::string lowered;
  thread_local std::string scratch;
  Context context{lowered, scratch};
  return eval(root_, record, context);
}

bool QueryMatcher::eval(const Node& node, const Record& record, Context& context) const {
  switch (node.kind) {
    case Kind::kAll:
      return true;
    case Kind::kAnd:
      for (const auto& child : node.children) {
        if (!eval(child, record, context)) return false;
      }
      return true;
    case Kind::kOr:
      for (const auto& child : node.children) {
        if (eval(child, record, context)) return true;
      }
      return false;
    case Kind::kNot:
      return !eval(node.children[0], record, context);
    case Kind::kTerm:
      if (!context.messageReady) {
        lowercaseAscii(record.message, context.lowered);
        context.messageReady = true;
      }
      return matchTerm(node, context.lowered);
    case Kind::kField:
      return matchField(node, record, context);
    case Kind::kLevel:
      return matchLevel(node, record);
  }
  return false;
}

// The tokens appear consecutively (separated by anything that is not a token byte), the
// first starting a token and each but a prefix last one ending a token.
bool QueryMatcher::matchTerm(const Node& node, std::string_view lowered) {
  const auto& tokens = node.tokens;
  const std::string& first = tokens[0];
  for (std::size_t at = lowered.find(first); at != std::string_view::npos;
       at = lowered.find(first, at + 1)) {
    if (at > 0 && isTokenAt(lowered, at - 1)) continue;
    std::size_t i = at;
    bool ok = true;
    for (std::size_t k = 0; k < tokens.size() && ok; ++k) {
      if (k > 0) {
        while (i < lowered.size() && !isTokenAt(lowered, i))
          ++i;
      }
      const std::string& t = tokens[k];
      if (lowered.compare(i, t.size(), t) != 0) {
        ok = false;
        break;
      }
      i += t.size();
      bool last = k + 1 == tokens.size();
      if (!(last && node.prefix) && isTokenAt(lowered, i)) ok = false;
    }
    if (ok) return true;
  }
  return false;
}

bool QueryMatcher::matchField(const Node& node, const Record& record, Context& context) {
  std::string_view value;
  if (!node.accessor.get(record, context.scratch, value)) return false;
  switch (node.compare) {
    case FieldCompare::kExists:
      return true;
    case FieldCompare::kEquals:
      return iequals(value, node.value);
    case FieldCompare::kPrefix:
      return istartsWith(value, node.value);
    default:
      break;
  }
  // Numbers compare as numbers; a number never compares with a word (`status>=500` skips
  // "n/a"); two words compare byte-wise, ignoring ASCII case.
  if (node.valueIsNumber) {
    double number = 0;
    if (!parseQueryNumber(value, number)) return false;
    return applyCompare(node.compare, number, node.number);
  }
  return applyCompare(node.compare, compareFolded(value, node.value), 0);
}

bool QueryMatcher::matchLevel(const Node& node, const Record& record) {
  switch (node.compare) {
    case FieldCompare::kExists:
      return record.level != Level::kUnknown;
    case FieldCompare::kEquals:
      return record.level == node.level;
    case FieldCompare::kPrefix:
      return istartsWith(levelName(record.level), node.value);
    default:
      // A record without a level is on neither side of a comparison.
      if (record.level == Level::kUnknown) return false;
      return applyCompare(node.compare, static_cast<int>(record.level),
                          static_cast<int>(node.level));
  }
}

}  // namespace pharos::logs
