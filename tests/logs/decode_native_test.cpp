// decodeNative's fast NDJSON path (simdjson parse_many, handing over to the line-by-line path
// at the first line it cannot take) against the line-by-line reference: for every body the two
// must give the same batch bytes, counts and error texts, and the fast path must take all of
// the well-formed bodies it exists for (else the comparison proves little).
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "logs/decode_support.h"
#include "logs/ingest_decoders.h"

namespace pharos::logs {
namespace {

// Everything a decode shows to its caller.
struct Outcome {
  bool ok = false;
  std::string error;  // the refusal, when !ok
  std::size_t accepted = 0, rejected = 0;
  std::vector<std::string> errors;
  std::string bytes;  // the batch, when ok (a refused body's encoder is discarded)
  std::uint64_t invalidUtf8 = 0, nulBytes = 0, truncated = 0;

  bool operator==(const Outcome&) const = default;
};

// gtest prints a failed comparison with this rather than as raw bytes.
void PrintTo(const Outcome& o, std::ostream* os) {
  if (!o.ok) {
    *os << "refused: " << o.error;
    return;
  }
  *os << "accepted " << o.accepted << ", rejected " << o.rejected << ", sanitised " << o.invalidUtf8
      << "/" << o.nulBytes << "/" << o.truncated << ", errors {";
  for (const auto& e : o.errors)
    *os << " \"" << e << "\"";
  *os << " }, " << o.bytes.size() << " batch bytes";
}

Outcome outcomeOf(const Result<DecodeResult>& result, BatchEncoder&& encoder) {
  Outcome o;
  o.ok = result.ok();
  if (!o.ok) {
    o.error = result.error().toString();
    return o;
  }
  o.accepted = result->accepted;
  o.rejected = result->rejected;
  o.errors = result->errors;
  o.invalidUtf8 = encoder.sanitised().invalidUtf8;
  o.nulBytes = encoder.sanitised().nulBytes;
  o.truncated = encoder.sanitised().truncated;
  o.bytes = std::move(encoder).finish();
  return o;
}

// Small enough that the sanitiser's truncation shows up too.
constexpr std::size_t kMaxLineBytes = 512;

BatchEncoder newEncoder() {
  return BatchEncoder(Source::kNative, 1, kMaxLineBytes);
}

Outcome reference(std::string_view body, const DecodeLimits& limits) {
  BatchEncoder encoder = newEncoder();
  auto result = decodeNativeLineByLine(body, encoder, limits);
  return outcomeOf(result, std::move(encoder));
}

Outcome native(std::string_view body, const DecodeLimits& limits) {
  BatchEncoder encoder = newEncoder();
  auto result = decodeNative(body, encoder, limits);
  return outcomeOf(result, std::move(encoder));
}

// The fast path alone, nullopt when it does not vouch for the body.
std::optional<Outcome> stream(std::string_view body, const DecodeLimits& limits) {
  BatchEncoder encoder = newEncoder();
  auto result = decodeNativeStream(body, encoder, limits);
  if (!result) return std::nullopt;
  return outcomeOf(*result, std::move(encoder));
}

void expectSame(std::string_view body, const DecodeLimits& limits = {}) {
  const Outcome expected = reference(body, limits);
  EXPECT_EQ(native(body, limits), expected) << "body: " << body.substr(0, 300);
  if (auto fast = stream(body, limits)) {
    EXPECT_EQ(*fast, expected) << "body: " << body.substr(0, 300);
  }
}

// Same as the reference, and by the fast path.
void expectFast(std::string_view body, const DecodeLimits& limits = {}) {
  expectSame(body, limits);
  EXPECT_TRUE(stream(body, limits).has_value()) << "fast path declined: " << body.substr(0, 300);
}

// Same as the reference, because the fast path hands the body (from the line it could not take
// on) over to it.
void expectFallback(std::string_view body, const DecodeLimits& limits = {}) {
  expectSame(body, limits);
  EXPECT_FALSE(stream(body, limits).has_value()) << "fast path took: " << body.substr(0, 300);
}

std::string appLine(int i) {
  return R"({"ts":"2026-11-27T14:55:)" + std::to_string(10 + i % 50) +
         R"(.123Z","level":"info","service":"checkout","msg":"order created","order_id":)" +
         std::to_string(100000 + i) + R"(,"amount":19.99,"tags":["a",1,{"b":null}]})";
}

std::string appLines(int n, std::string_view eol = "\n") {
  std::string body;
  for (int i = 0; i < n; ++i)
    body += appLine(i) + std::string(eol);
  return body;
}

TEST(DecodeNativePathsTest, WellFormedBodiesTakeTheFastPath) {
  expectFast(appLine(0));
  expectFast(appLines(3));
  expectFast(appLines(3, "\r\n"));
  // Over 64 KiB: several parse_many batches.
  expectFast(appLines(2000));
  expectFast(appLines(2000, "\r\n"));
  expectFast("\n\n  \n\t\n" + appLines(5) + "\n \r\n\n");
  expectFast("  \t{\"message\":\"indented\"}  \t\r\n{\"message\":\"b\"} \r \n");
  expectFast("{}\n{}\n");
  expectFast("{\"a\":\"x\"}\n\r\n{\"b\":\"y\"}");
}

