// The raw archive: size and speed of the whole format (one zstd frame of the segment, as before)
// and the templated one (archive_codec.h), on ingest-log segments built from the log
// benchmark's content (bench/logs/gen.py) the way the server builds them:
//   - syslog: the .log file through the syslog TCP framer in 256 KiB reads, a batch every 4 MiB
//     (syslog_server.cpp), each frame a line;
//   - ndjson: the .ndjson file, 5,000 lines a body through decodeNative (bench/logs/ingest.py).
// Batches are framed into segments that seal past 32 MiB (logs.segment_bytes in
// bench/logs/ingest.py); the first sealed segment is measured.
//
// "pct_of_raw" is the object's size over the raw lines it holds: the bytes of those lines in
// the .log file, newline included, as bench/logs/ingest.py computes its archive figure (it
// scales the .log file by archived/ingested bytes, for syslog and NDJSON alike). Throughput
// (bytes_per_second) is of segment bytes.
//
//   python3 bench/logs/gen.py 400000 /tmp/archive-bench.log --ndjson /tmp/archive-bench.ndjson
//   cmake --build build --target logs_archive_bench
//   PHAROS_ARCHIVE_BENCH=/tmp/archive-bench build/bench/logs_archive_bench
// With PHAROS_ARCHIVE_BENCH_COLUMNS=1 it prints the templated object's columns once.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/framed_records.h"
#include "logs/archive_codec.h"
#include "logs/ingest_decoders.h"
#include "logs/log_batch.h"
#include "logs/syslog_framer.h"

namespace {

using pharos::logs::BatchEncoder;
using pharos::logs::Source;

constexpr std::size_t kSegmentBytes = 32u << 20;
constexpr std::size_t kMaxLineBytes = 256u << 10;
// logs.archive_level's default; PHAROS_ARCHIVE_LEVEL tries another.
int archiveLevel() {
  static const int level = [] {
    const char* v = std::getenv("PHAROS_ARCHIVE_LEVEL");
    return v != nullptr ? std::atoi(v)
                        : static_cast<int>(pharos::config::LogsConfig{}.archiveLevel);
  }();
  return level;
}

struct Segment {
  std::string bytes;
  std::size_t rawBytes = 0;  // the .log bytes of its lines
  std::size_t lines = 0;
};

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Frames batches into segments as IngestLog does: a segment seals once it holds kSegmentBytes
// and another batch comes. Returns the first sealed one.
class SegmentBuilder {
 public:
  // False once a segment is sealed.
  bool add(const std::string& batch, std::size_t rawBytes, std::size_t lines) {
    if (current_.bytes.size() >= kSegmentBytes) return false;
    pharos::appendFramedRecord(current_.bytes, batch);
    current_.rawBytes += rawBytes;
    current_.lines += lines;
    return true;
  }
  bool sealed() const { return current_.bytes.size() >= kSegmentBytes; }
  Segment take() { return std::move(current_); }

