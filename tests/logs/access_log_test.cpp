#include "logs/access_log.h"

#include <gtest/gtest.h>

#include "logs/timestamp_parse.h"

namespace pharos::logs {
namespace {

std::int64_t at(const char* rfc3339) {
  std::int64_t ns = 0;
  EXPECT_TRUE(parseRfc3339(rfc3339, ns));
  return ns;
}

TEST(AccessLogTest, NginxCombinedDefault) {
  AccessLogLine line;
  ASSERT_TRUE(parseAccessLog(
      R"(10.0.0.5 - alice [27/Nov/2026:14:55:17 +0000] "POST /api/v1/orders?id=42&sort=desc HTTP/1.1" 201 87 "https://shop.example.com/cart" "curl/8.4.0")",
      line));
  EXPECT_EQ(line.client, "10.0.0.5");
  EXPECT_EQ(line.ident, "");
  EXPECT_EQ(line.user, "alice");
  EXPECT_EQ(line.timeNs, at("2026-11-27T14:55:17Z"));
  EXPECT_EQ(line.method, "POST");
  EXPECT_EQ(line.path, "/api/v1/orders?id=42&sort=desc");
  EXPECT_EQ(line.protocol, "HTTP/1.1");
  EXPECT_EQ(line.status, 201);
  EXPECT_EQ(line.bytes, 87);
  EXPECT_EQ(line.referer, "https://shop.example.com/cart");
  EXPECT_EQ(line.userAgent, "curl/8.4.0");
  EXPECT_LT(line.requestTimeSeconds, 0);
}

TEST(AccessLogTest, CommonFormatWithOffsetAndDashBytes) {
  AccessLogLine line;
  ASSERT_TRUE(parseAccessLog(
      R"(127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 304 -)",
      line));
  EXPECT_EQ(line.timeNs, at("2000-10-10T20:55:36Z"));
  EXPECT_EQ(line.bytes, -1);
  EXPECT_EQ(line.referer, "");
  EXPECT_EQ(line.userAgent, "");
}

TEST(AccessLogTest, TrailingRequestTimeAndExtraFields) {
  AccessLogLine line;
  ASSERT_TRUE(parseAccessLog(
      R"(::1 - - [27/Nov/2026:14:55:18 +0100] "GET / HTTP/2.0" 200 5 "-" "ua \"quoted\"" "10.1.1.1" 0.123)",
      line));
  EXPECT_EQ(line.userAgent, R"(ua \"quoted\")");
  EXPECT_EQ(line.referer, "");
  EXPECT_DOUBLE_EQ(line.requestTimeSeconds, 0.123);
  // An integer at the end (Apache %D microseconds or %T seconds) is ambiguous: ignored.
  ASSERT_TRUE(parseAccessLog(
      R"(::1 - - [27/Nov/2026:14:55:18 +0100] "GET / HTTP/2.0" 200 5 "-" "ua" 1234)", line));
  EXPECT_LT(line.requestTimeSeconds, 0);
}

TEST(AccessLogTest, MalformedRequestLineKeepsTheRest) {
  AccessLogLine line;
  ASSERT_TRUE(parseAccessLog(
      R"(1.2.3.4 - - [27/Nov/2026:14:55:18 +0000] "\x16\x03\x01" 400 150 "-" "-")", line));
  EXPECT_EQ(line.method, "");
  EXPECT_EQ(line.request, R"(\x16\x03\x01)");
  EXPECT_EQ(line.status, 400);
}

TEST(AccessLogTest, NotAccessLogs) {
  AccessLogLine line;
  EXPECT_FALSE(parseAccessLog("a plain line with trailing spaces and a <html> & ampersand", line));
  EXPECT_FALSE(
      parseAccessLog(R"({"msg":"x","level":"info","service":"a","more":"padding"})", line));
  EXPECT_FALSE(
      parseAccessLog("time=2026-11-27T14:55:23Z level=info msg=\"request handled\"", line));
  EXPECT_FALSE(
      parseAccessLog(R"(1.2.3.4 - - [27/Nov/2026:14:55:18 +0000] "GET / HTTP/1.1" 99 1)", line));
  EXPECT_FALSE(
      parseAccessLog(R"(1.2.3.4 - - [27/Nov/2026:14:55:18 +0000] "GET / HTTP/1.1" 200 x1)", line));
  EXPECT_FALSE(
      parseAccessLog(R"(1.2.3.4 - - [27/Nov/2026:14:55:18] "GET / HTTP/1.1" 200 1)", line));
  EXPECT_FALSE(
      parseAccessLog(R"(1.2.3.4 - - [27/Nov/2026:14:55:18 +0000] "GET / HTTP/1.1 200 1)", line));
}

}  // namespace
}  // namespace pharos::logs
