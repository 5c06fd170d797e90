#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analysis/anomaly_event.h"

namespace pharos::analysis {

struct LogAnomalyOptions {
  // A service's first minutes teach, they do not report: start-up (ours or the service's)
  // would otherwise report every template as new.
  int64_t warmupMs = 10 * 60'000;
  // Minutes of history a baseline needs before it is tested.
  int minHistoryMinutes = 10;
  // EWMA weight of a new minute (about 2/(N+1) for an N-minute memory: 0.065 ~ 30 min).
  double alpha = 0.065;
  // Rate test: the quasi-Poisson upper tail of this minute's count given the baseline must be
  // below pValue, the count at least minRateCount and rateFactor times the baseline mean.
  double pValue = 1e-7;
  int minRateCount = 20;
  double rateFactor = 3.0;
  // Error share test: a minute of at least minLines lines and minErrors errors, whose share
  // is at least shareFactor times the baseline and minShareRise above it, with the binomial
  // (Poisson-approximated) tail below pValue.
  int minLines = 20;
  int minErrors = 5;
  double shareFactor = 3.0;
  double minShareRise = 0.02;
  // New templates reported per service per minute; the rest are counted on the last one
  // (label "suppressed") so a deploy that rewrites every message is one handful, not a flood.
  int maxNewPerMinute = 5;
  // Memory bounds. Past maxServices the least recently seen service is forgotten; past
  // maxTemplatesPerService, or maxTemplates over all services, the least recently seen tenth
  // of the service's (or of the largest service's) templates is. A forgotten template that
  // comes back is new again (after a long silence, fairly so). A tracked template costs
  // about 270 bytes with a 70-byte text (bench/analysis_log_anomaly_bench.cpp measures it),
  // at most ~1 KB with maxTemplateText and an example line: 200k templates are ~55 MB, and
  // never above ~200 MB.
  std::size_t maxServices = 1000;
  std::size_t maxTemplatesPerService = 2000;
  std::size_t maxTemplates = 200'000;
  std::size_t maxTemplateText = 200;
  std::size_t maxExampleBytes = 500;
};

// Turns the template miner's per-line output into log anomalies, per service and per
// minute: templates never seen before, templates whose rate leaves its learned baseline,
// and spikes of the error-level share.
//
// Time is the caller's: the minute of a line is the minute of the tsMs it is observed with
// (the processor should pass the receive time: line timestamps can be anything). A line
// for a minute before the service's open minute counts in the open minute. A minute is
// judged when a later line of the same service arrives or when poll() passes its end; a
// minute in which a service logged nothing teaches nothing (an idle batch job or a stopped
// shipper is not a rate drop). Rate drops are not reported.
//
// Each anomaly is reported at its onset: while the same signal stays anomalous in the next
// minutes nothing more is reported, and its baseline learns from those minutes at a quarter
// of the weight, so a lasting change becomes the new normal in about an hour.
//
// State is in memory only. Not thread-safe: one processor thread observes and polls.
class LogAnomalyDetector {
 public:
  explicit LogAnomalyDetector(LogAnomalyOptions options = {});
  ~LogAnomalyDetector();
  LogAnomalyDetector(const LogAnomalyDetector&) = delete;
  LogAnomalyDetector& operator=(const LogAnomalyDetector&) = delete;

  // One processed line. Cheap: a hash lookup per line for the service (one compare when
  // lines of one service come in a row) and one for the template. `templateText` and
  // `message` are copied only the first time the service shows the template.
  void observe(int64_t tsMs, std::string_view service, uint64_t templateId,
               std::string_view templateText, bool isError, std::string_view message);

  // Judges every minute that ended at or before nowMs and returns what became anomalous
  // since the last call, ordered by (startMs, service, kind, signal).
  std::vector<AnomalyEvent> poll(int64_t nowMs);

  std::size_t serviceCount() const;
  std::size_t templateCount() const;  // over all services

 private:
  struct Service;
  struct Template;
  Service& serviceFor(std::string_view name, int64_t tsMs);
  void closeMinute(Service& service);
  void evictTemplates(Service& service);

  // Heterogeneous lookup, so a line's service (a string_view) is found without a copy.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  LogAnomalyOptions options_;
  std::unordered_map<std::string, std::unique_ptr<Service>, NameHash, std::equal_to<>> services_;
  Service* last_ = nullptr;  // the service of the previous line
  std::size_t templateCount_ = 0;
  std::vector<AnomalyEvent> pending_;
};

}  // namespace pharos::analysis
