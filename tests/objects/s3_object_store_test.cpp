#include "objects/s3/s3_object_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "../fakes/free_port.h"
#include "../fakes/manual_clock.h"
#include "core/crc32c.h"
#include "objects/lifecycle_sweeper.h"
#include "objects/object_test_util.h"
#include "objects/s3_server.h"

namespace pharos::objects {
namespace {

using objects::testing::errorCode;
using objects::testing::logLines;
using objects::testing::randomBytes;
using objects::testing::S3TestServer;
using s3::S3Request;

constexpr Millis kDay{std::chrono::hours(24)};

class S3ObjectStoreTest : public ::testing::Test {
 protected:
  // One server for the suite (node starts in about a second); one bucket per test.
  static void SetUpTestSuite() {
    server_ = new S3TestServer();
    startError_ = server_->start({});
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    ASSERT_EQ(startError_, "") << "the S3 test server is required for these tests";
    static std::atomic<int> next{0};
    bucket_ = "bucket-" + std::to_string(next++);
    s3::S3Client admin(options());
    S3Request create;
    create.method = "PUT";
    Result<s3::S3Response> created = admin.send(create);
    ASSERT_TRUE(created.ok()) << created.error().toString();
    ASSERT_EQ(created->status, 200) << created->body;
  }

  S3Options options() const {
    S3Options o;
    o.endpoint = server_->endpoint();
    o.bucket = bucket_;
    o.accessKeyId = S3TestServer::kAccessKeyId;
    o.secretAccessKey = Secret(S3TestServer::kSecret);
    o.timeout = Millis(10'000);
    o.listPageSize = 2;  // every listing of more than two objects pages
    return o;
  }

  S3ObjectStorePtr open(const S3Options& o) {
    auto store = S3ObjectStore::open(o, clock_);
    EXPECT_TRUE(store.ok()) << store.error().toString();
    return store.ok() ? std::move(store).value() : nullptr;
  }
  S3ObjectStorePtr open() { return open(options()); }

  // The response to a request sent around the store.
  s3::S3Response raw(S3ObjectStore& store, S3Request request) {
    auto response = store.client().send(request);
    EXPECT_TRUE(response.ok());
    return response.ok() ? std::move(response).value() : s3::S3Response{};
  }

  static inline S3TestServer* server_ = nullptr;
  static inline std::string startError_;
  std::string bucket_;
  pharos::testing::ManualClock clock_;
};

TEST_F(S3ObjectStoreTest, RoundTripsSmallEmptyAndBinaryObjects) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  std::string binary = randomBytes(70'000, 7);
  binary[10] = '\0';
  ASSERT_TRUE(store->put("a/small.txt", "hello").ok());
  ASSERT_TRUE(store->put("a/empty", "").ok());
  ASSERT_TRUE(store->put("b/binary.bin", binary).ok());
  EXPECT_EQ(store->get("a/small.txt").value(), "hello");
  EXPECT_EQ(store->get("a/empty").value(), "");
  EXPECT_EQ(store->get("b/binary.bin").value(), binary);
}

TEST_F(S3ObjectStoreTest, StatReportsSizeAndCreationTimeFromTheClock) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  const WallTime created = clock_.now();
  ASSERT_TRUE(store->put("k/one", "12345").ok());
  clock_.advance(Millis(60'000));
  auto info = store->stat("k/one");
  ASSERT_TRUE(info.ok()) << info.error().toString();
  EXPECT_EQ(info->key, "k/one");
  EXPECT_EQ(info->size, 5u);
  EXPECT_EQ(info->created, created);
  EXPECT_FALSE(info->compressed);
  EXPECT_EQ(errorCode(store->stat("k/none")), ErrorCode::kNotFound);
}

TEST_F(S3ObjectStoreTest, MultipartUploadRoundTripsAboveTheThreshold) {
  S3Options o = options();
  o.multipartThreshold = 6u << 20;
  o.partSize = 5u << 20;
  auto store = open(o);
  ASSERT_NE(store, nullptr);
  const std::string big = randomBytes(12u << 20, 11);
  ASSERT_TRUE(store->put("big/object", big).ok());
  EXPECT_EQ(store->get("big/object").value(), big);
  EXPECT_EQ(store->stat("big/object").value().size, big.size());
  // Initiate, three parts (5 + 5 + 2 MiB) and complete. s3rver's ETags do not show the parts.
  const uint64_t before = store->client().attemptsMade();
  ASSERT_TRUE(store->put("big/again", big).ok());
  EXPECT_EQ(store->client().attemptsMade() - before, 5u);
}

TEST_F(S3ObjectStoreTest, ObjectBelowTheThresholdIsOnePut) {
  S3Options o = options();
  o.multipartThreshold = 6u << 20;
  o.partSize = 5u << 20;
  auto store = open(o);
  ASSERT_NE(store, nullptr);
  const std::string justBelow = randomBytes((6u << 20) - 1, 3);
  const uint64_t before = store->client().attemptsMade();
  ASSERT_TRUE(store->put("small", justBelow).ok());
  EXPECT_EQ(store->client().attemptsMade() - before, 1u);
  EXPECT_EQ(store->get("small").value(), justBelow);
}

// S3 replaces an object atomically. s3rver does not (it rewrites the file in place), so here a
// read racing a put may fail its checksum (most do), and may stall until s3rver's 5 s
// keep-alive ends it; what must never happen is a mix returned as data.
TEST_F(S3ObjectStoreTest, OverwriteShowsTheOldOrTheNewObjectNeverAMix) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  const std::string a = randomBytes(64 << 10, 1);
  const std::string b = randomBytes(64 << 10, 2);
  ASSERT_TRUE(store->put("same", a).ok());
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::atomic<int> mixed{0};
  std::atomic<int> torn{0};  // reads whose checksum caught s3rver's in-place write
  std::atomic<int> otherErrors{0};
  std::thread reader([&] {
    while (!done.load()) {
      auto got = store->get("same");
      if (got.ok() && *got != a && *got != b) ++mixed;
      if (!got.ok()) ++(got.error().code == ErrorCode::kDataLoss ? torn : otherErrors);
      ++reads;
    }
  });
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(store->put("same", i % 2 == 0 ? b : a).ok());
  done = true;
  reader.join();
  EXPECT_EQ(mixed.load(), 0);
  EXPECT_EQ(otherErrors.load(), 0);
  EXPECT_GT(reads.load(), 0);
  RecordProperty("reads", reads.load());
  RecordProperty("torn_reads_caught", torn.load());
  EXPECT_EQ(store->get("same").value(), a);
}

TEST_F(S3ObjectStoreTest, ListPagesThroughPrefixSortedByKey) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  for (const char* key : {"p/e", "p/a", "p/c", "q/x", "p/d", "p/b", "pz"})
    ASSERT_TRUE(store->put(key, key).ok());
  auto listed = store->list("p/");  // five objects: three pages of two
  ASSERT_TRUE(listed.ok()) << listed.error().toString();
  std::vector<std::string> keys;
  for (const ObjectInfo& info : *listed)
    keys.push_back(info.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"p/a", "p/b", "p/c", "p/d", "p/e"}));
  EXPECT_EQ((*listed)[0].size, 3u);
  EXPECT_EQ((*listed)[0].created, clock_.now());
  EXPECT_EQ(store->list("").value().size(), 7u);
  EXPECT_EQ(store->list("p").value().size(), 6u);
  EXPECT_TRUE(store->list("nothing/").value().empty());
}

