#include "logs/syslog_framer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "logs/test_data.h"

namespace pharos::logs {
namespace {

struct Framed {
  std::vector<std::string> frames;
  std::uint64_t truncated = 0;
  std::uint64_t errors = 0;
};

// Feeds `stream` cut at the given offsets (ascending), then finishes.
Framed frame(std::string_view stream, std::size_t maxFrameBytes,
             const std::vector<std::size_t>& cuts = {}) {
  SyslogFramer framer(maxFrameBytes);
  Framed result;
  auto collect = [&](std::string_view f) { result.frames.emplace_back(f); };
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    framer.feed(stream.substr(from, cut - from), collect);
    from = cut;
  }
  framer.feed(stream.substr(from), collect);
  framer.finish(collect);
  result.truncated = framer.framesTruncated();
  result.errors = framer.framingErrors();
  return result;
}

// The same frames and counters whether the stream comes whole, cut once at every offset, or
// one byte at a time.
void expectSplitInvariant(std::string_view stream, std::size_t maxFrameBytes,
                          const std::vector<std::string>& expected) {
  Framed whole = frame(stream, maxFrameBytes);
  EXPECT_EQ(whole.frames, expected);
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    Framed split = frame(stream, maxFrameBytes, {cut});
    ASSERT_EQ(split.frames, expected) << "cut at " << cut;
    ASSERT_EQ(split.truncated, whole.truncated) << "cut at " << cut;
    ASSERT_EQ(split.errors, whole.errors) << "cut at " << cut;
  }
  std::vector<std::size_t> everyByte;
  for (std::size_t i = 1; i < stream.size(); ++i)
    everyByte.push_back(i);
  Framed bytes = frame(stream, maxFrameBytes, everyByte);
  EXPECT_EQ(bytes.frames, expected);
  EXPECT_EQ(bytes.truncated, whole.truncated);
  EXPECT_EQ(bytes.errors, whole.errors);
}

TEST(SyslogFramerTest, NewlineFramingWithCrLfAndNul) {
  using namespace std::string_view_literals;
  expectSplitInvariant("<13>one\n<13>two\r\n\n\n<13>three\0<13>four"sv, 1024,
                       {"<13>one", "<13>two", "<13>three", "<13>four"});
}

TEST(SyslogFramerTest, OctetCountingAndMixed) {
  std::string stream = "11 <13>1 hello8 <13>oops<13>newline framed\n5 <1>ab\n";
  expectSplitInvariant(stream, 1024, {"<13>1 hello", "<13>oops", "<13>newline framed", "<1>ab"});
  EXPECT_EQ(frame(stream, 1024).errors, 0u);
}

TEST(SyslogFramerTest, OctetCountSpanningFeeds) {
  SyslogFramer framer(1024);
  std::vector<std::string> frames;
  auto collect = [&](std::string_view f) { frames.emplace_back(f); };
  framer.feed("1", collect);
  framer.feed("1", collect);
  framer.feed(" <13>1 ", collect);
  framer.feed("abcde11 <13>1 xyz", collect);
  framer.feed("ab", collect);
  EXPECT_EQ(frames, (std::vector<std::string>{"<13>1 abcde", "<13>1 xyzab"}));
  EXPECT_EQ(framer.framingErrors(), 0u);
}

TEST(SyslogFramerTest, BadCountsAreFramingErrorsAndResync) {
  // Too many digits, and digits without a space: both read as newline-framed lines.
  std::string stream = "99999999999 <13>x\n2024-01-01 plain\n<13>ok\n";
  expectSplitInvariant(stream, 1024, {"99999999999 <13>x", "2024-01-01 plain", "<13>ok"});
  EXPECT_EQ(frame(stream, 1024).errors, 2u);
}

TEST(SyslogFramerTest, LongNewlineFrameIsCut) {
  std::string stream = "0123456789abcdef\nshort\n0123456789\r\nabcdefghijk";
  expectSplitInvariant(stream, 10, {"0123456789", "short", "0123456789", "abcdefghij"});
  EXPECT_EQ(frame(stream, 10).truncated, 2u);
}

TEST(SyslogFramerTest, LongOctetFrameIsCut) {
  std::string stream = "16 0123456789abcdef4 abcd";
  expectSplitInvariant(stream, 10, {"0123456789", "abcd"});
  EXPECT_EQ(frame(stream, 10).truncated, 1u);
}

TEST(SyslogFramerTest, OctetFrameDropsTrailingNewline) {
  expectSplitInvariant("9 <13>abcd\n", 1024, {"<13>abcd"});
}

TEST(SyslogFramerTest, ConnectionClosedMidFrame) {
  Framed cut = frame("20 <13>short", 1024);
  EXPECT_EQ(cut.frames, (std::vector<std::string>{"<13>short"}));
  EXPECT_EQ(cut.errors, 1u);
  Framed digits = frame("123", 1024);
  EXPECT_EQ(digits.frames, (std::vector<std::string>{"123"}));
  EXPECT_EQ(digits.errors, 1u);
}

TEST(SyslogFramerTest, FramesInsideOneFeedAreNotCopied) {
  std::string stream = "<13>one\n7 <13>two\n";
  SyslogFramer framer(1024);
  std::vector<const char*> starts;
  framer.feed(stream, [&](std::string_view f) { starts.push_back(f.data()); });
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_EQ(starts[0], stream.data());
  EXPECT_EQ(starts[1], stream.data() + 10);
}

TEST(SyslogFramerTest, FluentBitCaptures) {
  for (const char* name :
       {"fluent_bit_syslog_rfc5424_tcp.bin", "fluent_bit_syslog_rfc3164_tcp.bin"}) {
    std::string stream = testing::readTestData(name);
    ASSERT_FALSE(stream.empty()) << name;
    Framed framed = frame(stream, 64 * 1024);
    // 20 lines of sample.log plus the two dummy records.
    ASSERT_EQ(framed.frames.size(), 22u) << name;
    for (const std::string& f : framed.frames)
      EXPECT_EQ(f.substr(0, 5), "<134>") << name;
    EXPECT_EQ(framed.errors, 0u);
    // Cut at every 97th offset: the same frames.
    std::vector<std::size_t> cuts;
    for (std::size_t i = 97; i < stream.size(); i += 97)
      cuts.push_back(i);
    EXPECT_EQ(frame(stream, 64 * 1024, cuts).frames, framed.frames) << name;
  }
}

TEST(SyslogFramerTest, LoggerOctetCountedCapture) {
  // Captured once from util-linux logger --octet-count over TCP (see syslog_parse_test).
  std::string stream = testing::readTestData("logger_octet_count_tcp.bin");
  Framed framed = frame(stream, 64 * 1024);
  ASSERT_EQ(framed.frames.size(), 3u);
  EXPECT_EQ(framed.frames[0].size(), 154u);
  EXPECT_EQ(framed.frames[1].size(), 141u);
  EXPECT_EQ(framed.frames[2], "<28>Dec  5 03:23:41 vm legacy: old style line");
  EXPECT_EQ(framed.errors, 0u);
  for (std::size_t cut = 0; cut <= stream.size(); ++cut)
    ASSERT_EQ(frame(stream, 64 * 1024, {cut}).frames, framed.frames) << cut;
}

}  // namespace
}  // namespace pharos::logs
