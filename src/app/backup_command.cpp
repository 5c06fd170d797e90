#include "app/backup_command.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "alarms/rule_schema.h"
#include "alarms/silence_schema.h"
#include "analysis/anomaly_schema.h"
#include "app/build_info.h"
#include "app/cli_output.h"
#include "app/crypto_keys_command.h"
#include "auth/auth.h"
#include "backup/backup_catalog.h"
#include "backup/backup_writer.h"
#include "core/config/duration.h"
#include "core/log.h"
#include "health/schema.h"
#include "metrics/chunk_table.h"
#include "notify/schema.h"
#include "objects/local/local_object_store.h"
#include "slo/schema.h"

namespace pharos::app {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::string megabytes(uint64_t bytes) {
  return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
}

std::string clockTime(double seconds) {
  auto s = static_cast<long long>(seconds + 0.5);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

// The progress of `backup create|verify|restore` on stderr: on a terminal a bar redrawn in place
// (at most ten times a second), otherwise, for logs and cron mail, one plain line per tenth done.
class ProgressPrinter {
 public:
  ProgressPrinter(std::string_view label, bool terminal)
      : label_(label), terminal_(terminal), start_(SteadyClock::now()) {}

  void operator()(uint64_t done, uint64_t total) {
    if (finished_) return;
    auto now = SteadyClock::now();
    double elapsed = std::chrono::duration<double>(now - start_).count();
    double fraction = total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
    double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;  // bytes per second
    std::string eta = rate > 0 ? clockTime(static_cast<double>(total - done) / rate) : "-:--";
    int percent = static_cast<int>(fraction * 100);
    if (terminal_) {
      bool last = done == total;
      if (!last && now - lastDraw_ < std::chrono::milliseconds(100)) return;
      lastDraw_ = now;
      constexpr int kWidth = 30;
      int filled = static_cast<int>(fraction * kWidth);
      fmt::print(stderr, "\r[{}{}] {:3}%  {:7.1f} MB/s  ETA {}  ", std::string(filled, '#'),
                 std::string(kWidth - filled, ' '), percent, rate / 1e6, eta);
      if (last) {
        fmt::print(stderr, "\n");
        finished_ = true;
      }
      std::fflush(stderr);
      return;
    }
    int tenth = percent / 10;
    if (tenth <= lastTenth_) return;
    lastTenth_ = tenth;
    fmt::print(stderr, "{}: {:3}% ({} of {}, {:.1f} MB/s, ETA {})\n", label_, percent,
               megabytes(done), megabytes(total), rate / 1e6, eta);
    finished_ = done == total;
  }

 private:
  std::string label_;
  bool terminal_;
  bool finished_ = false;
  SteadyClock::time_point start_;
  SteadyClock::time_point lastDraw_{};
  int lastTenth_ = -1;
};

int fail(std::string_view what, const Error& error) {
  fmt::print(stderr, "pharos backup {}: {}\n", what, error.toString());
  return 1;
}

int create(objects::ObjectStore& store, crypto::Keyring& keyring, const cli::Invocation& inv,
           const config::Config& config) {
  backup::BackupOptions options;
  if (inv.configFile) options.configFile = std::filesystem::path(*inv.configFile);
  options.partBytes = static_cast<uint64_t>(config.backup.partSize);
  options.pharosVersion = kVersion;
  options.schemaVersions = knownSchemaVersions();
  options.background = true;  // yields to a server running on the same data directory
  ProgressPrinter progress("backup", ::isatty(STDERR_FILENO) == 1);
  Result<backup::Manifest> made =
      backup::createBackup(config.dataDir, store, keyring, options,
                           [&progress](uint64_t done, uint64_t total) { progress(done, total); });
  // A failed backup stops here, before retention: it must never cost an older good one.
  if (!made.ok()) return fail("create", made.error());
  const backup::Manifest& m = *made;
  fmt::print("backup {} created: {} files, {} raw, {} stored in {} part(s), {:.1f} s\n", m.id,
             m.files.size(), megabytes(m.rawBytes), megabytes(m.storedBytes), m.parts.size(),
             static_cast<double>(m.duration.count()) / 1000.0);

  backup::BackupCatalog catalog(store, keyring);
  auto deleted = catalog.applyRetention(static_cast<size_t>(config.backup.retentionCount),
                                        config.backup.retentionAge, systemClock().now());
  if (!deleted.ok()) {
    // The backup itself is complete; only the clean-up failed, so it is a warning.
    fmt::print(stderr, "warning: retention was not applied: {}\n", deleted.error().toString());
    return 0;
  }
  if (!deleted->empty()) {
    fmt::print("retention (keep {}, at most {}): deleted {}\n", config.backup.retentionCount,
               config::formatDuration(config.backup.retentionAge), fmt::join(*deleted, ", "));
  }
  return 0;
}

int list(backup::BackupCatalog& catalog) {
  auto listed = catalog.list();
  if (!listed.ok()) return fail("list", listed.error());
  if (listed->empty()) {
    fmt::print("no backups\n");
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"ID", "CREATED", "FILES", "RAW", "STORED", "VERSION"});
  for (const backup::Manifest& m : *listed) {
    rows.push_back({m.id, formatUtc(m.createdAt), std::to_string(m.files.size()),
                    megabytes(m.rawBytes), megabytes(m.storedBytes), m.pharosVersion});
  }
  printTable(rows);
  return 0;
}

int verify(backup::BackupCatalog& catalog, const std::string& id) {
  auto start = SteadyClock::now();
  ProgressPrinter progress("verify", ::isatty(STDERR_FILENO) == 1);
  auto report =
      catalog.verify(id, [&progress](uint64_t done, uint64_t total) { progress(done, total); });
  if (!report.ok()) {
    fmt::print(stderr, "pharos backup verify: backup {} FAILED: {}\n", id,
               report.error().toString());
    return 1;
  }
  double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  fmt::print("backup {} ok: {} part(s), {} files, {} checked in {:.1f} s\n", report->id,
             report->partsChecked, report->filesChecked, megabytes(report->bytesChecked), seconds);
  return 0;
}

int restore(backup::BackupCatalog& catalog, const cli::Invocation& inv) {
  backup::RestoreOptions options;
  options.force = inv.restoreForce;
  options.binarySchemaVersions = knownSchemaVersions();
  ProgressPrinter progress("restore", ::isatty(STDERR_FILENO) == 1);
  Status restored =
      catalog.restore(inv.backupId, inv.restoreTarget, options,
                      [&progress](uint64_t done, uint64_t total) { progress(done, total); });
  if (!restored.ok()) {
    fail("restore", restored.error());
    std::error_code ec;
    if (!inv.restoreForce && std::filesystem::is_directory(inv.restoreTarget, ec) &&
        !std::filesystem::is_empty(inv.restoreTarget, ec)) {
      fmt::print(stderr,
                 "hint: {} is not empty; choose an empty directory, or add --force to replace "
                 "the backup's files in it\n",
                 inv.restoreTarget);
    }
    return 1;
  }
  fmt::print("backup {} restored into {}\nstart it with: pharos serve --data {}\n", inv.backupId,
             inv.restoreTarget, inv.restoreTarget);
  return 0;
}

}  // namespace

