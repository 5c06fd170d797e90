#include "logs/distinct_tokens.h"

#include <bit>
#include <cstring>

#include "core/text.h"
#include "logs/hash_bytes.h"
#include "logs/tokens.h"

namespace pharos::logs {
namespace {

// Eight bytes at a time: 0x20 is added to each byte in 'A'..'Z' without a branch (the tokens
// are short, so a byte loop, or the vector loop a compiler makes of it, costs more in set-up
// than in work). `out` has 8 bytes of room past the token's end.
void copyLowercase(std::string_view token, char* out) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  auto lower = [](std::uint64_t x) {
    std::uint64_t low7 = x & ~kHigh;
    std::uint64_t geA = low7 + kOnes * (0x80 - 'A');      // high bit: byte >= 'A'
    std::uint64_t gtZ = low7 + kOnes * (0x80 - 'Z' - 1);  // high bit: byte > 'Z'
    std::uint64_t upper = geA & ~gtZ & ~x & kHigh;        // and not a byte >= 0x80
    return x | (upper >> 2);
  };
  std::size_t i = 0;
  for (; i + 8 <= token.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, token.data() + i, 8);
    word = lower(word);
    std::memcpy(out + i, &word, 8);
  }
  for (; i < token.size(); ++i)  // byte by byte: past the token's end may be unmapped
    out[i] = asciiLower(token[i]);
}

// The first `n` bytes of the 8 at `p`, the rest zero.
std::uint64_t head(const char* p, std::size_t n) {
  std::uint64_t word;
  std::memcpy(&word, p, 8);
  return n >= 8 ? word : word & ((std::uint64_t{1} << (8 * n)) - 1);
}

// Words in the document are read 8 bytes at a time, which its room past used_ allows: no
// call to memcpy or memcmp for a few bytes.
bool sameWord(const char* a, const char* b, std::size_t n) {
  for (std::size_t i = 0; i < n; i += 8) {
    if (head(a + i, n - i) != head(b + i, n - i)) return false;
  }
  return true;
}

}  // namespace

DistinctTokens::DistinctTokens(std::size_t expected)
    : doc_(expected * 8, '\0'), slots_(std::bit_ceil(std::max<std::size_t>(16, expected * 2))) {}

void DistinctTokens::reserve(std::size_t length) {
  if (doc_.size() - used_ < length + 9) doc_.resize(std::max(doc_.size() * 2, used_ + length + 9));
}

void DistinctTokens::add(std::string_view field, std::string_view token) {
  const std::size_t length = (field.empty() ? 0 : field.size() + 1) + token.size();
  reserve(length);
  char* p = doc_.data() + used_;
  if (!field.empty()) {
    std::memcpy(p, field.data(), field.size());
    p += field.size();
    *p++ = '_';
  }
  copyLowercase(token, p);
  insert(doc_.data() + used_, length, true);
}

void DistinctTokens::addText(std::string_view text) {
  if (lowered_.size() < text.size() + 8) lowered_.resize(text.size() + 64);
  copyLowercase(text, lowered_.data());
  forEachToken(std::string_view(lowered_.data(), text.size()),
               [&](std::string_view t) { insert(t.data(), t.size(), false); });
}

void DistinctTokens::insert(const char* word, std::size_t length, bool inPlace) {
  const std::uint64_t hash = hashBytes({word, length}) | 1;  // never 0, the free mark
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.hash == 0) {
      if (!inPlace) {
        reserve(length);  // `word` is not in doc_, which may move
        for (std::size_t k = 0; k < length; k += 8)
          std::memcpy(doc_.data() + used_ + k, word + k, 8);
      }
      slot = {hash, static_cast<std::uint32_t>(used_), static_cast<std::uint32_t>(length)};
      doc_[used_ + length] = ' ';
      used_ += length + 1;
      if (++count_ * 2 > slots_.size()) grow();
      return;
    }
    if (slot.hash == hash && slot.length == length &&
        sameWord(doc_.data() + slot.offset, word, length)) {
      return;  // there already: what was written past used_ is overwritten by the next
    }
  }
}

void DistinctTokens::grow() {
  std::vector<Slot> old(slots_.size() * 2);
  old.swap(slots_);
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.hash == 0) continue;
    std::size_t i = s.hash & mask;
    while (slots_[i].hash != 0)
      i = (i + 1) & mask;
    slots_[i] = s;
  }
}

std::string DistinctTokens::take() {
  std::fill(slots_.begin(), slots_.end(), Slot{});
  count_ = 0;
  doc_.resize(used_);
  std::string doc = std::move(doc_);
  doc_.clear();
  used_ = 0;
  return doc;
}

}  // namespace pharos::logs
