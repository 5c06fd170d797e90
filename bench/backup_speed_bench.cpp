// Backup speed of a data directory (SQLite databases, metrics-wal and log segments; ~200 MB,
// or PHAROS_BACKUP_BENCH_MB megabytes: 1024 for issue 10's figure) against
// `tar -C DIR -cf - . | zstd -3 > /dev/null` on the same directory in the same run.
// Ours does more: an online SQLite copy into staging, BLAKE2b of every file and part,
// encryption, and durable (fsynced) puts of 64 MiB parts. The counter `vs_tar_zstd` on the
// backup row is its time divided by tar|zstd's time; `cpu_vs_tar_zstd` the same for CPU
// seconds (every thread; tar's and zstd's processes), steadier on a shared machine.
//   build/bench/backup_speed_bench --benchmark_min_time=1x
//   PHAROS_BACKUP_BENCH_MB=1024 build/bench/backup_speed_bench
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "backup/backup_writer.h"
#include "backup/snapshot.h"
#include "core/clock.h"
#include "crypto/keyring.h"
#include "fakes/temp_dir.h"
#include "objects/local/local_object_store.h"
#include "store/sqlite/sqlite_store.h"

namespace pharos::backup {
namespace {

namespace fs = std::filesystem;

// CI-sized by default; the env var scales it (the bench is built by CI, never run there).
uint64_t targetBytes() {
  const char* mb = std::getenv("PHAROS_BACKUP_BENCH_MB");
  const uint64_t n = mb != nullptr ? std::strtoull(mb, nullptr, 10) : 0;
  return (n > 0 ? n : 200) << 20;
}

// Log-like text: compresses about as well as real logs (varying numbers, repeated words).
std::string logLine(uint64_t i) {
  static const char* services[] = {"checkout", "auth", "search", "cart", "payments"};
  static const char* words[] = {"request served", "cache miss", "upstream timeout",
                                "user logged in", "retrying"};
  uint64_t x = i * 0x9E3779B97F4A7C15ull;
  return "2026-12-05T10:" + std::to_string(10 + x % 50) + ":" + std::to_string(x % 60) +
         "Z level=info service=" + services[x % 5] + " msg=\"" + words[(x >> 8) % 5] +
         "\" latency_ms=" + std::to_string(x % 997) + " trace=" + std::to_string(x) + "\n";
}

void writeDatabase(const fs::path& path, uint64_t bytes) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE logs(id INTEGER PRIMARY KEY, line TEXT)",
               nullptr, nullptr, nullptr);
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO logs(line) VALUES (?1)", -1, &stmt, nullptr);
  uint64_t written = 0;
  for (uint64_t i = 0; written < bytes; ++i) {
    const std::string line = logLine(i);
    sqlite3_bind_text(stmt, 1, line.data(), static_cast<int>(line.size()), SQLITE_TRANSIENT);
    sqlite3_step(stmt);
    sqlite3_reset(stmt);
    written += line.size() + 16;
  }
  sqlite3_finalize(stmt);
  sqlite3_exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
}

void writeSegment(const fs::path& path, uint64_t bytes, uint64_t seed) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  uint64_t written = 0;
  for (uint64_t i = seed; written < bytes; ++i) {
    const std::string line = logLine(i);
    out << line;
    written += line.size();
  }
}

// Samples-like binary: a slowly varying counter with noise in its low bits.
void writeMetricsWal(const fs::path& path, uint64_t bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  uint64_t x = 88172645463325252ull;
  std::string block(1 << 16, '\0');
  for (uint64_t written = 0; written < bytes; written += block.size()) {
    for (size_t i = 0; i + 8 <= block.size(); i += 8) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      const uint64_t value = (written + i) * 1000 + (x & 0xff);
      for (int b = 0; b < 8; ++b)
        block[i + b] = static_cast<char>(value >> (8 * b));
    }
    out.write(block.data(), static_cast<std::streamsize>(block.size()));
  }
}