std::map<std::string, int> knownSchemaVersions() {
  std::map<std::string, int> versions;
  for (const store::MigrationSet* set :
       {&auth::migrations(), &crypto::migrations(), &notify::migrations(), &metrics::migrations(),
        &health::migrations(), &slo::migrations(), &alarms::ruleMigrations(),
        &alarms::silenceMigrations(), &analysis::anomalyMigrations()}) {
    int last = set->migrations.empty() ? 0 : set->migrations.back().version;
    int& v = versions[set->component];
    v = std::max(v, last);
  }
  return versions;
}

namespace {

// Where list, verify and restore read backups: --from, or the data directory's objects.
Result<objects::ObjectStorePtr> backupSource(const cli::Invocation& inv,
                                             const config::Config& config) {
  std::string dir = inv.backupFrom.empty() ? config.dataDir + "/objects" : inv.backupFrom;
  std::error_code ec;
  if (!inv.backupFrom.empty() && !std::filesystem::is_directory(dir, ec)) {
    return makeError(ErrorCode::kNotFound, "--from is not a directory", dir);
  }
  PHAROS_ASSIGN_OR_RETURN(auto store, objects::LocalObjectStore::open(dir, systemClock()));
  return objects::ObjectStorePtr(std::move(store));
}

// Verify and restore: with the data directory's keyring when there is one, otherwise (a new
// machine, the data directory lost) with the master key alone and each backup's carried key.
int readWithKeys(objects::ObjectStore& store, const cli::Invocation& inv,
                 const config::Config& config, const std::optional<Secret>& envMasterKey,
                 std::string_view what) {
  auto run = [&](backup::BackupCatalog& catalog) {
    return what == "verify" ? verify(catalog, inv.backupId) : restore(catalog, inv);
  };
  std::error_code ec;
  if (std::filesystem::exists(config.dataDir + "/pharos.db", ec)) {
    Result<DataKeyring> opened = openDataKeyring(config, envMasterKey);
    if (!opened.ok()) return fail(what, opened.error());
    backup::BackupCatalog catalog(store, *opened->keyring);
    return run(catalog);
  }
  Result<crypto::MasterKey> master = loadMasterKey(config, envMasterKey);
  if (!master.ok()) return fail(what, master.error());
  backup::BackupCatalog catalog(store, *master);
  return run(catalog);
}

}  // namespace

int runBackupCommand(const cli::Invocation& inv, const config::Config& config,
                     const std::optional<Secret>& envMasterKey) {
  quietLogging(config);
  std::string_view what = inv.command == cli::Command::kBackupCreate   ? "create"
                          : inv.command == cli::Command::kBackupList   ? "list"
                          : inv.command == cli::Command::kBackupVerify ? "verify"
                                                                       : "restore";
  if (inv.command == cli::Command::kBackupCreate) {
    Result<DataKeyring> opened = openDataKeyring(config, envMasterKey);
    if (!opened.ok()) return fail(what, opened.error());
    auto objects = objects::LocalObjectStore::open(config.dataDir + "/objects", systemClock());
    if (!objects.ok()) return fail(what, objects.error());
    return create(**objects, *opened->keyring, inv, config);
  }
  auto objects = backupSource(inv, config);
  if (!objects.ok()) return fail(what, objects.error());
  if (inv.command == cli::Command::kBackupList) {
    backup::BackupCatalog catalog(**objects);  // manifests are not encrypted: no key needed
    return list(catalog);
  }
  return readWithKeys(**objects, inv, config, envMasterKey, what);
}

}  // namespace pharos::app
