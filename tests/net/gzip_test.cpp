#include "net/gzip.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace pharos::net {
namespace {

std::string randomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out)
    c = static_cast<char>(rng());
  return out;
}

TEST(GzipTest, RoundTrips) {
  for (const std::string& data : {std::string("x"), std::string(100'000, 'a'),
                                  randomBytes(70'000, 1), std::string("{\"k\":\"v\"}\n")}) {
    std::string z = gzipCompress(data);
    ASSERT_GE(z.size(), 18u);
    EXPECT_EQ(static_cast<unsigned char>(z[0]), 0x1f);
    EXPECT_EQ(static_cast<unsigned char>(z[1]), 0x8b);
    auto back = gzipInflate(z, data.size());
    ASSERT_TRUE(back.ok()) << back.error().toString();
    EXPECT_EQ(*back, data);
  }
}

TEST(GzipTest, InflatesConcatenatedMembers) {
  std::string z = gzipCompress("hello ") + gzipCompress("world");
  auto back = gzipInflate(z, 100);
  ASSERT_TRUE(back.ok()) << back.error().toString();
  EXPECT_EQ(*back, "hello world");
}

TEST(GzipTest, BombStopsAtTheLimit) {
  // 64 MiB of zeros compress to about 64 KiB; the limit is 1 MiB.
  std::string z = gzipCompress(std::string(64 << 20, '\0'), 9);
  ASSERT_LT(z.size(), 100u << 10);
  auto back = gzipInflate(z, 1 << 20);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().code, ErrorCode::kResourceExhausted);
  // Exactly at the limit is fine; one byte over is not.
  std::string exact = gzipCompress(std::string(5000, 'q'));
  EXPECT_TRUE(gzipInflate(exact, 5000).ok());
  auto over = gzipInflate(exact, 4999);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::kResourceExhausted);
  EXPECT_FALSE(gzipInflate(exact, 0).ok());
}

TEST(GzipTest, CorruptInputIsInvalidArgument) {
  std::string z = gzipCompress(std::string(10'000, 'b') + randomBytes(1000, 2));
  std::string flipped = z;
  flipped[z.size() / 2] = static_cast<char>(flipped[z.size() / 2] ^ 0x55);
  std::string badCrc = z;
  badCrc[z.size() - 6] = static_cast<char>(badCrc[z.size() - 6] ^ 1);
  for (const std::string& bad :
       {std::string(), std::string("not gzip at all"), z.substr(0, z.size() / 2),
        z.substr(0, z.size() - 1), flipped, badCrc, z + "trailing", std::string("\x1f\x8b", 2)}) {
    auto r = gzipInflate(bad, 1 << 20);
    ASSERT_FALSE(r.ok()) << bad.size();
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << r.error().toString();
  }
}

TEST(GzipTest, AcceptEncodingTable) {
  struct Case {
    const char* header;
    bool gzip;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"gzip", true},
           {"GZIP", true},
           {"deflate, gzip;q=0.5, br", true},
           {"x-gzip", true},
           {"*", true},
           {"", false},
           {"identity", false},
           {"br, deflate", false},
           {"gzip;q=0", false},
           {"gzip; q=0.000", false},
           {"*;q=0", false},
           {"*, gzip;q=0", false},  // explicit beats wildcard
           {"gzip;q=0, *", false},
           {"gzip;q=0.001", true},
           {"gzip;q=1.0", true},
           {"gzip;q=2", false},  // malformed q: not acceptable
           {"gzip;q=abc", false},
           {"gzipx", false},
       }) {
    EXPECT_EQ(acceptsGzip(c.header), c.gzip) << c.header;
  }
}

TEST(GzipTest, CompressibleTypes) {
  EXPECT_TRUE(isCompressibleType("text/plain; charset=utf-8"));
  EXPECT_TRUE(isCompressibleType("text/html"));
  EXPECT_TRUE(isCompressibleType("application/json"));
  EXPECT_TRUE(isCompressibleType("Application/JSON; charset=utf-8"));
  EXPECT_TRUE(isCompressibleType("application/problem+json"));
  EXPECT_TRUE(isCompressibleType("application/javascript"));
  EXPECT_TRUE(isCompressibleType("image/svg+xml"));
  EXPECT_FALSE(isCompressibleType("image/png"));
  EXPECT_FALSE(isCompressibleType("application/octet-stream"));
  EXPECT_FALSE(isCompressibleType("application/gzip"));
  EXPECT_FALSE(isCompressibleType(""));
}

TEST(GzipTest, CompressResponse) {
  std::string big(4000, 'a');
  {
    HttpResponse r = HttpResponse::json(200, big);
    compressResponse(r, true);
    ASSERT_EQ(r.headers.size(), 2u);
    EXPECT_EQ(r.headers[0].first, "Vary");
    EXPECT_EQ(r.headers[0].second, "Accept-Encoding");
    EXPECT_EQ(r.headers[1].first, "Content-Encoding");
    EXPECT_EQ(r.headers[1].second, "gzip");
    EXPECT_EQ(*gzipInflate(r.body, 1 << 20), big);
  }
  {  // the client does not accept gzip: body untouched, but caches must still vary
    HttpResponse r = HttpResponse::json(200, big);
    compressResponse(r, false);
    EXPECT_EQ(r.body, big);
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0].second, "Accept-Encoding");
  }
  {  // an existing Vary is extended
    HttpResponse r = HttpResponse::json(200, big);
    r.headers.emplace_back("vary", "Origin");
    compressResponse(r, true);
    EXPECT_EQ(r.headers[0].second, "Origin, Accept-Encoding");
  }
  {  // small, incompressible type, already encoded, no body status: untouched
    HttpResponse small = HttpResponse::json(200, std::string(100, 'a'));
    HttpResponse png = HttpResponse::text(200, big, "image/png");
    HttpResponse encoded = HttpResponse::json(200, big);
    encoded.headers.emplace_back("Content-Encoding", "br");
    HttpResponse noContent = HttpResponse::json(304, big);
    for (HttpResponse* r : {&small, &png, &noContent}) {
      std::string before = r->body;
      compressResponse(*r, true);
      EXPECT_EQ(r->body, before);
      EXPECT_TRUE(r->headers.empty());
    }
    compressResponse(encoded, true);
    EXPECT_EQ(encoded.body, big);
    EXPECT_EQ(encoded.headers.size(), 1u);
  }
  {  // incompressible content of a compressible type stays as it is
    HttpResponse r = HttpResponse::text(200, randomBytes(4000, 3));
    std::string before = r.body;
    compressResponse(r, true);
    EXPECT_EQ(r.body, before);
  }
}

}  // namespace
}  // namespace pharos::net
