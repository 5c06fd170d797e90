#include "health/engine.h"

// <utility> before any Asio header: Boost 1.74 uses std::exchange without including it.
#include <utility>

#include <algorithm>
#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/config/duration.h"
#include "core/periodic_task.h"
#include "core/stable_hash.h"
#include "net/dns_client.h"

namespace pharos::health {
namespace {

namespace asio = boost::asio;

constexpr std::int64_t kCoalesceMs = 10;

bool sameDefinition(const CheckSpec& a, const CheckSpec& b) {
  return a.token == b.token && checkSpecToJson(a, true) == checkSpecToJson(b, true);
}

}  // namespace

struct HealthEngine::Entry {
  std::shared_ptr<const CheckSpec> spec;
  std::shared_ptr<const CheckSeries> series;
  CheckState state{3, 2};
  std::uint64_t generation = 0;
  bool running = false;
  int skipsLeft = 0;     // slots the open circuit still skips
  int breakerLevel = 0;  // probes failed with the circuit open, plus one; 0: closed
  std::optional<std::int64_t> nextMs;
  std::optional<WallTime> lastRun;
  bool lastOk = false;
  double lastLatencyMs = 0;
  std::string lastError;
  std::optional<WallTime> lastBeat;
  bool here = true;  // its latest slot ran in this process (Options::runsHere)
};

struct HealthEngine::Loop {
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{asio::make_work_guard(ioc)};
  asio::steady_timer timer{ioc};
  std::thread thread;
};

void writeEngineStats(const EngineStats& s, PrometheusText& out) {
  out.family("pharos_health_checks", "Checks defined.", "gauge");
  out.sample("pharos_health_checks", {}, static_cast<double>(s.checks));
  out.family("pharos_health_probes_total", "Check runs, by outcome.", "counter");
  out.sample("pharos_health_probes_total", {{"outcome", "ok"}}, static_cast<double>(s.probesOk));
  out.sample("pharos_health_probes_total", {{"outcome", "failed"}},
             static_cast<double>(s.probesFailed));
  out.family("pharos_health_runs_skipped_total",
             "Runs not probed: the circuit was open (recorded down), the last run still ran, or "
             "another health process owns the check.",
             "counter");
  out.sample("pharos_health_runs_skipped_total", {{"reason", "circuit_open"}},
             static_cast<double>(s.probesSkippedByBreaker));
  out.sample("pharos_health_runs_skipped_total", {{"reason", "overrun"}},
             static_cast<double>(s.runsOverrun));
  out.sample("pharos_health_runs_skipped_total", {{"reason", "other_member"}},
             static_cast<double>(s.slotsElsewhere));
  out.family("pharos_health_heartbeats_total", "Heartbeats received.", "counter");
  out.sample("pharos_health_heartbeats_total", {}, static_cast<double>(s.heartbeats));
  out.family("pharos_health_probes_in_flight", "Probes running now.", "gauge");
  out.sample("pharos_health_probes_in_flight", {}, static_cast<double>(s.inFlight));
  out.family("pharos_health_probes_waiting", "Runs held back by health.max_concurrency.", "gauge");
  out.sample("pharos_health_probes_waiting", {}, static_cast<double>(s.waiting));
  out.family("pharos_health_schedule_lateness_seconds", "From a run's slot to its probe starting.",
             "histogram");
  for (std::size_t i = 0; i < EngineStats::kLatenessBuckets.size(); ++i) {
    std::string le = fmt::format("{}", EngineStats::kLatenessBuckets[i]);
    out.sample("pharos_health_schedule_lateness_seconds_bucket", {{"le", le}},
               static_cast<double>(s.latenessBuckets[i]));
  }
  out.sample("pharos_health_schedule_lateness_seconds_bucket", {{"le", "+Inf"}},
             static_cast<double>(s.latenessCount));
  out.sample("pharos_health_schedule_lateness_seconds_sum", {}, s.latenessSum);
  out.sample("pharos_health_schedule_lateness_seconds_count", {},
             static_cast<double>(s.latenessCount));
}

HealthEngine::HealthEngine(Options options, net::OutboundClient& client,
                           const net::OutboundPolicy& policy, ResultRecorder& recorder,
                           const Clock& clock)
    : options_(options), recorder_(recorder), clock_(clock), loop_(std::make_unique<Loop>()) {
  dns_ = std::make_unique<net::DnsClient>(loop_->ioc, policy);
  prober_ =
      std::make_unique<Prober>(client, *dns_, [this](Millis delay, std::function<void()> work) {
        auto timer = std::make_shared<asio::steady_timer>(loop_->ioc, delay);
        timer->async_wait([timer, work = std::move(work)](boost::system::error_code ec) {
          if (!ec) work();
        });
      });
}

HealthEngine::~HealthEngine() {
  stop();
}

void HealthEngine::start() {
  if (loop_->thread.joinable()) return;
  loop_->thread = std::thread([this] { loop_->ioc.run(); });
  flusher_ = std::make_unique<PeriodicTask>(options_.flushInterval, [this] {
    if (Status s = recorder_.flush(); !s.ok()) {
      log_.warn("writing check results failed", {{"error", s.error().toString()}});
    }
  });
  flusher_->start();
  asio::post(loop_->ioc, [this] { onTimer(); });
}

void HealthEngine::stop() {
  if (!loop_->thread.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    waiting_.clear();
  }
  // Probes in flight end by their timeouts; wait for them so their callbacks do not outlive us.
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (inFlight_ == 0) break;
    }
    if (std::chrono::steady_clock::now() > until) {
      log_.warn("probes still in flight at shutdown", {{"count", inFlight_}});
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  asio::post(loop_->ioc, [this] { loop_->timer.cancel(); });
  loop_->work.reset();
  loop_->ioc.stop();
  loop_->thread.join();
  flusher_.reset();
  if (Status s = recorder_.flush(); !s.ok()) {
    log_.warn("writing check results at shutdown failed", {{"error", s.error().toString()}});
  }
}

std::int64_t HealthEngine::firstSlot(const CheckSpec& spec, std::int64_t nowMs) const {
  std::int64_t interval = spec.interval.count();
  std::int64_t offset = static_cast<std::int64_t>(stableHash(spec.name) % interval);
  std::int64_t slot = ((nowMs - offset) / interval) * interval + offset;
  while (slot <= nowMs)
    slot += interval;
  return slot;
}

void HealthEngine::setChecks(std::vector<CheckSpec> checks) {
  std::vector<SharedCheck> shared;
  shared.reserve(checks.size());
  for (CheckSpec& spec : checks)
    shared.push_back(std::make_shared<const CheckSpec>(std::move(spec)));
  setChecks(std::move(shared));
}

void HealthEngine::setChecks(std::vector<SharedCheck> checks) {
  {
    std::lock_guard lock(mutex_);
    std::int64_t now = toUnixMillis(clock_.now());
    std::map<std::string, std::shared_ptr<Entry>, std::less<>> next;
    for (SharedCheck& shared : checks) {
      const CheckSpec& spec = *shared;
      std::shared_ptr<Entry> e;
      if (auto it = entries_.find(spec.name); it != entries_.end()) {
        e = std::move(it->second);
        if (e->spec == shared || sameDefinition(*e->spec, spec)) {
          e->spec = std::move(shared);  // the same definition: share the caller's copy
          next.emplace(e->spec->name, std::move(e));
          continue;
        }
      } else {
        e = std::make_shared<Entry>();
      }
      e->state.setThresholds(spec.failureThreshold, spec.successThreshold);
      if (auto c = continuing_.find(spec.name);
          c != continuing_.end() && e->state.status() == CheckStatus::kUnknown) {
        e->state.assume(c->second);
      }
      e->series = std::make_shared<const CheckSeries>(spec);
      e->generation = nextGeneration_++;
      e->running = false;
      e->skipsLeft = 0;
      e->breakerLevel = 0;
      std::int64_t at = spec.type == CheckType::kHeartbeat
                            ? now + spec.interval.count() + spec.grace.count()
                            : firstSlot(spec, now);
      e->nextMs = at;
      due_.push(Due{at, e->generation, e});
      std::string name = spec.name;
      e->spec = std::move(shared);
      next.emplace(std::move(name), std::move(e));
    }
    // What is left was removed: its queued runs and probes in flight no longer count.
    for (auto& [name, e] : entries_) {
      if (e) e->generation = 0;
    }
    entries_ = std::move(next);
    stats_.checks = entries_.size();
    continuing_.clear();
  }
  asio::post(loop_->ioc, [this] { onTimer(); });
}

void HealthEngine::continueStatuses(const std::map<std::string, CheckStatus>& statuses) {
  std::lock_guard lock(mutex_);
  for (const auto& [name, status] : statuses) {
    auto it = entries_.find(name);
    if (it == entries_.end()) {
      continuing_[name] = status;
      continue;
    }
    Entry& e = *it->second;
    if (!e.here || e.state.status() == CheckStatus::kUnknown) e.state.assume(status);
  }
}

void HealthEngine::setMaintenance(std::shared_ptr<const MaintenanceCalendar> calendar) {
  std::lock_guard lock(mutex_);
  maintenance_ = std::move(calendar);
}

bool HealthEngine::inMaintenance(const std::string& check, const Labels& identity,
                                 WallTime t) const {
  std::lock_guard lock(mutex_);
  return maintenance_ && maintenance_->inMaintenance(check, identity, t);
}

void HealthEngine::armTimer() {
  if (due_.empty() || stopping_) return;
  std::int64_t wait = due_.top().atMs - toUnixMillis(clock_.now());
  loop_->timer.expires_after(Millis(std::max<std::int64_t>(wait, 0)));
  loop_->timer.async_wait([this](boost::system::error_code ec) {
    if (!ec) onTimer();
  });
}

struct Launch {
  std::shared_ptr<HealthEngine::Entry> entry;
  std::shared_ptr<const CheckSpec> spec;
  std::uint64_t generation;
  std::int64_t slotMs;
};

void HealthEngine::onTimer() {
  std::vector<Launch> launches;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    std::int64_t now = toUnixMillis(clock_.now());
    // Runs due within the next few milliseconds start now, together: one wake-up for a
    // batch instead of one per check (thousands of checks have thousands of offsets).
    while (!due_.empty() && due_.top().atMs <= now + kCoalesceMs) {
      Due d = due_.top();
      due_.pop();
      if (d.entry->generation != d.generation) continue;
      runDue(d.entry, d.atMs, now);
    }
    // runDue queued what may start; start as many as the cap allows.
    while (!waiting_.empty() && inFlight_ < options_.maxConcurrency) {
      Waiting w = std::move(waiting_.front());
      waiting_.pop_front();
      if (w.entry->generation != w.generation) continue;
      countLaunch(w.slotMs, now);
      launches.push_back({w.entry, w.entry->spec, w.generation, w.slotMs});
    }
    stats_.waiting = waiting_.size();
    armTimer();
  }
  for (Launch& l : launches) {
    prober_->run(l.spec, [this, entry = l.entry, gen = l.generation, slot = l.slotMs](
                             ProbeResult r) { onProbeDone(entry, gen, slot, std::move(r)); });
  }
}

