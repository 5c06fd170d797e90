#include "objects/local/local_object_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "object_test_util.h"
#include "objects/local/temp_names.h"

namespace pharos::objects {
namespace {

namespace fs = std::filesystem;
using testing::errorCode;
using testing::keysOf;
using testing::randomBytes;
using testing::readFile;
using testing::tree;
using testing::writeFile;

class LocalObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = openStore(); }

  LocalObjectStorePtr openStore() {
    auto opened = LocalObjectStore::open(root_, clock_);
    if (!opened.ok()) {
      ADD_FAILURE() << opened.error().toString();
      return nullptr;
    }
    return std::move(opened).value();
  }

  void putOk(std::string_view key, std::string_view data) {
    Status s = store_->put(key, data);
    ASSERT_TRUE(s.ok()) << key << ": " << s.error().toString();
  }

  pharos::testing::TempDir dir_;
  fs::path root_ = dir_.path() / "objects";
  pharos::testing::ManualClock clock_;
  LocalObjectStorePtr store_;
};

TEST_F(LocalObjectStoreTest, PutThenGetReturnsTheSameBytes) {
  const std::string big = randomBytes(1 << 20, 1);
  const std::string withNul("a\0b\0", 4);
  putOk("archive/2026/11/27/chunk-0001.zst", big);
  putOk("empty", "");
  putOk("nul", withNul);
  EXPECT_EQ(*store_->get("archive/2026/11/27/chunk-0001.zst"), big);
  EXPECT_EQ(*store_->get("empty"), "");
  EXPECT_EQ(*store_->get("nul"), withNul);
  // One file per key, named as the key, under the root.
  EXPECT_TRUE(fs::is_regular_file(root_ / "archive/2026/11/27/chunk-0001.zst"));
}

TEST_F(LocalObjectStoreTest, StatReportsOriginalSizeAndCreationTime) {
  const WallTime created = clock_.now();
  putOk("a/b", "hello");
  clock_.advance(Millis(5000));
  auto info = store_->stat("a/b");
  ASSERT_TRUE(info.ok()) << info.error().toString();
  EXPECT_EQ(info->key, "a/b");
  EXPECT_EQ(info->size, 5u);
  EXPECT_EQ(info->created, created);
  EXPECT_FALSE(info->compressed);
}

TEST_F(LocalObjectStoreTest, MissingKeysAreNotFound) {
  putOk("dir/obj", "x");
  for (std::string_view key : {"nope", "dir/nope", "nope/deeper", "dir", "dir/obj/below"}) {
    EXPECT_EQ(errorCode(store_->get(key)), ErrorCode::kNotFound) << key;
    EXPECT_EQ(errorCode(store_->stat(key)), ErrorCode::kNotFound) << key;
    EXPECT_EQ(errorCode(store_->remove(key)), ErrorCode::kNotFound) << key;
  }
  auto missing = store_->get("dir/nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().toString().find("dir/nope"), std::string::npos);
}

TEST_F(LocalObjectStoreTest, OverwriteReplacesContentAndCreationTime) {
  putOk("k", "first version");
  clock_.advance(Millis(1000));
  putOk("k", "v2");
  EXPECT_EQ(*store_->get("k"), "v2");
  EXPECT_EQ(store_->stat("k")->created, clock_.now());
  EXPECT_EQ(tree(root_), std::vector<std::string>{"k"});  // no temp file left behind
}

TEST_F(LocalObjectStoreTest, ListReturnsKeysWithThePrefixSorted) {
  for (std::string_view key :
       {"logs/b", "archive/2026/11/28/c", "archive/2026/11/27/b", "archive/2026/11/27/a",
        "archive/2026/1/x", "archive-old", "a/b", "a/bc", "a/b2/c"}) {
    putOk(key, key);
  }
  auto all = store_->list("");
  ASSERT_TRUE(all.ok()) << all.error().toString();
  EXPECT_EQ(keysOf(*all),
            (std::vector<std::string>{"a/b", "a/b2/c", "a/bc", "archive-old", "archive/2026/1/x",
                                      "archive/2026/11/27/a", "archive/2026/11/27/b",
                                      "archive/2026/11/28/c", "logs/b"}));
  EXPECT_EQ(keysOf(store_->list("archive/2026/11/")),
            (std::vector<std::string>{"archive/2026/11/27/a", "archive/2026/11/27/b",
                                      "archive/2026/11/28/c"}));
  // A prefix may end inside a segment, as in S3.
  EXPECT_EQ(keysOf(store_->list("archive/2026/1")),
            (std::vector<std::string>{"archive/2026/1/x", "archive/2026/11/27/a",
                                      "archive/2026/11/27/b", "archive/2026/11/28/c"}));
  EXPECT_EQ(keysOf(store_->list("archive")).size(), 5u);
  EXPECT_EQ(keysOf(store_->list("a/b")), (std::vector<std::string>{"a/b", "a/b2/c", "a/bc"}));
  EXPECT_EQ(keysOf(store_->list("a/b/")), std::vector<std::string>{});
  EXPECT_TRUE(store_->list("zzz")->empty());
  EXPECT_TRUE(store_->list("../")->empty());
  EXPECT_TRUE(store_->list("/etc")->empty());

  auto infos = *store_->list("logs/");
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].size, 6u);
  EXPECT_EQ(infos[0].created, clock_.now());
}