 private:
  Segment current_;
};

Segment syslogSegment(const std::string& log) {
  SegmentBuilder segment;
  pharos::logs::SyslogFramer framer(kMaxLineBytes);
  std::int64_t received = 1796578680200183548;
  std::size_t at = 0;
  while (at < log.size() && !segment.sealed()) {
    BatchEncoder batch(Source::kSyslogTcp, received, kMaxLineBytes);
    std::size_t raw = 0, taken = 0;
    auto onFrame = [&](std::string_view frame) {
      batch.add({.message = frame});
      raw += frame.size() + 1;
    };
    while (taken < (4u << 20) && at < log.size()) {
      std::size_t n = std::min<std::size_t>(256u << 10, log.size() - at);
      framer.feed(std::string_view(log).substr(at, n), onFrame);
      at += n;
      taken += n;
    }
    std::size_t lines = batch.count();
    received += 9'000'000 + static_cast<std::int64_t>(lines) * 1'000;
    if (!segment.add(std::move(batch).finish(), raw, lines)) break;
  }
  if (!segment.sealed()) std::abort();  // too few lines for a segment: generate more
  return segment.take();
}

Segment ndjsonSegment(const std::string& ndjson, const std::string& log) {
  SegmentBuilder segment;
  std::int64_t received = 1796578690597903019;
  std::size_t at = 0, logAt = 0;
  pharos::logs::DecodeLimits limits;
  while (at < ndjson.size() && !segment.sealed()) {
    std::size_t end = at;
    std::size_t raw = 0;
    for (int i = 0; i < 5000 && end < ndjson.size(); ++i) {
      end = ndjson.find('\n', end);
      end = end == std::string::npos ? ndjson.size() : end + 1;
      std::size_t logEnd = log.find('\n', logAt);
      logEnd = logEnd == std::string::npos ? log.size() : logEnd + 1;
      raw += logEnd - logAt;
      logAt = logEnd;
    }
    BatchEncoder batch(Source::kNative, received, kMaxLineBytes);
    auto decoded =
        pharos::logs::decodeNative(std::string_view(ndjson).substr(at, end - at), batch, limits);
    if (!decoded.ok()) std::abort();
    at = end;
    received += 20'000'000;
    std::size_t lines = batch.count();
    if (!segment.add(std::move(batch).finish(), raw, lines)) break;
  }
  if (!segment.sealed()) std::abort();
  return segment.take();
}

const Segment& segmentOf(const std::string& kind) {
  static std::map<std::string, Segment> segments;
  auto it = segments.find(kind);
  if (it != segments.end()) return it->second;
  const char* prefix = std::getenv("PHAROS_ARCHIVE_BENCH");
  if (prefix == nullptr) {
    std::fprintf(stderr,
                 "set PHAROS_ARCHIVE_BENCH to the prefix of gen.py's output (see the header)\n");
    std::exit(2);
  }
  std::string log = readFile(std::string(prefix) + ".log");
  Segment s = kind == "syslog" ? syslogSegment(log)
                               : ndjsonSegment(readFile(std::string(prefix) + ".ndjson"), log);
  return segments.emplace(kind, std::move(s)).first->second;
}

bool templated(const std::string& format) {
  return format == "templated";
}

std::string encode(const std::string& format, const Segment& s) {
  auto object = templated(format) ? pharos::logs::encodeArchive(s.bytes, archiveLevel())
                                  : pharos::logs::encodeWholeArchive(s.bytes, archiveLevel());
  if (!object.ok()) {
    std::fprintf(stderr, "%s\n", object.error().toString().c_str());
    std::abort();
  }
  return std::move(*object);
}

void printColumns(const std::string& kind, const Segment& s, const std::string& object) {
  static bool printed[2] = {false, false};
  bool& done = printed[kind == "syslog" ? 0 : 1];
  if (done || std::getenv("PHAROS_ARCHIVE_BENCH_COLUMNS") == nullptr) return;
  done = true;
  auto columns = pharos::logs::describeArchive(object);
  if (!columns.ok()) std::abort();
  std::fprintf(stderr, "\n%s: %zu lines, %zu raw bytes, %zu segment bytes, object %zu (%.2f%%)\n",
               kind.c_str(), s.lines, s.rawBytes, s.bytes.size(), object.size(),
               100.0 * static_cast<double>(object.size()) / static_cast<double>(s.rawBytes));
  std::fprintf(stderr, "%-22s %12s %12s %10s %7s\n", "column", "decoded", "stored", "B/line",
               "% raw");
  for (const auto& c : *columns) {
    std::fprintf(stderr, "%-22s %12llu %12llu %10.3f %7.3f\n", c.name.c_str(),
                 static_cast<unsigned long long>(c.decodedBytes),
                 static_cast<unsigned long long>(c.storedBytes),
                 static_cast<double>(c.storedBytes) / static_cast<double>(s.lines),
                 100.0 * static_cast<double>(c.storedBytes) / static_cast<double>(s.rawBytes));
  }
}

void counters(benchmark::State& state, const Segment& s, const std::string& object) {
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(s.bytes.size()));
  state.counters["pct_of_raw"] =
      100.0 * static_cast<double>(object.size()) / static_cast<double>(s.rawBytes);
  state.counters["bytes_per_line"] =
      static_cast<double>(object.size()) / static_cast<double>(s.lines);
  state.counters["lines"] = static_cast<double>(s.lines);
}