struct Fixture {
  testing::TempDir tmp;
  fs::path dataDir = tmp.path() / "data";
  uint64_t bytes = 0;

  Fixture() {
    const uint64_t target = targetBytes();
    fs::create_directories(dataDir);
    writeDatabase(dataDir / "pharos.db", target * 30 / 100);
    writeDatabase(dataDir / "metrics.db", target * 15 / 100);
    writeDatabase(dataDir / "bus.db", target * 5 / 100);
    writeMetricsWal(dataDir / "metrics-wal" / "00000001.wal", target * 15 / 100);
    for (int i = 0; i < 4; ++i) {
      writeSegment(dataDir / "logs" / "ingest" / ("00000" + std::to_string(i) + ".seg"),
                   target * 35 / 400, static_cast<uint64_t>(i) << 32);
    }
    for (const auto& entry : fs::recursive_directory_iterator(dataDir)) {
      if (entry.is_regular_file()) bytes += entry.file_size();
    }
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

double tarSeconds = 0;
double tarCpuSeconds = 0;

// CPU seconds (user + system) of this process's threads, or of its waited-for children: on a
// shared machine the CPU a backup costs is steadier than its wall time.
double cpuSeconds(int who) {
  rusage usage{};
  getrusage(who, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

void BM_TarZstd(benchmark::State& state) {
  Fixture& f = fixture();
  const std::string command =
      "tar -C '" + f.dataDir.string() + "' -cf - . | zstd -q -3 > /dev/null";
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    const double cpu = cpuSeconds(RUSAGE_CHILDREN);
    if (std::system(command.c_str()) != 0) state.SkipWithError("tar | zstd failed");
    tarSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    tarCpuSeconds = cpuSeconds(RUSAGE_CHILDREN) - cpu;
  }
  state.counters["cpu_s"] = tarCpuSeconds;
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.bytes));
  state.counters["data_mb"] = static_cast<double>(f.bytes) / (1 << 20);
}

void BM_PharosBackup(benchmark::State& state) {
  Fixture& f = fixture();
  testing::TempDir out;
  auto keys = store::SqliteStore::open(out.file("keys.db"));
  auto master = crypto::MasterKey::generate();
  if (!keys.ok() || !master.ok()) std::abort();
  auto keyring = crypto::Keyring::open(**keys, std::move(master).value());
  auto objects = objects::LocalObjectStore::open(out.path() / "objects", systemClock());
  if (!keyring.ok() || !objects.ok()) std::abort();
  Manifest last;
  double seconds = 0;
  double cpu = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    const double cpuStart = cpuSeconds(RUSAGE_SELF);
    auto manifest = createBackup(f.dataDir, **objects, **keyring);
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    cpu = cpuSeconds(RUSAGE_SELF) - cpuStart;
    if (!manifest.ok()) {
      state.SkipWithError(manifest.error().toString().c_str());
      break;
    }
    last = std::move(manifest).value();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.bytes));
  state.counters["data_mb"] = static_cast<double>(last.rawBytes) / (1 << 20);
  state.counters["stored_mb"] = static_cast<double>(last.storedBytes) / (1 << 20);
  state.counters["parts"] = static_cast<double>(last.parts.size());
  state.counters["cpu_s"] = cpu;
  if (tarSeconds > 0) state.counters["vs_tar_zstd"] = seconds / tarSeconds;
  if (tarCpuSeconds > 0) state.counters["cpu_vs_tar_zstd"] = cpu / tarCpuSeconds;
}

// The first stage alone: SQLite online copies and plain copies into staging, with checksums.
void BM_SnapshotOnly(benchmark::State& state) {
  Fixture& f = fixture();
  for (auto _ : state) {
    testing::TempDir staging;
    auto files = takeSnapshot(f.dataDir, staging.path() / "s");
    if (!files.ok()) state.SkipWithError(files.error().toString().c_str());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.bytes));
}

BENCHMARK(BM_TarZstd)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_PharosBackup)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SnapshotOnly)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace pharos::backup

BENCHMARK_MAIN();
