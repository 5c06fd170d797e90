// Any bytes as what a client sends on one connection: the server's own request path
// (net/request_parse.h, then the router) must turn them into requests, or stop at a 4xx error
// envelope, never crash, hang or read past its limits. The first byte picks how the bytes
// arrive (one at a time up to 64 at a time), as a socket splits them arbitrarily.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "net/request_parse.h"
#include "net/router.h"

namespace {

using pharos::net::HttpRequest;
using pharos::net::HttpResponse;

const pharos::net::Router& router() {
  static const auto* r = [] {
    auto* router = new pharos::net::Router();
    auto ok = [](HttpRequest&) { return HttpResponse::json(200, "{}"); };
    router->add("GET", "/healthz", ok);
    router->add("POST", "/v1/logs", ok, pharos::net::RouteOptions{8192});
    router->add("POST", "/small/{id}", ok, pharos::net::RouteOptions{16});
    router->add("PUT", "/files/{rest...}", ok);
    return router;
  }();
  return *r;
}

void check(bool condition) {
  if (!condition) std::abort();
}

bool isEnvelope(const HttpResponse& r) {
  return r.status >= 400 && r.status <= 499 && r.body.rfind(R"({"error":{"code":")", 0) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t step = data[0] % 64 + 1;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const pharos::net::RequestLimits limits{1024, 4096};

  std::string buffer;  // what the server has read and not yet consumed
  size_t delivered = 0;
  for (int requests = 0; requests < 64; ++requests) {
    pharos::net::RequestParser parser(limits, &router());
    for (;;) {
      size_t n = buffer.empty() ? 0 : parser.feed(buffer);
      check(n <= buffer.size());
      buffer.erase(0, n);
      pharos::net::ParseStatus status = parser.status();
      if (status == pharos::net::ParseStatus::kFailed) {
        check(isEnvelope(parser.failure()));
        return 0;  // the server closes the connection here
      }
      if (status == pharos::net::ParseStatus::kComplete) break;
      if (status == pharos::net::ParseStatus::kHeaderDone) {
        check(parser.bodyLimit() <= limits.maxBodyBytes || parser.bodyLimit() == 8192);
        if (!buffer.empty()) continue;
      } else if (n > 0 && !buffer.empty()) {
        continue;
      }
      // Needs more bytes: read from the "socket".
      if (delivered == input.size()) return 0;
      size_t take = std::min(step, input.size() - delivered);
      buffer.append(input.substr(delivered, take));
      delivered += take;
    }
    HttpRequest& request = parser.request();
    check(!request.path.empty() && request.path.front() == '/');
    check(request.body.size() <= parser.bodyLimit());
    check(!request.method.empty());
    HttpResponse response = router().dispatch(request);
    check(response.status == 200 || isEnvelope(response));
  }
  return 0;
}
