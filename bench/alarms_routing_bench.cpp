// Alert routing at 10,000 alerts a minute: the rule engine's puts (re-fires of the firing
// ones, new ones, resolves) go through the routing tree, inhibition and silences into groups,
// and every notification is serialised as Alertmanager's webhook JSON would be (the outbox
// itself is notify's). Simulated time (ManualClock), one tick per second as the app runs it.
//   build/bench/alarms_routing_bench
// sustained/<minutes>: CPU per put and the RSS growth over the run (the issue's target:
// 10,000 alerts/min within 50 MB, the outbox included); rss_after_<m>min shows the plateau.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "alarms/dispatcher.h"
#include "alarms/route_parse.h"
#include "alarms/silence_json.h"
#include "bus/embedded/embedded_bus.h"
#include "core/config/node_json.h"
#include "core/malloc_tuning.h"
#include "core/process_stats.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "notify/outbox.h"
#include "store/sqlite/sqlite_store.h"

namespace pharos::alarms {
namespace {

using namespace std::chrono_literals;

constexpr int kWindow = 10'000;  // firing at any time; each re-put every minute
constexpr int kChurn = 2'000;    // new (and resolved) per minute

config::Node json(std::string_view text) {
  return config::nodeFromJson(nlohmann::json::parse(text));
}

RouteTree routes() {
  auto parsed = parseRouteTree(json(R"({
      "receiver": "default", "group_by": ["alertname", "cluster"],
      "group_wait": "30s", "group_interval": "5m", "repeat_interval": "4h",
      "routes": [
        {"matchers": ["severity=\"critical\""], "receiver": "pager", "continue": true,
         "group_interval": "1m"},
        {"matchers": ["team=~\"db|storage\""], "receiver": "db", "group_by": ["alertname"]},
        {"matchers": ["team=web", "env!=prod"], "receiver": "web", "group_by": ["..."]}]})"),
                               "route", {"default", "pager", "db", "web"});
  return std::get<RouteTree>(std::move(parsed));
}

std::vector<InhibitRule> inhibitRules() {
  return {std::get<InhibitRule>(parseInhibitRule(
      json(R"({"source_matchers": ["severity=critical"], "target_matchers": ["severity=warning"],
               "equal": ["cluster", "team"]})"),
      ""))};
}

// 100 silences, 10 of them recurring, most matching nothing: what a busy team keeps.
SilenceSetPtr silences(WallTime now) {
  std::vector<Silence> all;
  for (int i = 0; i < 100; ++i) {
    std::string body =
        i % 10 == 0
            ? fmt::format(R"({{"matchers": ["instance=\"host-{}\""], "every": "0 22 * * *",
                              "duration": "8h"}})",
                          i * 97)
            : fmt::format(R"({{"matchers": ["alertname=\"Rule{}\"", "instance=~\"host-{}.*\""],
                              "ends_at": "2099-01-01T00:00:00Z"}})",
                          i % 50, i * 13);
    all.push_back(std::get<Silence>(parseSilence(json(body), "", now)));
  }
  return std::make_shared<const SilenceSet>(std::move(all), now);
}

Labels labelsOf(int id) {
  static const char* kTeams[] = {"db", "web", "infra", "storage"};
  return Labels{{"alertname", fmt::format("Rule{}", id % 50)},
                {"instance", fmt::format("host-{}", id)},
                {"cluster", fmt::format("c{}", id % 8)},
                {"severity", id % 10 == 0 ? "critical" : "warning"},
                {"team", kTeams[id % 4]},
                {"env", id % 3 == 0 ? "prod" : "staging"},
                {"job", "node"}};
}

// As a webhook body: what the outbox would store.
std::string serialise(const notify::Notification& n) {
  auto labels = [](const Labels& l) {
    nlohmann::json j = nlohmann::json::object();
    for (const Label& x : l)
      j[x.name] = x.value;
    return j;
  };
  nlohmann::json j;
  j["receiver"] = n.receiver;
  j["status"] = n.firing ? "firing" : "resolved";
  j["groupKey"] = n.groupKey;
  j["groupLabels"] = labels(n.groupLabels);
  j["commonLabels"] = labels(n.commonLabels);
  j["commonAnnotations"] = labels(n.commonAnnotations);
  j["externalURL"] = n.externalUrl;
  nlohmann::json alerts = nlohmann::json::array();
  for (const auto& a : n.alerts) {
    alerts.push_back({{"status", a.firing ? "firing" : "resolved"},
                      {"labels", labels(a.labels)},
                      {"annotations", labels(a.annotations)},
                      {"startsAt", formatSilenceTime(a.startsAt)},
                      {"endsAt", a.endsAt ? formatSilenceTime(*a.endsAt) : ""},
                      {"generatorURL", a.generatorUrl},
                      {"fingerprint", a.fingerprint}});
  }
  j["alerts"] = std::move(alerts);
  return j.dump();
}

double cpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double rssMiB() {
  auto stats = readProcessStats();
  return stats.ok() ? static_cast<double>(stats->residentBytes) / (1024.0 * 1024.0) : -1;
}

// A receiver that takes everything: the outbox's work (durable enqueue, receive, attempt
// records, ack) is what is measured, not a network.
class AcceptingSender final : public notify::Sender {
 public:
  notify::Attempt send(const notify::ReceiverSpec&, const notify::Notification& n) override {
    notify::Attempt a;
    a.answered = true;
    a.delivered = true;
    a.status = 200;
    bytes += serialise(n).size();
    return a;
  }
  std::uint64_t bytes = 0;
};

// With `throughOutbox`, every notification goes through the durable outbox on the embedded
// bus and store (fsync on), drained after each simulated second; otherwise it is serialised
// as webhook JSON only.
void runSustained(benchmark::State& state, bool throughOutbox) {
  const int minutes = static_cast<int>(state.range(0));
  for (auto _ : state) {
    releaseFreeMemory();
    double rssBefore = rssMiB();
    testing::ManualClock clock(fromUnixMillis(1'800'000'000'000));
    std::uint64_t notifications = 0, bytes = 0, puts = 0;
    testing::TempDir dir;
    AcceptingSender sender;
    std::unique_ptr<store::Store> store;
    std::unique_ptr<bus::Bus> bus;
    std::unique_ptr<notify::Outbox> outbox;
    if (throughOutbox) {
      auto s = store::SqliteStore::open(dir.file("s.db"));
      auto b = bus::EmbeddedBus::open(dir.file("b.db"), clock, bus::EmbeddedBusOptions{});
      if (!s.ok() || !b.ok()) {
        state.SkipWithError("open failed");
        return;
      }
      store = std::move(*s);
      bus = std::move(*b);
      notify::ReceiverSpec spec =
          std::get<notify::ReceiverSpec>(notify::parseReceiverSpec(config::nodeFromJson(
              nlohmann::json{{"name", "x"}, {"type", "webhook"}, {"url", "http://127.0.0.1:9/"}})));
      auto o = notify::Outbox::open(
          *bus, *store, sender,
          [spec](const std::string& name) {
            notify::ReceiverSpec r = spec;
            r.name = name;
            return std::optional(r);
          },
          clock, notify::OutboxOptions{});
      if (!o.ok()) {
        state.SkipWithError("outbox open failed");
        return;
      }
      outbox = std::move(*o);
    }
    DispatcherOptions options;
    options.externalUrl = "https://pharos.example";
    Dispatcher dispatcher(routes(), inhibitRules(), clock, options,
                          [&](notify::Notification n) -> Status {
                            ++notifications;
                            if (outbox) return outbox->enqueue(std::move(n));
                            bytes += serialise(n).size();
                            return okStatus();
                          });
    dispatcher.setSilences(silences(clock.now()));
    double cpuBefore = cpuSeconds();
    for (int m = 0; m < minutes; ++m) {
      // This minute's puts, spread over its 60 seconds: the window re-fires (the first
      // minute: fires), the churn fires anew, the ones that left the window resolve.
      std::vector<std::pair<int, bool>> work;
      for (int id = m * kChurn; id < m * kChurn + kWindow; ++id)
        work.emplace_back(id, true);
      if (m > 0) {
        for (int id = (m - 1) * kChurn; id < m * kChurn; ++id)
          work.emplace_back(id, false);
      }
      std::size_t next = 0;
      for (int s = 0; s < 60; ++s) {
        std::size_t until = work.size() * static_cast<std::size_t>(s + 1) / 60;
        for (; next < until; ++next) {
          auto [id, firing] = work[next];
          Alert a;
          a.labels = labelsOf(id);
          a.annotations = Labels{{"summary", fmt::format("Rule{} on host-{}", id % 50, id)},
                                 {"runbook_url", "https://runbooks.example/node"}};
          a.state = firing ? AlertState::kFiring : AlertState::kResolved;
          a.startsAt = clock.now();
          if (!firing) a.endsAt = clock.now();
          dispatcher.put(a);
          ++puts;
        }
        clock.advance(1s);
        dispatcher.tick(clock.now());
        while (outbox) {
          auto handled = outbox->processOnce(Millis(0));
          if (!handled.ok() || *handled == 0) break;
        }
      }
      state.counters[fmt::format("rss_after_{:02}min_MiB", m + 1)] = rssMiB() - rssBefore;
    }
    double cpu = cpuSeconds() - cpuBefore;
    DispatcherStats stats = dispatcher.stats();
    state.counters["puts"] = static_cast<double>(puts);
    state.counters["cpu_us_per_put"] = cpu * 1e6 / static_cast<double>(puts);
    state.counters["cpu_share_of_one_core_at_10k_per_min"] =
        cpu / (static_cast<double>(minutes) * 60.0);
    state.counters["rss_growth_MiB"] = rssMiB() - rssBefore;
    state.counters["notifications"] = static_cast<double>(notifications);
    state.counters["notification_MiB"] =
        static_cast<double>(bytes + sender.bytes) / (1024.0 * 1024.0);
    if (outbox) {
      auto delivered =
          outbox->log().list({notify::NotificationStatus::kDelivered, "", 1'000'000, std::nullopt});
      state.counters["delivered"] = delivered.ok() ? static_cast<double>(delivered->size()) : -1;
    }
    state.counters["alerts_tracked"] = static_cast<double>(stats.alerts);
    state.counters["groups"] = static_cast<double>(stats.groups);
    state.counters["silenced"] = static_cast<double>(stats.alertsSilenced);
    state.counters["inhibited"] = static_cast<double>(stats.alertsInhibited);
  }
}
void sustained(benchmark::State& state) {
  runSustained(state, false);
}
BENCHMARK(sustained)->Arg(10)->Arg(30)->Iterations(1)->Unit(benchmark::kMillisecond);