TEST_F(LocalObjectStoreTest, RemoveDeletesTheObject) {
  putOk("a/x", "1");
  putOk("a/y", "2");
  ASSERT_TRUE(store_->remove("a/x").ok());
  EXPECT_EQ(errorCode(store_->get("a/x")), ErrorCode::kNotFound);
  EXPECT_EQ(keysOf(store_->list("a/")), std::vector<std::string>{"a/y"});
  EXPECT_EQ(errorCode(store_->remove("a/x")), ErrorCode::kNotFound);
}

TEST_F(LocalObjectStoreTest, InvalidKeysAreRejectedAndNothingIsCreatedOutsideTheRoot) {
  const std::vector<std::string> bad = {"../x",
                                        "../../etc/pharos-escape",
                                        "/abs",
                                        "/tmp/pharos-escape",
                                        "a//b",
                                        "a/./b",
                                        "a/../../x",
                                        "a\\b",
                                        "..\\x",
                                        "",
                                        std::string(1025, 'a'),
                                        std::string("x\0/../../y", 10),
                                        "a/" + std::string(256, 's') + "/b"};
  for (const std::string& key : bad) {
    EXPECT_EQ(errorCode(store_->put(key, "data")), ErrorCode::kInvalidArgument) << key;
    EXPECT_EQ(errorCode(store_->get(key)), ErrorCode::kInvalidArgument) << key;
    EXPECT_EQ(errorCode(store_->stat(key)), ErrorCode::kInvalidArgument) << key;
    EXPECT_EQ(errorCode(store_->remove(key)), ErrorCode::kInvalidArgument) << key;
  }
  EXPECT_EQ(tree(dir_.path()), std::vector<std::string>{"objects"});
  EXPECT_FALSE(fs::exists("/tmp/pharos-escape"));
}

TEST_F(LocalObjectStoreTest, LongestSegmentThatFitsAFileNameWorks) {
  std::string key = "a/" + std::string(255, 's');
  putOk(key, "fits");
  EXPECT_EQ(*store_->get(key), "fits");
}

TEST_F(LocalObjectStoreTest, KeyCannotBeBothAnObjectAndAPrefix) {
  putOk("a/b", "object");
  Status below = store_->put("a/b/c", "x");
  ASSERT_FALSE(below.ok());
  EXPECT_EQ(below.error().code, ErrorCode::kFailedPrecondition) << below.error().toString();
  putOk("x/y/z", "object");
  Status above = store_->put("x/y", "x");
  ASSERT_FALSE(above.ok());
  EXPECT_EQ(above.error().code, ErrorCode::kFailedPrecondition) << above.error().toString();
  EXPECT_EQ(*store_->get("a/b"), "object");
  EXPECT_EQ(*store_->get("x/y/z"), "object");
  EXPECT_EQ(keysOf(store_->list("")), (std::vector<std::string>{"a/b", "x/y/z"}));
}

TEST_F(LocalObjectStoreTest, FlippedPayloadByteIsDataLossNamingTheKey) {
  const std::string data = randomBytes(4096, 2);
  putOk("logs/chunk", data);
  const fs::path file = root_ / "logs/chunk";
  std::string raw = readFile(file);
  ASSERT_EQ(raw.size(), 40 + data.size());
  raw[40 + 1234] = static_cast<char>(raw[40 + 1234] ^ 0x01);
  writeFile(file, raw);

  auto got = store_->get("logs/chunk");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kDataLoss);
  EXPECT_NE(got.error().toString().find("logs/chunk"), std::string::npos) << got.error().toString();
  EXPECT_NE(got.error().message.find("checksum"), std::string::npos);
}

TEST_F(LocalObjectStoreTest, FlippedHeaderByteIsDataLossForGetAndStat) {
  putOk("a", "some bytes");
  putOk("b", "other bytes");
  std::string raw = readFile(root_ / "a");
  raw[24] = static_cast<char>(raw[24] ^ 0x40);  // the creation time
  writeFile(root_ / "a", raw);
  EXPECT_EQ(errorCode(store_->get("a")), ErrorCode::kDataLoss);
  EXPECT_EQ(errorCode(store_->stat("a")), ErrorCode::kDataLoss);
  // One corrupt object does not hide the others from a listing.
  EXPECT_EQ(keysOf(store_->list("")), std::vector<std::string>{"b"});
}

