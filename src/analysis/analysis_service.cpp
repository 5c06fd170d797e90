#include "analysis/analysis_service.h"

#include <algorithm>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/ids.h"
#include "core/log.h"
#include "logs/template_miner.h"

namespace pharos::analysis {
namespace {

const logging::Logger& log() {
  static const logging::Logger logger("analysis");
  return logger;
}

constexpr int64_t kNsPerMs = 1'000'000;
// Messages drained from the checks queue per receive, and receives per round: a flapping
// fleet must not starve the rest of the round; what is left waits for the next one.
constexpr std::size_t kCheckBatch = 256;
constexpr int kCheckBatchesPerRound = 8;
// A check failure is an instant; it is given a minute, the grain of the log detector, so the
// correlator's edge-to-edge gap treats it like a log minute.
constexpr int64_t kCheckFailureSpanMs = 60'000;
// A check that went down has already failed its threshold of consecutive probes: confirmed,
// not a statistical guess, so it outranks a log signal (a new error template scores ~0.9) and
// heads the finding's summary, with the log change as its likely cause.
constexpr double kCheckFailureScore = 0.95;

// A check's state change (health/recorder.cpp publishes it) as a failure event, or nullopt
// when it is not one: a recovery, or a failure inside a maintenance window (expected).
Result<std::optional<AnomalyEvent>> checkFailureFrom(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return makeError(ErrorCode::kInvalidArgument, "check state event is not a JSON object");
  }
  auto check = j.find("check");
  auto at = j.find("at_ms");
  auto to = j.find("to");
  if (check == j.end() || !check->is_string() || at == j.end() || !at->is_number_integer() ||
      to == j.end() || !to->is_string()) {
    return makeError(ErrorCode::kInvalidArgument, "check state event lacks check, at_ms or to");
  }
  if (to->get<std::string>() != "down") return std::optional<AnomalyEvent>();
  if (auto m = j.find("maintenance"); m != j.end() && m->is_boolean() && m->get<bool>()) {
    return std::optional<AnomalyEvent>();
  }
  AnomalyEvent e;
  e.kind = AnomalyKind::kCheckFailure;
  e.signal = check->get<std::string>();
  e.startMs = at->get<int64_t>();
  e.endMs = e.startMs + kCheckFailureSpanMs;
  e.id = newId(fromUnixMillis(e.startMs));
  e.score = kCheckFailureScore;
  e.baseline = 1;  // up
  e.observed = 0;  // down
  if (auto labels = j.find("labels"); labels != j.end() && labels->is_object()) {
    for (const auto& [k, v] : labels->items()) {
      if (!v.is_string()) continue;
      if (k == "service") e.service = v.get<std::string>();
      e.labels[k] = v.get<std::string>();
    }
  }
  if (auto reason = j.find("reason"); reason != j.end() && reason->is_string()) {
    if (!reason->get<std::string>().empty()) e.examples.push_back(reason->get<std::string>());
  }
  return std::optional<AnomalyEvent>(std::move(e));
}

}  // namespace

AnalysisServiceOptions AnalysisServiceOptions::fromConfig(const config::AnalysisConfig& config) {
  AnalysisServiceOptions o;
  o.log.warmupMs = config.logWarmup.count();
  o.correlator.gapMs = config.correlationGap.count();
  o.retentionMs = config.retention.count();
  o.pollInterval = config.pollInterval;
  return o;
}

Result<std::unique_ptr<AnalysisService>> AnalysisService::open(store::Store& store, bus::Bus& bus,
                                                               const Clock& clock,
                                                               AnalysisServiceOptions options) {
  PHAROS_ASSIGN_OR_RETURN(auto anomalies, AnomalyStore::open(store));
  PHAROS_TRY(bus.declareQueue(kChecksQueue, bus::QueueOptions{}));
  PHAROS_TRY(bus.subscribe(options.checkStateTopic, kChecksQueue));
  return std::unique_ptr<AnalysisService>(
      new AnalysisService(bus, clock, std::move(options), std::move(anomalies)));
}