void HealthEngine::runDue(const std::shared_ptr<Entry>& entry, std::int64_t slotMs,
                          std::int64_t nowMs) {
  Entry& e = *entry;
  const CheckSpec& spec = *e.spec;
  std::int64_t interval = spec.interval.count();
  const bool here = !options_.runsHere || options_.runsHere(spec.name);
  if (!here) ++stats_.slotsElsewhere;
  e.here = here;
  if (spec.type == CheckType::kHeartbeat) {
    // A deadline passed without a beat.
    if (!spec.paused && here) {
      ProbeResult missed;
      missed.error =
          e.lastBeat
              ? fmt::format(
                    "no heartbeat since {:%Y-%m-%dT%H:%M:%SZ} (expected every {}, "
                    "grace {})",
                    fmt::gmtime(std::chrono::system_clock::to_time_t(*e.lastBeat)),
                    config::formatDuration(spec.interval), config::formatDuration(spec.grace))
              : fmt::format("no heartbeat received (expected every {}, grace {})",
                            config::formatDuration(spec.interval),
                            config::formatDuration(spec.grace));
      record(e, slotMs, std::move(missed));
    }
    std::int64_t next = slotMs + interval;
    e.nextMs = next;
    due_.push(Due{next, e.generation, entry});
    return;
  }
  std::int64_t next = slotMs + interval;
  // Far behind (the process was stopped, the machine slept): resume on the next slot
  // rather than firing every missed one.
  if (next <= nowMs) next = firstSlot(spec, nowMs);
  e.nextMs = next;
  due_.push(Due{next, e.generation, entry});
  if (spec.paused || !here) return;
  if (e.running) {
    ++stats_.runsOverrun;
    return;
  }
  if (e.skipsLeft > 0) {
    --e.skipsLeft;
    ++stats_.probesSkippedByBreaker;
    ProbeResult skipped;
    skipped.error = fmt::format(
        "circuit open after {} consecutive failures (last: {}); probing "
        "again in {} run(s)",
        e.state.consecutiveFailures(), e.lastError, e.skipsLeft + 1);
    std::string last = e.lastError;
    record(e, slotMs, std::move(skipped));
    e.lastError = std::move(last);
    return;
  }
  e.running = true;
  waiting_.push_back(Waiting{entry, e.generation, slotMs});
}

