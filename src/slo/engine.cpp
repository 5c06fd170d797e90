#include "slo/engine.h"

#include <algorithm>

#include <fmt/format.h>

#include "slo/event_history.h"
#include "slo/sli_reader.h"

namespace pharos::slo {
namespace {

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kDayMs = 86'400'000;

std::int64_t floorHour(std::int64_t t) {
  return t - ((t % kHourMs) + kHourMs) % kHourMs;
}

}  // namespace

struct SloEngine::Tracker {
  std::shared_ptr<const SloSpec> spec;
  std::string definition;  // the spec's JSON: equal definitions keep their state
  CalendarPtr maintenance;

  std::mutex stateMutex;  // history and reader: the round, and budgetSeries()
  std::optional<EventHistory> history;
  std::optional<SliReader> reader;

  mutable std::mutex statusMutex;  // held only to copy the status in or out
  SloStatus status;
};

SloEngine::SloEngine(promql::Queryable& source, CalendarPtr maintenance, Clock& clock)
    : source_(source), clock_(clock), maintenance_(std::move(maintenance)) {}

SloEngine::~SloEngine() = default;

void SloEngine::setSlos(std::vector<SloSpec> slos) {
  std::lock_guard lock(mutex_);
  setSlosLocked(std::move(slos));
}

void SloEngine::setSlosLocked(std::vector<SloSpec> slos) {
  std::map<std::string, std::shared_ptr<Tracker>, std::less<>> next;
  for (SloSpec& spec : slos) {
    std::string definition = sloSpecToJson(spec).dump();
    auto it = slos_.find(spec.name);
    if (it != slos_.end() && it->second->definition == definition &&
        (!spec.query.checkMaintenance || it->second->maintenance == maintenance_)) {
      next.emplace(spec.name, it->second);
      continue;
    }
    auto t = std::make_shared<Tracker>();
    t->definition = std::move(definition);
    t->maintenance = maintenance_;
    t->status.name = spec.name;
    t->status.sli = spec.sli;
    t->status.objective = spec.objective;
    t->status.window = spec.window;
    t->status.labels = spec.labels;
    t->status.problem = "not evaluated yet";
    std::string name = spec.name;
    t->spec = std::make_shared<const SloSpec>(std::move(spec));
    next.emplace(std::move(name), std::move(t));
  }
  slos_ = std::move(next);
}

void SloEngine::setMaintenance(CalendarPtr maintenance) {
  std::lock_guard lock(mutex_);
  maintenance_ = std::move(maintenance);
  std::vector<SloSpec> specs;
  for (const auto& [name, t] : slos_)
    specs.push_back(*t->spec);
  setSlosLocked(std::move(specs));
}

std::vector<std::shared_ptr<SloEngine::Tracker>> SloEngine::trackers() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Tracker>> out;
  out.reserve(slos_.size());
  for (const auto& [name, t] : slos_)
    out.push_back(t);
  return out;
}

Status SloEngine::evaluateOne(Tracker& t, std::int64_t now) {
  std::lock_guard lock(t.stateMutex);
  const SloSpec& spec = *t.spec;
  Status result = okStatus();
  if (!t.history) {
    // From the window's start, or further back for the longest burn-rate window; the fine
    // tiers from as far back as they reach (3 days), so they answer the same windows whenever
    // the history was read.
    std::int64_t longest = 0;
    for (const BurnWindowPair& p : burnWindowPairs(spec.window))
      longest = std::max(longest, p.longWindow.count());
    std::int64_t from = floorHour(std::min(windowBounds(spec.window, now).start, now - longest));
    std::int64_t fineFrom = std::max(from, floorHour(now - 3 * kDayMs));
    t.history.emplace(spec.window, from, fineFrom);
    t.reader.emplace(t.spec, t.maintenance.get());
    result = t.reader->backfill(source_, *t.history, from, fineFrom, now);
    if (!result.ok()) {
      t.history.reset();
      t.reader.reset();
    }
  }
  if (result.ok()) result = t.reader->read(source_, *t.history, now);
  SloStatus status;
  if (result.ok()) {
    status = computeStatus(spec, *t.history, now);
    status.problem = t.reader->dataProblem(source_, now);
  } else {
    std::lock_guard statusLock(t.statusMutex);
    status = t.status;
    status.problem = fmt::format("evaluation failed: {}", result.error().message);
  }
  std::lock_guard statusLock(t.statusMutex);
  t.status = std::move(status);
  return result;
}

Status SloEngine::evaluate() {
  std::lock_guard round(roundMutex_);
  std::int64_t now = toUnixMillis(clock_.now());
  Status first = okStatus();
  for (const std::shared_ptr<Tracker>& t : trackers()) {
    Status s = evaluateOne(*t, now);
    if (!s.ok() && first.ok()) {
      first =
          makeError(s.error().code, fmt::format("SLO '{}': {}", t->spec->name, s.error().message));
    }
  }
  return first;
}

std::optional<SloStatus> SloEngine::status(std::string_view name) const {
  std::shared_ptr<Tracker> t;
  {
    std::lock_guard lock(mutex_);
    auto it = slos_.find(name);
    if (it == slos_.end()) return std::nullopt;
    t = it->second;
  }
  std::lock_guard lock(t->statusMutex);
  return t->status;
}

std::vector<SloStatus> SloEngine::statuses() const {
  std::vector<SloStatus> out;
  for (const std::shared_ptr<Tracker>& t : trackers()) {
    std::lock_guard lock(t->statusMutex);
    out.push_back(t->status);
  }
  return out;
}

std::optional<BudgetSeries> SloEngine::budgetSeries(std::string_view name) const {
  std::shared_ptr<Tracker> t;
  {
    std::lock_guard lock(mutex_);
    auto it = slos_.find(name);
    if (it == slos_.end()) return std::nullopt;
    t = it->second;
  }
  std::int64_t at;
  {
    std::lock_guard lock(t->statusMutex);
    at = t->status.evaluatedAt;
  }
  std::lock_guard lock(t->stateMutex);
  if (!t->history || at == 0) return std::nullopt;
  return slo::budgetSeries(*t->spec, *t->history, at);
}

std::size_t SloEngine::memoryBytes() const {
  std::size_t bytes = 0;
  for (const std::shared_ptr<Tracker>& t : trackers()) {
    std::lock_guard lock(t->stateMutex);
    bytes += sizeof(Tracker) + t->definition.capacity() + sizeof(SloSpec) +
             t->spec->exclude.size() * sizeof(ExcludedPeriod);
    if (t->history) bytes += t->history->memoryBytes();
    if (t->reader) bytes += t->reader->memoryBytes();
  }
  return bytes;
}

}  // namespace pharos::slo
