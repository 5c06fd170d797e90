#include "logs/pipeline.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <span>
#include <thread>

#include <zstd.h>

#include "bus/embedded/embedded_bus.h"
#include "crypto/keyring.h"
#include "crypto/master_key.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"
#include "logs/template_miner.h"
#include "objects/local/local_object_store.h"

namespace pharos::logs {
namespace {

using testing::TempDir;

auto all = [](const Record&) { return true; };

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto bus = bus::EmbeddedBus::open(dir_.file("bus.db"), clock_);
    ASSERT_TRUE(bus.ok());
    bus_ = std::move(bus).value();
    auto objects = objects::LocalObjectStore::open(dir_.file("objects"), clock_);
    ASSERT_TRUE(objects.ok());
    objects_ = std::move(objects).value();
  }

  std::unique_ptr<LogPipeline> open(config::LogsConfig config = {}) {
    auto p = LogPipeline::open(dir_.file("logs"), config, *bus_, *objects_, nullptr, clock_);
    EXPECT_TRUE(p.ok()) << p.error().toString();
    return p.ok() ? std::move(*p) : nullptr;
  }

  Status ingestLines(LogPipeline& p, const std::string& prefix, int n) {
    // Received now: lines received long ago are past retention, and the maintenance thread
    // may drop their partition while a test still counts them.
    auto now =
        std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.now().time_since_epoch());
    BatchEncoder batch(Source::kNative, now.count(), p.maxLineBytes());
    for (int i = 0; i < n; ++i) {
      std::string message = prefix + " line " + std::to_string(i);
      batch.add({.service = "svc", .level = "info", .message = message});
    }
    return p.ingest(std::move(batch));
  }

  std::size_t searchCount(LogPipeline& p) {
    auto page = p.index().search({.startNs = 0, .endNs = INT64_MAX, .limit = 100000}, all);
    EXPECT_TRUE(page.ok());
    return page.ok() ? page->records.size() : 0;
  }

  TempDir dir_;
  Clock& clock_ = systemClock();
  bus::BusPtr bus_;
  objects::ObjectStorePtr objects_;
};