void HealthEngine::countLaunch(std::int64_t slotMs, std::int64_t nowMs) {
  ++inFlight_;
  stats_.inFlight = static_cast<std::uint64_t>(inFlight_);
  double lateness = static_cast<double>(std::max<std::int64_t>(nowMs - slotMs, 0)) / 1000.0;
  for (std::size_t i = 0; i < EngineStats::kLatenessBuckets.size(); ++i) {
    if (lateness <= EngineStats::kLatenessBuckets[i]) ++stats_.latenessBuckets[i];
  }
  ++stats_.latenessCount;
  stats_.latenessSum += lateness;
}

void HealthEngine::onProbeDone(const std::shared_ptr<Entry>& entry, std::uint64_t generation,
                               std::int64_t slotMs, ProbeResult result) {
  {
    std::lock_guard lock(mutex_);
    --inFlight_;
    stats_.inFlight = static_cast<std::uint64_t>(inFlight_);
    (result.ok ? stats_.probesOk : stats_.probesFailed)++;
    // A check redefined or removed meanwhile: this result belongs to the old definition.
    if (entry->generation == generation) {
      entry->running = false;
      record(*entry, slotMs, std::move(result));
    }
    if (waiting_.empty()) return;
  }
  asio::post(loop_->ioc, [this] { onTimer(); });
}

