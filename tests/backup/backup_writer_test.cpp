#include "backup/backup_writer.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <thread>

#include "backup/snapshot.h"
#include "backup_test_util.h"

namespace pharos::backup::testing {
namespace {

using RoundTripTest = BackupTest;

TEST_F(RoundTripTest, RestoredDatabasesHoldEveryRowAndFilesEveryByte) {
  populate();
  // A connection that never checkpoints: rows committed only to pharos.db-wal must be taken.
  TestDb live(dataDir / "pharos.db");
  live.exec("PRAGMA wal_autocheckpoint=0");
  live.exec("INSERT INTO items(name, value, payload) VALUES ('only-in-wal', 7, x'00ff')");
  ASSERT_TRUE(fs::exists(dataDir / "pharos.db-wal"));
  const fs::path config = tmp.path() / "pharos.yaml";
  writeFile(config, "server:\n  listen: 127.0.0.1:9000\n");
  writeFile(dataDir / kDevMasterKeyName, std::string(64, 'a'));  // a dev server's own key

  BackupOptions options;
  options.configFile = config;
  options.pharosVersion = "0.1.0";
  options.schemaVersions = {{"auth", 2}, {"bus", 1}};
  auto manifest = backup(options);
  ASSERT_TRUE(manifest.ok()) << manifest.error().toString();

  std::vector<std::string> paths;
  for (const ManifestFile& f : manifest->files)
    paths.push_back(f.path);
  EXPECT_EQ(paths,
            (std::vector<std::string>{"bus.db", "config/pharos.yaml", "logs/ingest/000001.seg",
                                      "metrics-wal/00000001.wal", "metrics.db", "pharos.db"}));
  EXPECT_FALSE(manifest->keyId.empty());
  EXPECT_EQ(manifest->pharosVersion, "0.1.0");
  EXPECT_GT(manifest->rawBytes, manifest->compressedBytes);
  EXPECT_GT(manifest->storedBytes, manifest->compressedBytes);  // envelope and tags
  EXPECT_FALSE(fs::exists(dataDir / (std::string(kStagingPrefix) + manifest->id)));

  BackupCatalog catalog(*objects, *keyring);
  const fs::path target = tmp.path() / "restored";
  Status restored = catalog.restore(manifest->id, target, {false, {{"auth", 2}, {"bus", 1}}});
  ASSERT_TRUE(restored.ok()) << restored.error().toString();

  for (const char* name : {"pharos.db", "bus.db", "metrics.db"}) {
    TestDb original(dataDir / name);
    TestDb copy(target / name);
    auto want = original.dump();
    EXPECT_FALSE(want.empty()) << name;
    EXPECT_EQ(copy.dump(), want) << name;
  }
  TestDb copy(target / "pharos.db");
  EXPECT_EQ(copy.scalar("SELECT count(*) FROM items WHERE name='only-in-wal'"), 1);
  EXPECT_EQ(readFile(target / "metrics-wal" / "00000001.wal"),
            readFile(dataDir / "metrics-wal" / "00000001.wal"));
  EXPECT_EQ(readFile(target / "logs" / "ingest" / "000001.seg"),
            readFile(dataDir / "logs" / "ingest" / "000001.seg"));
  EXPECT_EQ(readFile(target / "config" / "pharos.yaml"), readFile(config));
  EXPECT_FALSE(fs::exists(target / "objects"));
}

TEST_F(RoundTripTest, LargeBackupIsSplitIntoBoundedParts) {
  writeFile(dataDir / "metrics-wal" / "big.wal", noise(200000, 9));
  BackupOptions options;
  options.partBytes = 16384;
  auto manifest = backup(options);
  ASSERT_TRUE(manifest.ok()) << manifest.error().toString();
  ASSERT_GE(manifest->parts.size(), 12u);
  uint64_t stored = 0;
  for (size_t i = 0; i < manifest->parts.size(); ++i) {
    auto info = objects->stat(manifest->parts[i].key);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->size, manifest->parts[i].size);
    if (i + 1 < manifest->parts.size()) {
      EXPECT_EQ(info->size, 16384u);
    }
    EXPECT_LE(info->size, 16384u);
    stored += info->size;
  }
  EXPECT_EQ(stored, manifest->storedBytes);
  EXPECT_EQ(manifest->parts.front().key, "backups/" + manifest->id + "/part-00001");
  BackupCatalog catalog(*objects, *keyring);
  auto report = catalog.verify(manifest->id);
  ASSERT_TRUE(report.ok()) << report.error().toString();
  EXPECT_EQ(report->partsChecked, manifest->parts.size());
  EXPECT_EQ(report->bytesChecked, 200000u);
}

TEST_F(RoundTripTest, PartSizeBelowTheMinimumIsRefused) {
  BackupOptions options;
  options.partBytes = 100;
  auto manifest = backup(options);
  ASSERT_FALSE(manifest.ok());
  EXPECT_EQ(manifest.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(RoundTripTest, ProgressIsMonotoneAndReachesTotal) {
  populate();
  writeFile(dataDir / "metrics-wal" / "big.wal", noise(3 << 20, 4));
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  auto manifest =
      backup({}, [&](uint64_t done, uint64_t total) { calls.emplace_back(done, total); });
  ASSERT_TRUE(manifest.ok()) << manifest.error().toString();
  ASSERT_GE(calls.size(), 3u);  // start, several 1 MiB reads, end
  EXPECT_EQ(calls.front().first, 0u);
  for (size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(calls[i].second, manifest->rawBytes);
    if (i > 0) {
      EXPECT_GE(calls[i].first, calls[i - 1].first);
    }
    EXPECT_LE(calls[i].first, calls[i].second);
  }
  EXPECT_EQ(calls.back().first, manifest->rawBytes);
}

int threadNice() {
  errno = 0;
  return getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)));
}