AnalysisService::AnalysisService(bus::Bus& bus, const Clock& clock, AnalysisServiceOptions options,
                                 std::unique_ptr<AnomalyStore> store)
    : bus_(bus),
      clock_(clock),
      options_(std::move(options)),
      store_(std::move(store)),
      detector_(options_.log),
      correlator_(options_.correlator),
      lastRetentionMs_(toUnixMillis(clock.now())) {}

AnalysisService::~AnalysisService() {
  stop();
}

void AnalysisService::addSource(std::string name, EventSource source) {
  std::lock_guard lock(roundMutex_);
  sources_.emplace_back(std::move(name), std::move(source));
}

void AnalysisService::observeRecords(std::span<const logs::Record> records,
                                     const logs::TemplateMiner& miner) {
  if (records.empty()) return;
  // templateText() copies; a chunk holds thousands of lines of a few templates.
  std::unordered_map<uint64_t, std::string> texts;
  std::lock_guard lock(detectorMutex_);
  for (const logs::Record& r : records) {
    auto it = texts.find(r.templateId);
    if (it == texts.end()) it = texts.emplace(r.templateId, miner.templateText(r.templateId)).first;
    detector_.observe(r.receivedNs / kNsPerMs, r.service, r.templateId, it->second,
                      r.level >= logs::Level::kError, r.message);
  }
}

void AnalysisService::start() {
  if (task_) return;
  task_ = std::make_unique<PeriodicTask>(options_.pollInterval, [this] {
    if (Status s = runOnce(); !s.ok()) {
      log().warn("analysis round failed", {{"error", s.error().toString()}});
    }
  });
  task_->start();
}

void AnalysisService::stop() {
  if (task_) {
    task_->stop();
    task_.reset();
  }
}

Status AnalysisService::drainCheckEvents(std::vector<AnomalyEvent>& out,
                                         std::vector<std::string>& receipts) {
  for (int i = 0; i < kCheckBatchesPerRound; ++i) {
    PHAROS_ASSIGN_OR_RETURN(std::vector<bus::Message> messages,
                            bus_.receive(kChecksQueue, kCheckBatch, Millis(0)));
    for (const bus::Message& m : messages) {
      auto event = checkFailureFrom(m.body);
      if (!event.ok()) {
        badCheckEvents_.fetch_add(1, std::memory_order_relaxed);
        log().warn("dropping a check state event that does not parse",
                   {{"error", event.error().toString()}});
      } else if (*event) {
        out.push_back(std::move(**event));
      }
      receipts.push_back(m.receipt);
    }
    if (messages.size() < kCheckBatch) break;
  }
  return okStatus();
}

// Stores one event, adds it to its finding and stores that, and publishes it. The event is
// stored first: a finding never names an event the store does not have.
Status AnalysisService::handle(AnomalyEvent event) {
  if (event.id.empty()) event.id = newId(fromUnixMillis(event.startMs));
  PHAROS_TRY(store_->record(event));
  anomalies_[static_cast<int>(event.kind)].fetch_add(1, std::memory_order_relaxed);
  std::string body = toJson(event).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  FindingUpdate update = correlator_.add(std::move(event));
  PHAROS_TRY(store_->upsertFinding(update.finding, update.mergedIds));
  // Best effort: the event is stored; a consumer that misses one finds it through the API.
  if (auto published = bus_.publish(kTopic, body); !published.ok()) {
    log().warn("could not publish an anomaly", {{"error", published.error().toString()}});
  }
  return okStatus();
}