void HealthEngine::record(Entry& e, std::int64_t atMs, ProbeResult result) {
  WallTime at = fromUnixMillis(atMs);
  bool maintenance =
      maintenance_ && maintenance_->inMaintenance(e.spec->name, e.series->identity, at);
  auto transition = e.state.record(result.ok);
  e.lastRun = at;
  e.lastOk = result.ok;
  e.lastLatencyMs = result.latencyMs;
  e.lastError = result.error;
  bool probed = result.attempts > 0;
  if (result.ok) {
    e.skipsLeft = 0;
    e.breakerLevel = 0;
  } else if (probed && e.state.consecutiveFailures() >= kBreakerAfter) {
    // Each failed probe doubles the gap. Counted per probe, not from consecutiveFailures,
    // which also counts the skipped slots and so would jump from every 2nd to every 8th.
    e.breakerLevel = std::min(e.breakerLevel + 1, 5);
    e.skipsLeft = (1 << e.breakerLevel) - 1;
  }
  if (transition) {
    log_.info("check state changed", {{"check", e.spec->name},
                                      {"from", checkStatusName(transition->from)},
                                      {"to", checkStatusName(transition->to)},
                                      {"maintenance", maintenance}});
  }
  recorder_.add(RecordedResult{e.series, at, std::move(result), maintenance, transition});
  // A state change is written and published at once, not at the next batch: alerting waits
  // on it (a down check should page within two seconds of its failing result).
  if (transition && flusher_) flusher_->runNow();
}

