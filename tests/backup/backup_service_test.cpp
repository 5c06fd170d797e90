#include "backup/backup_service.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "backup/backup_copy.h"
#include "backup_test_util.h"

namespace pharos::backup::testing {
namespace {

class BackupServiceTest : public BackupTest {
 protected:
  void SetUp() override {
    BackupTest::SetUp();
    auto copies = objects::LocalObjectStore::open(tmp.path() / "second", clock);
    ASSERT_TRUE(copies.ok()) << copies.error().toString();
    second = std::move(copies).value();
    populate();
  }

  std::unique_ptr<BackupService> startService(BackupServiceOptions options = {},
                                              bool withSecond = true) {
    options.dataDir = dataDir;
    auto service = std::make_unique<BackupService>(*objects, withSecond ? second.get() : nullptr,
                                                   *keyring, clock, std::move(options));
    Status started = service->start();
    EXPECT_TRUE(started.ok()) << started.error().toString();
    return service;
  }

  // The job once it has finished (or its last state after 30 s).
  static Job waitFor(BackupService& service, const std::string& id) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
      std::optional<Job> job = service.job(id);
      if (!job) {
        ADD_FAILURE() << "no job " << id;
        return {};
      }
      if (job->state == JobState::kSucceeded || job->state == JobState::kFailed ||
          std::chrono::steady_clock::now() > deadline) {
        return *job;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  // The jobs with this trigger, once `count` of them have finished.
  static std::vector<Job> waitForTriggered(BackupService& service, const std::string& trigger,
                                           size_t count) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
      std::vector<Job> found;
      for (const Job& j : service.jobs()) {
        if (j.trigger == trigger && j.state == JobState::kSucceeded) found.push_back(j);
      }
      if (found.size() >= count || std::chrono::steady_clock::now() > deadline) return found;
      service.wake();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  static std::string stats(const BackupService& service) {
    PrometheusText out;
    service.writeStats(out);
    return std::move(out).str();
  }

  std::unique_ptr<objects::LocalObjectStore> second;
};

TEST_F(BackupServiceTest, ABackupIsCopiedToTheSecondTargetAndVerifiedThere) {
  auto service = startService();
  EXPECT_NE(stats(*service).find("pharos_backup_count 0"), std::string::npos);
  auto queued = service->enqueue(JobKind::kCreate, "api");
  ASSERT_TRUE(queued.ok()) << queued.error().toString();
  Job done = waitFor(*service, queued->id);
  ASSERT_EQ(done.state, JobState::kSucceeded) << done.error;
  EXPECT_FALSE(done.backupId.empty());
  EXPECT_EQ(done.done, done.total);
  EXPECT_GT(done.rawBytes, 0u);
  EXPECT_EQ(done.secondTarget, "copied and verified");

  auto m = service->manifest(done.backupId);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(checkParts(*m, *second).ok());
  // The copy is a complete backup that restores with the master key alone.
  auto master = crypto::MasterKey::fromEnvironmentValue(Secret(masterText));
  ASSERT_TRUE(master.ok());
  BackupCatalog copies(*second, *master);
  EXPECT_TRUE(copies.verify(done.backupId).ok());

  BackupHealth h = service->health();
  EXPECT_EQ(h.backups, 1u);
  EXPECT_EQ(h.succeeded, 1u);
  EXPECT_EQ(h.lastBackupId, done.backupId);
  ASSERT_TRUE(h.secondNewestAt.has_value());
  EXPECT_EQ(*h.secondNewestAt, *h.newestAt);
  EXPECT_EQ(service->secondTargetIds(), std::vector<std::string>{done.backupId});
  std::string text = stats(*service);
  EXPECT_NE(text.find("pharos_backup_second_target_lag_seconds 0"), std::string::npos) << text;
  EXPECT_NE(text.find("pharos_backup_runs_total{result=\"success\"} 1"), std::string::npos);
  EXPECT_NE(text.find("pharos_backup_last_success_timestamp_seconds"), std::string::npos);

  // Verify and restore jobs run on the same worker.
  auto verify = service->enqueue(JobKind::kVerify, "api", done.backupId);
  ASSERT_TRUE(verify.ok());
  EXPECT_EQ(waitFor(*service, verify->id).state, JobState::kSucceeded);
  auto restore =
      service->enqueue(JobKind::kRestore, "api", done.backupId, (tmp.path() / "restored").string());
  ASSERT_TRUE(restore.ok()) << restore.error().toString();
  Job restored = waitFor(*service, restore->id);
  ASSERT_EQ(restored.state, JobState::kSucceeded) << restored.error;
  EXPECT_EQ(restored.done, m->rawBytes);
  TestDb db(tmp.path() / "restored" / "pharos.db");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM items"), 500);
}

TEST_F(BackupServiceTest, TheSecondTargetCatchesUpAndItsLagIsMeasured) {
  // Two backups exist before the service knows of a second target.
  ASSERT_TRUE(backup().ok());
  clock.advance(Millis(60'000));
  ASSERT_TRUE(backup().ok());
  clock.advance(Millis(60'000));
  auto service = startService();
  std::string before = stats(*service);
  EXPECT_NE(before.find("pharos_backup_second_target_lag_seconds 60"), std::string::npos) << before;
  auto queued = service->enqueue(JobKind::kCreate, "api");
  ASSERT_TRUE(queued.ok());
  ASSERT_EQ(waitFor(*service, queued->id).state, JobState::kSucceeded);
  EXPECT_EQ(service->secondTargetIds().size(), 3u);
  EXPECT_NE(stats(*service).find("pharos_backup_second_target_lag_seconds 0"), std::string::npos);
}

TEST_F(BackupServiceTest, TheScheduleRunsAtItsTimeAndMakesUpAMissedSlot) {
  // 2023-11-14 22:13 UTC; the schedule is daily at 03:00, and no backup exists: the last slot
  // (this morning) was missed, so one is taken `catchUpDelay` after start.
  BackupServiceOptions options;
  options.schedule = *CronSchedule::parse("0 3 * * *");
  options.catchUpDelay = Millis(1000);
  auto service = startService(options, false);
  BackupHealth h = service->health();
  ASSERT_TRUE(h.nextRunAt.has_value());
  EXPECT_EQ(*h.nextRunAt, clock.now() + Millis(1000));
  service->wake();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(service->jobs().empty()) << "nothing runs before its time";
  clock.advance(Millis(1000));
  ASSERT_EQ(waitForTriggered(*service, "schedule", 1).size(), 1u);
  // Then the next 03:00.
  h = service->health();
  ASSERT_TRUE(h.nextRunAt.has_value());
  EXPECT_EQ(toUnixMillis(*h.nextRunAt) % 86'400'000, 3 * 3'600'000);
  clock.advance(std::chrono::duration_cast<Millis>(*h.nextRunAt - clock.now()));
  ASSERT_EQ(waitForTriggered(*service, "schedule", 2).size(), 2u);
  EXPECT_EQ(service->health().backups, 2u);

  // A restart right after a backup does not take another one.
  service->stop();
  auto again = startService(options, false);
  EXPECT_GT(*again->health().nextRunAt, clock.now() + Millis(3'600'000));
}

TEST_F(BackupServiceTest, OneBackupAtATimeAndNeverARestoreIntoTheDataDirectory) {
  auto service = startService();
  auto first = service->enqueue(JobKind::kCreate, "api");
  ASSERT_TRUE(first.ok());
  auto second = service->enqueue(JobKind::kCreate, "api");
  if (service->job(first->id)->state != JobState::kSucceeded) {
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().code, ErrorCode::kAlreadyExists);
  }
  Job done = waitFor(*service, first->id);
  ASSERT_EQ(done.state, JobState::kSucceeded);
  for (const fs::path& target : {dataDir, dataDir / "sub", tmp.path()}) {
    auto refused = service->enqueue(JobKind::kRestore, "api", done.backupId, target.string());
    ASSERT_FALSE(refused.ok()) << target;
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  }
  auto relative = service->enqueue(JobKind::kRestore, "api", done.backupId, "restored");
  EXPECT_FALSE(relative.ok());
  auto unknown = service->enqueue(JobKind::kVerify, "api", "01J00000000000000000000000");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

TEST_F(BackupServiceTest, AFailedBackupIsCountedAndDeletesNothing) {
  BackupServiceOptions options;
  options.retentionCount = 1;
  auto service = startService(options);
  auto good = service->enqueue(JobKind::kCreate, "api");
  ASSERT_TRUE(good.ok());
  ASSERT_EQ(waitFor(*service, good->id).state, JobState::kSucceeded);
  service->stop();

  // A staging path that cannot be made fails the next backup before it writes anything.
  writeFile(tmp.path() / "blocker", "a file, not a directory");
  options.backup.stagingDir = tmp.path() / "blocker" / "staging";
  auto failing = startService(options);
  auto bad = failing->enqueue(JobKind::kCreate, "api");
  ASSERT_TRUE(bad.ok());
  Job failed = waitFor(*failing, bad->id);
  ASSERT_EQ(failed.state, JobState::kFailed);
  EXPECT_FALSE(failed.error.empty());
  BackupHealth h = failing->health();
  EXPECT_EQ(h.failed, 1u);
  EXPECT_FALSE(h.lastError.empty());
  EXPECT_EQ(h.backups, 1u) << "the good backup is kept";
  EXPECT_NE(stats(*failing).find("pharos_backup_runs_total{result=\"failure\"} 1"),
            std::string::npos);
}

TEST_F(BackupServiceTest, ACopyCutShortResumesAndADamagedSourceIsNotCopied) {
  auto made = backup();
  ASSERT_TRUE(made.ok());
  // Half copied: the first part only, no manifest.
  ASSERT_TRUE(second->put(made->parts[0].key, *objects->get(made->parts[0].key)).ok());
  ASSERT_TRUE(copyBackup(*made, *objects, *second).ok());
  EXPECT_TRUE(checkParts(*made, *second).ok());
  EXPECT_TRUE(second->stat(manifestKey(made->id)).ok());

  auto other = backup();
  ASSERT_TRUE(other.ok());
  std::string part = *objects->get(other->parts[0].key);
  part[part.size() / 2] ^= 1;
  ASSERT_TRUE(objects->put(other->parts[0].key, part).ok());
  Status refused = copyBackup(*other, *objects, *second);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kDataLoss);
  EXPECT_FALSE(second->stat(manifestKey(other->id)).ok()) << "no manifest for a bad copy";
}

}  // namespace
}  // namespace pharos::backup::testing
