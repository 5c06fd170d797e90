// Lines per second of TemplateMiner::add() on one core, in the steady state (the templates
// already learned, as in a long-running processor), over three mixes:
//   loghub:    all 16,000 `Content` lines of the eight Loghub 2k samples, in order
//   synthetic: 150-200 byte syslog-like messages from 40 templates with random variables
//   syslog:    the messages of bench/logs/gen.py's RFC 5424 lines, what the server mines
//
//   ./build/bench/logs_miner_bench
//   PHAROS_LOGHUB_DIR=/path/to/loghub2k ./build/bench/logs_miner_bench
//   python3 bench/logs/gen.py 300000 /tmp/lines.log
//   PHAROS_SYSLOG_FILE=/tmp/lines.log ./build/bench/logs_miner_bench --benchmark_filter=Syslog
//
// The figure of merit is items_per_second (target: >= 1,000,000 lines/s).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "logs/template_miner.h"

namespace pharos::logs {
namespace {

namespace fs = std::filesystem;

// RFC 4180 rows: enough for Loghub's structured CSVs (quoted fields with "" and commas).
std::vector<std::vector<std::string>> readCsv(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream all;
  all << in.rdbuf();
  const std::string text = all.str();
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      rows.back().push_back(std::move(field));
      field.clear();
      rows.emplace_back();
    } else if (c != '\r') {
      field.push_back(c);
    }
  }
  if (!field.empty() || !rows.back().empty()) rows.back().push_back(std::move(field));
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

std::vector<std::string> loghubLines() {
  const char* env = std::getenv("PHAROS_LOGHUB_DIR");
  fs::path dir = env != nullptr ? env : "/work/shared/bench-data/loghub2k";
  std::vector<std::string> lines;
  for (const char* system :
       {"HDFS", "Hadoop", "Spark", "BGL", "Linux", "HealthApp", "Proxifier", "Apache"}) {
    auto rows = readCsv(dir / system / (std::string(system) + "_2k.log_structured.csv"));
    if (rows.empty()) continue;
    std::size_t column = 0;
    while (column < rows[0].size() && rows[0][column] != "Content")
      ++column;
    for (std::size_t r = 1; r < rows.size(); ++r) {
      if (column < rows[r].size()) lines.push_back(rows[r][column]);
    }
  }
  return lines;
}

// The messages of the RFC 5424 lines in $PHAROS_SYSLOG_FILE (at most 20,000). gen.py writes
// no structured data ("-"), so the message is what follows the seventh field, as
// parseSyslog() cuts it.
std::vector<std::string> syslogMessages() {
  std::vector<std::string> messages;
  const char* path = std::getenv("PHAROS_SYSLOG_FILE");
  if (path == nullptr) return messages;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  while (messages.size() < 20000 && std::getline(in, line)) {
    std::size_t at = 0;
    for (int field = 0; field < 7 && at != std::string::npos; ++field) {
      at = line.find(' ', at);
      if (at != std::string::npos) ++at;
    }
    if (at != std::string::npos) messages.push_back(line.substr(at));
  }
  return messages;
}

// Syslog-like bodies: a service prefix, constant words and typical variables.
std::vector<std::string> syntheticLines(std::size_t count) {
  static const char* const kVerbs[] = {"accepted", "rejected",  "opened",  "closed",
                                       "retrying", "completed", "started", "stopped"};
  static const char* const kNouns[] = {"connection", "session", "request", "upload", "job"};
  std::mt19937_64 rng(42);
  auto num = [&](int max) { return std::to_string(rng() % static_cast<unsigned>(max)); };
  auto ip = [&] { return num(256) + "." + num(256) + "." + num(256) + "." + num(256); };
  auto hex = [&] {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
    return std::string(buf);
  };
  std::vector<std::string> lines;
  lines.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    unsigned t = static_cast<unsigned>(rng() % 40);
    std::string line = "svc-" + std::to_string(t % 8) + "[" + num(65536) + "]: " + kNouns[t % 5] +
                       " " + kVerbs[t % 8] + " for user" + std::to_string(t) + " from " + ip() +
                       ":" + num(65536) + " request_id=" + hex() + " latency=" + num(5000) +
                       "ms bytes=" + num(1 << 20) + " path=/api/v1/items/" + num(100000) +
                       " status=" + num(600);
    if (t % 3 == 0) line += " retry=" + num(5) + " of 5 upstream=" + ip();
    if (t % 4 == 0) line += " reason=\"timeout while waiting for backend\"";
    lines.push_back(std::move(line));
  }
  return lines;
}

void runAdds(benchmark::State& state, const std::vector<std::string>& lines) {
  if (lines.empty()) {
    state.SkipWithError("no input lines (set PHAROS_LOGHUB_DIR or PHAROS_SYSLOG_FILE)");
    return;
  }
  TemplateMiner miner;
  for (const auto& line : lines)
    benchmark::DoNotOptimize(miner.add(line));  // warm
  std::size_t bytes = 0;
  for (const auto& line : lines)
    bytes += line.size();
  for (auto _ : state) {
    for (const auto& line : lines)
      benchmark::DoNotOptimize(miner.add(line));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(lines.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
  state.counters["templates"] = static_cast<double>(miner.clusterCount());
  state.counters["avg_bytes"] = static_cast<double>(bytes) / static_cast<double>(lines.size());
}

void BM_AddLoghub(benchmark::State& state) {
  static const std::vector<std::string> lines = loghubLines();
  runAdds(state, lines);
}
BENCHMARK(BM_AddLoghub)->Unit(benchmark::kMillisecond);

void BM_AddSynthetic(benchmark::State& state) {
  static const std::vector<std::string> lines = syntheticLines(20000);
  runAdds(state, lines);
}
BENCHMARK(BM_AddSynthetic)->Unit(benchmark::kMillisecond);

void BM_AddSyslog(benchmark::State& state) {
  static const std::vector<std::string> lines = syslogMessages();
  runAdds(state, lines);
}
BENCHMARK(BM_AddSyslog)->Unit(benchmark::kMillisecond);

// Learning from scratch: every template is new once, then generalises.
void BM_AddLoghubCold(benchmark::State& state) {
  static const std::vector<std::string> lines = loghubLines();
  for (auto _ : state) {
    TemplateMiner miner;
    for (const auto& line : lines)
      benchmark::DoNotOptimize(miner.add(line));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(lines.size()));
}
BENCHMARK(BM_AddLoghubCold)->Unit(benchmark::kMillisecond);

void BM_MatchLoghub(benchmark::State& state) {
  static const std::vector<std::string> lines = loghubLines();
  TemplateMiner miner;
  for (const auto& line : lines)
    miner.add(line);
  for (auto _ : state) {
    for (const auto& line : lines)
      benchmark::DoNotOptimize(miner.match(line));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(lines.size()));
}
BENCHMARK(BM_MatchLoghub)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pharos::logs

BENCHMARK_MAIN();