// Labelled slow: 300 objects in 150 pages, with a HEAD per object (what list() costs on S3).
TEST_F(S3ObjectStoreTest, ListOfManyObjectsPagesInOrderSlow) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  std::vector<std::string> keys;
  for (int i = 0; i < 300; ++i)
    keys.push_back(fmt::format("many/{:04d}", (i * 7919) % 300));
  for (const std::string& key : keys)
    ASSERT_TRUE(store->put(key, key).ok());
  std::sort(keys.begin(), keys.end());
  const uint64_t before = store->client().attemptsMade();
  const auto started = std::chrono::steady_clock::now();
  auto listed = store->list("many/");
  const auto took = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - started);
  ASSERT_TRUE(listed.ok()) << listed.error().toString();
  ASSERT_EQ(listed->size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i)
    EXPECT_EQ((*listed)[i].key, keys[i]);
  EXPECT_EQ(store->client().attemptsMade() - before, 150u + 300u);
  std::printf("list of %zu objects, pages of 2: %lld ms, %llu requests\n", keys.size(),
              static_cast<long long>(took.count()),
              static_cast<unsigned long long>(store->client().attemptsMade() - before));

  S3Options o = options();
  o.listPageSize = 1000;
  auto onePage = open(o);
  ASSERT_NE(onePage, nullptr);
  const uint64_t before2 = onePage->client().attemptsMade();
  const auto started2 = std::chrono::steady_clock::now();
  auto again = onePage->list("many/");
  const auto took2 =
      std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - started2);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->size(), keys.size());
  EXPECT_EQ(onePage->client().attemptsMade() - before2, 1u + 300u);
  std::printf("list of %zu objects, one page: %lld ms\n", keys.size(),
              static_cast<long long>(took2.count()));
}