TEST(DecodeNativePathsTest, BadLinesFallBackAndKeepTheirNeighbours) {
  expectFallback("{\"a\":1}\n{\"b\": oops}\n{\"c\":3}\n");
  expectFallback("{\"a\":1}\nnot json\n");
  expectFallback(appLines(300) + "{\"broken\":\n" + appLines(300));
  // An unclosed string flips parse_many's idea of what is inside a string for the lines after.
  expectFallback("{\"a\":\"x}\n{\"b\":1}\n{\"c\":\"}\n{\"d\":2}\n");
  expectFallback("{\"a\":1}\n}\n{\n{\"b\":2}\n");
  expectFallback("{\"a\":1}\n\r\r\n{\"b\":2}\n");
  expectFallback("{\"a\":1}\n \r \n{\"b\":2}\n");
  expectFallback("{\"a\":1}\n\f\n");
  using namespace std::string_literals;
  expectFallback("{\"a\":1}\n\0\n{\"b\":2}\n"s);
  expectFallback("{\"a\":\"raw\ttab\"}\n{\"b\":1}\n");
  expectFallback("{\"a\":1}\n{\"b\":\"line\nbreak\"}\n");
}

TEST(DecodeNativePathsTest, TwoDocumentsOnALineStayRejected) {
  expectFallback("{\"a\":1} {\"b\":2}\n");
  expectFallback("{\"a\":1}{\"b\":2}\n{\"c\":3}\n");
  expectFallback("{\"c\":3}\n{\"a\":1} 2\n");
  expectFallback("{\"a\":1}\n1 2\n");
  // parse_many quietly drops an incomplete last document; the line must still be refused.
  expectFallback("{\"a\":1} {\"b\":");
  expectFallback("{\"a\":1} {\"b\":\n");
  expectFallback("{\"a\":1}\n{\"b\":");
  expectFallback("{\"a\":1}\n{\"b\":\"open");
  expectFallback("{\"a\":1} \"open");
  expectFallback("{\"a\":1} [");
}

TEST(DecodeNativePathsTest, NonObjectLinesFallBack) {
  for (std::string line :
       {"[1,2]", "\"text\"", "42", "-1.5e3", "null", "true", "false", "[]", "[{\"a\":1}]"}) {
    expectFallback("{\"a\":1}\n" + line + "\n{\"b\":2}\n");
    expectFallback(line + "\n");
  }
}

TEST(DecodeNativePathsTest, ArrayBodiesAreTheSame) {
  expectSame("[{\"message\":\"a\"},{\"message\":\"b\"}]");
  expectSame("  [{\"message\":\"a\"}, 3, \"x\"]");
  expectSame("[{\"message\":\"a\"}");
  expectSame("[]");
  expectSame("[1,2,3]");
}

TEST(DecodeNativePathsTest, StringsAndEscapes) {
  expectFast(R"({"m":"\u00e9\ud83d\ude00 caf\u00e9","k\u00e9y":"v"})");
  expectFast(R"({"m":"a\u0000b","n":"\"quoted\" \\ \/ \b\f\n\r\t"})");
  expectFast("{\"m\":\"na\xC3\xAFve \xE2\x98\x83\"}\n{\"\xE6\x97\xA5\":\"\xE6\x9C\xAC\"}\n");
  expectFast("{\"m\":\"}{][,:\\\"\"}\n{\"n\":\"\\\\\"}\n");
  expectFast("{\"message\":\"" + std::string(2000, 'x') + "\"}\n");  // truncated at 512
  expectFast("{\"message\":\"" + std::string(600, 'x') + "\xC3\xA9\"}\n");
  expectSame(R"({"m":"\ud800"})"
             "\n{\"a\":1}\n");
  expectSame(R"({"m":"\x"})"
             "\n{\"a\":1}\n");
  // Invalid UTF-8 on one line fails parse_many for the whole body, not just that line.
  expectFallback("{\"a\":1}\n{\"raw\":\"x\xFFy\"}\n{\"b\":2}\n");
  expectFallback("{\"a\":1}\n{\"raw\":\"\xC3\"}\n");
}

TEST(DecodeNativePathsTest, Numbers) {
  for (std::string n : {"0",
                        "-0",
                        "-0.0",
                        "1e400",
                        "-1e400",
                        "1e-400",
                        "18446744073709551615",
                        "18446744073709551616",
                        "-9223372036854775808",
                        "-9223372036854775809",
                        "9223372036854775807",
                        "1.7976931348623157e308",
                        "4.9e-324",
                        "0.1",
                        "19.99",
                        "1795791321.5",
                        "1795791321123456789",
                        "1.795791321e9",
                        "01",
                        "1.",
                        ".5",
                        "+1",
                        "1e",
                        "NaN",
                        "Infinity"}) {
    expectSame("{\"ts\":" + n + ",\"v\":" + n + "}\n{\"a\":1}\n");
    expectSame("{\"a\":1}\n{\"time\":\"" + n + "\",\"x\":[" + n + "]}\n");
  }
  expectFast("{\"ts\":1795791321.5,\"v\":1e300}\n{\"time\":1795791321123}\n");
}

