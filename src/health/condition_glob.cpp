#include "health/condition_glob.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace pharos::health {
namespace {

using Bits = std::vector<uint64_t>;

void setBit(Bits& b, size_t i) {
  b[i / 64] |= uint64_t{1} << (i % 64);
}

bool testBit(const Bits& b, size_t i) {
  return (b[i / 64] >> (i % 64)) & 1;
}

// A '*' can match nothing: state i (before a '*') also means state i + 1. Stars are collapsed,
// so one pass reaches the fixpoint.
void skipStars(Bits& states, const Bits& stars) {
  uint64_t carry = 0;
  for (size_t w = 0; w < states.size(); ++w) {
    uint64_t s = states[w] & stars[w];
    states[w] |= (s << 1) | carry;
    carry = s >> 63;
  }
}

}  // namespace

bool globMatch(std::string_view pattern, std::string_view text) {
  std::string p;
  p.reserve(pattern.size());
  for (char c : pattern) {
    if (c == '*' && !p.empty() && p.back() == '*') continue;
    p.push_back(c);
  }
  if (p.find_first_of("*?") == std::string::npos) return p == text;

  // State i: the first i pattern bytes have matched. State m accepts.
  const size_t m = p.size();
  const size_t words = (m + 1 + 63) / 64;
  Bits stars(words), anyByte(words);
  std::array<int, 256> row;  // byte -> its row of `literal`, -1 if the pattern lacks it
  row.fill(-1);
  std::vector<uint64_t> literal;
  for (size_t i = 0; i < m; ++i) {
    auto c = static_cast<unsigned char>(p[i]);
    if (p[i] == '*') {
      setBit(stars, i);
    } else if (p[i] == '?') {
      setBit(anyByte, i);
    } else {
      if (row[c] < 0) {
        row[c] = static_cast<int>(literal.size() / words);
        literal.resize(literal.size() + words);
      }
      literal[static_cast<size_t>(row[c]) * words + i / 64] |= uint64_t{1} << (i % 64);
    }
  }
  const bool endsWithStar = p.back() == '*';

  Bits states(words), next(words);
  states[0] = 1;
  skipStars(states, stars);
  for (char ch : text) {
    // Once the whole pattern matched before a final '*', the rest of the text cannot undo it.
    if (endsWithStar && testBit(states, m)) return true;
    int r = row[static_cast<unsigned char>(ch)];
    const uint64_t* lit = r < 0 ? nullptr : &literal[static_cast<size_t>(r) * words];
    uint64_t carry = 0;
    uint64_t alive = 0;
    for (size_t w = 0; w < words; ++w) {
      uint64_t advance = states[w] & (anyByte[w] | (lit ? lit[w] : 0));
      next[w] = (advance << 1) | carry | (states[w] & stars[w]);
      carry = advance >> 63;
      alive |= next[w];
    }
    if (alive == 0) return false;
    skipStars(next, stars);
    states.swap(next);
  }
  return testBit(states, m);
}

}  // namespace pharos::health