Status AnalysisService::runOnce() {
  std::lock_guard round(roundMutex_);
  const int64_t now = toUnixMillis(clock_.now());
  Status first = okStatus();
  auto keep = [&](Status s) {
    if (!s.ok() && first.ok()) first = std::move(s);
  };

  std::vector<AnomalyEvent> events;
  {
    std::lock_guard lock(detectorMutex_);
    events = detector_.poll(now);
    templatesTracked_ = static_cast<int64_t>(detector_.templateCount());
  }
  std::vector<std::string> receipts;
  keep(drainCheckEvents(events, receipts));
  for (auto& [name, source] : sources_) {
    auto more = source(now);
    if (!more.ok()) {
      sourceErrors_.fetch_add(1, std::memory_order_relaxed);
      log().warn("an anomaly source failed",
                 {{"source", name}, {"error", more.error().toString()}});
      continue;
    }
    for (AnomalyEvent& e : *more)
      events.push_back(std::move(e));
  }
  // Onset order, so findings grow the way they happened whatever the source.
  std::stable_sort(events.begin(), events.end(),
                   [](const auto& a, const auto& b) { return a.startMs < b.startMs; });

  bool stored = true;
  for (AnomalyEvent& e : events) {
    Status s = handle(std::move(e));
    if (!s.ok()) {
      storeErrors_.fetch_add(1, std::memory_order_relaxed);
      stored = false;
      keep(std::move(s));
    }
  }
  // Check events are acknowledged once handled; after a store failure they come again (the
  // log and source events of this round cannot: their detectors have moved on).
  if (!receipts.empty()) {
    if (stored) {
      keep(bus_.ack(receipts));
    } else {
      for (const std::string& r : receipts)
        bus_.nack(r, "analysis could not store the round").ignore();
    }
  }

  for (const Finding& f : correlator_.closeIdle(now)) {
    // Final state of a finding closed early by the cap may differ from its last upsert.
    if (Status s = store_->upsertFinding(f); !s.ok()) {
      storeErrors_.fetch_add(1, std::memory_order_relaxed);
      keep(std::move(s));
    }
  }
  findingsOpen_ = static_cast<int64_t>(correlator_.openFindings().size());

  if (now - lastRetentionMs_ >= kRetentionEveryMs) {
    lastRetentionMs_ = now;
    auto deleted = store_->deleteBefore(now - options_.retentionMs);
    if (deleted.ok()) {
      retentionDeleted_.fetch_add(static_cast<uint64_t>(*deleted), std::memory_order_relaxed);
    } else {
      storeErrors_.fetch_add(1, std::memory_order_relaxed);
      keep(deleted.error());
    }
  }
  return first;
}

void AnalysisService::writeStats(PrometheusText& out) const {
  out.family("pharos_analysis_anomalies_total", "Anomaly events recorded, by kind.", "counter");
  for (int k = 0; k < kKinds; ++k) {
    out.sample("pharos_analysis_anomalies_total",
               {{"kind", anomalyKindName(static_cast<AnomalyKind>(k))}},
               static_cast<double>(anomalies_[k].load(std::memory_order_relaxed)));
  }
  out.family("pharos_analysis_findings_open",
             "Findings still open: their last event is within the correlation gap.", "gauge");
  out.sample("pharos_analysis_findings_open", {}, static_cast<double>(findingsOpen_.load()));
  out.family("pharos_analysis_log_templates_tracked",
             "Log templates the log anomaly detector keeps a baseline for.", "gauge");
  out.sample("pharos_analysis_log_templates_tracked", {},
             static_cast<double>(templatesTracked_.load()));
  out.family("pharos_analysis_errors_total",
             "Analysis failures: a source's poll, a store write, an unreadable check event.",
             "counter");
  out.sample("pharos_analysis_errors_total", {{"reason", "source"}},
             static_cast<double>(sourceErrors_.load()));
  out.sample("pharos_analysis_errors_total", {{"reason", "store"}},
             static_cast<double>(storeErrors_.load()));
  out.sample("pharos_analysis_errors_total", {{"reason", "check_event"}},
             static_cast<double>(badCheckEvents_.load()));
  out.family("pharos_analysis_retention_deleted_total",
             "Anomaly and finding rows deleted past analysis.retention.", "counter");
  out.sample("pharos_analysis_retention_deleted_total", {},
             static_cast<double>(retentionDeleted_.load()));
}

}  // namespace pharos::analysis
