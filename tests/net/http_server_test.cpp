#include "net/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/log.h"
#include "fakes/http_client.h"
#include "net/gzip.h"

namespace pharos::net {
namespace {

using std::chrono::steady_clock;
using namespace std::chrono_literals;

using pharos::testing::Client;
using pharos::testing::Response;

std::string get(std::string_view path, std::string_view extra = "") {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra) + "\r\n";
}

int64_t msSince(steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now() - start).count();
}

class HttpServerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (server_) server_->stop(0ms);
    logging::setSinkForTesting({});
  }

  static std::shared_ptr<Router> makeRouter() {
    auto router = std::make_shared<Router>();
    router->add("GET", "/hello",
                [](HttpRequest&) { return HttpResponse::text(200, "hello", "text/x-test"); });
    router->add("GET", "/echo/{id}", [](HttpRequest& r) {
      return HttpResponse::text(200, std::string(r.pathParam("id")));
    });
    router->add("POST", "/echo",
                [](HttpRequest& r) { return HttpResponse::text(200, std::move(r.body)); });
    router->add("GET", "/slow/{ms}", [](HttpRequest& r) {
      std::string ms(r.pathParam("ms"));
      std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(ms)));
      return HttpResponse::text(200, ms);
    });
    router->add("GET", "/throw",
                [](HttpRequest&) -> HttpResponse { throw std::runtime_error("boom"); });
    router->add("GET", "/remote",
                [](HttpRequest& r) { return HttpResponse::text(200, r.remoteAddress); });
    router->add("GET", "/client", [](HttpRequest& r) {
      return HttpResponse::text(200, r.remoteAddress + "|" + r.peerAddress);
    });
    router->add(
        "POST", "/small", [](HttpRequest& r) { return HttpResponse::text(200, std::move(r.body)); },
        RouteOptions{100});
    router->add("GET", "/big-json", [](HttpRequest&) {
      std::string body = "[";
      for (int i = 0; i < 200; ++i)
        body += "{\"n\":" + std::to_string(i) + "},";
      body.back() = ']';
      return HttpResponse::json(200, std::move(body));
    });
    router->add("GET", "/inject", [](HttpRequest&) {
      HttpResponse response = HttpResponse::text(200, "ok");
      response.headers.emplace_back("X-Bad", "a\r\nInjected: 1");
      response.headers.emplace_back("X-Good", "yes");
      response.headers.emplace_back("Content-Length", "999");
      return response;
    });
    return router;
  }

  void start(ServerOptions options = {}) {
    options.port = 0;
    auto result = HttpServer::start(options, makeRouter());
    ASSERT_TRUE(result.ok()) << result.error().toString();
    server_ = std::move(result).value();
    ASSERT_NE(server_->port(), 0);
  }

  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, AnswersGetWithFramingHeaders) {
  start();
  Client c(server_->port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send(get("/hello")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(r->header("Content-Length"), "5");
  EXPECT_EQ(r->header("Content-Type"), "text/x-test");
  EXPECT_EQ(r->header("Server"), "pharos");
  EXPECT_TRUE(r->hasHeader("Date"));
  EXPECT_FALSE(r->hasHeader("Connection"));
}

TEST_F(HttpServerTest, UnknownPathGetsNotFoundEnvelope) {
  start();
  Client c(server_->port());
  ASSERT_TRUE(c.send(get("/nope")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->header("Content-Type"), "application/json");
  EXPECT_NE(r->body.find(R"("code":"not_found")"), std::string::npos) << r->body;
}

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  start();
  Client c(server_->port());
  ASSERT_TRUE(c.send(get("/echo/one")));
  auto first = c.read();
  ASSERT_TRUE(c.send(get("/echo/two")));
  auto second = c.read();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body, "one");
  EXPECT_EQ(second->body, "two");
  EXPECT_EQ(server_->stats().acceptedTotal, 1u);
  EXPECT_EQ(server_->stats().requestsTotal, 2u);
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  ServerOptions options;
  options.threads = 2;
  start(options);
  Client c(server_->port());
  // The first is slow: answering the second first would show up as "2" before "150".
  ASSERT_TRUE(c.send(get("/slow/150") + get("/echo/2") + get("/echo/3")));
  auto a = c.read();
  auto b = c.read();
  auto d = c.read();
  ASSERT_TRUE(a && b && d);
  EXPECT_EQ(a->body, "150");
  EXPECT_EQ(b->body, "2");
  EXPECT_EQ(d->body, "3");
}

TEST_F(HttpServerTest, PostBodyIsDeliveredIncludingChunked) {
  start();
  Client c(server_->port());
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world"));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello world");
  ASSERT_TRUE(
      c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
             "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
  auto chunked = c.read();
  ASSERT_TRUE(chunked);
  EXPECT_EQ(chunked->body, "abcde");
}

TEST_F(HttpServerTest, ExpectContinueGets100BeforeTheBody) {
  start();
  Client c(server_->port());
  ASSERT_TRUE(c.send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = c.read(true);
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.send("abcde"));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "abcde");
}

