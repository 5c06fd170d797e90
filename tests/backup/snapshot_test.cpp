// The snapshot takes plain files by holding them open, not by copying them: what the backup
// streams later is each file as it was at the snapshot, whatever the server did since.
#include "backup/snapshot.h"

#include <gtest/gtest.h>

#include "backup/entry_stream.h"
#include "backup_test_util.h"

namespace pharos::backup {
namespace {

namespace fs = std::filesystem;
using pharos::testing::TempDir;
using testing::noise;
using testing::readFile;
using testing::TestDb;
using testing::writeFile;

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(data() / "logs" / "ingest");
    writeFile(data() / "logs" / "ingest" / "0001.seg", noise(70000, 1));
    writeFile(data() / "logs" / "ingest" / "0002.seg", noise(5000, 2));
    writeFile(data() / "checkpoint.1", "metrics as of one");
    TestDb db(data() / "pharos.db");
    db.exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('one'), ('two')");
  }

  fs::path data() const { return dir_.path() / "data"; }
  fs::path staging() const { return dir_.path() / "staging"; }

  // Streams the snapshot through the entry stream and parses it back: path -> bytes.
  std::map<std::string, std::string> stream(const std::vector<SnapshotFile>& files,
                                            EntryStreamReader& reader, Status& status) {
    std::map<std::string, std::string> out;
    std::string current;
    EntryStreamParser parser({[&](const std::string& path, uint64_t) {
                                current = path;
                                out[path];
                                return okStatus();
                              },
                              [&](std::string_view bytes) {
                                out[current].append(bytes);
                                return okStatus();
                              },
                              [] { return okStatus(); }});
    std::string buffer(4096, '\0');
    for (;;) {
      Result<size_t> n = reader.read(buffer.data(), buffer.size());
      if (!n.ok()) {
        status = n.error();
        return out;
      }
      if (*n == 0) break;
      if (Status fed = parser.feed(std::string_view(buffer.data(), *n)); !fed.ok()) {
        status = fed;
        return out;
      }
    }
    status = parser.finish();
    EXPECT_EQ(reader.digests().size(), files.size());
    return out;
  }

  TempDir dir_;
};

TEST_F(SnapshotTest, PlainFilesAreHeldNotCopiedAndDatabasesAreCopied) {
  auto files = takeSnapshot(data(), staging());
  ASSERT_TRUE(files.ok()) << files.error().toString();
  ASSERT_EQ(files->size(), 4u);
  for (const SnapshotFile& f : *files) {
    EXPECT_EQ(f.database, f.path == "pharos.db") << f.path;
    EXPECT_EQ(f.held != nullptr, !f.database) << f.path;
    EXPECT_EQ(fs::exists(staging() / f.path), f.database) << f.path;
  }
}

TEST_F(SnapshotTest, StreamsEachFileAsItWasAtTheSnapshot) {
  const std::string segment = readFile(data() / "logs" / "ingest" / "0001.seg");
  const std::string active = readFile(data() / "logs" / "ingest" / "0002.seg");
  auto files = takeSnapshot(data(), staging());
  ASSERT_TRUE(files.ok()) << files.error().toString();

  // What a running server does meanwhile: a processed segment is deleted, the active one
  // grows, a checkpoint is replaced by a rename, and the database changes.
  fs::remove(data() / "logs" / "ingest" / "0001.seg");
  {
    std::ofstream out(data() / "logs" / "ingest" / "0002.seg", std::ios::app);
    out << "appended after the snapshot";
  }
  writeFile(data() / "checkpoint.tmp", "metrics as of two");
  fs::rename(data() / "checkpoint.tmp", data() / "checkpoint.1");
  TestDb(data() / "pharos.db").exec("DELETE FROM t");

  EntryStreamReader reader(staging(), *files);
  Status status = okStatus();
  auto streamed = stream(*files, reader, status);
  ASSERT_TRUE(status.ok()) << status.error().toString();
  EXPECT_EQ(streamed["logs/ingest/0001.seg"], segment);
  EXPECT_EQ(streamed["logs/ingest/0002.seg"], active);
  EXPECT_EQ(streamed["checkpoint.1"], "metrics as of one");
  ASSERT_EQ(reader.digests().size(), files->size());
  for (size_t i = 0; i < files->size(); ++i) {
    EXPECT_EQ(reader.digests()[i], blake2bHex(streamed[(*files)[i].path])) << (*files)[i].path;
  }
  // The database copy holds the rows of its snapshot.
  ASSERT_TRUE(streamed.contains("pharos.db"));
  writeFile(dir_.path() / "copy.db", streamed["pharos.db"]);
  EXPECT_EQ(TestDb(dir_.path() / "copy.db").scalar("SELECT count(*) FROM t"), 2);
}

TEST_F(SnapshotTest, AFileTruncatedBeforeItIsStreamedFailsTheBackupRetryably) {
  auto files = takeSnapshot(data(), staging());
  ASSERT_TRUE(files.ok()) << files.error().toString();
  fs::resize_file(data() / "logs" / "ingest" / "0001.seg", 100);
  EntryStreamReader reader(staging(), *files);
  Status status = okStatus();
  stream(*files, reader, status);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(status.error().retryable);
  EXPECT_NE(status.error().toString().find("logs/ingest/0001.seg"), std::string::npos)
      << status.error().toString();
}

TEST_F(SnapshotTest, PlainFilesPastTheHeldLimitAreCopiedIntoStaging) {
  fs::create_directories(data() / "many");
  for (size_t i = 0; i < kMaxHeldFiles + 5; ++i)
    writeFile(data() / "many" / std::to_string(i), "file " + std::to_string(i));
  auto files = takeSnapshot(data(), staging());
  ASSERT_TRUE(files.ok()) << files.error().toString();
  size_t held = 0;
  size_t staged = 0;
  for (const SnapshotFile& f : *files) {
    if (f.database) continue;
    (f.held ? held : staged) += 1;
    if (!f.held) {
      EXPECT_TRUE(fs::exists(staging() / f.path)) << f.path;
    }
  }
  EXPECT_EQ(held, kMaxHeldFiles);
  EXPECT_EQ(staged, 3u + 5u);
  EntryStreamReader reader(staging(), *files);
  Status status = okStatus();
  auto streamed = stream(*files, reader, status);
  ASSERT_TRUE(status.ok()) << status.error().toString();
  for (size_t i = 0; i < kMaxHeldFiles + 5; ++i)
    EXPECT_EQ(streamed["many/" + std::to_string(i)], "file " + std::to_string(i));
}

}  // namespace
}  // namespace pharos::backup