void BM_Encode(benchmark::State& state, const std::string& kind, const std::string& format) {
  const Segment& s = segmentOf(kind);
  std::string object;
  for (auto _ : state) {
    object = encode(format, s);
    benchmark::DoNotOptimize(object.data());
  }
  printColumns(kind, s, templated(format) ? object : encode("templated", s));
  counters(state, s, object);
}

void BM_Decode(benchmark::State& state, const std::string& kind, const std::string& format) {
  const Segment& s = segmentOf(kind);
  const std::string object = encode(format, s);
  for (auto _ : state) {
    auto segment = pharos::logs::decodeArchive(object);
    if (!segment.ok() || *segment != s.bytes) std::abort();
    benchmark::DoNotOptimize(segment->data());
  }
  counters(state, s, object);
}

// What archiveSealed() checks before it stores an object.
void BM_Verify(benchmark::State& state, const std::string& kind) {
  const Segment& s = segmentOf(kind);
  const std::string object = encode("templated", s);
  for (auto _ : state) {
    if (!pharos::logs::verifyArchive(object, s.bytes).ok()) std::abort();
  }
  counters(state, s, object);
}

// The whole of archiveSealed()'s work on a segment: encode, then verify. "verify_pct" is the
// verification's time as a share of the encoding's, both timed in each iteration (so that a
// busy machine slows both alike).
void BM_EncodeAndVerify(benchmark::State& state, const std::string& kind) {
  const Segment& s = segmentOf(kind);
  std::string object;
  double encoding = 0, verifying = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    object = encode("templated", s);
    auto t1 = std::chrono::steady_clock::now();
    if (!pharos::logs::verifyArchive(object, s.bytes).ok()) std::abort();
    auto t2 = std::chrono::steady_clock::now();
    encoding += std::chrono::duration<double>(t1 - t0).count();
    verifying += std::chrono::duration<double>(t2 - t1).count();
  }
  counters(state, s, object);
  state.counters["verify_pct"] = 100.0 * verifying / encoding;
}

// What the archive does with a sealed segment: the probe (do templates pay?), the templated
// encoding and its verification (encodeCheckedArchive).
void BM_Archive(benchmark::State& state, const std::string& kind) {
  const Segment& s = segmentOf(kind);
  std::string object;
  for (auto _ : state) {
    auto checked = pharos::logs::encodeCheckedArchive(s.bytes, archiveLevel());
    if (!checked.ok() || !checked->templated) std::abort();
    object = std::move(checked->object);
  }
  counters(state, s, object);
}

}  // namespace

BENCHMARK_CAPTURE(BM_Archive, syslog, std::string("syslog"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Archive, ndjson, std::string("ndjson"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, syslog_whole, std::string("syslog"), std::string("whole"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, syslog_templated, std::string("syslog"), std::string("templated"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, ndjson_whole, std::string("ndjson"), std::string("whole"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, ndjson_templated, std::string("ndjson"), std::string("templated"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Decode, syslog_whole, std::string("syslog"), std::string("whole"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Decode, syslog_templated, std::string("syslog"), std::string("templated"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Decode, ndjson_whole, std::string("ndjson"), std::string("whole"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Decode, ndjson_templated, std::string("ndjson"), std::string("templated"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Verify, syslog, std::string("syslog"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Verify, ndjson, std::string("ndjson"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_EncodeAndVerify, syslog, std::string("syslog"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_EncodeAndVerify, ndjson, std::string("ndjson"))->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
