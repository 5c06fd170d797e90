// What rendering costs per notification: the default title and text templates and a whole
// Slack request, for groups of 1, 10 and 100 alerts.
#include <benchmark/benchmark.h>

#include "core/config/node_json.h"
#include "notify/channels.h"
#include "notify/message.h"
#include "notify/notification_json.h"

namespace {

using namespace pharos;
using namespace pharos::notify;

Notification group(int alerts) {
  Notification n;
  n.id = "01HXBENCH";
  n.receiver = "ops";
  n.groupKey = "{}:{alertname=\"HighLatency\"}";
  n.idempotencyKey = "k";
  n.groupLabels = Labels{{"alertname", "HighLatency"}};
  n.commonLabels = Labels{{"alertname", "HighLatency"}, {"severity", "critical"}};
  for (int i = 0; i < alerts; ++i) {
    AlertInfo a;
    a.labels = n.commonLabels.with("instance", "web-" + std::to_string(i));
    a.annotations = Labels{{"summary", "p99 latency above 500ms"}};
    a.startsAt = fromUnixMillis(1'700'000'000'000);
    a.generatorUrl = "http://pharos.example/alerts/HighLatency";
    n.alerts.push_back(a);
  }
  n.externalUrl = "http://pharos.example";
  return n;
}

ReceiverSpec slack() {
  auto parsed = parseReceiverSpec(config::nodeFromJson(
      nlohmann::json{{"name", "ops"}, {"type", "slack"}, {"url", "http://127.0.0.1:9/hook"}}));
  return std::get<ReceiverSpec>(std::move(parsed));
}

void BM_RenderDefaultMessage(benchmark::State& state) {
  Notification n = group(static_cast<int>(state.range(0)));
  ReceiverSpec spec = slack();
  for (auto _ : state)
    benchmark::DoNotOptimize(renderMessage(spec, n));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RenderDefaultMessage)->Arg(1)->Arg(10)->Arg(100);

void BM_BuildSlackRequest(benchmark::State& state) {
  Notification n = group(static_cast<int>(state.range(0)));
  ReceiverSpec spec = slack();
  for (auto _ : state)
    benchmark::DoNotOptimize(buildHttpCall(spec, n));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BuildSlackRequest)->Arg(1)->Arg(10)->Arg(100);

}  // namespace

BENCHMARK_MAIN();
