#include "net/request_parse.h"

#include <gtest/gtest.h>

#include <string>

#include "net/gzip.h"

namespace pharos::net {
namespace {

// Feeds `bytes` in pieces of `step` (0: all at once), as a socket would deliver them, until
// the parser completes or fails; returns the bytes it did not consume.
std::string feedAll(RequestParser& parser, std::string bytes, size_t step = 0) {
  std::string pending;
  size_t offset = 0;
  while (parser.status() == ParseStatus::kNeedMore || parser.status() == ParseStatus::kHeaderDone) {
    if (offset == bytes.size() && pending.empty()) break;
    size_t take = step == 0 ? bytes.size() - offset : std::min(step, bytes.size() - offset);
    pending += bytes.substr(offset, take);
    offset += take;
    size_t n = parser.feed(pending);
    pending.erase(0, n);
    if (n == 0 && take == 0) break;
  }
  return pending + bytes.substr(offset);
}

class RequestParserTest : public ::testing::Test {
 protected:
  RequestParserTest() {
    router_.add(
        "POST", "/small", [](HttpRequest&) { return HttpResponse::json(200, "{}"); },
        RouteOptions{100});
    router_.add(
        "POST", "/big", [](HttpRequest&) { return HttpResponse::json(200, "{}"); },
        RouteOptions{10'000});
    router_.add("POST", "/plain", [](HttpRequest&) { return HttpResponse::json(200, "{}"); });
  }
  RequestLimits limits_{1024, 1000};
  Router router_;
};

TEST_F(RequestParserTest, ParsesAGetByteByByte) {
  RequestParser p(limits_, &router_);
  std::string rest =
      feedAll(p, "GET http://h/a%20b/c?x=1&y HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\r\nGET /next", 1);
  ASSERT_EQ(p.status(), ParseStatus::kComplete);
  EXPECT_EQ(p.request().method, "GET");
  EXPECT_EQ(p.request().target, "http://h/a%20b/c?x=1&y");
  EXPECT_EQ(p.request().path, "/a b/c");
  EXPECT_EQ(p.request().query, "x=1&y");
  EXPECT_EQ(p.request().header("x-a"), "1");
  EXPECT_TRUE(p.keepAlive());
  EXPECT_FALSE(p.http10());
  EXPECT_EQ(rest, "GET /next");
}

TEST_F(RequestParserTest, ReportsHeaderDoneBeforeTheBody) {
  RequestParser p(limits_, &router_);
  size_t n = p.feed(
      "POST /plain HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_GT(n, 0u);
  ASSERT_EQ(p.status(), ParseStatus::kHeaderDone);
  EXPECT_TRUE(p.expectsContinue());
  EXPECT_EQ(p.feed("abcde"), 5u);
  ASSERT_EQ(p.status(), ParseStatus::kComplete);
  EXPECT_EQ(p.request().body, "abcde");
}

TEST_F(RequestParserTest, ChunkedBodyWithTrailersByteByByte) {
  // Found by the fuzzer: Boost 1.74 asserted on a final chunk fed one byte at a time.
  RequestParser p(limits_, &router_);
  std::string rest = feedAll(p,
                             "POST /plain HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "3\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\nGET / HTTP/1.1\r\n",
                             1);
  ASSERT_EQ(p.status(), ParseStatus::kComplete) << p.failure().body;
  EXPECT_EQ(p.request().body, "abc");
  EXPECT_EQ(rest, "GET / HTTP/1.1\r\n");
}

TEST_F(RequestParserTest, RouteBodyLimitReplacesTheGlobalOne) {
  auto post = [](std::string path, size_t size) {
    return "POST " + path + " HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(size) +
           "\r\n\r\n" + std::string(size, 'x');
  };
  struct Case {
    std::string path;
    size_t size;
    ParseStatus status;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"/small", 100, ParseStatus::kComplete},
           {"/small", 101, ParseStatus::kFailed},
           {"/big", 5000, ParseStatus::kComplete},
           {"/big", 10'001, ParseStatus::kFailed},
           {"/plain", 1000, ParseStatus::kComplete},
           {"/plain", 1001, ParseStatus::kFailed},
           {"/unknown", 1001, ParseStatus::kFailed},
       }) {
    RequestParser p(limits_, &router_);
    feedAll(p, post(c.path, c.size), 333);
    EXPECT_EQ(p.status(), c.status) << c.path << " " << c.size;
    if (c.status == ParseStatus::kFailed) {
      EXPECT_EQ(p.failure().status, 413);
      EXPECT_NE(p.failure().body.find("body_too_large"), std::string::npos);
    }
  }
  // Chunked: the size only shows while reading.
  RequestParser p(limits_, &router_);
  std::string chunk = "40\r\n" + std::string(64, 'c') + "\r\n";
  feedAll(p, "POST /small HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk +
                 chunk + "0\r\n\r\n");
  EXPECT_EQ(p.status(), ParseStatus::kFailed);
  EXPECT_EQ(p.failure().status, 413);
}

TEST_F(RequestParserTest, GzipBodyIsInflatedUnderTheLimit) {
  std::string json = "{\"lines\":[" + std::string(900, ' ') + "]}";
  std::string z = gzipCompress(json);
  RequestParser p(limits_, &router_);
  feedAll(p,
          "POST /plain HTTP/1.1\r\nHost: h\r\nContent-Encoding: GZIP\r\nContent-Length: " +
              std::to_string(z.size()) + "\r\n\r\n" + z,
          100);
  ASSERT_EQ(p.status(), ParseStatus::kComplete) << p.failure().body;
  EXPECT_EQ(p.request().body, json);
  EXPECT_EQ(p.request().header("Content-Encoding"), "");
  EXPECT_EQ(p.request().header("Content-Length"), std::to_string(json.size()));
}

TEST_F(RequestParserTest, GzipBombIs413AndCorruptGzipIs400) {
  std::string bomb = gzipCompress(std::string(10 << 20, 'x'), 9);
  RequestParser p(limits_, &router_);
  feedAll(p, "POST /big HTTP/1.1\r\nHost: h\r\nContent-Encoding: gzip\r\nContent-Length: " +
                 std::to_string(bomb.size()) + "\r\n\r\n" + bomb);
  ASSERT_EQ(p.status(), ParseStatus::kFailed);
  EXPECT_EQ(p.failure().status, 413);

  RequestParser corrupt(limits_, &router_);
  feedAll(corrupt,
          "POST /plain HTTP/1.1\r\nHost: h\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\n"
          "abcd");
  ASSERT_EQ(corrupt.status(), ParseStatus::kFailed);
  EXPECT_EQ(corrupt.failure().status, 400);
  EXPECT_NE(corrupt.failure().body.find(R"({"error":{"code":"bad_request")"), std::string::npos);
}

TEST_F(RequestParserTest, UnknownContentEncodingIs415BeforeTheBody) {
  for (std::string coding : {"br", "deflate", "gzip, br"}) {
    RequestParser p(limits_, &router_);
    p.feed("POST /plain HTTP/1.1\r\nHost: h\r\nContent-Encoding: " + coding +
           "\r\nContent-Length: 500\r\n\r\n");
    ASSERT_EQ(p.status(), ParseStatus::kFailed) << coding;
    EXPECT_EQ(p.failure().status, 415);
  }
  RequestParser identity(limits_, &router_);
  feedAll(identity,
          "POST /plain HTTP/1.1\r\nHost: h\r\nContent-Encoding: identity\r\nContent-Length: 2"
          "\r\n\r\nok");
  EXPECT_EQ(identity.status(), ParseStatus::kComplete);
}

TEST_F(RequestParserTest, MalformedInputIs4xx) {
  struct Case {
    std::string bytes;
    int status;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"\x01\x02 nope\r\n\r\n", 400},
           {"GET /a%zz HTTP/1.1\r\nHost: h\r\n\r\n", 400},
           {"GET /a%00 HTTP/1.1\r\nHost: h\r\n\r\n", 400},
           {"GET a HTTP/1.1\r\nHost: h\r\n\r\n", 400},
           {"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n", 400},
           {"GET / HTTP/1.1\r\nX: " + std::string(2000, 'a') + "\r\n\r\n", 431},
       }) {
    RequestParser p(limits_, &router_);
    feedAll(p, c.bytes);
    ASSERT_EQ(p.status(), ParseStatus::kFailed) << c.bytes.substr(0, 40);
    EXPECT_EQ(p.failure().status, c.status) << c.bytes.substr(0, 40);
  }
}

TEST(RequestTargetTest, SplitsAndDecodes) {
  auto t = parseRequestTarget("/a%2Fb?q=%20");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/a/b");
  EXPECT_EQ(t->query, "q=%20");
  EXPECT_EQ(parseRequestTarget("https://example.com")->path, "/");
  EXPECT_FALSE(parseRequestTarget("*"));
  EXPECT_FALSE(parseRequestTarget(""));
  EXPECT_FALSE(parseRequestTarget("/%"));
}

}  // namespace
}  // namespace pharos::net
