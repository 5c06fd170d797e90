#include "backup/backup_service.h"

#include <algorithm>
#include <system_error>

#include "backup/backup_copy.h"
#include "core/ids.h"
#include "core/thread_priority.h"

namespace pharos::backup {

namespace fs = std::filesystem;

std::string_view jobKindName(JobKind kind) {
  switch (kind) {
    case JobKind::kCreate:
      return "create";
    case JobKind::kVerify:
      return "verify";
    case JobKind::kRestore:
      return "restore";
  }
  return "unknown";
}

std::string_view jobStateName(JobState state) {
  switch (state) {
    case JobState::kQueued:
      return "queued";
    case JobState::kRunning:
      return "running";
    case JobState::kSucceeded:
      return "succeeded";
    case JobState::kFailed:
      return "failed";
  }
  return "unknown";
}

std::optional<Millis> schedulePeriod(const CronSchedule& schedule) {
  auto first = schedule.nextAfter(fromUnixMillis(0));
  auto second = first ? schedule.nextAfter(*first) : std::nullopt;
  if (!second) return std::nullopt;
  return std::chrono::duration_cast<Millis>(*second - *first);
}

Millis missedBackupAfter(Millis period) {
  return period * 3 / 2 + Millis(3'600'000);
}

namespace {

// Whether `path` is `dir` or inside it, after resolving what exists of both.
bool isWithin(const fs::path& path, const fs::path& dir) {
  std::error_code ec;
  fs::path a = fs::weakly_canonical(fs::absolute(path, ec), ec);
  fs::path b = fs::weakly_canonical(fs::absolute(dir, ec), ec);
  auto [end, unused] = std::mismatch(b.begin(), b.end(), a.begin(), a.end());
  (void)unused;
  return end == b.end();
}

double seconds(WallTime t) {
  return static_cast<double>(toUnixMillis(t)) / 1000.0;
}

}  // namespace

BackupService::BackupService(objects::ObjectStore& primary, objects::ObjectStore* secondTarget,
                             crypto::Keyring& keyring, Clock& clock, BackupServiceOptions options)
    : primary_(primary),
      second_(secondTarget),
      keyring_(keyring),
      clock_(clock),
      options_(std::move(options)),
      catalog_(primary, keyring) {
  options_.backup.clock = &clock_;
  health_.schedule = options_.schedule ? options_.schedule->text() : "";
  if (options_.schedule) {
    health_.period = schedulePeriod(*options_.schedule);
    if (health_.period) health_.missedAfter = missedBackupAfter(*health_.period);
  }
  health_.secondTargetConfigured = second_ != nullptr;
  health_.secondTargetPath = options_.secondTargetPath;
}

BackupService::~BackupService() {
  stop();
}

void BackupService::refreshFromStores() {
  auto listed = catalog_.list();
  std::vector<std::string> secondIds;
  std::optional<WallTime> secondNewest;
  if (second_ != nullptr) {
    BackupCatalog there(*second_);
    if (auto copies = there.list(); copies.ok()) {
      for (const Manifest& m : *copies) {
        secondIds.push_back(m.id);
        if (!secondNewest || m.createdAt > *secondNewest) secondNewest = m.createdAt;
      }
    }
  }
  std::lock_guard lock(mutex_);
  if (listed.ok()) {
    health_.backups = listed->size();
    if (!listed->empty()) {
      const Manifest& newest = listed->front();
      health_.newestAt = newest.createdAt;
      if (!health_.lastSuccessAt) {
        health_.lastSuccessAt = newest.createdAt + newest.duration;
        health_.lastDuration = newest.duration;
        health_.lastStoredBytes = newest.storedBytes;
        health_.lastRawBytes = newest.rawBytes;
        health_.lastBackupId = newest.id;
      }
    } else {
      health_.newestAt.reset();
    }
  }
  secondIds_ = std::move(secondIds);
  if (secondNewest) health_.secondNewestAt = secondNewest;
}

std::optional<WallTime> BackupService::planNext(WallTime now,
                                                std::optional<WallTime> newest) const {
  if (!options_.schedule) return std::nullopt;
  // A slot missed while the server was down (no backup since it) is made up soon after start.
  auto last = options_.schedule->lastAtOrBefore(now, Millis(31LL * 86'400'000));
  if (last && (!newest || *newest < *last)) return now + options_.catchUpDelay;
  return options_.schedule->nextAfter(now);
}

Status BackupService::start() {
  refreshFromStores();
  {
    std::lock_guard lock(mutex_);
    health_.nextRunAt = planNext(clock_.now(), health_.newestAt);
    stopping_ = false;
  }
  worker_ = std::thread([this] { run(); });
  return okStatus();
}

void BackupService::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !worker_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void BackupService::wake() {
  wake_.notify_all();
}

Job* BackupService::findLocked(const std::string& id) {
  for (Job& j : jobs_) {
    if (j.id == id) return &j;
  }
  return nullptr;
}

Result<Job> BackupService::enqueue(JobKind kind, std::string trigger, std::string backupId,
                                   std::string target, bool force) {
  if (kind != JobKind::kCreate) {
    if (auto known = manifest(backupId); !known.ok()) return std::move(known).error();
  }
  if (kind == JobKind::kRestore) {
    if (target.empty() || fs::path(target).is_relative()) {
      return makeError(ErrorCode::kInvalidArgument, "target: an absolute directory is required");
    }
    if (isWithin(target, options_.dataDir) || isWithin(options_.dataDir, target)) {
      return makeError(ErrorCode::kInvalidArgument,
                       "target: a restore never writes into the running server's data "
                       "directory; restore elsewhere, then start a server on it",
                       target);
    }
  }
  std::lock_guard lock(mutex_);
  if (stopping_) return makeError(ErrorCode::kUnavailable, "the backup service is stopping");
  if (kind == JobKind::kCreate) {
    for (const Job& j : jobs_) {
      if (j.kind == JobKind::kCreate &&
          (j.state == JobState::kQueued || j.state == JobState::kRunning)) {
        return makeError(
            ErrorCode::kAlreadyExists,
            "a backup is already " + std::string(jobStateName(j.state)) + ": job " + j.id);
      }
    }
  }
  Job job;
  job.queuedAt = clock_.now();
  job.id = newId(job.queuedAt);
  job.kind = kind;
  job.trigger = std::move(trigger);
  job.backupId = std::move(backupId);
  job.target = std::move(target);
  job.force = force;
  jobs_.push_front(job);
  // Forget the oldest finished jobs beyond the limit; queued and running ones stay.
  while (jobs_.size() > options_.keepJobs &&
         (jobs_.back().state == JobState::kSucceeded || jobs_.back().state == JobState::kFailed)) {
    jobs_.pop_back();
  }
  wake_.notify_all();
  return job;
}

std::optional<Job> BackupService::job(const std::string& id) const {
  std::lock_guard lock(mutex_);
  for (const Job& j : jobs_) {
    if (j.id == id) return j;
  }
  return std::nullopt;
}

std::vector<Job> BackupService::jobs() const {
  std::lock_guard lock(mutex_);
  return {jobs_.begin(), jobs_.end()};
}

BackupHealth BackupService::health() const {
  std::lock_guard lock(mutex_);
  return health_;
}

std::vector<std::string> BackupService::secondTargetIds() const {
  std::lock_guard lock(mutex_);
  return secondIds_;
}

void BackupService::run() {
  lowerThreadPriority(kBackgroundNiceness);
  lowerIoPriority();
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    // The oldest queued job first.
    Job* next = nullptr;
    for (auto it = jobs_.rbegin(); it != jobs_.rend(); ++it) {
      if (it->state == JobState::kQueued) {
        next = &*it;
        break;
      }
    }
    if (next == nullptr && health_.nextRunAt && clock_.now() >= *health_.nextRunAt) {
      health_.nextRunAt = options_.schedule->nextAfter(clock_.now());
      if (options_.mayRun && !options_.mayRun()) {
        // Its lease ran out (this process was paused, or cut off from the store): another
        // process may be taking this backup, and this one is about to stop.
        log_.warn("scheduled backup skipped: this process no longer holds the backups lease");
        continue;
      }
      lock.unlock();
      auto queued = enqueue(JobKind::kCreate, "schedule");
      if (!queued.ok()) {
        log_.warn("scheduled backup not queued", {{"error", queued.error().toString()}});
      }
      lock.lock();
      continue;
    }
    if (next == nullptr) {
      // Real time bounds the wait; the clock (perhaps a test's) decides what is due.
      wake_.wait_for(lock, std::chrono::seconds(30));
      continue;
    }
    next->state = JobState::kRunning;
    next->startedAt = clock_.now();
    if (next->kind == JobKind::kCreate) health_.running = true;
    Job job = *next;
    lock.unlock();
    runJob(job);
    lock.lock();
    if (Job* stored = findLocked(job.id)) *stored = job;
    if (job.kind == JobKind::kCreate) health_.running = false;
  }
  // Whatever is still queued will not run: say so rather than leave it queued forever.
  for (Job& j : jobs_) {
    if (j.state == JobState::kQueued) {
      j.state = JobState::kFailed;
      j.error = "the server stopped before the job ran";
    }
  }
}

