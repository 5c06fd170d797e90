#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bus/embedded/embedded_bus.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"

namespace pharos::bus {
namespace {

int64_t residentBytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return -1;
  long size = 0;
  long resident = 0;
  int n = std::fscanf(f, "%ld %ld", &size, &resident);
  std::fclose(f);
  return n == 2 ? static_cast<int64_t>(resident) * sysconf(_SC_PAGESIZE) : -1;
}

// A million messages through one queue in batches: everything sent is delivered once and
// acked, and memory does not grow with the number of messages that went through.
TEST(EmbeddedBusSoakTest, MillionMessagesWithFlatMemory) {
  // Release: ~8 s here; ASan+UBSan (Debug): ~30 s. RSS stays flat under ASan too.
  constexpr int kMessages = 1'000'000;
  constexpr int64_t kMaxGrowth = 32LL << 20;
  constexpr int kBatch = 1'000;
  constexpr int kWarmUp = 100'000;

  testing::TempDir dir;
  testing::ManualClock clock;
  auto opened = EmbeddedBus::open(dir.file("bus.db"), clock);
  ASSERT_TRUE(opened.ok()) << opened.error().toString();
  EmbeddedBus& bus = **opened;
  ASSERT_TRUE(bus.declareQueue("firehose", {}).ok());

  std::vector<std::string> bodies(kBatch);
  std::vector<std::string> receipts;
  receipts.reserve(kBatch);
  int64_t delivered = 0;
  int64_t rssAfterWarmUp = 0;
  auto start = std::chrono::steady_clock::now();
  for (int sent = 0; sent < kMessages; sent += kBatch) {
    for (int i = 0; i < kBatch; ++i)
      bodies[static_cast<size_t>(i)] =
          "{\"seq\":" + std::to_string(sent + i) + ",\"service\":\"checkout\",\"level\":\"info\"}";
    ASSERT_TRUE(bus.sendBatch("firehose", bodies).ok());
    auto got = bus.receive("firehose", kBatch, Millis(0));
    ASSERT_TRUE(got.ok()) << got.error().toString();
    ASSERT_EQ(got->size(), static_cast<size_t>(kBatch));
    receipts.clear();
    for (const Message& m : *got) {
      ASSERT_EQ(m.body, bodies[static_cast<size_t>(delivered % kBatch)]);
      receipts.push_back(m.receipt);
      ++delivered;
    }
    ASSERT_TRUE(bus.ack(receipts).ok());
    if (sent + kBatch == kWarmUp) rssAfterWarmUp = residentBytes();
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int64_t rssAtEnd = residentBytes();

  EXPECT_EQ(delivered, kMessages);
  auto stats = bus.stats();
  ASSERT_TRUE(stats.ok());
  ASSERT_EQ(stats->size(), 1u);
  EXPECT_EQ((*stats)[0].ready + (*stats)[0].inFlight + (*stats)[0].delayed, 0);
  ASSERT_GT(rssAfterWarmUp, 0);
  EXPECT_LT(rssAtEnd - rssAfterWarmUp, kMaxGrowth)
      << "RSS after " << kWarmUp << ": " << (rssAfterWarmUp >> 20)
      << " MiB, at end: " << (rssAtEnd >> 20) << " MiB";
  std::printf("[ soak     ] %d messages in %.1f s (%.0f msg/s), RSS %lld -> %lld MiB\n", kMessages,
              seconds, kMessages / seconds, static_cast<long long>(rssAfterWarmUp >> 20),
              static_cast<long long>(rssAtEnd >> 20));
}

}  // namespace
}  // namespace pharos::bus
