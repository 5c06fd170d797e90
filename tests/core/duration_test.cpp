#include "core/config/duration.h"

#include <gtest/gtest.h>

#include "core/config/config.h"
#include "core/config/suggest.h"

namespace pharos::config {
namespace {

TEST(DurationTest, ParsesUnitsAndCompounds) {
  EXPECT_EQ(*parseDuration("500ms"), Millis(500));
  EXPECT_EQ(*parseDuration("10s"), Millis(10'000));
  EXPECT_EQ(*parseDuration("1m30s"), Millis(90'000));
  EXPECT_EQ(*parseDuration("7d"), Millis(7LL * 86'400'000));
  EXPECT_EQ(*parseDuration("0"), Millis(0));
  for (const char* bad : {"", "10", "s", "-1s", "1x", "1.5s", "99999999999999999999s", "1s ",
                          "999999999999y", "9223372036854775808ms", "9223372036854775807ms1ms"}) {
    EXPECT_FALSE(parseDuration(bad).ok()) << bad;
  }
}

TEST(DurationTest, FormatsShortestExactSpelling) {
  EXPECT_EQ(formatDuration(Millis(90'000)), "1m30s");
  EXPECT_EQ(formatDuration(Millis(0)), "0s");
  EXPECT_EQ(formatDuration(Millis(36LL * 3'600'000)), "36h");
  EXPECT_EQ(formatDuration(Millis(2LL * 86'400'000)), "2d");
  EXPECT_EQ(formatDuration(Millis(1'500)), "1s500ms");
}

TEST(ByteSizeTest, ParsesDecimalAndBinaryUnits) {
  EXPECT_EQ(*parseByteSize("512"), 512);
  EXPECT_EQ(*parseByteSize("64KiB"), 65536);
  EXPECT_EQ(*parseByteSize("10MB"), 10'000'000);
  EXPECT_FALSE(parseByteSize("10 MB").ok());
  EXPECT_FALSE(parseByteSize("MB").ok());
  EXPECT_FALSE(parseByteSize("99999999999999999999GiB").ok());
  EXPECT_FALSE(parseByteSize("9223372036854775808").ok());
}

TEST(HostPortTest, ParsesV4V6AndRejectsJunk) {
  auto v4 = parseHostPort("127.0.0.1:8470");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8470);
  auto v6 = parseHostPort("[::1]:0");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  for (const char* bad :
       {"", ":80", "host", "host:", "host:http", "::1:80", "[::1]80", "h:70000"}) {
    EXPECT_FALSE(parseHostPort(bad).ok()) << bad;
  }
}

TEST(SuggestTest, SuggestsOnlyCloseMatches) {
  std::vector<std::string_view> keys{"listen", "threads", "tls"};
  EXPECT_EQ(closestMatch("listn", keys), "listen");
  EXPECT_EQ(closestMatch("thread", keys), "threads");
  EXPECT_EQ(closestMatch("database", keys), std::nullopt);
}

}  // namespace
}  // namespace pharos::config