void BackupService::runJob(Job& job) {
  // Progress is copied into the shared job list as it moves, for the API's progress bar.
  auto progress = [this, &job](uint64_t done, uint64_t total) {
    std::lock_guard lock(mutex_);
    if (Job* stored = findLocked(job.id)) {
      stored->done = done;
      stored->total = total;
    }
    job.done = done;
    job.total = total;
  };
  Status status = okStatus();
  switch (job.kind) {
    case JobKind::kCreate:
      status = create(job, progress);
      break;
    case JobKind::kVerify: {
      auto report = catalog_.verify(job.backupId, progress);
      if (!report.ok()) status = std::move(report).error();
      break;
    }
    case JobKind::kRestore: {
      RestoreOptions restore;
      restore.force = job.force;
      restore.binarySchemaVersions = options_.backup.schemaVersions;
      status = catalog_.restore(job.backupId, job.target, restore, progress);
      break;
    }
  }
  job.finishedAt = clock_.now();
  job.state = status.ok() ? JobState::kSucceeded : JobState::kFailed;
  if (!status.ok()) job.error = status.error().toString();
  const std::string kind(jobKindName(job.kind));
  if (status.ok()) {
    log_.info("backup job succeeded", {{"job", job.id}, {"kind", kind}, {"backup", job.backupId}});
  } else {
    log_.error("backup job failed",
               {{"job", job.id}, {"kind", kind}, {"backup", job.backupId}, {"error", job.error}});
  }
}

