#include "app/logs_command.h"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "app/backends.h"
#include "app/file_filter.h"
#include "core/config/duration.h"
#include "logs/log_index.h"
#include "logs/log_query.h"
#include "logs/patterns_command.h"
#include "logs/record_json.h"
#include "logs/shared_log_index.h"

namespace pharos::app {
namespace {

volatile std::sig_atomic_t interrupted = 0;

void printRecord(const logs::Record& r, bool json) {
  if (json) {
    fmt::print("{}\n", logs::recordToJson(r).dump(-1, ' ', false,
                                                  nlohmann::json::error_handler_t::replace));
    return;
  }
  fmt::print("{} {:<12} {:<5} {}\n", logs::formatTimestampNs(r.timestampNs),
             r.service.empty() ? "-" : r.service, logs::levelName(r.level), r.message);
}

std::int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int runPatternsCommand(const cli::Invocation& inv) {
  logs::PatternsFormat format =
      inv.patternsFormat == "json" ? logs::PatternsFormat::kJson : logs::PatternsFormat::kRaw;
  return runFileFilter("patterns", inv.inputFile, [format](std::istream& in, std::ostream& out) {
    return logs::runPatterns(in, out, format);
  });
}

int runLogsCommand(const cli::Invocation& inv, const config::Config& config) {
  // A shared index holds every process's lines, whichever process wrote them.
  const bool shared = logIndexIsShared(config);
  std::string path = config.dataDir + "/logs/index.db";
  if (!shared && !std::filesystem::exists(path)) {
    fmt::print(stderr, "logs: no log index in {} (has `pharos serve` ingested anything there?)\n",
               config.dataDir);
    return 1;
  }
  auto query = logs::parseLogQuery(inv.logQuery);
  if (!query.ok()) {
    fmt::print(stderr, "logs: query: {}\n", query.error().message);
    return 2;
  }
  logs::LogIndexOptions indexOptions;
  indexOptions.indexedAttributes = config.logs.indexedAttributes;
  store::StorePtr store;
  auto index = [&]() -> Result<std::unique_ptr<logs::LogIndex>> {
    if (!shared) return logs::LogIndex::open(path, indexOptions);
    PHAROS_ASSIGN_OR_RETURN(store,
                            openConfiguredStore(config, StoreRole::kMain, StoreOpen::kExisting));
    // No node: a reader writes no rows of its own.
    PHAROS_ASSIGN_OR_RETURN(auto opened, logs::SharedLogIndex::open(*store, "", indexOptions));
    return std::unique_ptr<logs::LogIndex>(std::move(opened));
  }();
  if (!index.ok()) {
    fmt::print(stderr, "logs: {}\n", index.error().toString());
    return 1;
  }
  logs::QueryMatcher matcher(*query);
  bool json = inv.logOutput == "json";

  if (inv.command == cli::Command::kLogsQuery) {
    auto since = config::parseDuration(inv.logSince);
    if (!since.ok()) {
      fmt::print(stderr, "logs: --since: {}\n", since.error().message);
      return 2;
    }
    logs::SearchRequest request;
    request.endNs = nowNs();
    request.startNs = request.endNs - since->count() * 1'000'000;
    request.ftsExpression = logs::ftsExpression(*query, config.logs.indexedAttributes);
    request.limit = static_cast<std::size_t>(inv.logLimit);
    if (query->hasStats) {
      logs::StatsAccumulator stats(*query);
      auto page = (*index)->search(request, [&](const logs::Record& r) {
        if (matcher.matches(r)) stats.add(r);
        return false;
      });
      if (!page.ok()) {
        fmt::print(stderr, "logs: {}\n", page.error().toString());
        return 1;
      }
      fmt::print("{}\n", stats.toJson().dump(json ? -1 : 2));
      return 0;
    }
    auto page =
        (*index)->search(request, [&](const logs::Record& r) { return matcher.matches(r); });
    if (!page.ok()) {
      fmt::print(stderr, "logs: {}\n", page.error().toString());
      return 1;
    }
    // Oldest first on a terminal, as `tail` reads.
    for (auto it = page->records.rbegin(); it != page->records.rend(); ++it)
      printRecord(*it, json);
    return 0;
  }

  // tail: follow blocks as the server writes them, until interrupted.
  std::signal(SIGINT, [](int) { interrupted = 1; });
  std::signal(SIGTERM, [](int) { interrupted = 1; });
  auto last = (*index)->lastBlockId();
  if (!last.ok()) {
    fmt::print(stderr, "logs: {}\n", last.error().toString());
    return 1;
  }
  std::int64_t after = *last;
  while (!interrupted) {
    auto next = (*index)->blocksAfter(after, 64, [&](const logs::Record& r) {
      if (matcher.matches(r)) printRecord(r, json);
    });
    if (!next.ok()) {
      fmt::print(stderr, "logs: {}\n", next.error().toString());
      return 1;
    }
    std::fflush(stdout);
    if (*next == after) std::this_thread::sleep_for(std::chrono::milliseconds(250));
    after = *next;
  }
  return 0;
}

}  // namespace pharos::app
