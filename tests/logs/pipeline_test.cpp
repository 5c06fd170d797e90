#include "logs/pipeline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <sstream>
#include <thread>

#include "bus/embedded/embedded_bus.h"
#include "crypto/keyring.h"
#include "crypto/master_key.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"
#include "logs/archive_codec.h"
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

// The archive key's "<begin, 20 digits>" and the rest: "00000000000001048620", ".pla".
std::pair<std::string, std::string> splitKey(const std::string& key) {
  std::size_t slash = key.rfind('/');
  return {key.substr(slash + 1, 20), key.substr(slash + 21)};
}

class ArchiveSealTest : public PipelineTest {
 protected:
  // Ingests 30,000 lines into 1 MiB segments before the pipeline starts, keeping a copy of each
  // sealed segment file ("<begin, 20 digits>" -> bytes) in segments_; then runs it. The objects
  // under archive/logs/ with their bytes, once every sealed segment has one or after `polls`
  // tenths of a second (maintenance runs every 2 s). `before` runs before the start.
  std::map<std::string, std::string> archive(LogPipeline::ArchiveSeal seal, int polls = 100,
                                             const std::function<void()>& before = {}) {
    config::LogsConfig config;
    config.segmentBytes = 1 << 20;
    auto p = LogPipeline::open(dir_.file("logs"), config, *bus_, *objects_, nullptr, clock_,
                               std::move(seal));
    EXPECT_TRUE(p.ok()) << p.error().toString();
    if (!p.ok()) return {};
    for (int i = 0; i < 30; ++i)
      EXPECT_TRUE(ingestLines(**p, "archive me please with some padding text", 1000).ok());
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.file("logs/ingest")))
      files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    files.pop_back();  // the open segment
    for (const auto& path : files) {
      std::ifstream in(path, std::ios::binary);
      std::stringstream bytes;
      bytes << in.rdbuf();
      segments_[path.stem().string()] = bytes.str();
    }
    EXPECT_FALSE(segments_.empty());
    if (before) before();
    (*p)->start();
    EXPECT_TRUE((*p)->waitProcessed(Millis(20'000)));
    std::map<std::string, std::string> out;
    for (int i = 0; i < polls && out.size() < segments_.size(); ++i) {
      std::this_thread::sleep_for(Millis(100));
      auto list = objects_->list("archive/logs/");
      EXPECT_TRUE(list.ok());
      if (!list.ok()) break;
      out.clear();
      for (const auto& info : *list) {
        auto bytes = objects_->get(info.key);
        EXPECT_TRUE(bytes.ok()) << info.key;
        if (bytes.ok()) out[info.key] = std::move(*bytes);
      }
    }
    PrometheusText stats;
    (*p)->writeStats(stats);
    stats_ = std::move(stats).str();
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
  std::map<std::string, std::string> segments_;
  std::string stats_;
};

TEST_F(ArchiveSealTest, SealedObjectsAreArchiveEnvelopesOfTheTemplatedSegment) {
  crypto::KeyringPtr keys = keyring();
  auto objects = archive([&](std::string_view compressed) {
    return keys->seal(crypto::Purpose::kArchive, compressed);
  });
  ASSERT_EQ(objects.size(), segments_.size());
  for (const auto& [key, bytes] : objects) {
    auto [begin, suffix] = splitKey(key);
    EXPECT_EQ(suffix, ".pla.sealed") << key;
    EXPECT_EQ(bytes.find("archive me please"), std::string::npos) << key << " holds plaintext";
    EXPECT_FALSE(decodeArchive(bytes).ok()) << key << " is an archive object, not an envelope";
    auto opened = keys->open(crypto::Purpose::kArchive, bytes);
    ASSERT_TRUE(opened.ok()) << key << ": " << opened.error().toString();
    // The envelope holds the templated object of the segment file.
    auto segment = decodeArchive(*opened);
    ASSERT_TRUE(segment.ok()) << key << ": " << segment.error().toString();
    EXPECT_TRUE(*segment == segments_[begin]) << key;
    // Bound to its purpose: the secrets key does not open it.
    EXPECT_FALSE(keys->open(crypto::Purpose::kSecrets, bytes).ok());
  }
}

TEST_F(ArchiveSealTest, WithoutASealObjectsAreTemplatedAndDecodeToTheSegment) {
  auto objects = archive({});
  ASSERT_EQ(objects.size(), segments_.size());
  for (const auto& [key, bytes] : objects) {
    auto [begin, suffix] = splitKey(key);
    EXPECT_EQ(suffix, ".pla") << key;
    EXPECT_EQ(bytes.substr(0, 4), "PHLA") << key;
    auto segment = decodeArchive(bytes);
    ASSERT_TRUE(segment.ok()) << key << ": " << segment.error().toString();
    EXPECT_TRUE(*segment == segments_[begin]) << key;
    // Smaller than the segment compressed whole, as the first format stored it.
    auto whole = encodeWholeArchive(segments_[begin], 6);
    ASSERT_TRUE(whole.ok());
    EXPECT_LT(bytes.size(), whole->size()) << key;
  }
  EXPECT_NE(stats_.find("pharos_logs_archive_fallbacks_total 0"), std::string::npos) << stats_;
}

// After an upgrade, or a change of crypto.encrypt_archive, a segment that already has an
// object under another of its names is not archived again.
TEST_F(ArchiveSealTest, ASegmentArchivedUnderAnyOfItsNamesIsNotArchivedAgain) {
  for (const char* suffix : {".zst", ".zst.sealed", ".pla.sealed"}) {
    SCOPED_TRACE(suffix);
    std::filesystem::remove_all(dir_.file("logs"));
    auto before = objects_->list("archive/logs/");
    ASSERT_TRUE(before.ok());
    for (const auto& info : *before)
      ASSERT_TRUE(objects_->remove(info.key).ok());
    segments_.clear();
    std::set<std::string> written;
    auto objects = archive({}, 60, [&] {
      for (const auto& [begin, bytes] : segments_) {
        std::string key = "archive/logs/" + begin + suffix;
        ASSERT_TRUE(objects_->put(key, "archived before").ok());
        written.insert(key);
      }
    });
    std::set<std::string> keys;
    for (const auto& [key, bytes] : objects)
      keys.insert(key);
    EXPECT_EQ(keys, written);
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
