// Ingest decoder throughput, lines per second on one core: decode + BatchEncoder::add for a
// native NDJSON body of ~180-byte lines (target >= 1,000,000 lines/s), and the same records
// as OTLP protobuf, Loki snappy protobuf and Elasticsearch bulk.
//   cmake --build build --target logs_decode_bench && ./build/bench/logs_decode_bench
#include <benchmark/benchmark.h>
#include <snappy.h>

#include <cstdlib>
#include <string>

#include "logs/ingest_decoders.h"
#include "logs/protobuf_writer.h"

namespace {

using pharos::logs::BatchEncoder;
using pharos::logs::Source;
using pharos::testing::Pb;

constexpr int kLines = 5000;

std::string services[] = {"checkout", "payments", "inventory", "auth"};
std::string levels[] = {"info", "warn", "error", "debug"};

// ~180 bytes, the shape of a typical structured app line.
std::string ndjsonLine(int i) {
  return R"({"ts":"2026-11-27T14:55:)" + std::to_string(10 + i % 50) + R"(.123Z","level":")" +
         levels[i % 4] + R"(","service":")" + services[i % 4] +
         R"(","msg":"order created for customer","order_id":)" + std::to_string(100000 + i) +
         R"(,"amount":19.99,"currency":"EUR","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"})";
}

std::string message(int i) {
  return "order " + std::to_string(100000 + i) +
         " created for customer 42 amount=19.99 currency=EUR "
         "trace=4bf92f3577b34da6a3ce929d0e0e4736";
}

void run(benchmark::State& state, const std::string& body, Source source,
         pharos::Result<pharos::logs::DecodeResult> (*decode)(std::string_view, BatchEncoder&,
                                                              const pharos::logs::DecodeLimits&)) {
  pharos::logs::DecodeLimits limits;
  for (auto _ : state) {
    BatchEncoder encoder(source, 1, 64 * 1024);
    auto result = decode(body, encoder, limits);
    if (!result.ok() || result->accepted != kLines) std::abort();
    benchmark::DoNotOptimize(encoder.sizeBytes());
  }
  state.SetItemsProcessed(state.iterations() * kLines);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}

void BM_NativeNdjson(benchmark::State& state) {
  std::string body;
  for (int i = 0; i < kLines; ++i)
    body += ndjsonLine(i) + "\n";
  state.counters["bytes_per_line"] = static_cast<double>(body.size()) / kLines;
  run(state, body, Source::kNative, &pharos::logs::decodeNative);
}
BENCHMARK(BM_NativeNdjson)->Unit(benchmark::kMillisecond);

void BM_OtlpProtobuf(benchmark::State& state) {
  Pb resource = Pb().m(1, Pb().s(1, "service.name").m(2, Pb().s(1, "checkout")));
  Pb scopeLogs;
  for (int i = 0; i < kLines; ++i) {
    scopeLogs.m(2, Pb().f64(1, 1795791321123000000ULL + i)
                       .u(2, 9)
                       .s(3, "INFO")
                       .m(5, Pb().s(1, message(i)))
                       .m(6, Pb().s(1, "order_id").m(2, Pb().u(3, 100000 + i)))
                       .s(9, std::string(16, '\x4b')));
  }
  Pb request = Pb().m(1, Pb().m(1, resource).m(2, scopeLogs));
  run(state, request.out, Source::kOtlp, &pharos::logs::decodeOtlpProtobuf);
}
BENCHMARK(BM_OtlpProtobuf)->Unit(benchmark::kMillisecond);

void BM_LokiProtobuf(benchmark::State& state) {
  Pb request;
  for (int s = 0; s < 10; ++s) {
    Pb stream = Pb().s(1, "{job=\"api\", service_name=\"" + services[s % 4] + "\", level=\"" +
                              levels[s % 4] + "\"}");
    for (int i = s; i < kLines; i += 10) {
      stream.m(
          2, Pb().m(1, Pb().u(1, 1795791321).u(2, static_cast<std::uint64_t>(i))).s(2, message(i)));
    }
    request.m(1, stream);
  }
  std::string body;
  snappy::Compress(request.out.data(), request.out.size(), &body);
  run(state, body, Source::kLoki, &pharos::logs::decodeLokiProtobuf);
}
BENCHMARK(BM_LokiProtobuf)->Unit(benchmark::kMillisecond);

void BM_ElasticBulk(benchmark::State& state) {
  std::string body;
  for (int i = 0; i < kLines; ++i) {
    body +=
        "{\"create\":{\"_index\":\"fluent-bit\"}}\n{\"@timestamp\":\"2026-11-27T15:03:45.279Z\","
        "\"log\":\"" +
        message(i) + "\"}\n";
  }
  pharos::logs::DecodeLimits limits;
  for (auto _ : state) {
    BatchEncoder encoder(Source::kElastic, 1, 64 * 1024);
    auto result = pharos::logs::decodeElasticBulk(body, "", 1, encoder, limits);
    if (!result.ok() || result->summary.accepted != kLines) std::abort();
    benchmark::DoNotOptimize(pharos::logs::elasticBulkResponse(*result, 1).size());
  }
  state.SetItemsProcessed(state.iterations() * kLines);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}
BENCHMARK(BM_ElasticBulk)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