TEST_F(S3ObjectStoreTest, PrefixOptionKeepsKeysUnderIt) {
  S3Options o = options();
  o.prefix = "tenant-a";
  auto scoped = open(o);
  auto whole = open();
  ASSERT_NE(scoped, nullptr);
  ASSERT_NE(whole, nullptr);
  ASSERT_TRUE(scoped->put("x/1", "one").ok());
  ASSERT_TRUE(whole->put("other", "two").ok());
  EXPECT_EQ(whole->get("tenant-a/x/1").value(), "one");
  auto listed = scoped->list("");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, "x/1");
}

TEST_F(S3ObjectStoreTest, RemoveDeletesAndMissingKeysAreNotFound) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->put("gone/soon", "x").ok());
  ASSERT_TRUE(store->remove("gone/soon").ok());
  EXPECT_EQ(errorCode(store->get("gone/soon")), ErrorCode::kNotFound);
  EXPECT_EQ(errorCode(store->remove("gone/soon")), ErrorCode::kNotFound);
  EXPECT_EQ(errorCode(store->get("never/was")), ErrorCode::kNotFound);
  EXPECT_TRUE(store->list("gone/").value().empty());
}

TEST_F(S3ObjectStoreTest, CorruptedBytesAreDataLoss) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->put("c/obj", "the original bytes").ok());
  S3Request head;
  head.method = "HEAD";
  head.key = "c/obj";
  s3::S3Response before = raw(*store, head);
  ASSERT_NE(before.header("x-amz-meta-pharos-crc32c"), nullptr);
  // Other bytes under the old checksum, written around the store.
  S3Request put;
  put.method = "PUT";
  put.key = "c/obj";
  put.headers = {{"x-amz-meta-pharos-crc32c", *before.header("x-amz-meta-pharos-crc32c")},
                 {"x-amz-meta-pharos-created", *before.header("x-amz-meta-pharos-created")}};
  put.body = "the 0riginal bytes";
  ASSERT_EQ(raw(*store, put).status, 200);
  auto got = store->get("c/obj");
  ASSERT_EQ(errorCode(got), ErrorCode::kDataLoss);
  EXPECT_NE(got.error().message.find("checksum"), std::string::npos);
  EXPECT_NE(got.error().context.find("c/obj"), std::string::npos);
}

TEST_F(S3ObjectStoreTest, ObjectWithoutPharosMetadataIsDataLossOnGet) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  S3Request put;
  put.method = "PUT";
  put.key = "foreign";
  put.body = "written by another tool";
  ASSERT_EQ(raw(*store, put).status, 200);
  EXPECT_EQ(errorCode(store->get("foreign")), ErrorCode::kDataLoss);
  // It is still listed, with S3's own size and time.
  auto listed = store->list("");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].size, 23u);
}

