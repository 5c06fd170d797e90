// An hour of receiver downtime in scaled time: the outbox on the embedded bus and store,
// driven by a manual clock one simulated second per round, a notification every 30 s, the
// receiver down for the first hour and up for the next half hour. Counts what ended
// delivered, dead (in the dead-letter queue) or still pending, the attempts spent, and keys
// delivered twice (must be 0). Default retry settings (10 attempts, 5 s..5 min backoff) and
// breaker (5 failures, 1 min cool-down); the bus without fsync (NORMAL), so disk speed does
// not dominate a run that only measures the delivery logic.
#include <benchmark/benchmark.h>

#include <map>
#include <mutex>

#include "bus/embedded/embedded_bus.h"
#include "core/config/node_json.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "notify/outbox.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using namespace pharos;
using namespace pharos::notify;

class FlakyReceiver final : public Sender {
 public:
  Attempt send(const ReceiverSpec&, const Notification& n) override {
    std::lock_guard lock(mutex_);
    ++attempts;
    Attempt a;
    a.answered = true;
    if (down) {
      a.status = 503;
      a.error = "the receiver answered HTTP 503";
      return a;
    }
    a.status = 200;
    a.delivered = true;
    delivered[n.idempotencyKey]++;
    return a;
  }
  std::mutex mutex_;
  bool down = true;
  int64_t attempts = 0;
  std::map<std::string, int> delivered;
};

Notification make(int i, WallTime at) {
  Notification n;
  n.id = "n" + std::to_string(i);
  n.receiver = "ops";
  n.groupKey = "g" + std::to_string(i % 7);
  n.idempotencyKey = "k" + std::to_string(i);
  AlertInfo a;
  a.labels = Labels{{"alertname", "Down"}, {"i", std::to_string(i)}};
  a.startsAt = at;
  n.alerts.push_back(a);
  n.commonLabels = a.labels;
  n.createdAt = at;
  return n;
}

void BM_HourOfDowntime(benchmark::State& state) {
  for (auto _ : state) {
    testing::TempDir dir;
    testing::ManualClock clock;
    auto store = store::SqliteStore::open(dir.file("s.db"));
    bus::EmbeddedBusOptions bo;
    bo.synchronousFull = false;
    auto bus = bus::EmbeddedBus::open(dir.file("b.db"), clock, bo);
    FlakyReceiver receiver;
    ReceiverSpec spec = std::get<ReceiverSpec>(parseReceiverSpec(config::nodeFromJson(
        nlohmann::json{{"name", "ops"}, {"type", "webhook"}, {"url", "http://127.0.0.1:9/x"}})));
    auto outbox = Outbox::open(
        **bus, **store, receiver, [&](const std::string&) { return std::optional(spec); }, clock,
        OutboxOptions{});
    if (!store.ok() || !bus.ok() || !outbox.ok()) {
      state.SkipWithError("open failed");
      return;
    }
    int enqueued = 0;
    constexpr int kDownSeconds = 3600;
    constexpr int kTotalSeconds = 5400;
    for (int second = 0; second < kTotalSeconds; ++second) {
      if (second == kDownSeconds) receiver.down = false;
      if (second % 30 == 0 && second < kTotalSeconds - 1800) {
        (void)(*outbox)->enqueue(make(enqueued++, clock.now()));
      }
      while (true) {
        auto handled = (*outbox)->processOnce(Millis(0));
        if (!handled.ok() || *handled == 0) break;
      }
      clock.advance(Millis(1'000));
    }
    auto count = [&](NotificationStatus s) {
      return static_cast<double>((*outbox)->log().list({s, "", 1000, std::nullopt})->size());
    };
    int duplicates = 0;
    for (const auto& [key, times] : receiver.delivered)
      duplicates += times > 1;
    auto dead = (*outbox)->deadLetters(1000);
    state.counters["enqueued"] = enqueued;
    state.counters["delivered"] = count(NotificationStatus::kDelivered);
    state.counters["dead"] = count(NotificationStatus::kDead);
    state.counters["dlq"] = dead.ok() ? static_cast<double>(dead->size()) : -1;
    state.counters["pending"] = count(NotificationStatus::kPending);
    state.counters["attempts"] = static_cast<double>(receiver.attempts);
    state.counters["dup_keys"] = duplicates;
  }
}
BENCHMARK(BM_HourOfDowntime)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace

BENCHMARK_MAIN();
