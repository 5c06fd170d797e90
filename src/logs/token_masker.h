#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pharos::logs {

// One message cut into words with its variable parts masked: what the template miner
// compares. Reused across calls so a warm line costs no allocation.
//
// A word no mask changed is not copied: it stays a view into the message, so the words are
// valid only while the message passed to maskLine() is. Only masked words are built in `text`.
struct MaskedLine {
  struct Word {
    const char* data = nullptr;  // in the message, or in `text` when masked
    std::uint32_t length = 0;
    std::uint32_t offset = 0;  // in `text` when masked: `data` is set from it once text is whole
    bool masked = false;  // it held a variable (went through a mask); unmasked words hold no digit
  };
  std::string text;  // the masked words back to back
  std::vector<Word> words;

  std::size_t size() const { return words.size(); }
  std::string_view word(std::size_t i) const { return {words[i].data, words[i].length}; }
  bool masked(std::size_t i) const { return words[i].masked; }
};

struct MaskOptions {
  bool maskPaths = true;       // "/var/log/x" -> <PATH>; off keeps paths (numbers inside masked)
  std::size_t maxWords = 128;  // words past this collapse into one final "<*>"
};

// Splits `message` at white space and masks variables with generic rules only:
//   <NUM>   integers, decimals, exponents, sizes and durations ("12ms", "4KB", "100%"),
//           and dates/times made of digits and . : - / ("2017-12-23", "15:16:01")
//   <HEX>   0x1f and hex strings of 8+ characters holding a digit
//   <IP>    IPv4 (optional :port) and IPv6
//   <UUID>  8-4-4-4-12 hex
//   <URL>   anything with "://"; <EMAIL> local@domain.tld; <PATH> (when enabled)
// A word is first cut at = , ; ( ) [ ] { } " ' < > |  so "rhost=1.2.3.4" masks to
// "rhost=<IP>"; a fragment no whole rule matches still has its digit runs masked
// ("blk_-4711" -> "blk_<NUM>", "attempt_01_m_3" -> "attempt_<NUM>_m_<NUM>").
void maskLine(std::string_view message, const MaskOptions& options, MaskedLine& out);

}  // namespace pharos::logs