TEST_F(PipelineTest, ProcessesWhatIsIngestedAndMinesTemplates) {
  auto p = open();
  ASSERT_TRUE(p);
  p->start();
  ASSERT_TRUE(ingestLines(*p, "user 17 logged in", 50).ok());
  ASSERT_TRUE(p->waitProcessed(Millis(10'000)));
  auto page = p->index().search({.startNs = 0, .endNs = INT64_MAX, .limit = 100}, all);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->records.size(), 50u);
  EXPECT_NE(page->records[0].templateId, 0u);
  EXPECT_EQ(page->records[0].service, "svc");
  EXPECT_FALSE(p->templateText(page->records[0].templateId).empty());
}

TEST_F(PipelineTest, PushesBackWhenTheBacklogIsFullAndDrainsWhenProcessingRuns) {
  config::LogsConfig config;
  config.maxBacklogBytes = 1 << 20;
  auto p = open(config);
  ASSERT_TRUE(p);
  // Not started: nothing is processed, so the backlog only grows.
  int batches = 0;
  while (p->accepting() && batches < 1000) {
    ASSERT_TRUE(ingestLines(*p, "filler", 1000).ok());
    ++batches;
  }
  EXPECT_FALSE(p->accepting());
  EXPECT_GE(p->backlogBytes(), static_cast<std::uint64_t>(config.maxBacklogBytes));
  p->start();
  ASSERT_TRUE(p->waitProcessed(Millis(30'000)));
  EXPECT_TRUE(p->accepting());
  EXPECT_EQ(searchCount(*p), static_cast<std::size_t>(batches) * 1000);
}

TEST_F(PipelineTest, ResumesAfterARestartWithoutLosingOrRepeatingLines) {
  {
    auto p = open();
    ASSERT_TRUE(p);
    p->start();
    ASSERT_TRUE(ingestLines(*p, "before", 100).ok());
    ASSERT_TRUE(p->waitProcessed(Millis(10'000)));
    p->stop();
    // Ingested while nothing processes: durable, not yet indexed.
    ASSERT_TRUE(ingestLines(*p, "while stopped", 40).ok());
  }
  auto p = open();
  ASSERT_TRUE(p);
  p->start();
  ASSERT_TRUE(p->waitProcessed(Millis(10'000)));
  EXPECT_EQ(searchCount(*p), 140u);
}

TEST_F(PipelineTest, SealedSegmentsAreArchivedAndThenRemoved) {
  config::LogsConfig config;
  config.segmentBytes = 1 << 20;
  auto p = open(config);
  ASSERT_TRUE(p);
  p->start();
  for (int i = 0; i < 30; ++i)
    ASSERT_TRUE(ingestLines(*p, "archive me please with some padding text", 1000).ok());
  ASSERT_TRUE(p->waitProcessed(Millis(20'000)));
  std::vector<objects::ObjectInfo> archived;
  for (int i = 0; i < 100 && archived.empty(); ++i) {
    std::this_thread::sleep_for(Millis(100));
    auto list = objects_->list("archive/logs/");
    ASSERT_TRUE(list.ok());
    archived = *list;
  }
  EXPECT_FALSE(archived.empty());
}

// Two data directories on one bus and one bucket (a shared NATS and S3): each pipeline uses
// its own queue and archive prefix, so neither acknowledges the other's batch messages (which
// name offsets in the other's ingest log) nor overwrites its archive objects.
TEST_F(PipelineTest, PipelinesOfTwoNodesOnOneBusAndBucketKeepApart) {
  config::LogsConfig config;
  config.segmentBytes = 1 << 20;
  std::vector<std::unique_ptr<LogPipeline>> nodes;
  for (const char* node : {"aaaaaaaaaaaa", "bbbbbbbbbbbb"}) {
    auto p = LogPipeline::open(dir_.file(std::string("logs-") + node), config, *bus_, *objects_,
                               nullptr, clock_, {}, LogPipeline::Names::forNode(node));
    ASSERT_TRUE(p.ok()) << p.error().toString();
    nodes.push_back(std::move(p).value());
    nodes.back()->start();
  }
  for (int i = 0; i < 30; ++i) {  // more than one 1 MiB segment each, so both archive
    ASSERT_TRUE(ingestLines(*nodes[0], "node a says hello with some padding text", 1000).ok());
    ASSERT_TRUE(ingestLines(*nodes[1], "node b says hello with some padding text", 1000).ok());
  }
  for (auto& p : nodes)
    ASSERT_TRUE(p->waitProcessed(Millis(20'000)));
  // Each index holds its own node's lines, all of them.
  EXPECT_EQ(searchCount(*nodes[0]), 30'000u);
  EXPECT_EQ(searchCount(*nodes[1]), 30'000u);
  std::set<std::string> prefixes;
  for (int i = 0; i < 100 && prefixes.size() < 2; ++i) {
    std::this_thread::sleep_for(Millis(100));
    auto list = objects_->list("archive/logs/");
    ASSERT_TRUE(list.ok());
    for (const auto& info : *list)
      prefixes.insert(info.key.substr(0, info.key.find('/', 13) + 1));
  }
  EXPECT_EQ(prefixes,
            (std::set<std::string>{"archive/logs/aaaaaaaaaaaa/", "archive/logs/bbbbbbbbbbbb/"}));
  for (auto& p : nodes)
    p->stop();
}

TEST(PipelineNamesTest, ANodeGetsItsOwnQueueAndArchivePrefix) {
  LogPipeline::Names shared;
  EXPECT_EQ(shared.queue, "logs.batch");
  EXPECT_EQ(shared.archivePrefix, "archive/logs/");
  LogPipeline::Names node = LogPipeline::Names::forNode("0a1b2c3d4e5f");
  EXPECT_EQ(node.queue, "logs.batch.0a1b2c3d4e5f");
  EXPECT_EQ(node.archivePrefix, "archive/logs/0a1b2c3d4e5f/");
}

// The zstd frame `compressed` decompressed, or "" if it is not one.
std::string unzstd(const std::string& compressed) {
  unsigned long long size = ZSTD_getFrameContentSize(compressed.data(), compressed.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) return {};
  std::string out(size, '\0');
  std::size_t n = ZSTD_decompress(out.data(), out.size(), compressed.data(), compressed.size());
  if (ZSTD_isError(n)) return {};
  out.resize(n);
  return out;
}

class ArchiveSealTest : public PipelineTest {
 protected:
  // Archives 30,000 lines in 1 MiB segments; the objects under archive/logs/ with their bytes,
  // once there are some or after `polls` tenths of a second (maintenance runs every 2 s).
  std::map<std::string, std::string> archive(LogPipeline::ArchiveSeal seal, int polls = 100) {
    config::LogsConfig config;
    config.segmentBytes = 1 << 20;
    auto p = LogPipeline::open(dir_.file("logs"), config, *bus_, *objects_, nullptr, clock_,
                               std::move(seal));
    EXPECT_TRUE(p.ok()) << p.error().toString();
    if (!p.ok()) return {};
    (*p)->start();
    for (int i = 0; i < 30; ++i)
      EXPECT_TRUE(ingestLines(**p, "archive me please with some padding text", 1000).ok());
    EXPECT_TRUE((*p)->waitProcessed(Millis(20'000)));
    std::map<std::string, std::string> out;
    for (int i = 0; i < polls && out.empty(); ++i) {
      std::this_thread::sleep_for(Millis(100));
      auto list = objects_->list("archive/logs/");
      EXPECT_TRUE(list.ok());
      if (!list.ok()) break;
      for (const auto& info : *list) {
        auto bytes = objects_->get(info.key);
        EXPECT_TRUE(bytes.ok()) << info.key;
        if (bytes.ok()) out[info.key] = std::move(*bytes);
      }
    }
    (*p)->stop();
    return out;
  }

  crypto::KeyringPtr keyring() {
    if (!store_) store_ = std::move(pharos::testing::openTestStore(dir_.file("pharos.db"))).value();
    auto keyring = crypto::Keyring::open(*store_, crypto::MasterKey::generate().value());
    EXPECT_TRUE(keyring.ok()) << keyring.error().toString();
    return std::move(keyring).value();
  }

  std::unique_ptr<store::Store> store_;
};

TEST_F(ArchiveSealTest, SealedObjectsAreArchiveEnvelopesOfTheZstdSegment) {
  crypto::KeyringPtr keys = keyring();
  auto objects = archive([&](std::string_view compressed) {
    return keys->seal(crypto::Purpose::kArchive, compressed);
  });
  ASSERT_FALSE(objects.empty());
  for (const auto& [key, bytes] : objects) {
    EXPECT_TRUE(key.ends_with(".zst.sealed")) << key;
    EXPECT_EQ(bytes.find("archive me please"), std::string::npos) << key << " holds plaintext";
    EXPECT_TRUE(unzstd(bytes).empty()) << key << " is a zstd frame, not an envelope";
    auto opened = keys->open(crypto::Purpose::kArchive, bytes);
    ASSERT_TRUE(opened.ok()) << key << ": " << opened.error().toString();
    // The envelope holds the segment's zstd frame: the ingested lines, framed as written.
    std::string segment = unzstd(*opened);
    EXPECT_NE(segment.find("archive me please with some padding text line 999"), std::string::npos)
        << key;
    // Bound to its purpose: the secrets key does not open it.
    EXPECT_FALSE(keys->open(crypto::Purpose::kSecrets, bytes).ok());
  }
}

TEST_F(ArchiveSealTest, WithoutASealObjectsAreZstdAsBefore) {
  auto objects = archive({});
  ASSERT_FALSE(objects.empty());
  for (const auto& [key, bytes] : objects) {
    EXPECT_TRUE(key.ends_with(".zst")) << key;
    EXPECT_NE(unzstd(bytes).find("archive me please with some padding text line 999"),
              std::string::npos)
        << key;
  }
}

TEST_F(ArchiveSealTest, AFailedSealStoresNothing) {
  int calls = 0;
  auto objects = archive(
      [&](std::string_view) -> Result<std::string> {
        ++calls;
        return makeError(ErrorCode::kUnavailable, "no keyring");
      },
      /*polls=*/30);
  EXPECT_GT(calls, 0);  // it was tried, and nothing unsealed was stored instead
  EXPECT_TRUE(objects.empty());
}

TEST_F(PipelineTest, RecordObserverSeesEveryMinedRecordWithItsTemplateText) {
  auto p = open();
  ASSERT_TRUE(p);
  std::mutex mutex;
  std::size_t seen = 0, chunks = 0;
  std::map<std::uint64_t, std::string> texts;  // template id -> text, as the observer read it
  std::set<std::string> services;
  p->setRecordObserver([&](std::span<const Record> records, const TemplateMiner& miner) {
    std::lock_guard lock(mutex);
    ++chunks;
    for (const Record& r : records) {
      ++seen;
      EXPECT_NE(r.templateId, 0u);  // mined before the observer sees it
      EXPECT_GT(r.receivedNs, 0);
      services.insert(r.service);
      texts[r.templateId] = miner.templateText(r.templateId);
    }
  });
  p->start();
  ASSERT_TRUE(ingestLines(*p, "user 17 logged in", 30).ok());
  ASSERT_TRUE(ingestLines(*p, "disk full on volume", 20).ok());
  ASSERT_TRUE(p->waitProcessed(Millis(10'000)));
  // Removed while running: lines after it are processed without it.
  p->setRecordObserver({});
  ASSERT_TRUE(ingestLines(*p, "user 18 logged in", 10).ok());
  ASSERT_TRUE(p->waitProcessed(Millis(10'000)));
  EXPECT_EQ(searchCount(*p), 60u);
  p->stop();

  std::lock_guard lock(mutex);
  EXPECT_EQ(seen, 50u);  // each line once
  EXPECT_GE(chunks, 1u);
  EXPECT_EQ(services, std::set<std::string>{"svc"});
  ASSERT_EQ(texts.size(), 2u);
  for (const auto& [id, text] : texts) {
    EXPECT_EQ(text, p->templateText(id));
    EXPECT_TRUE(text.find("logged in") != std::string::npos ||
                text.find("disk full") != std::string::npos)
        << text;
  }
}

}  // namespace
}  // namespace pharos::logs
