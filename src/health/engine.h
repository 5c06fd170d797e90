#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "core/periodic_task.h"
#include "core/prometheus_text.h"
#include "core/result.h"
#include "health/check_spec.h"
#include "health/check_state.h"
#include "health/maintenance.h"
#include "health/probe.h"
#include "health/recorder.h"
#include "net/outbound_policy.h"

namespace pharos::health {

// What the API shows of a check's current state.
struct CheckView {
  std::shared_ptr<const CheckSpec> spec;
  CheckStatus status = CheckStatus::kUnknown;
  int consecutiveFailures = 0;
  int consecutiveSuccesses = 0;
  std::optional<WallTime> lastRun;
  bool lastOk = false;
  double lastLatencyMs = 0;
  std::string lastError;
  std::optional<WallTime> nextRun;
  bool inMaintenance = false;
  bool circuitOpen = false;
  std::optional<WallTime> lastBeat;  // heartbeat checks
  // False when its latest slot ran in another health process (the checks are shared): the
  // state above is then as it was when it last ran here.
  bool runsHere = true;
};

struct EngineStats {
  std::uint64_t probesOk = 0;
  std::uint64_t probesFailed = 0;
  std::uint64_t probesSkippedByBreaker = 0;  // down results recorded without a probe
  std::uint64_t runsOverrun = 0;             // a slot came while the last run still ran
  std::uint64_t heartbeats = 0;
  std::uint64_t slotsElsewhere = 0;  // slots left to the process that owns the check
  std::uint64_t checks = 0;
  std::uint64_t inFlight = 0;
  std::uint64_t waiting = 0;  // held back by the concurrency cap
  // Schedule lateness: from a run's slot to its probe starting.
  static constexpr std::array<double, 12> kLatenessBuckets{0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                           0.25,  0.5,   1,    2.5,   5,    10};
  std::array<std::uint64_t, kLatenessBuckets.size()> latenessBuckets{};  // cumulative per le
  std::uint64_t latenessCount = 0;
  double latenessSum = 0;
};

// The pharos_health_* families for GET /metrics.
void writeEngineStats(const EngineStats& stats, PrometheusText& out);

// Runs every check on its own schedule from one event loop (no thread per check): each
// check's runs fall on fixed slots, `interval` apart at an offset derived from its name, so
// thousands of checks spread over the interval and each series' timestamps are regular.
// At most `maxConcurrency` probes are in flight; more wait their turn. A check whose last
// `kBreakerAfter` runs failed has its circuit opened: its target is then probed only every
// 2nd, 4th, ... slot (at most every 32nd), and the slots in between record a down result
// naming the breaker, so uptime stays right while a dead target is not hammered.
class HealthEngine {
 public:
  struct Options {
    int maxConcurrency = 256;
    Millis flushInterval{1'000};
    // With several health processes on one store: whether this one runs a check's slot now
    // (CheckSharding::runsHere). A slot it does not run is not recorded here: its owner
    // records it. Empty: every check runs here.
    std::function<bool(std::string_view check)> runsHere;
    // With several health processes: a beat received here is first written where the others
    // read it (SharedBeats), so that the check's owner hears of it; an error refuses the beat
    // and the sender tries again. Empty: beats stay in this process.
    std::function<Status(const std::string& check, WallTime at)> shareBeat;
    // How late a beat another process received may reach this one (beatElsewhere): a heartbeat
    // deadline waits this much longer before it calls a beat missed.
    Millis sharedBeatDelay{0};
  };
  static constexpr int kBreakerAfter = 5;

  // DNS checks query their servers from the engine's own event loop; `policy` (which must
  // outlive the engine) judges those servers as the client judges every other target.
  HealthEngine(Options options, net::OutboundClient& client, const net::OutboundPolicy& policy,
               ResultRecorder& recorder, const Clock& clock);
  ~HealthEngine();
  HealthEngine(const HealthEngine&) = delete;
  HealthEngine& operator=(const HealthEngine&) = delete;

