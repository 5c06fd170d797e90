#include "core/config/node.h"
#include "core/text.h"

#include <algorithm>
#include <tuple>

namespace pharos::config {
namespace {

// A double-quoted escape at the start of `s` (which begins with '\'): the bytes it takes in
// the file and the bytes it stands for in the value (UTF-8 for \u and \U).
std::pair<size_t, size_t> escapeSize(std::string_view s) {
  size_t digits = s[1] == 'x' ? 2 : s[1] == 'u' ? 4 : s[1] == 'U' ? 8 : 0;
  if (digits == 0) return {2, 1};
  unsigned long code = 0;
  for (size_t i = 2; i < 2 + digits && i < s.size(); ++i)
    code = code * 16 + static_cast<unsigned long>(std::max(hexDigitValue(s[i]), 0));
  size_t bytes = digits == 2 || code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  return {2 + digits, bytes};
}

}  // namespace

const Node* Node::find(std::string_view key) const {
  for (const NodeMember& m : members) {
    if (m.key == key) return &m.value;
  }
  return nullptr;
}

std::pair<int, int> Node::positionOf(size_t offset) const {
  const std::pair<int, int> start{line, column};
  std::string_view s = sourceLine;
  if (line <= 0 || fromEnv || s.empty()) return start;
  auto at = [&](size_t i) { return std::pair<int, int>{line, column + static_cast<int>(i)}; };
  if (!quoted) {
    // A plain scalar is its text; one that goes on to the next lines is not all here.
    size_t upTo = std::min(offset + 1, scalar.size());
    bool here = offset <= scalar.size() && upTo <= s.size() &&
                s.substr(0, upTo) == std::string_view(scalar).substr(0, upTo);
    return here ? at(offset) : start;
  }
  char quote = s[0];
  if (quote != '"' && quote != '\'') return start;  // a block scalar: | or >
  size_t produced = 0;                              // bytes of the value before s[i]
  for (size_t i = 1; i < s.size();) {
    size_t width = 1;
    size_t bytes = 1;
    if (s[i] == quote && !(quote == '\'' && i + 1 < s.size() && s[i + 1] == '\'')) {
      return produced == offset ? at(i) : start;  // the closing quote
    }
    if (s[i] == quote) {
      width = 2;  // '' stands for '
    } else if (quote == '"' && s[i] == '\\') {
      if (i + 1 >= s.size()) return start;  // an escaped line break: the value goes on
      std::tie(width, bytes) = escapeSize(s.substr(i));
    }
    if (offset < produced + bytes) return at(i);
    produced += bytes;
    i += width;
  }
  return start;  // the quoted value goes on to the next line
}

}  // namespace pharos::config
