#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "backup/backup_catalog.h"
#include "backup/backup_writer.h"
#include "core/clock.h"
#include "core/cron.h"
#include "core/log.h"
#include "core/prometheus_text.h"
#include "core/result.h"
#include "crypto/keyring.h"
#include "objects/object_store.h"

namespace pharos::backup {

enum class JobKind { kCreate, kVerify, kRestore };
enum class JobState { kQueued, kRunning, kSucceeded, kFailed };
std::string_view jobKindName(JobKind kind);     // "create", "verify", "restore"
std::string_view jobStateName(JobState state);  // "queued", "running", "succeeded", "failed"

// One piece of backup work, as the API shows it.
struct Job {
  std::string id;  // a ULID
  JobKind kind = JobKind::kCreate;
  JobState state = JobState::kQueued;
  std::string trigger;   // "schedule" or "api"
  std::string backupId;  // verify, restore: the backup; create: the one made, once made
  std::string target;    // restore: the directory
  bool force = false;    // restore into a non-empty directory
  WallTime queuedAt;
  std::optional<WallTime> startedAt, finishedAt;
  uint64_t done = 0, total = 0;  // file bytes: progress while running
  std::string error;             // failed: why
  // create, once made: what the backup holds and where it went.
  uint64_t files = 0, rawBytes = 0, storedBytes = 0;
  std::vector<std::string> deletedByRetention;
  std::string secondTarget;  // "", "copied and verified", or the copy's error
};

// The time between two consecutive runs of `schedule` (a day for @daily), from its first two
// slots after the epoch; nullopt when it never runs twice.
std::optional<Millis> schedulePeriod(const CronSchedule& schedule);
// How old the newest backup may grow before a run counts as missed (the PharosBackupMissed
// alarm): one and a half periods plus an hour, room for a slow backup without a page.
Millis missedBackupAfter(Millis period);

// What the dashboard and the alarms look at.
struct BackupHealth {
  std::string schedule;                       // empty: on demand only
  std::optional<Millis> period, missedAfter;  // with a schedule
  std::optional<WallTime> nextRunAt;
  size_t backups = 0;                // complete backups in the primary store
  std::optional<WallTime> newestAt;  // the newest one's creation time
  std::optional<WallTime> lastSuccessAt;
  Millis lastDuration{0};
  uint64_t lastStoredBytes = 0, lastRawBytes = 0;
  std::string lastBackupId;
  std::optional<WallTime> lastFailureAt;
  std::string lastError;
  uint64_t succeeded = 0, failed = 0;  // create runs since start
  bool running = false;
  bool secondTargetConfigured = false;
  std::string secondTargetPath;  // as configured, for the restore command an admin is shown
  std::optional<WallTime> secondNewestAt;  // newest backup verified on the second target
  std::string secondTargetError;           // the last copy's error, until one succeeds
  uint64_t copiesSucceeded = 0, copiesFailed = 0;
};

struct BackupServiceOptions {
  std::filesystem::path dataDir;
  BackupOptions backup;  // config file, part size, version and schema versions recorded
  std::optional<CronSchedule> schedule;
  std::string secondTargetPath;  // shown in health(); the store itself is the constructor's
  std::optional<size_t> retentionCount;
  std::optional<Millis> retentionAge;
  // When a scheduled backup was missed (the server was down at its time), how soon after
  // start it is taken.
  Millis catchUpDelay{60'000};
  size_t keepJobs = 50;  // finished jobs remembered for the API
  // With several processes: whether this one may still take scheduled backups (it holds the
  // module's lease, Membership::holds). Empty: always.
  std::function<bool()> mayRun;
};

// The server's backups: one worker thread takes them on the schedule and runs what the API
// asks for (create, verify, restore), one job at a time, at a lowered CPU and I/O priority so
// ingest keeps its pace. After each backup: retention on the primary store, then a copy to the
// second target (every complete backup it lacks), verified part by part, and retention there.
// A failed backup never triggers retention. Thread-safe.
class BackupService {
 public:
  BackupService(objects::ObjectStore& primary, objects::ObjectStore* secondTarget,
                crypto::Keyring& keyring, Clock& clock, BackupServiceOptions options);
  ~BackupService();
  BackupService(const BackupService&) = delete;
  BackupService& operator=(const BackupService&) = delete;

  // Reads the stores (the newest backup, the second target's newest), plans the next
  // scheduled run (soon, if one was missed) and starts the worker.
  Status start();
  // Finishes the running job (a backup is not interrupted half-way: its parts would only be
  // cleaned up), drops the queued ones, joins. Idempotent.
  void stop();

  // Queues a job. kAlreadyExists when a create is already queued or running; a restore into
  // the data directory (or inside it) is kInvalidArgument; an unknown backup is kNotFound.
  Result<Job> enqueue(JobKind kind, std::string trigger, std::string backupId = {},
                      std::string target = {}, bool force = false);
  std::optional<Job> job(const std::string& id) const;
  std::vector<Job> jobs() const;  // newest first

  BackupHealth health() const;
  Result<std::vector<Manifest>> list() { return catalog_.list(); }
  Result<Manifest> manifest(const std::string& id) { return catalog_.manifest(id); }
  // Ids of the complete backups on the second target; empty without one.
  std::vector<std::string> secondTargetIds() const;

  // pharos_backup_* families for /metrics.
  void writeStats(PrometheusText& out) const;

  // Wakes the worker to look at the clock again (tests move a manual clock).
  void wake();

 private:
  void run();
  void runJob(Job& job);  // without mutex_
  Status create(Job& job, const ProgressFn& progress);
  void copyToSecondTarget();
  void refreshFromStores();
  std::optional<WallTime> planNext(WallTime now, std::optional<WallTime> newest) const;
  Job* findLocked(const std::string& id);

  objects::ObjectStore& primary_;
  objects::ObjectStore* second_;
  crypto::Keyring& keyring_;
  Clock& clock_;
  BackupServiceOptions options_;
  BackupCatalog catalog_;
  logging::Logger log_{"backup"};

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::deque<Job> jobs_;  // newest first; the queued ones are run oldest first
  BackupHealth health_;
  std::vector<std::string> secondIds_;
  std::thread worker_;
};

}  // namespace pharos::backup