TEST_F(S3ObjectStoreTest, CreationTimeOutOfRangeIsNotTrusted) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  S3Request put;
  put.method = "PUT";
  put.key = "odd";
  put.headers = {{"x-amz-meta-pharos-crc32c", fmt::format("{:08x}", crc32c("x"))},
                 {"x-amz-meta-pharos-created", "99999999999999999"}};
  put.body = "x";
  ASSERT_EQ(raw(*store, put).status, 200);
  EXPECT_EQ(errorCode(store->get("odd")), ErrorCode::kDataLoss);
  EXPECT_EQ(errorCode(store->stat("odd")), ErrorCode::kDataLoss);
}

TEST_F(S3ObjectStoreTest, InvalidKeysAreRefusedBeforeAnyRequest) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(errorCode(store->put("../escape", "x")), ErrorCode::kInvalidArgument);
  EXPECT_EQ(errorCode(store->put("/abs", "x")), ErrorCode::kInvalidArgument);
  EXPECT_EQ(errorCode(store->get("a//b")), ErrorCode::kInvalidArgument);
  EXPECT_EQ(errorCode(store->stat("")), ErrorCode::kInvalidArgument);
  EXPECT_EQ(errorCode(store->remove("sp ace")), ErrorCode::kInvalidArgument);
  EXPECT_EQ(errorCode(store->put(std::string("nul\0byte", 8), "x")), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(store->list("").value().empty());
}

TEST_F(S3ObjectStoreTest, WrongCredentialsAreAClearErrorWithoutTheSecret) {
  S3Options o = options();
  o.accessKeyId = "NOT-A-KEY";
  o.secretAccessKey = Secret("super-secret-value-42");
  auto store = S3ObjectStore::open(o, clock_);
  ASSERT_EQ(errorCode(store), ErrorCode::kPermissionDenied);
  const std::string text = store.error().toString();
  EXPECT_NE(text.find(bucket_), std::string::npos) << text;
  EXPECT_NE(text.find("NOT-A-KEY"), std::string::npos) << text;
  EXPECT_EQ(text.find("super-secret-value-42"), std::string::npos) << text;
}

TEST_F(S3ObjectStoreTest, MissingBucketIsNotFound) {
  S3Options o = options();
  o.bucket = "no-such-bucket";
  auto store = S3ObjectStore::open(o, clock_);
  ASSERT_EQ(errorCode(store), ErrorCode::kNotFound);
  EXPECT_NE(store.error().message.find("no-such-bucket"), std::string::npos);
}

TEST_F(S3ObjectStoreTest, BadOptionsAreInvalidArgument) {
  S3Options o = options();
  o.partSize = 1u << 20;
  EXPECT_EQ(errorCode(S3ObjectStore::open(o, clock_)), ErrorCode::kInvalidArgument);
  o = options();
  o.endpoint = "127.0.0.1:9000";
  EXPECT_EQ(errorCode(S3ObjectStore::open(o, clock_)), ErrorCode::kInvalidArgument);
  o = options();
  o.prefix = "../up";
  EXPECT_EQ(errorCode(S3ObjectStore::open(o, clock_)), ErrorCode::kInvalidArgument);
}