  void start();
  // Waits for probes in flight (up to their timeouts), flushes results.
  void stop();

  // Replaces the set of checks. A check whose definition is unchanged keeps its state and
  // schedule; a changed one keeps its state and starts on its new schedule.
  void setChecks(std::vector<SharedCheck> checks);
  void setChecks(std::vector<CheckSpec> checks);  // the same, for definitions not yet shared
  void setMaintenance(std::shared_ptr<const MaintenanceCalendar> calendar);

  // A beat for a heartbeat check: kNotFound when no heartbeat check has that name.
  Status heartbeat(const std::string& check);
  // A beat another health process received at `at`. It moves the check's deadline (this
  // process may own the check now or later), and is recorded as a result when this process
  // runs the check and the beat is at most sharedBeatDelay old; an older one (read at start,
  // or after the store was out of reach) was the business of whoever owned the check then.
  // Beats no later than the last one known change nothing. kNotFound as heartbeat().
  Status beatElsewhere(const std::string& check, WallTime at);

  // With several health processes: where the state of checks this process has just gained
  // stood (the last transition their previous owner recorded), so that it goes on from there
  // instead of from unknown. Applies to a check whose latest slot ran elsewhere or that has
  // no state yet, and to checks defined by the next setChecks (a start gains checks before it
  // defines them).
  void continueStatuses(const std::map<std::string, CheckStatus>& statuses);

  std::vector<CheckView> checks() const;
  std::optional<CheckView> check(const std::string& name) const;
  EngineStats stats() const;
  bool inMaintenance(const std::string& check, const Labels& identity, WallTime t) const;

 public:
  struct Entry;

 private:
  // Queue entries hold the check itself, not its name: no lookup per run. A removed or
  // redefined check's old entries are recognised by their generation.
  struct Due {
    std::int64_t atMs;
    std::uint64_t generation;
    std::shared_ptr<Entry> entry;
    bool operator>(const Due& o) const { return atMs > o.atMs; }
  };

  void armTimer();
  void onTimer();
  void runDue(const std::shared_ptr<Entry>& entry, std::int64_t slotMs, std::int64_t nowMs);
  // Under mutex_: counts a probe in flight and how late it starts.
  void countLaunch(std::int64_t slotMs, std::int64_t nowMs);
  void onProbeDone(const std::shared_ptr<Entry>& entry, std::uint64_t generation,
                   std::int64_t slotMs, ProbeResult result);
  void record(Entry& e, std::int64_t atMs, ProbeResult result);
  enum class BeatFrom { kHere, kElsewhere };
  bool hasHeartbeatCheck(const std::string& check) const;
  Status applyBeat(const std::string& check, WallTime at, BeatFrom from);
  void startWaiting();
  std::int64_t firstSlot(const CheckSpec& spec, std::int64_t nowMs) const;
  CheckView viewOf(const Entry& e) const;

  Options options_;
  ResultRecorder& recorder_;
  const Clock& clock_;
  logging::Logger log_{"health"};
  struct Loop;
  std::unique_ptr<Loop> loop_;
  std::unique_ptr<net::DnsClient> dns_;
  std::unique_ptr<Prober> prober_;
  std::unique_ptr<PeriodicTask> flusher_;

  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Entry>, std::less<>> entries_;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> due_;
  struct Waiting {
    std::shared_ptr<Entry> entry;
    std::uint64_t generation;
    std::int64_t slotMs;
  };
  std::deque<Waiting> waiting_;
  std::shared_ptr<const MaintenanceCalendar> maintenance_;
  std::map<std::string, CheckStatus, std::less<>> continuing_;  // for the next setChecks
  std::uint64_t nextGeneration_ = 1;
  int inFlight_ = 0;
  bool stopping_ = false;
  EngineStats stats_;
};

}  // namespace pharos::health