Status BackupService::create(Job& job, const ProgressFn& progress) {
  const MonoTime started = clock_.monotonic();
  Result<Manifest> made =
      createBackup(options_.dataDir, primary_, keyring_, options_.backup, progress);
  if (!made.ok()) {
    std::lock_guard lock(mutex_);
    health_.failed++;
    health_.lastFailureAt = clock_.now();
    health_.lastError = made.error().toString();
    // A failed backup stops here: retention must never cost an older good one.
    return std::move(made).error();
  }
  job.backupId = made->id;
  job.files = made->files.size();
  job.rawBytes = made->rawBytes;
  job.storedBytes = made->storedBytes;
  job.done = job.total = made->rawBytes;
  {
    std::lock_guard lock(mutex_);
    health_.succeeded++;
    health_.lastSuccessAt = clock_.now();
    health_.lastDuration = std::chrono::duration_cast<Millis>(clock_.monotonic() - started);
    health_.lastStoredBytes = made->storedBytes;
    health_.lastRawBytes = made->rawBytes;
    health_.lastBackupId = made->id;
    health_.lastError.clear();
  }
  auto deleted =
      catalog_.applyRetention(options_.retentionCount, options_.retentionAge, clock_.now());
  if (deleted.ok()) {
    job.deletedByRetention = *deleted;
  } else {
    log_.warn("retention was not applied", {{"error", deleted.error().toString()}});
  }
  if (second_ != nullptr) {
    copyToSecondTarget();
    std::lock_guard lock(mutex_);
    job.secondTarget =
        health_.secondTargetError.empty() ? "copied and verified" : health_.secondTargetError;
  }
  refreshFromStores();
  return okStatus();
}