TEST_F(S3ObjectStoreTest, ServerDownIsUnavailableAfterRetriesWithinTheTimeout) {
  S3Options o = options();
  o.endpoint = "http://127.0.0.1:" + std::to_string(pharos::testing::freeLoopbackPort());
  o.maxAttempts = 3;
  o.timeout = Millis(2'000);
  o.secretAccessKey = Secret("super-secret-value-42");
  const auto started = std::chrono::steady_clock::now();
  auto store = S3ObjectStore::open(o, clock_);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(errorCode(store), ErrorCode::kUnavailable);
  EXPECT_TRUE(store.error().retryable);
  EXPECT_NE(store.error().message.find("after 3 attempts"), std::string::npos)
      << store.error().toString();
  EXPECT_EQ(store.error().toString().find("super-secret-value-42"), std::string::npos);
  EXPECT_LT(took, std::chrono::seconds(3 * 2 + 1));
}

TEST_F(S3ObjectStoreTest, LifecycleCompressesThenExpiresOldObjects) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  const std::string text = logLines(200'000);
  const WallTime created = clock_.now();
  ASSERT_TRUE(store->put("logs/a", text).ok());
  ASSERT_TRUE(store->put("keep/b", text).ok());
  std::vector<LifecycleRule> rules = {{"logs/", kDay, 7 * kDay}};

  auto young = store->applyLifecycle(rules);
  ASSERT_TRUE(young.ok()) << young.error().toString();
  EXPECT_EQ(young->scanned, 2u);
  EXPECT_EQ(young->compressed, 0u);

  clock_.advance(2 * kDay);
  auto swept = store->applyLifecycle(rules);
  ASSERT_TRUE(swept.ok()) << swept.error().toString();
  EXPECT_EQ(swept->compressed, 1u);
  EXPECT_EQ(swept->expired, 0u);
  EXPECT_EQ(swept->failed, 0u);
  EXPECT_GT(swept->bytesFreed, text.size() / 2);
  auto info = store->stat("logs/a");
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->compressed);
  EXPECT_EQ(info->size, text.size());
  EXPECT_EQ(info->created, created);
  EXPECT_EQ(store->get("logs/a").value(), text);
  EXPECT_FALSE(store->stat("keep/b").value().compressed);
  auto listed = store->list("logs/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_TRUE((*listed)[0].compressed);
  EXPECT_EQ((*listed)[0].size, text.size());
  // In S3 it is smaller.
  S3Request head;
  head.method = "HEAD";
  head.key = "logs/a";
  s3::S3Response stored = raw(*store, head);
  ASSERT_NE(stored.header("content-length"), nullptr);
  EXPECT_LT(std::stoull(*stored.header("content-length")), text.size() / 2);
  EXPECT_EQ(*stored.header("x-amz-meta-pharos-encoding"), "zstd");

  // A second sweep leaves a compressed object alone.
  auto again = store->applyLifecycle(rules);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->compressed, 0u);

  clock_.advance(6 * kDay);
  auto expired = store->applyLifecycle(rules);
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(expired->expired, 1u);
  EXPECT_EQ(errorCode(store->get("logs/a")), ErrorCode::kNotFound);
  EXPECT_EQ(store->get("keep/b").value(), text);
}

TEST_F(S3ObjectStoreTest, LifecycleNeverExpiresAnObjectOfUnknownAge) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  S3Request put;
  put.method = "PUT";
  put.key = "logs/foreign";
  put.body = "no metadata";
  ASSERT_EQ(raw(*store, put).status, 200);
  clock_.advance(30 * kDay);
  std::vector<LifecycleRule> rules = {{"logs/", std::nullopt, kDay}};
  auto swept = store->applyLifecycle(rules);
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(swept->failed, 1u);
  EXPECT_EQ(swept->expired, 0u);
  EXPECT_EQ(store->list("logs/").value().size(), 1u);
}

TEST_F(S3ObjectStoreTest, LifecycleSweeperRunsOnTheS3Store) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->put("tmp/x", "x").ok());
  clock_.advance(2 * kDay);
  std::atomic<size_t> expired{0};
  LifecycleSweeper sweeper(*store, clock_, {{{"tmp/", std::nullopt, kDay}}, Millis(60'000)},
                           [&](const Result<SweepReport>& report) {
                             if (report.ok()) expired += report->expired;
                           });
  sweeper.start();
  for (int i = 0; i < 200 && sweeper.sweepsCompleted() == 0; ++i)
    std::this_thread::sleep_for(Millis(25));
  sweeper.stop();
  EXPECT_EQ(expired.load(), 1u);
  EXPECT_EQ(errorCode(store->get("tmp/x")), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace pharos::objects