TEST_F(LocalObjectStoreTest, TruncatedOrExtendedFileIsDataLoss) {
  const std::string data = randomBytes(10000, 3);
  for (size_t keep : {size_t{0}, size_t{20}, size_t{40}, size_t{41}, size_t{40 + 9999}}) {
    putOk("t", data);
    fs::resize_file(root_ / "t", keep);
    auto got = store_->get("t");
    ASSERT_FALSE(got.ok()) << "kept " << keep;
    EXPECT_EQ(got.error().code, ErrorCode::kDataLoss) << "kept " << keep;
    EXPECT_EQ(errorCode(store_->stat("t")), ErrorCode::kDataLoss) << "kept " << keep;
  }
  putOk("t", data);
  writeFile(root_ / "t", readFile(root_ / "t") + "extra");
  EXPECT_EQ(errorCode(store_->get("t")), ErrorCode::kDataLoss);
}

TEST_F(LocalObjectStoreTest, ForeignFileUnderTheRootIsDataLossNotData) {
  writeFile(root_ / "README", "not an object, someone's notes");
  EXPECT_EQ(errorCode(store_->get("README")), ErrorCode::kDataLoss);
}

TEST_F(LocalObjectStoreTest, SpecialFileUnderAKeyIsNotAnObjectAndDoesNotHang) {
  ASSERT_EQ(::mkfifo((root_ / "fifo").c_str(), 0600), 0);
  EXPECT_EQ(errorCode(store_->get("fifo")), ErrorCode::kNotFound);
  EXPECT_EQ(errorCode(store_->stat("fifo")), ErrorCode::kNotFound);
  EXPECT_TRUE(store_->list("")->empty());
}

TEST_F(LocalObjectStoreTest, LeftoverTempFilesAreIgnoredAndCleanedAtOpen) {
  putOk("a/real", "x");
  const std::string live = local::newTempName();  // as if a put of this process were under way
  writeFile(root_ / "~tmp-2147483646-0badf00d-1", "crashed put");
  writeFile(root_ / "a" / "~tmp-garbage", "crashed put");
  writeFile(root_ / "a" / live, "in flight");

  EXPECT_EQ(keysOf(store_->list("")), std::vector<std::string>{"a/real"});
  store_.reset();
  store_ = openStore();
  ASSERT_NE(store_, nullptr);
  std::vector<std::string> kept = {"a", "a/" + live, "a/real"};
  std::sort(kept.begin(), kept.end());
  EXPECT_EQ(tree(root_), kept);
  EXPECT_EQ(keysOf(store_->list("")), std::vector<std::string>{"a/real"});
}

TEST_F(LocalObjectStoreTest, ReopenSeesTheSameObjects) {
  putOk("x/1", "one");
  clock_.advance(Millis(10));
  putOk("x/2", "two");
  auto before = *store_->list("");
  store_.reset();
  store_ = openStore();
  ASSERT_NE(store_, nullptr);
  auto after = *store_->list("");
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].key, before[i].key);
    EXPECT_EQ(after[i].size, before[i].size);
    EXPECT_EQ(after[i].created, before[i].created);
  }
  EXPECT_EQ(*store_->get("x/2"), "two");
}

TEST_F(LocalObjectStoreTest, OpenCreatesMissingParentsAndRejectsAFile) {
  auto nested = LocalObjectStore::open(dir_.path() / "a/b/c", clock_);
  ASSERT_TRUE(nested.ok()) << nested.error().toString();
  EXPECT_TRUE(fs::is_directory(dir_.path() / "a/b/c"));
  writeFile(dir_.path() / "plain-file", "x");
  auto onFile = LocalObjectStore::open(dir_.path() / "plain-file", clock_);
  ASSERT_FALSE(onFile.ok());
  EXPECT_EQ(onFile.error().code, ErrorCode::kIo) << onFile.error().toString();
}

TEST_F(LocalObjectStoreTest, ReaderRacingAWriterSeesTheOldOrTheNewObject) {
  const std::string a(64 * 1024, 'a');
  const std::string b(200 * 1024, 'b');
  putOk("race/obj", a);
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!done.load()) {
      auto got = store_->get("race/obj");
      if (!got.ok() || !(*got == a || *got == b)) ++bad;
      ++reads;
    }
  });
  for (int i = 0; i < 150; ++i) {
    Status s = store_->put("race/obj", i % 2 == 0 ? b : a);
    if (!s.ok()) ++bad;
  }
  done = true;
  reader.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(reads.load(), 10);
  EXPECT_EQ(*store_->get("race/obj"), a);
}

TEST_F(LocalObjectStoreTest, ConcurrentPutsIntoNewDirectoriesAllLand) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        std::string key =
            "day/" + std::to_string(i % 5) + "/t" + std::to_string(t) + "-" + std::to_string(i);
        if (!store_->put(key, key).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store_->list("day/")->size(), 80u);
}

}  // namespace
}  // namespace pharos::objects