// The progress callback runs on the thread doing the backup: in the background it is another
// thread than the caller's, at nice 10 or lower priority, and the caller's own stays as it was.
TEST_F(RoundTripTest, BackgroundBackupRunsOnALowerPriorityThreadAndRestores) {
  populate();
  const int callerNice = threadNice();
  const auto caller = std::this_thread::get_id();
  std::vector<int> nices;
  std::vector<bool> onCaller;
  BackupOptions options;
  options.background = true;
  auto manifest = backup(options, [&](uint64_t, uint64_t) {
    nices.push_back(threadNice());
    onCaller.push_back(std::this_thread::get_id() == caller);
  });
  ASSERT_TRUE(manifest.ok()) << manifest.error().toString();
  ASSERT_FALSE(nices.empty());
  for (size_t i = 0; i < nices.size(); ++i) {
    EXPECT_GE(nices[i], std::max(callerNice, 10));
    EXPECT_FALSE(onCaller[i]);
  }
  EXPECT_EQ(threadNice(), callerNice);

  BackupCatalog catalog(*objects, *keyring);
  const fs::path target = tmp.path() / "restored";
  Status restored = catalog.restore(manifest->id, target);
  ASSERT_TRUE(restored.ok()) << restored.error().toString();
  TestDb original(dataDir / "pharos.db");
  TestDb copy(target / "pharos.db");
  EXPECT_EQ(copy.dump(), original.dump());
}

TEST_F(RoundTripTest, ForegroundBackupRunsOnTheCallersThread) {
  populate();
  const auto caller = std::this_thread::get_id();
  size_t elsewhere = 0;
  auto manifest = backup({}, [&](uint64_t, uint64_t) {
    if (std::this_thread::get_id() != caller) ++elsewhere;
  });
  ASSERT_TRUE(manifest.ok()) << manifest.error().toString();
  EXPECT_EQ(elsewhere, 0u);
}

// Files are copied two at a time: a missing config file still fails the whole backup (it is
// not a segment deleted meanwhile), and leaves no staging directory behind.
TEST_F(RoundTripTest, MissingConfigFileFailsTheBackup) {
  populate();
  BackupOptions options;
  options.configFile = tmp.path() / "absent.yaml";
  auto manifest = backup(options);
  ASSERT_FALSE(manifest.ok());
  EXPECT_EQ(manifest.error().code, ErrorCode::kNotFound);
  for (const auto& entry : fs::directory_iterator(dataDir)) {
    EXPECT_NE(entry.path().filename().string().rfind(kStagingPrefix, 0), 0u) << entry.path();
  }
}

// Rows go in transactions of 10, each also bumping a counter: a consistent copy has a multiple
// of 10 rows, batches 1..k without holes, and the counter equal to the row count.
TEST_F(RoundTripTest, BackupDuringInsertsRestoresACommittedPrefix) {
  {
    TestDb db(dataDir / "pharos.db");
    db.exec("CREATE TABLE items(id INTEGER PRIMARY KEY, batch INTEGER, payload BLOB)");
    db.exec("CREATE TABLE meta(rows INTEGER)");
    db.exec("INSERT INTO meta VALUES (0)");
  }
  std::atomic<bool> stop{false};
  std::atomic<int> batches{0};
  std::thread writer([&] {
    TestDb db(dataDir / "pharos.db");
    for (int batch = 1; !stop.load(); ++batch) {
      std::string sql = "BEGIN IMMEDIATE;";
      for (int i = 0; i < 10; ++i) {
        sql += "INSERT INTO items(batch, payload) VALUES (" + std::to_string(batch) +
               ", randomblob(200));";
      }
      sql += "UPDATE meta SET rows = rows + 10; COMMIT;";
      db.exec(sql);
      batches.store(batch);
    }
  });
  while (batches.load() < 50)
    std::this_thread::yield();
  const int before = batches.load();
  auto manifest = backup();
  const int after = batches.load();
  stop = true;
  writer.join();
  ASSERT_TRUE(manifest.ok()) << manifest.error().toString();
  EXPECT_GT(after, before) << "the writer should have kept writing during the backup";

  BackupCatalog catalog(*objects, *keyring);
  const fs::path target = tmp.path() / "restored";
  Status restored = catalog.restore(manifest->id, target);
  ASSERT_TRUE(restored.ok()) << restored.error().toString();
  TestDb copy(target / "pharos.db");
  const int64_t rows = copy.scalar("SELECT count(*) FROM items");
  EXPECT_GE(rows, before * 10);
  EXPECT_EQ(rows % 10, 0);
  EXPECT_EQ(copy.scalar("SELECT rows FROM meta"), rows);
  EXPECT_EQ(copy.scalar("SELECT max(batch) FROM items"), rows / 10);
  EXPECT_EQ(copy.scalar("SELECT count(DISTINCT batch) FROM items"), rows / 10);
  EXPECT_EQ(copy.text("PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace pharos::backup::testing
