#include "net/request_parse.h"

#include "core/text.h"

// <utility> before any Boost.Asio/Beast header: Boost 1.74 uses std::exchange without it.
#include <utility>

#include <iterator>
#include <limits>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/gzip.h"
#include "net/zstd_inflate.h"

namespace pharos::net {

namespace beast = boost::beast;
namespace http = beast::http;

struct RequestParser::Beast {
  http::request_parser<http::string_body> parser;
};

namespace {

std::string_view view(beast::string_view s) {
  return {s.data(), s.size()};
}

// false on a malformed escape or an encoded NUL.
bool percentDecode(std::string_view in, std::string& out) {
  if (in.find('%') == std::string_view::npos) {
    out.assign(in);
    return true;
  }
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = hexDigitValue(in[i + 1]);
    int lo = hexDigitValue(in[i + 2]);
    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

enum class Coding { kIdentity, kGzip, kZstd, kUnknown };

// The request's content coding. Several fields, or a list ("gzip, br"), are not supported:
// no client we know of stacks codings on a request body.
Coding contentCoding(const http::request<http::string_body>& message) {
  auto [begin, end] = message.equal_range(http::field::content_encoding);
  if (begin == end) return Coding::kIdentity;
  if (std::next(begin) != end) return Coding::kUnknown;
  std::string_view value = trimSpaces(view(begin->value()));
  if (value.empty() || iequals(value, "identity")) return Coding::kIdentity;
  if (iequals(value, "gzip") || iequals(value, "x-gzip")) return Coding::kGzip;
  if (iequals(value, "zstd")) return Coding::kZstd;
  return Coding::kUnknown;
}

}  // namespace

std::optional<RequestTarget> parseRequestTarget(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() > scheme.size() && iequals(target.substr(0, scheme.size()), scheme)) {
      size_t slash = target.find('/', scheme.size());
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
  }
  RequestTarget out;
  size_t question = target.find('?');
  std::string_view rawPath = target.substr(0, question);
  if (question != std::string_view::npos) out.query.assign(target.substr(question + 1));
  if (rawPath.empty() || rawPath.front() != '/' || !percentDecode(rawPath, out.path)) {
    return std::nullopt;
  }
  return out;
}

RequestParser::RequestParser(const RequestLimits& limits, const Router* router)
    : limits_(limits),
      router_(router),
      beast_(std::make_unique<Beast>()),
      bodyLimit_(limits.maxBodyBytes) {
  auto& p = beast_->parser;
  p.header_limit(static_cast<uint32_t>(
      std::min<size_t>(limits.maxHeaderBytes, std::numeric_limits<uint32_t>::max())));
  // No limit while reading the header: the route's limit is applied once the path is known
  // (onHeader), before any of the body is read. Not boost::none: Boost 1.74 compares a
  // Content-Length against an empty optional as "greater" and fails every body.
  p.body_limit(std::numeric_limits<std::uint64_t>::max());
}

RequestParser::~RequestParser() = default;

size_t RequestParser::feed(std::string_view data) {
  if (status_ != ParseStatus::kNeedMore && status_ != ParseStatus::kHeaderDone) return 0;
  status_ = ParseStatus::kNeedMore;
  auto& p = beast_->parser;
  size_t consumed = 0;
  while (consumed < data.size()) {
    // Boost 1.74's chunked parser asserts (in debug builds) that it re-parses a final chunk
    // with at least 5 bytes in hand, which a client sending byte by byte breaks. The
    // terminator "0\r\n\r\n" is 5 bytes and must arrive anyway, so waiting costs nothing.
    if (headerSeen_ && p.chunked() && data.size() - consumed < 5) break;
    beast::error_code ec;
    size_t n = p.put(boost::asio::const_buffer(data.data() + consumed, data.size() - consumed), ec);
    consumed += n;
    if (ec == http::error::need_more) break;
    if (ec == http::error::header_limit) {
      fail(431, "header_too_large",
           "the request header exceeds " + std::to_string(limits_.maxHeaderBytes) + " bytes");
      return consumed;
    }
    if (ec == http::error::body_limit) {
      failBodyTooLarge();
      return consumed;
    }
    if (ec) {
      fail(400, "bad_request", "malformed request: " + ec.message());
      return consumed;
    }
    if (!headerSeen_ && p.is_header_done()) {
      headerSeen_ = true;
      onHeader();
      if (status_ == ParseStatus::kFailed) return consumed;
      if (!p.is_done()) {
        status_ = ParseStatus::kHeaderDone;
        return consumed;
      }
    }
    if (p.is_done()) {
      onComplete();
      return consumed;
    }
    if (n == 0) break;
  }
  return consumed;
}

bool RequestParser::expectsContinue() const {
  const auto& header = beast_->parser.get();
  return header.version() >= 11 && iequals(view(header[http::field::expect]), "100-continue");
}

void RequestParser::onHeader() {
  auto& p = beast_->parser;
  const auto& header = p.get();
  std::optional<RequestTarget> target = parseRequestTarget(view(header.target()));
  if (!target) {
    fail(400, "bad_request", "malformed request target");
    return;
  }
  request_.path = std::move(target->path);
  request_.query = std::move(target->query);
  request_.method.assign(view(header.method_string()));

  Coding coding = contentCoding(header);
  if (coding == Coding::kUnknown) {
    fail(415, "unsupported_encoding", "Content-Encoding must be gzip, zstd or identity");
    return;
  }
  gzip_ = coding == Coding::kGzip;
  zstd_ = coding == Coding::kZstd;

  if (router_ != nullptr) {
    bodyLimit_ = router_->bodyLimitFor(request_.method, request_.path).value_or(bodyLimit_);
  }
  if (p.content_length() && *p.content_length() > bodyLimit_) {
    failBodyTooLarge();
    return;
  }
  p.body_limit(bodyLimit_);
  // Body bytes go in as they come, rather than one chunk per call.
  p.eager(true);
}

void RequestParser::onComplete() {
  http::request<http::string_body> message = beast_->parser.release();
  request_.target.assign(view(message.target()));
  keepAlive_ = message.keep_alive();
  http10_ = message.version() < 11;
  request_.headers.reserve(16);
  for (const auto& field : message) {
    request_.headers.emplace_back(view(field.name_string()), view(field.value()));
  }
  request_.body = std::move(message.body());

  if ((gzip_ || zstd_) && !request_.body.empty()) {
    Result<std::string> inflated =
        gzip_ ? gzipInflate(request_.body, bodyLimit_) : zstdInflate(request_.body, bodyLimit_);
    if (!inflated.ok()) {
      if (inflated.error().code == ErrorCode::kResourceExhausted) {
        failBodyTooLarge();
      } else {
        fail(400, "bad_request", "request body: " + inflated.error().message);
      }
      return;
    }
    request_.body = std::move(inflated).value();
    // The handler sees a plain body; a stale encoding header would make it inflate again.
    auto& headers = request_.headers;
    for (auto it = headers.begin(); it != headers.end();) {
      if (iequals(it->first, "content-encoding")) {
        it = headers.erase(it);
      } else {
        if (iequals(it->first, "content-length")) it->second = std::to_string(request_.body.size());
        ++it;
      }
    }
  }
  status_ = ParseStatus::kComplete;
}

void RequestParser::fail(int status, std::string_view code, std::string message) {
  failure_ = HttpResponse::error(status, code, message);
  status_ = ParseStatus::kFailed;
}

void RequestParser::failBodyTooLarge() {
  fail(413, "body_too_large", "the request body exceeds " + std::to_string(bodyLimit_) + " bytes");
}

}  // namespace pharos::net
