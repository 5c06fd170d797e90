#include "net/gzip.h"

#include "core/text.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <optional>
#include <string>

namespace pharos::net {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // 32 KiB window, gzip wrapper (not zlib, not raw)
constexpr size_t kInflateChunk = 16 * 1024;

// The q-value of one Accept-Encoding element ("gzip;q=0.5"); 1 when absent, 0 when malformed
// (a client that sends garbage should not get an encoding it may not handle).
double qValue(std::string_view params) {
  while (!params.empty()) {
    size_t semi = params.find(';');
    std::string_view param = trimSpaces(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (param.size() < 2 || asciiLower(param[0]) != 'q' || param[1] != '=') continue;
    std::string_view v = trimSpaces(param.substr(2));
    // RFC 9110: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
    if (v.empty() || (v[0] != '0' && v[0] != '1')) return 0;
    if (v.size() == 1) return v[0] - '0';
    if (v[1] != '.' || v.size() > 5) return 0;
    double q = v[0] - '0';
    double scale = 0.1;
    for (char c : v.substr(2)) {
      if (c < '0' || c > '9') return 0;
      q += (c - '0') * scale;
      scale /= 10;
    }
    return std::min(q, 1.0);
  }
  return 1;
}

}  // namespace

std::string gzipCompress(std::string_view data, int level) {
  z_stream z{};
  if (deflateInit2(&z, std::clamp(level, 1, 9), Z_DEFLATED, kGzipWindowBits, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return {};
  }
  // deflateBound is enough for one pass; the growth below is for the 4 GiB uInt steps only.
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(std::min<size_t>(out.size(), UINT_MAX));
  size_t consumed = 0;
  int rc = Z_OK;
  while (rc == Z_OK) {
    if (z.avail_in == 0) {
      size_t step = std::min<size_t>(data.size() - consumed, UINT_MAX);
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + consumed));
      z.avail_in = static_cast<uInt>(step);
      consumed += step;
    }
    if (z.avail_out == 0) {
      size_t used = z.total_out;
      out.resize(out.size() * 2 + 64);
      z.next_out = reinterpret_cast<Bytef*>(out.data() + used);
      z.avail_out = static_cast<uInt>(std::min<size_t>(out.size() - used, UINT_MAX));
    }
    rc = deflate(&z, consumed == data.size() ? Z_FINISH : Z_NO_FLUSH);
    if (rc == Z_BUF_ERROR) rc = Z_OK;  // out of room or input: refilled above
  }
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return {};
  return out;
}