void BackupService::copyToSecondTarget() {
  auto listed = catalog_.list();
  if (!listed.ok()) return;
  BackupCatalog there(*second_);
  std::vector<std::string> present;
  if (auto copies = there.list(); copies.ok()) {
    for (const Manifest& m : *copies)
      present.push_back(m.id);
  }
  std::string error;
  // Oldest first, so the copy catches up in order and its newest is the primary's newest.
  for (auto it = listed->rbegin(); it != listed->rend(); ++it) {
    if (std::find(present.begin(), present.end(), it->id) != present.end()) continue;
    Status copied = copyBackup(*it, primary_, *second_);
    std::lock_guard lock(mutex_);
    if (copied.ok()) {
      health_.copiesSucceeded++;
      if (!health_.secondNewestAt || it->createdAt > *health_.secondNewestAt) {
        health_.secondNewestAt = it->createdAt;
      }
    } else {
      health_.copiesFailed++;
      error = copied.error().toString();
      log_.error("copy to the second target failed", {{"backup", it->id}, {"error", error}});
    }
  }
  auto deleted = there.applyRetention(options_.retentionCount, options_.retentionAge, clock_.now());
  if (!deleted.ok()) {
    log_.warn("retention on the second target was not applied",
              {{"error", deleted.error().toString()}});
  }
  std::lock_guard lock(mutex_);
  health_.secondTargetError = error;
}

void BackupService::writeStats(PrometheusText& out) const {
  BackupHealth h = health();
  const double nowS = seconds(clock_.now());
  auto ageSeconds = [nowS](WallTime t) { return nowS - seconds(t); };
  auto gauge = [&](std::string_view name, std::string_view help, double v) {
    out.family(name, help, "gauge");
    out.sample(name, {}, v);
  };
  gauge("pharos_backup_running", "1 while a backup is being taken", h.running ? 1 : 0);
  gauge("pharos_backup_count", "Complete backups in the primary store",
        static_cast<double>(h.backups));
  out.family("pharos_backup_runs_total", "Backups taken since start, by result", "counter");
  out.sample("pharos_backup_runs_total", {{"result", "success"}}, static_cast<double>(h.succeeded));
  out.sample("pharos_backup_runs_total", {{"result", "failure"}}, static_cast<double>(h.failed));
  if (h.lastSuccessAt) {
    gauge("pharos_backup_last_success_timestamp_seconds",
          "When the last successful backup finished (Unix seconds)", seconds(*h.lastSuccessAt));
    gauge("pharos_backup_last_duration_seconds", "How long the last successful backup took",
          static_cast<double>(h.lastDuration.count()) / 1000.0);
    gauge("pharos_backup_last_size_bytes", "Bytes stored by the last successful backup",
          static_cast<double>(h.lastStoredBytes));
  }
  if (h.newestAt) {
    gauge("pharos_backup_newest_age_seconds", "Age of the newest complete backup",
          ageSeconds(*h.newestAt));
  }
  if (h.secondTargetConfigured) {
    out.family("pharos_backup_second_target_copies_total",
               "Backups copied to the second target and verified there, by result", "counter");
    out.sample("pharos_backup_second_target_copies_total", {{"result", "success"}},
               static_cast<double>(h.copiesSucceeded));
    out.sample("pharos_backup_second_target_copies_total", {{"result", "failure"}},
               static_cast<double>(h.copiesFailed));
    if (h.secondNewestAt) {
      gauge("pharos_backup_second_target_newest_age_seconds",
            "Age of the newest backup verified on the second target",
            ageSeconds(*h.secondNewestAt));
    }
    // How long the newest backup has been missing from the second target: 0 when it is there.
    double lag = 0;
    if (h.newestAt && (!h.secondNewestAt || *h.secondNewestAt < *h.newestAt)) {
      lag = ageSeconds(*h.newestAt);
    }
    gauge("pharos_backup_second_target_lag_seconds",
          "How long the newest backup has been missing from the second target (0: it is there)",
          lag);
  }
}

}  // namespace pharos::backup
