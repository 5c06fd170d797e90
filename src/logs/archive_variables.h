#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "logs/archive_columns.h"

namespace pharos::logs::archive {

// Splits log text into a template and typed variables, as CLP does (Rodrigues et al., OSDI '21):
// the template keeps the static text with a placeholder where each variable was, and each
// variable goes to a column in a compact binary form. Tokens are runs of letters, digits, '.',
// '-', '_' and non-ASCII bytes; a token without a digit is static text. A token with a digit
// becomes, when its text is exactly the canonical rendering of the value (so that decoding
// gives the same bytes back):
//   - a date and time "2025-12-05T10:00:00.123" (also with ' ', '/', ',' and 0-9 fraction
//     digits) or a time of day "10:00:00,5", as the difference to the previous one in its
//     stream; a zone offset after it ("+01:00") stays in the template;
//   - a decimal integer that fits int64, no leading zeros, not "-0", as a zigzag varint; also
//     the number of a number with a unit ("120ms": the unit stays in the template);
//   - a decimal fraction "-12.50" with at most 18 digits, as a zigzag varint of its digits and
//     the number of digits after the point;
//   - IPv4 "10.1.2.3" (no leading zeros) as 4 bytes; a UUID of one case as 16 bytes; a hex
//     string of one case, at least 6 long, with a letter, as its length and packed nibbles;
//   - anything else ("web-01", "v2", "010.1.2.3", numbers too big for int64) a dictionary
//     variable: an id in its stream's dictionary, the text stored once per object (see
//     kDictLiteral).
// Template text: the static bytes, a NUL written as two NULs, a placeholder as NUL and a
// type letter (and, for a time, a format byte).
// How an integer stream is stored (its first byte).
inline constexpr std::uint8_t kIntPlain = 0, kIntDelta = 1, kIntUnread = 0xFF;
// A dictionary variable's id: a value written out and not kept, a value written out and added
// to its stream's dictionary, or kDictFirstIndex + the index of one in it.
inline constexpr std::uint64_t kDictLiteral = 0, kDictNew = 1, kDictFirstIndex = 2;
// The encoder keeps at most this many dictionary values (all streams): a bound on its memory.
inline constexpr std::size_t kMaxDictionaryEntries = std::size_t{1} << 18;

class VariableEncoder {
 public:
  explicit VariableEncoder(ColumnWriters& columns) : columns_(columns) {}

  // Makes `tmpl` the template of `text` and writes its variables to their columns (the
  // integers at finish()). The dictionaries keep views of `text`: it must outlive the encoder.
  void encode(std::string_view text, OutputBuffer& tmpl);
  // Writes the integer streams to `columns` (the encoder's, or a copy of them: the encoder is
  // left as it was, so that it can go on): each starts with a byte saying whether its values
  // are stored as they are (zigzag varints) or as differences to the one before.
  void finish(ColumnWriters& columns) const;

 private:
  // Whether a time may start at `at`: a cheap look at its separators, before tryTime.
  static bool mayBeTime(std::string_view text, std::size_t at);
  // A time at `at` made a variable; `at` moves past it (and its zone).
  bool tryTime(std::size_t& at);
  void token(std::size_t from, std::size_t to, unsigned flags);
  void dictionary(std::string_view value, unsigned stream);
  void addInt(unsigned stream, std::int64_t v);
  // Appends text_[from, to) as static text.
  void appendStatic(std::size_t from, std::size_t to);
  // Ends the static text at `staticTo` and writes a placeholder of `type`; the stream for it
  // (of 2^bits, 0 when bits is 0).
  unsigned placeholder(std::size_t staticTo, char type, unsigned bits);