namespace {

Error noHeartbeatCheck(const std::string& check) {
  return makeError(ErrorCode::kNotFound, fmt::format("no heartbeat check '{}'", check));
}

}  // namespace

bool HealthEngine::hasHeartbeatCheck(const std::string& check) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(check);
  return it != entries_.end() && it->second->spec->type == CheckType::kHeartbeat;
}

Status HealthEngine::heartbeat(const std::string& check) {
  WallTime now = clock_.now();
  if (options_.shareBeat) {
    if (!hasHeartbeatCheck(check)) return noHeartbeatCheck(check);
    PHAROS_TRY(options_.shareBeat(check, now));
  }
  return applyBeat(check, now, BeatFrom::kHere);
}

Status HealthEngine::beatElsewhere(const std::string& check, WallTime at) {
  return applyBeat(check, at, BeatFrom::kElsewhere);
}

Status HealthEngine::applyBeat(const std::string& check, WallTime at, BeatFrom from) {
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(check);
    if (it == entries_.end() || it->second->spec->type != CheckType::kHeartbeat) {
      return noHeartbeatCheck(check);
    }
    Entry& e = *it->second;
    if (from == BeatFrom::kHere) {
      ++stats_.heartbeats;
    } else if (e.lastBeat && *e.lastBeat >= at) {
      return okStatus();  // known already (it is this process's own, or was read before)
    }
    // A check's results need strictly rising times: a beat in the same millisecond as the
    // missed deadline it answers is stamped just after it, or one would replace the other.
    std::int64_t atMs = toUnixMillis(at);
    if (e.lastRun) atMs = std::max(atMs, toUnixMillis(*e.lastRun) + 1);
    e.lastBeat = at;
    const bool here = !options_.runsHere || options_.runsHere(e.spec->name);
    const bool fresh = from == BeatFrom::kHere || clock_.now() - at <= options_.sharedBeatDelay;
    if (!e.spec->paused && here && fresh) {
      ProbeResult beat;
      beat.ok = true;
      beat.attempts = 1;
      record(e, atMs, std::move(beat));
      e.here = true;
    }
    // The old deadline is void: a new generation ignores its heap entry.
    e.generation = nextGeneration_++;
    std::int64_t deadline =
        atMs + e.spec->interval.count() + e.spec->grace.count() + options_.sharedBeatDelay.count();
    e.nextMs = deadline;
    due_.push(Due{deadline, e.generation, it->second});
  }
  asio::post(loop_->ioc, [this] { onTimer(); });
  return okStatus();
}

CheckView HealthEngine::viewOf(const Entry& e) const {
  CheckView v;
  v.spec = e.spec;
  v.status = e.state.status();
  v.consecutiveFailures = e.state.consecutiveFailures();
  v.consecutiveSuccesses = e.state.consecutiveSuccesses();
  v.lastRun = e.lastRun;
  v.lastOk = e.lastOk;
  v.lastLatencyMs = e.lastLatencyMs;
  v.lastError = e.lastError;
  if (e.nextMs) v.nextRun = fromUnixMillis(*e.nextMs);
  v.inMaintenance =
      maintenance_ && maintenance_->inMaintenance(e.spec->name, e.series->identity, clock_.now());
  v.circuitOpen = e.skipsLeft > 0;
  v.lastBeat = e.lastBeat;
  v.runsHere = e.here;
  return v;
}

std::vector<CheckView> HealthEngine::checks() const {
  std::lock_guard lock(mutex_);
  std::vector<CheckView> out;
  out.reserve(entries_.size());
  for (const auto& [name, e] : entries_)
    out.push_back(viewOf(*e));
  return out;
}

std::optional<CheckView> HealthEngine::check(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(name);
  if (it == entries_.end()) return std::nullopt;
  return viewOf(*it->second);
}

EngineStats HealthEngine::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace pharos::health
