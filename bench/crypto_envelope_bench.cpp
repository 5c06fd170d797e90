// Envelope encryption costs: one small value (a receiver password, an API-key salt) sealed and
// opened, directly and through the keyring; and stream throughput for backups.
//   build/bench/crypto_envelope_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "crypto/envelope.h"
#include "crypto/keyring.h"
#include "fakes/temp_dir.h"
#include "store/sqlite/sqlite_store.h"

namespace pharos::crypto {
namespace {

KeyBytes benchKey() {
  auto key = KeyBytes::random();
  if (!key.ok()) std::abort();
  return std::move(key).value();
}

std::string payload(size_t size) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i)
    s[i] = static_cast<char>(i * 131 + (i >> 7));
  return s;
}

void BM_SealValue(benchmark::State& state) {
  KeyBytes key = benchKey();
  std::string plaintext = payload(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    auto sealed = envelope::seal(key.view(), "secrets", "01HXKEYID0000000000000000", plaintext);
    benchmark::DoNotOptimize(sealed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_SealValue)->Arg(64)->Arg(1024);

void BM_OpenValue(benchmark::State& state) {
  KeyBytes key = benchKey();
  std::string sealed = envelope::seal(key.view(), "secrets", "01HXKEYID0000000000000000",
                                      payload(static_cast<size_t>(state.range(0))))
                           .value();
  for (auto _ : state) {
    auto opened = envelope::open(key.view(), "secrets", "01HXKEYID0000000000000000", sealed);
    if (!opened.ok()) state.SkipWithError("open failed");
    benchmark::DoNotOptimize(opened);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_OpenValue)->Arg(64)->Arg(1024);

// Through the keyring: the current key is cached, so this adds a lock and a map lookup.
void BM_KeyringSealOpen(benchmark::State& state) {
  testing::TempDir dir;
  auto store = store::SqliteStore::open(dir.file("bench.db")).value();
  auto keyring = Keyring::open(*store, MasterKey::generate().value()).value();
  std::string plaintext = payload(64);
  for (auto _ : state) {
    auto sealed = keyring->seal(Purpose::kSecrets, plaintext);
    auto opened = keyring->open(Purpose::kSecrets, sealed.value());
    if (!opened.ok()) state.SkipWithError("open failed");
    benchmark::DoNotOptimize(opened);
  }
}
BENCHMARK(BM_KeyringSealOpen);

constexpr size_t kStreamBytes = 64 << 20;

void BM_SealStream(benchmark::State& state) {
  KeyBytes key = benchKey();
  std::string plaintext = payload(kStreamBytes);
  for (auto _ : state) {
    size_t written = 0;
    Status sealed = envelope::sealStream(
        key.view(), "backups", "k1", envelope::sourceFrom(plaintext),
        [&](std::string_view bytes) {
          written += bytes.size();
          return okStatus();
        },
        envelope::StreamOptions{static_cast<size_t>(state.range(0))});
    if (!sealed.ok()) state.SkipWithError("seal failed");
    benchmark::DoNotOptimize(written);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kStreamBytes));
}
BENCHMARK(BM_SealStream)->Arg(64 << 10)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

void BM_OpenStream(benchmark::State& state) {
  KeyBytes key = benchKey();
  std::string sealed;
  if (!envelope::sealStream(key.view(), "backups", "k1",
                            envelope::sourceFrom(payload(kStreamBytes)), envelope::sinkTo(sealed))
           .ok()) {
    state.SkipWithError("seal failed");
    return;
  }
  for (auto _ : state) {
    size_t produced = 0;
    Status opened = envelope::openStream(key.view(), "backups", "k1", envelope::sourceFrom(sealed),
                                         [&](std::string_view bytes) {
                                           produced += bytes.size();
                                           return okStatus();
                                         });
    if (!opened.ok()) state.SkipWithError("open failed");
    benchmark::DoNotOptimize(produced);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kStreamBytes));
}
BENCHMARK(BM_OpenStream)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pharos::crypto

BENCHMARK_MAIN();
