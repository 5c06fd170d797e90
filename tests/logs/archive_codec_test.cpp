#include "logs/archive_codec.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/crc32c.h"
#include "core/framed_records.h"
#include "core/varint.h"
#include "logs/archive_columns.h"
#include "logs/ingest_decoders.h"
#include "logs/log_batch.h"

namespace pharos::logs {
namespace {

// An entry written as the batch layout says, without BatchEncoder's sanitising, so that any
// bytes can be put in a segment.
struct RawEntry {
  std::int64_t timestampNs = 0;
  std::string service, level, message;
  std::vector<std::pair<std::string, std::string>> attributes;
};

// A literal's bytes, NULs included.
template <std::size_t N>
std::string bytes(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

void putString(std::string& out, std::string_view s) {
  putVarint(out, s.size());
  out.append(s);
}

std::string rawBatch(std::uint8_t source, std::int64_t receivedNs,
                     const std::vector<RawEntry>& entries) {
  std::string out;
  out.push_back(1);
  out.push_back(static_cast<char>(source));
  putVarint(out, zigzag(receivedNs));
  for (const RawEntry& e : entries) {
    putVarint(out, zigzag(e.timestampNs));
    putString(out, e.service);
    putString(out, e.level);
    putString(out, e.message);
    putVarint(out, e.attributes.size());
    for (const auto& [k, v] : e.attributes) {
      putString(out, k);
      putString(out, v);
    }
  }
  return out;
}

// A segment of syslog TCP batches, one message per line.
std::string syslogSegment(const std::vector<std::string>& lines, std::size_t perBatch = 1000) {
  std::string segment;
  std::int64_t received = 1'796'578'680'200'183'548;
  for (std::size_t i = 0; i < lines.size(); i += perBatch) {
    BatchEncoder batch(Source::kSyslogTcp, received, 1 << 20);
    for (std::size_t k = i; k < std::min(lines.size(), i + perBatch); ++k)
      batch.add({.message = lines[k]});
    appendFramedRecord(segment, std::move(batch).finish());
    received += 12'345'678;
  }
  return segment;
}

// Where two byte strings first differ, for a readable failure.
std::string firstDifference(std::string_view a, std::string_view b) {
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i])
    ++i;
  return "sizes " + std::to_string(a.size()) + " and " + std::to_string(b.size()) +
         ", first difference at byte " + std::to_string(i);
}

// Encodes, checks that decoding gives the segment back and that verifyArchive agrees; the object.
std::string roundTrip(const std::string& segment, int level = 3) {
  auto object = encodeArchive(segment, level);
  EXPECT_TRUE(object.ok()) << object.error().toString();
  if (!object.ok()) return {};
  auto decoded = decodeArchive(*object);
  EXPECT_TRUE(decoded.ok()) << decoded.error().toString();
  if (decoded.ok()) {
    EXPECT_TRUE(*decoded == segment) << firstDifference(*decoded, segment);
  }
  auto verified = verifyArchive(*object, segment);
  EXPECT_TRUE(verified.ok()) << verified.error().toString();
  return std::move(*object);
}

std::map<std::string, ArchiveColumnInfo> columnsOf(const std::string& object) {
  std::map<std::string, ArchiveColumnInfo> out;
  auto columns = describeArchive(object);
  EXPECT_TRUE(columns.ok());
  if (!columns.ok()) return out;
  for (auto& c : *columns)
    out[c.name] = c;
  return out;
}

bool hasColumnStartingWith(const std::map<std::string, ArchiveColumnInfo>& columns,
                           std::string_view prefix) {
  for (const auto& [name, info] : columns) {
    if (std::string_view(name).substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

// Lines with the shapes of a fleet's syslog: RFC 5424 and 3164 headers, hosts and pids,
// durations, ids, IPs, UUIDs, trace ids, paths.
std::vector<std::string> fleetLines(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&](std::initializer_list<const char*> options) {
    return std::string(*(options.begin() + rng() % options.size()));
  };
  auto number = [&](std::uint32_t below) { return std::to_string(rng() % below); };
  auto hex = [&](int digits) {
    std::string s;
    for (int i = 0; i < digits; ++i)
      s.push_back("0123456789abcdef"[rng() % 16]);
    return s;
  };
  auto ip = [&] { return "10." + number(256) + "." + number(256) + "." + number(255); };
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string host = pick({"web-01", "web-02", "db-01", "cache-03", "edge-07"});
    const unsigned ms = 100 + static_cast<unsigned>(i);
    char ts[64];
    std::snprintf(ts, sizeof ts, "2026-03-0%uT%02u:%02u:%02u.%03uZ", 1 + (ms / 86'400'000) % 9,
                  ms / 3'600'000 % 24, ms / 60'000 % 60, ms / 1000 % 60, ms % 1000);
    std::string message;
    switch (rng() % 6) {
      case 0:
        message = "GET /api/v1/orders/" + number(100000) + " 200 " + number(900) +
                  "ms user=" + pick({"alice", "bob", "carol"}) + " trace=" + hex(32);
        break;
      case 1:
        message = "Accepted publickey for " + pick({"deploy", "root"}) + " from " + ip() +
                  " port " + number(65536) + " ssh2";
        break;
      case 2:
        message = "job " + hex(8) + "-" + hex(4) + "-4" + hex(3) + "-a" + hex(3) + "-" + hex(12) +
                  " finished in " + number(10) + "." + number(1000) + "s";
        break;
      case 3:
        message = "checkpoint complete: wrote " + number(5000) + " buffers (" + number(100) +
                  "%); write=0." + number(1000) + " s";
        break;
      case 4:
        message = "upstream timed out (110: Connection timed out) while reading from " + ip() +
                  ":" + number(65536);
        break;
      default:
        message = "cache hit ratio 0." + number(100) + " evicted " + number(1000) + " keys";
        break;
    }
    if (rng() % 4 == 0) {
      lines.push_back("<" + number(192) + ">" + pick({"Mar  1", "Dec 24"}) + " 0" + number(10) +
                      ":1" + number(10) + ":2" + number(10) + " " + host + " app[" + number(40000) +
                      "]: " + message);
    } else {
      lines.push_back("<" + number(192) + ">1 " + ts + " " + host + " app " + number(40000) +
                      " - - " + message);
    }
  }
  return lines;
}

TEST(ArchiveCodecTest, AnEmptySegmentRoundTrips) {
  std::string object = roundTrip("");
  EXPECT_EQ(object.substr(0, 4), "PHLA");
}

TEST(ArchiveCodecTest, SyslogTcpBatchesRoundTripSmallerThanWholeZstd) {
  std::string segment = syslogSegment(fleetLines(20000, 1));
  std::string object = roundTrip(segment, 6);
  auto whole = encodeWholeArchive(segment, 6);
  ASSERT_TRUE(whole.ok());
  // The random ids, IPs and durations cost the same in both; the rest nearly vanishes.
  EXPECT_LT(object.size(), whole->size() * 3 / 4)
      << "templated " << object.size() << ", whole " << whole->size();
  auto columns = columnsOf(object);
  EXPECT_TRUE(columns.count("templates"));
  EXPECT_TRUE(columns.count("uuids"));
  EXPECT_TRUE(columns.count("ipv4s"));
  EXPECT_TRUE(columns.count("hex_bytes"));
  EXPECT_TRUE(hasColumnStartingWith(columns, "time_stream_"));
  EXPECT_TRUE(hasColumnStartingWith(columns, "float_stream_"));
  EXPECT_TRUE(hasColumnStartingWith(columns, "int_stream_"));
  EXPECT_TRUE(hasColumnStartingWith(columns, "dict_ids_"));  // the hosts
  EXPECT_FALSE(columns.count("raw_records"));
  EXPECT_FALSE(columns.count("tail"));
}

TEST(ArchiveCodecTest, NdjsonBatchesWithAttributesRoundTrip) {
  std::string body;
  auto lines = fleetLines(3000, 2);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    body += R"({"timestamp":"2026-03-01T10:00:)" + std::to_string(10 + i % 50) + "." +
            std::to_string(100 + i % 900) + R"(Z","service":")" + (i % 3 ? "api" : "db") +
            R"(","level":")" + (i % 7 ? "info" : "error") + R"(","host":"web-0)" +
            std::to_string(i % 4) + R"(","trace_id":")" + std::to_string(i * 7919) +
            R"(abcdef0123","status":)" + std::to_string(200 + i % 5) + R"(,"message":")" +
            lines[i].substr(lines[i].find(' ') + 1) + "\"}\n";
  }
  std::string segment;
  for (int part = 0; part < 3; ++part) {
    BatchEncoder batch(Source::kNative, 1'796'578'690'597'903'019 + part, 1 << 20);
    auto decoded = decodeNative(body, batch, DecodeLimits{});
    ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
    ASSERT_EQ(decoded->accepted, lines.size());
    appendFramedRecord(segment, std::move(batch).finish());
  }
  auto columns = columnsOf(roundTrip(segment));
  EXPECT_TRUE(columns.count("service_dict"));
  EXPECT_TRUE(columns.count("attribute_key_dict"));
  EXPECT_TRUE(columns.count("attribute_value_ids"));
  EXPECT_TRUE(columns.count("timestamps"));
}

TEST(ArchiveCodecTest, OtlpLikeBatchesWithManyAttributesRoundTrip) {
  std::vector<RawEntry> entries;
  std::mt19937 rng(3);
  for (int i = 0; i < 5000; ++i) {
    RawEntry e;
    e.timestampNs = 1'796'578'690'000'000'000 + i * 1'000'003LL + rng() % 1000;
    e.service = i % 2 ? "checkout" : "payments";
    e.level = i % 10 ? "INFO" : "ERROR";
    e.message = "order " + std::to_string(100000 + i) + " charged " + std::to_string(rng() % 100) +
                "." + std::to_string(10 + rng() % 90) + " EUR";
    e.attributes = {{"service.name", e.service},
                    {"host.name", "node-" + std::to_string(i % 8)},
                    {"otel.scope.name", "io.opentelemetry.sdk"},
                    {"trace_id", std::to_string(rng()) + "4bf92f3577b34da6a3ce929d0e0e4736"},
                    {"span_id", "00f067aa0ba902b7"},
                    // a key whose values never repeat: past the dictionary limit they are
                    // template-coded
                    {"request.id", "req-" + std::to_string(i) + "-" + std::to_string(rng())}};
    entries.push_back(std::move(e));
  }
  std::string segment;
  for (std::size_t i = 0; i < entries.size(); i += 500) {
    std::vector<RawEntry> part(entries.begin() + static_cast<std::ptrdiff_t>(i),
                               entries.begin() + static_cast<std::ptrdiff_t>(i + 500));
    appendFramedRecord(segment, rawBatch(2, 1'796'578'690'597'903'019 + i, part));
  }
  auto columns = columnsOf(roundTrip(segment));
  EXPECT_TRUE(columns.count("field_templates"));  // the request ids past the limit
}

// Each text in a message, and what the classifier must have made of it.
TEST(ArchiveCodecTest, EdgeCasesOfTheClassifierRoundTrip) {
  const std::vector<std::string> texts = {
      "",
      " ",
      "plain words only",
      "caf\xc3\xa9 \xe2\x82\xac 12 \xf0\x9f\x98\x80 na\xc3\xafve9",
      "replacement \xef\xbf\xbd char 7\xef\xbf\xbd",
      "leading zeros 007 0 00 0.5 00.5 01.5 -0 -00 -0.0 -0.5 +5 1e10 0x1F",
      "int64 9223372036854775807 -9223372036854775808 9223372036854775808 "
      "-9223372036854775809 99999999999999999999 18446744073709551616",
      "fractions 1.5 -1.50 123456789.123456789 1234567890123456789.5 0.000000000000000001",
      "hex abc1234 abcdef ABCDEF12 DeadBeef12 deadbeef 0123456789abcdef0123456789abcdef0 Abc12",
      "uuids 123e4567-e89b-12d3-a456-426614174000 123E4567-E89B-12D3-A456-426614174000 "
      "123e4567-E89B-12d3-a456-426614174000 123e4567-e89b-12d3-a456-42661417400",
      "ips 10.1.2.3 010.1.2.3 1.2.3.256 1.2.3.4.5 255.255.255.255 0.0.0.0 10.1.2.3:8080 1.2.3",
      "times 2026-03-01T10:00:00Z 2026-03-01 10:00:00,123 2026/03/01 23:59:59.999999999 "
      "2024-02-29T00:00:00 2023-02-29T00:00:00 2026-13-01T00:00:00 2026-03-01T24:00:00 "
      "23:59:60 12:34:56.1234567890 0000-01-01T00:00:00 9999-12-31T23:59:59.999999999 "
      "2026-03-01T10:00:00+01:00 2026-03-01T10:00:00-0530x 10:20:30 1:2:3 12:34:56abc",
      "units 120ms 4KiB 3s 0ms 007ms 99999999999999999999ns 12ab 5.",
      "punctuation port 22. web-01- --5 -- -- a-1 _9 .5 5.. 1.2.3. [12] (34) {56} 7/8 9,10",
      bytes("nul \0 byte \0i \0\0 end\0"),
      bytes("placeholder-like \0t\x05 \0d text \0"),
      "\x01\x02\x7f control 3",
      "trailing digit9",
  };
  std::vector<RawEntry> entries;
  for (const std::string& t : texts) {
    RawEntry e;
    e.message = t;
    e.service = t.substr(0, 12);
    e.level = t.size() > 3 ? t.substr(t.size() - 3) : t;
    e.attributes = {{t, t}, {"k", t}};
    entries.push_back(e);
  }
  std::string segment;
  appendFramedRecord(segment, rawBatch(5, 7, entries));
  roundTrip(segment);
}

TEST(ArchiveCodecTest, OnlyCanonicalTextBecomesTypedVariables) {
  auto columnsFor = [](const std::string& message) {
    std::string segment;
    appendFramedRecord(segment, rawBatch(5, 0, {RawEntry{.message = message}}));
    return columnsOf(roundTrip(segment));
  };
  EXPECT_TRUE(columnsFor("from 10.1.2.3").count("ipv4s"));
  // Leading zeros would come back as "10.1.2.3": kept as text.
  EXPECT_FALSE(columnsFor("from 010.1.2.3").count("ipv4s"));
  EXPECT_FALSE(columnsFor("from 1.2.3.256").count("ipv4s"));
  EXPECT_TRUE(columnsFor("id 123E4567-E89B-12D3-A456-426614174000").count("uuids"));
  EXPECT_FALSE(columnsFor("id 123e4567-E89B-12d3-a456-426614174000").count("uuids"));
  auto hex = columnsFor("sha abc1234");
  ASSERT_TRUE(hex.count("hex_lengths"));
  EXPECT_EQ(hex["hex_bytes"].decodedBytes, 4u);                    // 7 digits in 4 bytes
  EXPECT_FALSE(columnsFor("word DeadBeef12").count("hex_bytes"));  // mixed case
  for (const char* text : {"n -0", "n 007", "n 99999999999999999999", "n -0.0", "n 00.5"}) {
    auto c = columnsFor(text);
    EXPECT_FALSE(hasColumnStartingWith(c, "int_stream_")) << text;
    EXPECT_FALSE(hasColumnStartingWith(c, "float_stream_")) << text;
    EXPECT_TRUE(hasColumnStartingWith(c, "dict_ids_")) << text;
  }
  EXPECT_TRUE(hasColumnStartingWith(columnsFor("n -9223372036854775808"), "int_stream_"));
  EXPECT_TRUE(hasColumnStartingWith(columnsFor("took 120ms"), "int_stream_"));
  EXPECT_TRUE(hasColumnStartingWith(columnsFor("at 2024-02-29T10:00:00Z"), "time_stream_"));
  EXPECT_FALSE(hasColumnStartingWith(columnsFor("at 2023-02-29T10:00:00Z"), "time_stream_"));
  EXPECT_FALSE(hasColumnStartingWith(columnsFor("at 23:59:60"), "time_stream_"));
}

TEST(ArchiveCodecTest, CountersAreStoredAsDifferences) {
  std::vector<std::string> counting, random;
  std::mt19937_64 rng(17);
  for (int i = 0; i < 10000; ++i) {
    counting.push_back("offset " + std::to_string(1'796'578'690'000LL + 3 * i) + " committed");
    random.push_back("offset " + std::to_string(rng() % 1'000'000'000'000LL) + " committed");
  }
  auto intBytes = [](const std::string& object) {
    std::uint64_t bytes = 0;
    for (const auto& [name, info] : columnsOf(object)) {
      if (name.rfind("int_stream_", 0) == 0) bytes += info.decodedBytes;
    }
    return bytes;
  };
  // The mode byte, the first value (6 bytes as a difference to 0), then one byte per value
  // (the difference 3), not six.
  EXPECT_EQ(intBytes(roundTrip(syslogSegment(counting))), 1u + 6 + 9999);
  EXPECT_GT(intBytes(roundTrip(syslogSegment(random))), 50000u);
}

// Text with no repeats (random tokens, unique keys) would make the dictionaries and the template
// dictionary grow with the segment; past their bounds the values and templates are written out
// instead of kept, and still round-trip.
TEST(ArchiveCodecTest, PastItsMemoryBoundsItStillRoundTrips) {
  auto word = [](std::uint64_t n) {  // letters only: static text, unique per n
    std::string w;
    do {
      w.push_back(static_cast<char>('a' + n % 26));
      n /= 26;
    } while (n > 0);
    return w;
  };
  std::vector<RawEntry> entries;
  for (std::uint64_t i = 0; i < 300'000; ++i) {
    RawEntry e;
    // A template of its own, a dictionary variable of its own.
    e.message = "m " + word(i) + " x" + std::to_string(i);
    if (i < 1000) {
      // 5,000 keys in all, and 300,000 values: past the key and value bounds.
      for (int k = 0; k < 300; ++k)
        e.attributes.emplace_back("k" + std::to_string((i * 300 + k) % 5000), word(i * 300 + k));
    }
    entries.push_back(std::move(e));
  }
  std::string segment;
  for (std::size_t i = 0; i < entries.size(); i += 50'000) {
    std::vector<RawEntry> part(entries.begin() + static_cast<std::ptrdiff_t>(i),
                               entries.begin() + static_cast<std::ptrdiff_t>(i + 50'000));
    appendFramedRecord(segment, rawBatch(5, 0, part));
  }
  auto columns = columnsOf(roundTrip(segment, 1));
  EXPECT_TRUE(columns.count("inline_templates"));
  EXPECT_TRUE(columns.count("field_templates"));
}

// Random tokens template to no smaller an object than zstd makes of the whole segment, at
// more time and memory: the archive stores such a segment whole, which is no mismatch.
TEST(ArchiveCodecTest, ASegmentWhereTemplatesDoNotPayIsStoredWhole) {
  std::uint64_t n = 1;
  auto token = [&] {
    std::string t;
    for (int i = 0; i < 8; ++i) {
      n = n * 6364136223846793005ULL + 1442695040888963407ULL;
      t.push_back("abcdefghijklmnopqrstuvwxyz0123456789"[(n >> 33) % 36]);
    }
    return t;
  };
  std::vector<std::string> lines;
  for (int i = 0; i < 60'000; ++i)
    lines.push_back(token() + " " + token() + " " + token() + " " + token());
  const std::string segment = syslogSegment(lines, 500);
  ASSERT_GT(segment.size(), kArchiveProbeBytes);
  auto reason = templatingDoesNotPay(segment, 3);
  ASSERT_TRUE(reason.ok());
  ASSERT_TRUE(reason->has_value());
  EXPECT_NE((*reason)->find("templates do not pay"), std::string::npos);
  auto checked = encodeCheckedArchive(segment, 3);
  ASSERT_TRUE(checked.ok()) << checked.error().toString();
  EXPECT_FALSE(checked->templated);
  EXPECT_FALSE(checked->mismatch);
  auto decoded = decodeArchive(checked->object);
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(*decoded == segment);
  // A fleet's lines, as many: templates pay.
  const std::string fleet = syslogSegment(fleetLines(60'000, 9), 500);
  auto pays = templatingDoesNotPay(fleet, 3);
  ASSERT_TRUE(pays.ok());
  EXPECT_FALSE(pays->has_value()) << **pays;
  auto templated = encodeCheckedArchive(fleet, 3);
  ASSERT_TRUE(templated.ok());
  EXPECT_TRUE(templated->templated);
}

// The archive templates the probe's records once: the encoder that judged them goes on with
// the rest of the segment. Its object is the one encodeArchive makes of the whole segment.
TEST(ArchiveCodecTest, TheCheckedObjectIsTheOneEncodeArchiveMakes) {
  const std::string segment = syslogSegment(fleetLines(60'000, 14), 500);
  ASSERT_GT(segment.size(), kArchiveProbeBytes);
  auto checked = encodeCheckedArchive(segment, 3);
  ASSERT_TRUE(checked.ok()) << checked.error().toString();
  ASSERT_TRUE(checked->templated);
  auto object = encodeArchive(segment, 3);
  ASSERT_TRUE(object.ok());
  EXPECT_TRUE(checked->object == *object);
}

TEST(ArchiveCodecTest, AMegabyteLineRoundTrips) {
  std::string line;
  std::mt19937 rng(4);
  while (line.size() < (1u << 20)) {
    line += "chunk " + std::to_string(rng()) + " of 10.0.0." + std::to_string(rng() % 256) +
            " at 2026-03-01T10:00:0" + std::to_string(rng() % 10) + "Z ";
  }
  std::string plain(1u << 20, 'x');
  std::string segment;
  appendFramedRecord(segment,
                     rawBatch(5, 0, {RawEntry{.message = line}, RawEntry{.message = plain}}));
  roundTrip(segment);
}

TEST(ArchiveCodecTest, RecordsItDoesNotUnderstandAndATornTailRoundTrip) {
  std::string segment = syslogSegment(fleetLines(500, 5), 100);
  appendFramedRecord(segment, "");                              // empty payload
  appendFramedRecord(segment, std::string("\x02\x05\x00", 3));  // another batch version
  // A varint written long (0x80 0x00 for 0): BatchReader reads it, but writing it again would
  // give other bytes.
  appendFramedRecord(segment, std::string("\x01\x05\x80\x00", 4));
  std::string trailing = rawBatch(5, 1, {RawEntry{.message = "ok"}});
  trailing.push_back('\x07');  // a cut entry after the last one
  appendFramedRecord(segment, trailing);
  appendFramedRecord(segment, rawBatch(0xEE, -1, {RawEntry{.message = "odd source byte"}}));
  segment += syslogSegment(fleetLines(300, 6), 100);
  // A record whose checksum does not match, then more records: all of it is the tail.
  std::string bad;
  appendFramedRecord(bad, rawBatch(5, 2, {RawEntry{.message = "bit rot"}}));
  bad[10] ^= 0x20;
  segment += bad;
  segment += syslogSegment(fleetLines(50, 7), 10);
  segment += std::string("\x10\x00\x00", 3);  // a cut header
  std::string object = roundTrip(segment);
  auto columns = columnsOf(object);
  EXPECT_TRUE(columns.count("raw_records"));
  EXPECT_TRUE(columns.count("tail"));
}

TEST(ArchiveCodecTest, GarbageRoundTrips) {
  std::mt19937 rng(8);
  for (std::size_t size : {1u, 7u, 8u, 9u, 1000u, 100000u}) {
    std::string garbage(size, '\0');
    for (char& c : garbage)
      c = static_cast<char>(rng());
    roundTrip(garbage);
  }
}

// Random segments from pieces chosen to hit the classifier's edges, with random fields,
// sources, timestamps (extremes included), raw records and tails.
TEST(ArchiveCodecTest, RandomSegmentsRoundTrip) {
  static const std::string_view kPieces[] = {
      "0",
      "00",
      "-0",
      "7",
      "-",
      ".",
      "-5",
      "12",
      "120ms",
      "1.5",
      "-0.25",
      "00.5",
      "1.",
      ".5",
      "10.0.0.1",
      "010.0.0.1",
      "256.1.1.1",
      "abcdef",
      "ABCDEF1",
      "abc12",
      "Ab12cd",
      "123e4567-e89b-12d3-a456-426614174000",
      "2026-03-01T10:00:00.5Z",
      "10:00:00",
      "23:59:60",
      "2026/03/01 10:00:00,25",
      "+01:00",
      "9223372036854775807",
      "9223372036854775808",
      " ",
      "  ",
      "\t",
      ":",
      "=",
      "/",
      ",",
      "\"",
      "word",
      "web-01",
      "v2",
      "\xc3\xa9",
      "\xff",
      std::string_view("\0", 1),
      std::string_view("\0i", 2),
      "\x01",
      "x",
  };
  std::mt19937_64 rng(9);
  for (int round = 0; round < 300; ++round) {
    std::string segment;
    const int records = 1 + static_cast<int>(rng() % 8);
    for (int r = 0; r < records; ++r) {
      if (rng() % 10 == 0) {
        std::string raw(rng() % 20, '\0');
        for (char& c : raw)
          c = static_cast<char>(rng());
        appendFramedRecord(segment, raw);
        continue;
      }
      std::vector<RawEntry> entries(rng() % 30);
      for (RawEntry& e : entries) {
        auto text = [&] {
          std::string t;
          const int n = static_cast<int>(rng() % 12);
          for (int k = 0; k < n; ++k) {
            t += kPieces[rng() % std::size(kPieces)];
            if (rng() % 3 == 0) t.push_back(static_cast<char>(rng()));
          }
          return t;
        };
        switch (rng() % 4) {
          case 0:
            e.timestampNs = static_cast<std::int64_t>(rng());
            break;
          case 1:
            e.timestampNs = rng() % 2 ? INT64_MIN : INT64_MAX;
            break;
          default:
            e.timestampNs = 1'796'578'690'000'000'000 + static_cast<std::int64_t>(rng() % 1000);
        }
        e.service = text();
        e.level = rng() % 2 ? "info" : text();
        e.message = text();
        const int attributes = static_cast<int>(rng() % 4);
        for (int a = 0; a < attributes; ++a)
          e.attributes.emplace_back(rng() % 2 ? "host" : text(), text());
      }
      appendFramedRecord(segment, rawBatch(static_cast<std::uint8_t>(rng()),
                                           static_cast<std::int64_t>(rng()), entries));
    }
    if (rng() % 3 == 0) segment += std::string(rng() % 12, static_cast<char>(rng()));
    roundTrip(segment, 1);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "round " << round;
      return;
    }
  }
}

TEST(ArchiveCodecTest, WholeObjectsOfTheFirstFormatStillDecode) {
  std::string segment = syslogSegment(fleetLines(2000, 10));
  // As archiveSealed() wrote them before: one zstd frame of the segment.
  std::string frame(ZSTD_compressBound(segment.size()), '\0');
  frame.resize(ZSTD_compress(frame.data(), frame.size(), segment.data(), segment.size(), 6));
  auto decoded = decodeArchive(frame);
  ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
  EXPECT_TRUE(*decoded == segment);
  auto whole = encodeWholeArchive(segment, 6);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(*whole, frame);
  EXPECT_TRUE(verifyArchive(*whole, segment).ok());
  EXPECT_FALSE(verifyArchive(*whole, segment + "x").ok());
  EXPECT_FALSE(describeArchive(*whole).ok());
}

// A zstd frame whose content fills whole 64 KiB buffers (what net::zstdInflate refuses).
TEST(ArchiveCodecTest, ColumnsAndSegmentsOfMultiplesOf64KiBDecode) {
  std::string segment;
  // 65,536 entries: the timestamps, ids and counts columns are 65,536 bytes each.
  appendFramedRecord(segment, rawBatch(5, 0, std::vector<RawEntry>(65536)));
  auto columns = columnsOf(roundTrip(segment));
  EXPECT_EQ(columns["timestamps"].decodedBytes, 65536u);
  std::string garbage(131072, 'g');
  auto whole = encodeWholeArchive(garbage, 3);
  ASSERT_TRUE(whole.ok());
  auto decoded = decodeArchive(*whole);
  ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
  EXPECT_TRUE(*decoded == garbage);
  EXPECT_TRUE(decodeArchive(*whole, 131072).ok());
  EXPECT_EQ(decodeArchive(*whole, 131071).error().code, ErrorCode::kResourceExhausted);
}

TEST(ArchiveCodecTest, VerifyFindsAnObjectOfAnotherSegment) {
  std::string segment = syslogSegment(fleetLines(2000, 11));
  auto object = encodeArchive(segment, 3);
  ASSERT_TRUE(object.ok());
  EXPECT_TRUE(verifyArchive(*object, segment).ok());
  std::string other = segment;
  other[other.size() / 2] ^= 1;
  EXPECT_FALSE(verifyArchive(*object, other).ok());
  EXPECT_FALSE(verifyArchive(*object, segment.substr(0, segment.size() - 1)).ok());
}

Result<std::string> brokenEncoder(std::string_view segment, int level) {
  auto object = encodeArchive(segment, level);
  if (object.ok()) object->back() ^= 0x01;  // a bug that changes one byte
  return object;
}

TEST(ArchiveCodecTest, AnObjectThatDoesNotDecodeToItsSegmentIsReplacedByAWholeOne) {
  std::string segment = syslogSegment(fleetLines(2000, 12));
  auto checked = encodeCheckedArchive(segment, 3);
  ASSERT_TRUE(checked.ok());
  EXPECT_TRUE(checked->templated);
  EXPECT_EQ(checked->object.substr(0, 4), "PHLA");
  auto fallen = encodeCheckedArchive(segment, 3, &brokenEncoder);
  ASSERT_TRUE(fallen.ok());
  EXPECT_FALSE(fallen->templated);
  EXPECT_TRUE(fallen->mismatch);
  EXPECT_FALSE(fallen->fallbackReason.empty());
  auto decoded = decodeArchive(fallen->object);
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(*decoded == segment);
}

TEST(ArchiveCodecTest, EveryZstdLevelRoundTrips) {
  std::string segment = syslogSegment(fleetLines(3000, 13));
  for (int level : {1, 6, 19})
    roundTrip(segment, level);
}

TEST(ArchiveCodecTest, TheDecodedSizeIsBounded) {
  std::string segment = syslogSegment(fleetLines(1000, 14));
  auto object = encodeArchive(segment, 3);
  ASSERT_TRUE(object.ok());
  auto limited = decodeArchive(*object, segment.size() - 1);
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().code, ErrorCode::kResourceExhausted);
  auto whole = encodeWholeArchive(segment, 3);
  ASSERT_TRUE(whole.ok());
  auto limitedWhole = decodeArchive(*whole, segment.size() - 1);
  ASSERT_FALSE(limitedWhole.ok());
  EXPECT_EQ(limitedWhole.error().code, ErrorCode::kResourceExhausted);
  EXPECT_TRUE(decodeArchive(*object, segment.size()).ok());
}

// An object written by hand: the header, then each column stored as it is.
std::string handObject(std::uint64_t segmentBytes, std::uint32_t crc,
                       const std::vector<std::pair<std::uint32_t, std::string>>& columns) {
  std::string out = "PHLA";
  out.push_back(1);
  putVarint(out, segmentBytes);
  putU32Le(out, crc);
  putVarint(out, columns.size());
  for (const auto& [id, bytes] : columns) {
    putVarint(out, id);
    out.push_back(0);
    putVarint(out, bytes.size());
    putVarint(out, bytes.size());
  }
  for (const auto& column : columns)
    out += column.second;
  return out;
}

TEST(ArchiveCodecTest, MalformedObjectsAreRefused) {
  using namespace archive;
  auto refused = [](const std::string& object) {
    auto decoded = decodeArchive(object);
    return !decoded.ok() && (decoded.error().code == ErrorCode::kDataLoss ||
                             decoded.error().code == ErrorCode::kResourceExhausted);
  };
  EXPECT_TRUE(refused(""));
  EXPECT_TRUE(refused("PHL"));
  EXPECT_TRUE(refused("PHLA"));
  EXPECT_TRUE(refused(std::string("PHLA\x02", 5)));  // a newer version
  EXPECT_TRUE(refused("not an archive object at all"));
  EXPECT_TRUE(refused(std::string("\x28\xB5\x2F\xFD garbage", 12)));
  // A header claiming a terabyte: refused before anything is allocated.
  std::string huge = "PHLA";
  huge.push_back(1);
  putVarint(huge, 1ull << 40);
  putU32Le(huge, 0);
  putVarint(huge, 0);
  EXPECT_TRUE(refused(huge));
  // Claiming a gigabyte but holding nothing: the columns do not make it.
  EXPECT_TRUE(refused(handObject(1u << 30, 0, {})));
  // A column directory past the end, ids out of order, unknown codec.
  EXPECT_TRUE(refused(handObject(0, 0, {{kTail, "x"}}).substr(0, 14)));
  EXPECT_TRUE(refused(handObject(2, crc32c("ab"), {{kTail, "a"}, {kRecordKinds, "b"}})));
  // A template expanded a million times (one byte of id each) from a small object: refused
  // once the output passes the declared size, not after writing a gigabyte.
  std::string templates;
  putVarint(templates, 1);
  putVarint(templates, 0);
  putString(templates, std::string(4000, 'z'));
  std::string batchHeader(1, '\0');  // source
  std::string kinds(1, '\0');        // a batch
  std::string counts;
  putVarint(counts, 1'000'000);
  auto bomb = handObject(10'000'000, 0,
                         {{kRecordKinds, kinds},
                          {kBatchSources, batchHeader},
                          {kBatchReceived, std::string(1, '\0')},
                          {kBatchCounts, counts},
                          {kTimestamps, std::string(1'000'000, '\0')},
                          {kServiceIds, std::string(1'000'000, '\x01')},
                          {kServiceDict, std::string(1, '\0')},
                          {kLevelIds, std::string(1'000'000, '\x01')},
                          {kLevelDict, std::string(1, '\0')},
                          {kAttributeCounts, std::string(1'000'000, '\0')},
                          {kMessageTemplates, std::string(1'000'000, '\0')},
                          {kTemplates, templates}});
  EXPECT_TRUE(refused(bomb));
  // A valid object cut anywhere, or with a byte changed, is refused (or, for a change that
  // does not matter, decodes to the same segment).
  std::string segment = syslogSegment(fleetLines(200, 15), 50);
  auto object = encodeArchive(segment, 3);
  ASSERT_TRUE(object.ok());
  for (std::size_t cut = 0; cut < object->size(); cut += 1 + cut / 8)
    EXPECT_TRUE(refused(object->substr(0, cut))) << "cut at " << cut;
  std::mt19937 rng(16);
  for (int i = 0; i < 2000; ++i) {
    std::string changed = *object;
    changed[rng() % changed.size()] ^= static_cast<char>(1 + rng() % 255);
    auto decoded = decodeArchive(changed);
    if (decoded.ok()) {
      EXPECT_TRUE(*decoded == segment) << "change " << i;
    }
  }
}

}  // namespace
}  // namespace pharos::logs