void sustainedThroughOutbox(benchmark::State& state) {
  runSustained(state, true);
}
BENCHMARK(sustainedThroughOutbox)->Arg(10)->Iterations(1)->Unit(benchmark::kMillisecond);

// The hot path: a firing alert the dispatcher already has, put again at an evaluation.
void putKnown(benchmark::State& state) {
  testing::ManualClock clock;
  Dispatcher dispatcher(routes(), inhibitRules(), clock, {},
                        [](notify::Notification) { return okStatus(); });
  std::vector<Alert> alerts;
  for (int id = 0; id < kWindow; ++id) {
    Alert a;
    a.labels = labelsOf(id);
    alerts.push_back(a);
    dispatcher.put(a);
  }
  std::size_t i = 0;
  for (auto _ : state) {
    dispatcher.put(alerts[i]);
    i = (i + 1) % alerts.size();
  }
}
BENCHMARK(putKnown);

// What each alert of a flushing group is checked against: 100 silences.
void isSilenced(benchmark::State& state) {
  WallTime now = fromUnixMillis(1'800'000'000'000);
  SilenceSetPtr set = silences(now);
  std::vector<Labels> labels;
  for (int id = 0; id < 1000; ++id)
    labels.push_back(labelsOf(id));
  std::size_t i = 0, silenced = 0;
  for (auto _ : state) {
    silenced += set->isSilenced(labels[i], now) ? 1 : 0;
    i = (i + 1) % labels.size();
  }
  benchmark::DoNotOptimize(silenced);
}
BENCHMARK(isSilenced);

// The same with the silences active at the flush's instant found once, as a flush does.
void isSilencedAtFlush(benchmark::State& state) {
  WallTime now = fromUnixMillis(1'800'000'000'000);
  SilenceSetPtr set = silences(now);
  SilenceSet::Active active = set->activeAt(now);
  std::vector<Labels> labels;
  for (int id = 0; id < 1000; ++id)
    labels.push_back(labelsOf(id));
  std::size_t i = 0, silenced = 0;
  for (auto _ : state) {
    silenced += active.firstMatching(labels[i]) != nullptr ? 1 : 0;
    i = (i + 1) % labels.size();
  }
  benchmark::DoNotOptimize(silenced);
}
BENCHMARK(isSilencedAtFlush);

}  // namespace
}  // namespace pharos::alarms

int main(int argc, char** argv) {
  pharos::tuneMallocForServer();  // as `pharos serve` runs
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
