// Line parsing throughput (lines/s = items_per_second) and syslog TCP framing (bytes/s).
// Target: LineParser >= 1,000,000 lines/s on one core for 150-200 byte RFC 5424 lines.
//   cmake --build build --target logs_parse_bench && build/bench/logs_parse_bench
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "logs/line_parser.h"
#include "logs/syslog_framer.h"

namespace pharos::logs {
namespace {

constexpr std::size_t kVariants = 1024;
constexpr std::int64_t kReceived = 1'764'255'923'000'000'000;

const char* const kWords[] = {"payment",    "gateway",   "timeout",   "retrying", "order",
                              "customer",   "inventory", "reserved",  "cache",    "miss",
                              "connection", "pool",      "exhausted", "request",  "completed"};

std::string words(std::size_t seed, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) out.push_back(' ');
    out += kWords[(seed * 7 + i * 13) % std::size(kWords)];
  }
  return out;
}

std::string pad2(std::size_t v) {
  return (v < 10 ? "0" : "") + std::to_string(v);
}

// RFC 5424 frames of 150-200 bytes with a plain message, as rsyslog forwards them.
std::vector<std::string> rfc5424Lines(bool withSd) {
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < kVariants; ++i) {
    std::string line = "<" + std::to_string(130 + i % 8) + ">1 2026-11-27T15:" + pad2(i % 60) +
                       ":" + pad2((i * 7) % 60) + "." + std::to_string(100000 + i * 37) + "Z web-" +
                       std::to_string(i % 40) + ".prod.example.com checkout-api " +
                       std::to_string(1000 + i) + " ORDER ";
    line += withSd ? "[req@32473 id=\"" + std::to_string(i) + "\" user=\"u" +
                         std::to_string(i % 97) + "\"] "
                   : "- ";
    line += "order " + std::to_string(40000 + i) + " " + words(i, 6 + i % 5);
    lines.push_back(line.substr(0, 200));
  }
  return lines;
}

std::vector<std::string> rfc3164Lines() {
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < kVariants; ++i) {
    lines.push_back("<" + std::to_string(130 + i % 8) + ">Nov 27 15:" + pad2(i % 60) + ":" +
                    pad2((i * 7) % 60) + " web-" + std::to_string(i % 40) + " sshd[" +
                    std::to_string(1000 + i) + "]: " + words(i, 8 + i % 5));
  }
  return lines;
}

std::vector<std::string> jsonLines() {
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < kVariants; ++i) {
    lines.push_back(R"({"ts":"2026-11-27T14:55:21.)" + std::to_string(100 + i % 900) +
                    R"(Z","level":")" + (i % 3 == 0 ? "error" : "info") +
                    R"(","service":"checkout","msg":")" + words(i, 3) + R"(","order_id":)" +
                    std::to_string(i) + R"(,"amount":19.99,"user":{"id":)" +
                    std::to_string(i % 77) + R"(,"tier":"gold"},"latency_ms":)" +
                    std::to_string(i % 500) + R"(,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"})");
  }
  return lines;
}

std::vector<std::string> accessLines() {
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < kVariants; ++i) {
    lines.push_back("10.0." + std::to_string(i % 256) + "." + std::to_string(i % 7) +
                    " - - [27/Nov/2026:14:55:" + pad2(i % 60) + " +0000] \"GET /api/v1/orders/" +
                    std::to_string(i) + " HTTP/1.1\" " + (i % 10 == 0 ? "500" : "200") + " " +
                    std::to_string(100 + i) +
                    " \"-\" \"Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0\" 0.0" +
                    std::to_string(10 + i % 90));
  }
  return lines;
}

std::vector<std::string> logfmtLines() {
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < kVariants; ++i) {
    lines.push_back("time=2026-11-27T14:55:23Z level=info msg=\"" + words(i, 3) +
                    "\" method=GET path=/api/users/" + std::to_string(i) +
                    " status=200 duration_ms=" + std::to_string(i % 300) + ".4");
  }
  return lines;
}

void runParser(benchmark::State& state, Source source, const std::vector<std::string>& lines) {
  LineParser parser;
  Record record;
  std::size_t i = 0;
  std::int64_t bytes = 0;
  for (auto _ : state) {
    EntryView entry;
    entry.message = lines[i];
    bytes += static_cast<std::int64_t>(lines[i].size());
    parser.parse(source, kReceived, entry, record);
    benchmark::DoNotOptimize(record.message.data());
    i = (i + 1) % lines.size();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}

void BM_LineParserRfc5424Plain(benchmark::State& state) {
  static const auto lines = rfc5424Lines(false);
  runParser(state, Source::kSyslogTcp, lines);
}
BENCHMARK(BM_LineParserRfc5424Plain);

void BM_LineParserRfc5424WithSd(benchmark::State& state) {
  static const auto lines = rfc5424Lines(true);
  runParser(state, Source::kSyslogTcp, lines);
}
BENCHMARK(BM_LineParserRfc5424WithSd);

void BM_LineParserRfc3164(benchmark::State& state) {
  static const auto lines = rfc3164Lines();
  runParser(state, Source::kSyslogUdp, lines);
}
BENCHMARK(BM_LineParserRfc3164);

void BM_LineParserJson(benchmark::State& state) {
  static const auto lines = jsonLines();
  runParser(state, Source::kNative, lines);
}
BENCHMARK(BM_LineParserJson);

void BM_LineParserAccessLog(benchmark::State& state) {
  static const auto lines = accessLines();
  runParser(state, Source::kNative, lines);
}
BENCHMARK(BM_LineParserAccessLog);

void BM_LineParserLogfmt(benchmark::State& state) {
  static const auto lines = logfmtLines();
  runParser(state, Source::kNative, lines);
}
BENCHMARK(BM_LineParserLogfmt);

// A TCP read of 64 KiB at a time over ~4 MiB of frames.
void runFramer(benchmark::State& state, bool octetCounted) {
  static const auto lines = rfc5424Lines(false);
  std::string stream;
  while (stream.size() < (4u << 20)) {
    for (const std::string& line : lines) {
      if (octetCounted) {
        stream += std::to_string(line.size()) + " " + line;
      } else {
        stream += line + "\n";
      }
    }
  }
  constexpr std::size_t kRead = 64 * 1024;
  std::size_t frames = 0;
  for (auto _ : state) {
    SyslogFramer framer(64 * 1024);
    auto count = [&](std::string_view frame) {
      benchmark::DoNotOptimize(frame.data());
      ++frames;
    };
    for (std::size_t pos = 0; pos < stream.size(); pos += kRead)
      framer.feed(std::string_view(stream).substr(pos, kRead), count);
    framer.finish(count);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(stream.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(frames));
}

void BM_SyslogFramerNewline(benchmark::State& state) {
  runFramer(state, false);
}
BENCHMARK(BM_SyslogFramerNewline)->Unit(benchmark::kMillisecond);

void BM_SyslogFramerOctetCounted(benchmark::State& state) {
  runFramer(state, true);
}
BENCHMARK(BM_SyslogFramerOctetCounted)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pharos::logs

BENCHMARK_MAIN();