TEST(DecodeNativePathsTest, NestingAndDuplicateKeys) {
  expectFast(R"({"a":{"b":{"c":1,"d":[1,{"e":2}]},"f":{}},"":{"g":1},"h":{"":{"":2}}})");
  expectFast(R"({"log":{"level":"warn"},"service":{"name":"svc","version":"1.2"}})");
  expectFast(R"({"message":"a","message":"b","ts":"bad","ts":"2024-01-01T00:00:00Z"})");
  expectFast(R"({"level":"x","severity":"y","lvl":"z","log.level":"w","log":{"level":"v"}})");
  std::string deep;
  for (int i = 0; i < 40; ++i)
    deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < 40; ++i)
    deep += "}";
  expectFast(deep + "\n" + deep + "\n");
  std::string bomb(3000, '[');
  expectFallback("{\"a\":1}\n" + bomb + "\n");
}

TEST(DecodeNativePathsTest, LinesLongerThanABatchFallBack) {
  const std::string big = "{\"message\":\"" + std::string(100 * 1024, 'x') + "\"}";
  expectFallback(appLines(10) + big + "\n" + appLines(10));
  expectFallback(big);
}

TEST(DecodeNativePathsTest, EntryLimitIsTheSame) {
  const std::vector<std::string> bodies = {
      "{}\n{}\n{}\n",         "{}\n\n{}\n  \n{}",      "{}\nbad\n{}\n",
      "bad\nbad\nbad\n{}\n",  "{}\n{} {}\n{}\n{}\n",   "{}\n[1]\n{}\n{}\n",
      "{}\n{}\n{\"open\":\n", appLines(5) + "{\"a\":", "\n\n\n",
  };
  for (std::size_t max : {0, 1, 2, 3, 4, 5, 6}) {
    DecodeLimits limits;
    limits.maxEntries = max;
    for (const auto& body : bodies)
      expectSame(body, limits);
  }
  DecodeLimits two;
  two.maxEntries = 2;
  expectFast("{}\n{}\n{}\n", two);  // refused by the fast path itself, as line by line would
}

TEST(DecodeNativePathsTest, BlankBodies) {
  for (std::string body : {"", " ", "\n", "\r\n", " \t\r\n\n", "\r", "\r\r\n"})
    expectSame(body);
}

// Bodies shuffled together from the pieces above, good and bad, under several limits.
TEST(DecodeNativePathsTest, RandomMixturesAgree) {
  const std::vector<std::string> pieces = {
      appLine(1),
      appLine(2),
      "{\"message\":\"m\",\"level\":\"warn\"}",
      "{}",
      "  {\"a\":[1,2,{\"b\":\"c\"}]}  ",
      "{\"a\":1} {\"b\":2}",
      "{\"a\":1}{\"b\":2}",
      "{\"broken\":",
      "{\"a\":\"open",
      "\"}",
      "not json",
      "[1,2]",
      "42",
      "null",
      "",
      "   ",
      "\t",
      "\r",
      " \r ",
      "{\"m\":\"\\u00e9\\ud83d\\ude00\"}",
      "{\"m\":\"x\xFFy\"}",
      "{\"m\":\"a\\u0000b\"}",
      "{\"n\":18446744073709551616}",
      "{\"n\":1e400}",
      "{\"ts\":\"2024-01-01T00:00:00.5+02:00\",\"ts\":1}",
      "}",
      "{",
      "[",
  };
  std::mt19937 rng(20261127);
  std::uniform_int_distribution<std::size_t> piece(0, pieces.size() - 1);
  std::uniform_int_distribution<int> count(1, 12);
  std::uniform_int_distribution<int> eol(0, 5);
  std::uniform_int_distribution<int> limit(0, 3);
  int fast = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string body;
    for (int n = count(rng); n > 0; --n) {
      body += pieces[piece(rng)];
      switch (eol(rng)) {
        case 0:
          body += "\r\n";
          break;
        case 1:
          body += " ";  // the next piece joins this line
          break;
        default:
          body += "\n";
      }
    }
    DecodeLimits limits;
    const int l = limit(rng);
    if (l < 3) limits.maxEntries = static_cast<std::size_t>(4 * l + 1);
    expectSame(body, limits);
    if (stream(body, limits)) ++fast;
    if (HasFailure()) break;
  }
  // The mixtures are mostly bad, but enough are good for the fast path to be compared too.
  EXPECT_GT(fast, 100);
}

}  // namespace
}  // namespace pharos::logs