TEST_F(HttpServerTest, HeadSendsLengthButNoBody) {
  start();
  Client c(server_->port());
  ASSERT_TRUE(c.send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto head = c.read(true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("Content-Length"), "5");
  // Had body bytes followed the HEAD response, they would be read as this response's start.
  ASSERT_TRUE(c.send(get("/echo/after")));
  auto next = c.read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, "after");
}

TEST_F(HttpServerTest, OversizedBodyIs413) {
  ServerOptions options;
  options.maxBodyBytes = 1024;
  start(options);
  {
    Client c(server_->port());
    ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4096\r\n\r\n" +
                       std::string(4096, 'x')));
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_NE(r->body.find(R"("code":"body_too_large")"), std::string::npos) << r->body;
    EXPECT_EQ(r->header("Connection"), "close");
    EXPECT_TRUE(c.closedWithin(3s));
  }
  {  // chunked: the size is only known while reading
    Client c(server_->port());
    std::string chunk = "320\r\n" + std::string(800, 'y') + "\r\n";
    ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
                       chunk + chunk + "0\r\n\r\n"));
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
  }
  {  // at the limit is fine
    Client c(server_->port());
    ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1024\r\n\r\n" +
                       std::string(1024, 'z')));
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body.size(), 1024u);
  }
}

TEST_F(HttpServerTest, HugeHeaderIs431) {
  start();  // maxHeaderBytes: 16 KiB
  {
    Client c(server_->port());
    ASSERT_TRUE(c.send(get("/hello", "X-Big: " + std::string(8 * 1024, 'a') + "\r\n")));
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  Client c(server_->port());
  ASSERT_TRUE(c.send(get("/hello", "X-Big: " + std::string(32 * 1024, 'a') + "\r\n")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_NE(r->body.find(R"("code":"header_too_large")"), std::string::npos) << r->body;
  EXPECT_TRUE(c.closedWithin(3s));
}

TEST_F(HttpServerTest, GarbageIs400AndCloses) {
  start();
  Client c(server_->port());
  ASSERT_TRUE(c.send("\x01\x02 this is not http\r\n\r\n"));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find(R"({"error":{"code":"bad_request","message":)"), std::string::npos)
      << r->body;
  EXPECT_TRUE(c.closedWithin(3s));

  Client bad(server_->port());
  ASSERT_TRUE(bad.send(get("/echo/%zz")));
  auto badPath = bad.read();
  ASSERT_TRUE(badPath);
  EXPECT_EQ(badPath->status, 400);
}

TEST_F(HttpServerTest, PathIsPercentDecoded) {
  start();
  Client c(server_->port());
  ASSERT_TRUE(c.send(get("/echo/a%20b?x=1")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "a b");
}

TEST_F(HttpServerTest, StalledRequestGets408ThenClose) {
  ServerOptions options;
  options.readTimeout = 200ms;
  start(options);
  Client c(server_->port());
  auto begin = steady_clock::now();
  ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\nHost: t\r\n"));  // no blank line: never ends
  auto r = c.read(false, 3s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_NE(r->body.find(R"("code":"request_timeout")"), std::string::npos);
  EXPECT_GE(msSince(begin), 150);
  EXPECT_TRUE(c.closedWithin(3s));
}

TEST_F(HttpServerTest, SilentConnectionIsClosedWithoutAResponse) {
  ServerOptions options;
  options.readTimeout = 200ms;
  start(options);
  Client c(server_->port());
  auto begin = steady_clock::now();
  EXPECT_TRUE(c.closedWithin(3s));
  EXPECT_GE(msSince(begin), 150);
  EXPECT_EQ(c.pending(), "");
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosed) {
  ServerOptions options;
  options.idleTimeout = 200ms;
  start(options);
  Client c(server_->port());
  ASSERT_TRUE(c.send(get("/hello")));
  ASSERT_TRUE(c.read());
  auto begin = steady_clock::now();
  EXPECT_TRUE(c.closedWithin(3s));
  EXPECT_GE(msSince(begin), 150);
  EXPECT_EQ(c.pending(), "");
}

TEST_F(HttpServerTest, OverMaxConnectionsGets503WithRetryAfter) {
  ServerOptions options;
  options.maxConnections = 1;
  start(options);
  auto first = std::make_unique<Client>(server_->port());
  ASSERT_TRUE(first->send(get("/hello")));
  ASSERT_TRUE(first->read());  // accepted and counted

  Client second(server_->port());
  ASSERT_TRUE(second.send(get("/hello")));
  auto r = second.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->header("Retry-After"), "1");
  EXPECT_NE(r->body.find(R"("code":"unavailable")"), std::string::npos);
  EXPECT_TRUE(second.closedWithin(3s));
  EXPECT_GE(server_->stats().rejectedTotal, 1u);

  ASSERT_TRUE(first->send(get("/hello")));  // the admitted one still works
  auto again = first->read();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);

  first.reset();  // frees the slot, asynchronously on the server's side
  auto deadline = steady_clock::now() + 3s;
  int status = 0;
  while (status != 200 && steady_clock::now() < deadline) {
    Client next(server_->port());
    next.send(get("/hello"));
    auto n = next.read();
    status = n ? n->status : 0;
    if (status != 200) std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(status, 200);
}

TEST_F(HttpServerTest, HandlerExceptionIs500AndServerGoesOn) {
  std::vector<std::string> lines;
  std::mutex linesMutex;
  logging::setSinkForTesting([&](std::string_view line) {
    std::lock_guard lock(linesMutex);
    lines.emplace_back(line);
  });
  start();
  Client c(server_->port());
  ASSERT_TRUE(c.send(get("/throw", "Authorization: Bearer secret-token-123\r\n")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body, R"({"error":{"code":"internal","message":"internal error"}})");
  ASSERT_TRUE(c.send(get("/hello")));  // same connection
  auto next = c.read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);

  server_->stop(0ms);
  logging::setSinkForTesting({});  // the sink refers to locals of this test
  bool logged = false;
  for (const auto& line : lines) {
    if (line.find("handler threw") != std::string::npos) {
      logged = true;
      EXPECT_NE(line.find("boom"), std::string::npos) << line;
    }
    EXPECT_EQ(line.find("secret-token"), std::string::npos) << line;
  }
  EXPECT_TRUE(logged);
}

TEST_F(HttpServerTest, InvalidResponseHeadersAreDropped) {
  start();
  Client c(server_->port());
  ASSERT_TRUE(c.send(get("/inject")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_FALSE(r->hasHeader("Injected"));
  EXPECT_FALSE(r->hasHeader("X-Bad"));
  EXPECT_EQ(r->header("X-Good"), "yes");
  EXPECT_EQ(r->header("Content-Length"), "2");
  EXPECT_EQ(r->body, "ok");
}

TEST_F(HttpServerTest, RemoteAddressIsThePeer) {
  start();
  Client c(server_->port());
  ASSERT_TRUE(c.send(get("/remote")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "127.0.0.1");
}

std::string post(std::string_view path, std::string_view body, std::string_view extra = "") {
  return "POST " + std::string(path) +
         " HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         std::string(extra) + "\r\n" + std::string(body);
}

TEST_F(HttpServerTest, RouteBodyLimitAppliesInsteadOfTheGlobalOne) {
  start();  // global: 1 MiB; /small: 100 bytes
  {
    Client c(server_->port());
    ASSERT_TRUE(c.send(post("/small", std::string(100, 'a'))));
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  {
    Client c(server_->port());
    ASSERT_TRUE(c.send(post("/small", std::string(101, 'a'))));
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_NE(r->body.find("exceeds 100 bytes"), std::string::npos) << r->body;
    EXPECT_TRUE(c.closedWithin(3s));
  }
  Client c(server_->port());
  ASSERT_TRUE(c.send(post("/echo", std::string(5000, 'b'))));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.size(), 5000u);
}

TEST_F(HttpServerTest, GzipRequestBodyIsInflated) {
  start();
  std::string text = "hello compressed world";
  Client c(server_->port());
  ASSERT_TRUE(c.send(post("/echo", gzipCompress(text), "Content-Encoding: gzip\r\n")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, text);
}

TEST_F(HttpServerTest, GzipBombIs413CorruptIs400UnknownIs415) {
  start();
  {  // 50 KiB on the wire, 64 MiB inflated; /small allows 100 bytes
    Client c(server_->port());
    std::string bomb = gzipCompress(std::string(64 << 20, '\0'), 9);
    ASSERT_TRUE(c.send(post("/echo", bomb, "Content-Encoding: gzip\r\n")));
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_NE(r->body.find("body_too_large"), std::string::npos);
  }
  {
    Client c(server_->port());
    ASSERT_TRUE(
        c.send(post("/small", gzipCompress(std::string(101, 'x')), "Content-Encoding: gzip\r\n")));
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
  }
  {
    Client c(server_->port());
    ASSERT_TRUE(c.send(post("/echo", "definitely not gzip", "Content-Encoding: gzip\r\n")));
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_NE(r->body.find(R"({"error":{"code":"bad_request","message":)"), std::string::npos);
  }
  Client c(server_->port());
  ASSERT_TRUE(c.send(post("/echo", "abc", "Content-Encoding: br\r\n")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 415);
  EXPECT_NE(r->body.find(R"("code":"unsupported_encoding")"), std::string::npos) << r->body;
}

TEST_F(HttpServerTest, ResponsesAreGzippedWhenTheClientAccepts) {
  start();
  Client c(server_->port());
  ASSERT_TRUE(c.send(get("/big-json", "Accept-Encoding: br, gzip\r\n")));
  auto zipped = c.read();
  ASSERT_TRUE(zipped);
  EXPECT_EQ(zipped->header("Content-Encoding"), "gzip");
  EXPECT_EQ(zipped->header("Vary"), "Accept-Encoding");
  EXPECT_EQ(zipped->header("Content-Length"), std::to_string(zipped->body.size()));
  auto inflated = gzipInflate(zipped->body, 1 << 20);
  ASSERT_TRUE(inflated.ok());
  EXPECT_EQ(inflated->substr(0, 9), R"([{"n":0},)");

  ASSERT_TRUE(c.send(get("/big-json")));
  auto plain = c.read();
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->hasHeader("Content-Encoding"));
  EXPECT_EQ(plain->header("Vary"), "Accept-Encoding");
  EXPECT_EQ(plain->body, *inflated);

  ASSERT_TRUE(c.send(get("/hello", "Accept-Encoding: gzip\r\n")));  // too small to bother
  auto small = c.read();
  ASSERT_TRUE(small);
  EXPECT_FALSE(small->hasHeader("Content-Encoding"));
  EXPECT_EQ(small->body, "hello");
}

TEST_F(HttpServerTest, ConnectionsOutsideTheAllowListAreClosedUnread) {
  ServerOptions options;
  options.allowCidrs = {"10.0.0.0/8", "::1"};
  start(options);
  Client c(server_->port());
  c.send(get("/hello"));  // may fail: the server closes at once
  EXPECT_FALSE(c.read(false, 2s));
  EXPECT_TRUE(c.closedWithin(2s));
  EXPECT_EQ(c.pending(), "");
  EXPECT_GE(server_->stats().deniedTotal, 1u);
  EXPECT_EQ(server_->stats().requestsTotal, 0u);
}

TEST_F(HttpServerTest, AllowListAdmitsIpv4ClientsOfADualStackListener) {
  ServerOptions options;
  options.host = "::";
  options.allowCidrs = {"127.0.0.0/8"};
  start(options);
  Client c(server_->port());  // IPv4: the listener sees ::ffff:127.0.0.1
  ASSERT_TRUE(c.send(get("/client")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "127.0.0.1|127.0.0.1");
  EXPECT_EQ(server_->stats().deniedTotal, 0u);
}

TEST_F(HttpServerTest, MalformedCidrFailsStart) {
  ServerOptions options;
  options.port = 0;
  options.trustedProxies = {"10.0.0.0/8", "ten.0.0.0/8"};
  auto result = HttpServer::start(options, makeRouter());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(result.error().toString().find("ten.0.0.0/8"), std::string::npos)
      << result.error().toString();
  EXPECT_NE(result.error().toString().find("trustedProxies"), std::string::npos);
}

TEST_F(HttpServerTest, ForwardedForIsBelievedOnlyFromTrustedProxies) {
  const std::string xff = "X-Forwarded-For: 6.6.6.6, 198.51.100.4\r\n";
  {
    ServerOptions options;
    options.trustedProxies = {"127.0.0.1"};
    start(options);
    Client c(server_->port());
    ASSERT_TRUE(c.send(get("/client", xff)));
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "198.51.100.4|127.0.0.1");
    server_->stop(0ms);
  }
  ServerOptions options;
  options.trustedProxies = {"10.0.0.0/8"};  // not the loopback peer: a spoofed header
  start(options);
  Client c(server_->port());
  ASSERT_TRUE(c.send(get("/client", xff)));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "127.0.0.1|127.0.0.1");
}

TEST_F(HttpServerTest, Http10WithoutKeepAliveIsClosed) {
  start();
  Client c(server_->port());
  ASSERT_TRUE(c.send("GET /hello HTTP/1.0\r\n\r\n"));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_TRUE(c.closedWithin(3s));
}

TEST_F(HttpServerTest, StopReturnsPromptlyWithAnIdleClient) {
  start();
  Client c(server_->port());
  ASSERT_TRUE(c.send(get("/hello")));
  ASSERT_TRUE(c.read());
  auto begin = steady_clock::now();
  server_->stop(5000ms);  // the idle connection is closed at once, not after the deadline
  EXPECT_LT(msSince(begin), 1000);
  EXPECT_TRUE(c.closedWithin(1s));
  Client late(server_->port());
  EXPECT_FALSE(late.connected() && late.send(get("/hello")) && late.read(false, 500ms));
}

TEST_F(HttpServerTest, StopLetsARequestInFlightFinish) {
  start();
  Client c(server_->port());
  ASSERT_TRUE(c.send(get("/slow/300")));
  std::this_thread::sleep_for(100ms);  // the handler is running
  auto begin = steady_clock::now();
  std::thread stopper([&] { server_->stop(5000ms); });
  auto r = c.read();
  stopper.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "300");
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_LT(msSince(begin), 2000);
}

TEST_F(HttpServerTest, StopClosesAStuckRequestAtTheDeadline) {
  start();
  Client c(server_->port());
  ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\nHost: t\r\n"));  // incomplete: stays in flight
  std::this_thread::sleep_for(50ms);
  auto begin = steady_clock::now();
  server_->stop(300ms);
  int64_t took = msSince(begin);
  EXPECT_GE(took, 250);
  EXPECT_LT(took, 1500);
  EXPECT_TRUE(c.closedWithin(1s));
}

TEST_F(HttpServerTest, BindConflictIsUnavailable) {
  start();
  ServerOptions options;
  options.port = server_->port();
  auto second = HttpServer::start(options, makeRouter());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(second.error().context.find(std::to_string(server_->port())), std::string::npos)
      << second.error().toString();
  // The first server is unaffected.
  Client c(server_->port());
  ASSERT_TRUE(c.send(get("/hello")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpServerTest, BadHostIsInvalidArgument) {
  ServerOptions options;
  options.port = 0;
  options.host = "not-an-ip";
  auto result = HttpServer::start(options, makeRouter());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(result.error().context.find("not-an-ip"), std::string::npos);
  options.host = "127.0.0.1";
  options.threads = 0;
  EXPECT_FALSE(HttpServer::start(options, makeRouter()).ok());
  options.threads = 1;
  EXPECT_FALSE(HttpServer::start(options, nullptr).ok());
}

TEST_F(HttpServerTest, SimpleGetTakesWellUnderAMillisecond) {
  start();
  Client c(server_->port());
  const std::string request = get("/hello");
  std::vector<int64_t> micros;
  for (int i = 0; i < 300; ++i) {
    auto begin = steady_clock::now();
    ASSERT_TRUE(c.send(request));
    auto r = c.read();
    ASSERT_TRUE(r);
    micros.push_back(
        std::chrono::duration_cast<std::chrono::microseconds>(steady_clock::now() - begin).count());
  }
  std::sort(micros.begin(), micros.end());
  int64_t median = micros[micros.size() / 2];
  std::cout << "round trip on loopback: median " << median << " us, p90 "
            << micros[micros.size() * 9 / 10] << " us\n";
#ifdef NDEBUG
  EXPECT_LT(median, 1000);
#else
  // Debug and sanitizer builds are several times slower; this still catches a Nagle or
  // delayed-ACK stall, which costs 40 ms a request.
  EXPECT_LT(median, 10000);
#endif
}

}  // namespace
}  // namespace pharos::net