Result<std::string> gzipInflate(std::string_view data, size_t maxBytes) {
  if (data.empty()) return makeError(ErrorCode::kInvalidArgument, "empty gzip body");
  z_stream z{};
  if (inflateInit2(&z, kGzipWindowBits) != Z_OK) {
    return makeError(ErrorCode::kInternal, "cannot initialize zlib");
  }
  std::string out;
  // Grow with what arrives, never past the limit (+1 byte, to see that it was passed).
  size_t cap = maxBytes == SIZE_MAX ? maxBytes : maxBytes + 1;
  size_t filled = 0;
  auto fail = [&](ErrorCode code, std::string message) -> Result<std::string> {
    inflateEnd(&z);
    return makeError(code, std::move(message));
  };
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(std::min<size_t>(data.size(), UINT_MAX));
  size_t inputLeft = data.size() - z.avail_in;  // beyond what zlib was given
  for (;;) {
    if (filled == out.size()) {
      if (out.size() >= cap) {
        return fail(ErrorCode::kResourceExhausted,
                    "the inflated body exceeds " + std::to_string(maxBytes) + " bytes");
      }
      size_t want = std::max(kInflateChunk, std::min(out.size() * 2, data.size() * 4));
      out.resize(std::min(cap, out.size() + want));
    }
    z.next_out = reinterpret_cast<Bytef*>(out.data() + filled);
    z.avail_out = static_cast<uInt>(std::min<size_t>(out.size() - filled, UINT_MAX));
    uInt before = z.avail_out;
    int rc = inflate(&z, Z_NO_FLUSH);
    filled += before - z.avail_out;
    if (z.avail_in == 0 && inputLeft > 0) {
      uInt step = static_cast<uInt>(std::min<size_t>(inputLeft, UINT_MAX));
      z.avail_in = step;
      inputLeft -= step;
    }
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0 && inputLeft == 0) break;
      // Another member follows.
      if (inflateReset(&z) != Z_OK) return fail(ErrorCode::kInternal, "cannot reset zlib");
      continue;
    }
    if (rc == Z_BUF_ERROR && z.avail_in == 0 && inputLeft == 0) {
      return fail(ErrorCode::kInvalidArgument, "truncated gzip body");
    }
    if (rc == Z_NEED_DICT || rc == Z_DATA_ERROR || rc == Z_STREAM_ERROR || rc == Z_MEM_ERROR) {
      return fail(ErrorCode::kInvalidArgument,
                  std::string("corrupt gzip body: ") + (z.msg != nullptr ? z.msg : "bad data"));
    }
    if (filled > maxBytes) {
      return fail(ErrorCode::kResourceExhausted,
                  "the inflated body exceeds " + std::to_string(maxBytes) + " bytes");
    }
  }
  inflateEnd(&z);
  if (filled > maxBytes) {
    return makeError(ErrorCode::kResourceExhausted,
                     "the inflated body exceeds " + std::to_string(maxBytes) + " bytes");
  }
  out.resize(filled);
  return out;
}

bool acceptsGzip(std::string_view acceptEncoding) {
  std::optional<double> gzip;
  std::optional<double> any;
  while (!acceptEncoding.empty()) {
    size_t comma = acceptEncoding.find(',');
    std::string_view element = acceptEncoding.substr(0, comma);
    acceptEncoding =
        comma == std::string_view::npos ? std::string_view() : acceptEncoding.substr(comma + 1);
    size_t semi = element.find(';');
    std::string_view coding = trimSpaces(element.substr(0, semi));
    double q = semi == std::string_view::npos ? 1.0 : qValue(element.substr(semi + 1));
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) {
      gzip = std::max(gzip.value_or(0.0), q);
    } else if (coding == "*") {
      any = q;
    }
  }
  if (gzip) return *gzip > 0;
  return any.value_or(0.0) > 0;
}

bool isCompressibleType(std::string_view contentType) {
  std::string_view type = trimSpaces(contentType.substr(0, contentType.find(';')));
  if (istartsWith(type, "text/")) return true;
  if (iequals(type, "application/json") || iequals(type, "application/javascript") ||
      iequals(type, "image/svg+xml")) {
    return true;
  }
  return type.size() > 5 && istartsWith(type, "application/") &&
         iequals(type.substr(type.size() - 5), "+json");
}

void compressResponse(HttpResponse& response, bool clientAcceptsGzip) {
  if (response.status == 204 || response.status == 304 || response.status < 200) return;
  if (response.stream) return;  // written as it comes; gzip would hold it back
  if (response.body.size() < kMinCompressBytes || !isCompressibleType(response.contentType)) {
    return;
  }
  std::string* vary = nullptr;
  for (auto& [name, value] : response.headers) {
    if (iequals(name, "content-encoding")) return;  // the handler encoded it itself
    if (iequals(name, "vary")) vary = &value;
  }
  // Caches must key on Accept-Encoding whether or not this client got gzip.
  if (vary == nullptr) {
    response.headers.emplace_back("Vary", "Accept-Encoding");
  } else if (trimSpaces(*vary) != "*") {
    *vary += ", Accept-Encoding";
  }
  if (!clientAcceptsGzip) return;
  std::string compressed = gzipCompress(response.body);
  if (compressed.empty() || compressed.size() >= response.body.size()) return;
  response.body = std::move(compressed);
  response.headers.emplace_back("Content-Encoding", "gzip");
}

}  // namespace pharos::net