  ColumnWriters& columns_;
  // An integer stream, as zigzag varints until finish() chooses how to store it, and the
  // byte counts of both ways it can.
  struct IntStream {
    ColumnWriter plain;
    std::array<std::uint32_t, 256> plainCounts{}, deltaCounts{};
    std::int64_t last = 0;
  };
  std::array<IntStream, 1u << kIntStreamBits> ints_;
  std::array<StringIds, 1u << kDictStreamBits> dicts_;
  std::size_t dictEntries_ = 0;  // in all of dicts_
  std::array<std::int64_t, 1u << kTimeStreamBits> lastTime_{};
  // The text being encoded and its template, written in place from tmpl_ (at w_), its static
  // text from text_[staticFrom_] not yet written.
  std::string_view text_;
  bool hasNul_ = false;
  char* tmpl_ = nullptr;
  char* w_ = nullptr;
  std::size_t staticFrom_ = 0;
  // Per byte of the text, whether a token byte and whether a digit (a bit each).
  std::vector<std::uint64_t> wordBits_, digitBits_;
};

// Expands templates back into text, reading their variables from the columns.
class VariableDecoder {
 public:
  explicit VariableDecoder(ColumnReaders& columns) : columns_(columns) {
    intMode_.fill(kIntUnread);
  }

  // Adds the next template of the dictionary; false when its text is malformed. Then
  // finishTemplates() once, before the first expand().
  bool addTemplate(std::string_view text);
  void finishTemplates();
  // Room for `count` templates of `bytes` text in all, before addTemplate(); false when that
  // is more than memory allows.
  bool reserveTemplates(std::uint64_t count, std::uint64_t bytes);
  std::size_t templateCount() const { return starts_.size() - 1; }
  // Appends template `id` with its next variables to `out`; false when the id or a variable
  // column is corrupt.
  bool expand(std::uint64_t id, OutputBuffer& out);
  // Appends a template given as text (not in the dictionary) with its next variables.
  bool expandText(std::string_view text, OutputBuffer& out);
  // Hints that template `id` is expanded soon: prefetch(id) its code, some lines before that
  // prefetchIndex(id) where the code is.
  void prefetch(std::uint64_t id) const {
    if (id >= templateCount()) return;
    const char* code = code_.data() + starts_[id];
    const std::size_t size = starts_[id + 1] - starts_[id];
    for (std::size_t k = 0; k < size && k < 256; k += 64)
      __builtin_prefetch(code + k);
  }
  void prefetchIndex(std::uint64_t id) const {
    if (id < templateCount()) __builtin_prefetch(&starts_[id]);
  }

 private:
  enum class Kind : std::uint8_t {
    kEnd,
    kInt,
    kFloat,
    kHexLower,
    kHexUpper,
    kUuidLower,
    kUuidUpper,
    kIpv4,
    kTime,
    kDictionary
  };
  // format: kTime's (see kTime* in archive_variables.cpp); stream: of the kind's family.
  bool variable(Kind kind, std::uint8_t format, std::uint8_t stream, OutputBuffer& out);
  bool appendTime(OutputBuffer& out, std::int64_t value, std::uint8_t format);

  ColumnReaders& columns_;
  // The templates, compiled: each is code_[starts_[i], starts_[i + 1]), one piece after the
  // other: a u32 length (native order) and that much static text, then a kind byte; kEnd ends
  // the template, any other kind is followed by its format and stream bytes. One contiguous
  // run per template, so expanding one touches a few cache lines.
  OutputBuffer code_;
  std::vector<std::size_t> starts_{0};
  static constexpr std::size_t kCodePadding = 16;
  std::array<std::vector<std::string_view>, 1u << kDictStreamBits> dicts_;
  std::array<std::int64_t, 1u << kTimeStreamBits> lastTime_{};
  std::array<std::uint8_t, 1u << kIntStreamBits> intMode_;
  std::array<std::int64_t, 1u << kIntStreamBits> lastInt_{};
  struct Date {
    std::int64_t days = INT64_MIN;
    std::int64_t year = 0;
    unsigned month = 0, day = 0;
  } date_;  // of the last time with a date
};

}  // namespace pharos::logs::archive
