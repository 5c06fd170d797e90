#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/anomaly_event.h"
#include "analysis/anomaly_store.h"
#include "analysis/correlator.h"
#include "analysis/log_anomaly_detector.h"
#include "bus/bus.h"
#include "core/clock.h"
#include "core/config/config.h"
#include "core/periodic_task.h"
#include "core/prometheus_text.h"
#include "core/result.h"
#include "logs/record.h"
#include "store/store.h"

namespace pharos::logs {
class TemplateMiner;
}

namespace pharos::analysis {

struct AnalysisServiceOptions {
  LogAnomalyOptions log;
  CorrelatorOptions correlator;
  int64_t retentionMs = 30LL * 86'400'000;
  Millis pollInterval{15'000};
  // The topic checks' state changes come on (health::kStateTopic; analysis does not depend
  // on health, so the app passes it).
  std::string checkStateTopic = "health.state";

  static AnalysisServiceOptions fromConfig(const config::AnalysisConfig& config);
};

// The analysis module at work in the server: it turns what the other modules see into
// anomaly events and findings. Log lines come from the log processor (observeRecords, on
// its thread); check failures come over the bus (a queue subscribed to the checks' state
// topic); other detectors (the metric scorer) plug in as event sources. Every poll
// interval a thread of its own collects the events of all three, stores them, groups them
// into findings with the Correlator, stores those, and publishes each event on kTopic so
// other modules (alarms) can act on it; once an hour it deletes what is past retention.
//
// Memory is bounded by the detector's and the correlator's options, not by traffic.
class AnalysisService {
 public:
  // Queue subscribed to the checks' state topic; its messages are drained each round.
  static constexpr char kChecksQueue[] = "analysis.checks";
  // Each stored event is published here as toJson(event).
  static constexpr char kTopic[] = "analysis.anomaly";
  static constexpr int64_t kRetentionEveryMs = 3'600'000;

  // A detector polled each round with the current time (ms since the epoch); it returns the
  // events that became anomalous since its last call. An error is logged and counted and the
  // round goes on without it. Called on the service's thread only.
  using EventSource = std::function<Result<std::vector<AnomalyEvent>>(int64_t nowMs)>;

  // Opens the anomaly tables in `store`, declares kChecksQueue and subscribes it to the
  // checks' state topic. `store`, `bus` and `clock` must outlive the service.
  static Result<std::unique_ptr<AnalysisService>> open(store::Store& store, bus::Bus& bus,
                                                       const Clock& clock,
                                                       AnalysisServiceOptions options);
  ~AnalysisService();
  AnalysisService(const AnalysisService&) = delete;
  AnalysisService& operator=(const AnalysisService&) = delete;

  // Registers a detector polled every round, under `name` in logs and counters. Before
  // start().
  void addSource(std::string name, EventSource source);

  // One chunk of processed log lines (logs::LogPipeline::RecordObserver): one lock for the
  // chunk, a hash lookup or two per line, a template's text fetched once per chunk. Lines
  // are timed by their receive time (a client's timestamps can be anything).
  void observeRecords(std::span<const logs::Record> records, const logs::TemplateMiner& miner);

  // Starts and stops the polling thread; stop() waits for a round under way.
  void start();
  void stop();

  // One round, as the thread runs it: poll, drain, collect, store, correlate, publish,
  // close idle findings, and retention when it is due. Returns the first error after doing
  // what it could. For tests, which call it with a manual clock instead of starting.
  Status runOnce();

  AnomalyStore& anomalies() { return *store_; }

  // pharos_analysis_anomalies_total{kind}, pharos_analysis_findings_open,
  // pharos_analysis_log_templates_tracked, and the error counters.
  void writeStats(PrometheusText& out) const;

 private:
  AnalysisService(bus::Bus& bus, const Clock& clock, AnalysisServiceOptions options,
                  std::unique_ptr<AnomalyStore> store);
  Status drainCheckEvents(std::vector<AnomalyEvent>& out, std::vector<std::string>& receipts);
  Status handle(AnomalyEvent event);

  bus::Bus& bus_;
  const Clock& clock_;
  AnalysisServiceOptions options_;
  std::unique_ptr<AnomalyStore> store_;

  std::mutex detectorMutex_;  // observe() on the log processor's thread, poll() on ours
  LogAnomalyDetector detector_;

  // The service thread's alone (runOnce is not reentrant).
  std::mutex roundMutex_;
  Correlator correlator_;
  std::vector<std::pair<std::string, EventSource>> sources_;
  int64_t lastRetentionMs_ = 0;
  std::unique_ptr<PeriodicTask> task_;

  static constexpr int kKinds = 5;
  std::atomic<uint64_t> anomalies_[kKinds] = {};
  std::atomic<uint64_t> sourceErrors_{0}, storeErrors_{0}, badCheckEvents_{0};
  std::atomic<uint64_t> retentionDeleted_{0};
  std::atomic<int64_t> findingsOpen_{0}, templatesTracked_{0};
};

}  // namespace pharos::analysis
