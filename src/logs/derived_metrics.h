#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "logs/record.h"
#include "metrics/metrics_store.h"

namespace pharos::logs {

// Metrics derived from processed lines, per service, written into the metrics store so
// PromQL, SLOs and alarms see them like any other series:
//   pharos_log_lines_total{service, level}
//   pharos_log_http_responses_total{service, code}      code = 2xx, 3xx, 4xx, 5xx
//   pharos_log_latency_seconds_bucket/_sum/_count{service}
//   pharos_log_error_ratio{service}                      error+fatal share since the last flush
//   pharos_log_templates_new_total{service}
//   pharos_log_template_lines_total{service, template_id} (bounded per service, see below)
// Counters are cumulative since start (restarts reset them; rate() handles resets).
class DerivedMetrics {
 public:
  // Templates per service tracked as their own series; lines of the rest count under
  // template_id="other", so a noisy service cannot explode cardinality.
  static constexpr std::size_t kMaxTemplatesPerService = 500;

  void add(const Record& record, bool newTemplate);
  // Appends the current values at `nowMs`.
  Status flush(metrics::MetricsStore& store, std::int64_t nowMs);

 private:
  struct PerService {
    std::uint64_t lines[7] = {};  // by Level
    std::uint64_t codes[6] = {};  // [1..5] = 1xx..5xx
    std::vector<std::uint64_t> latencyBuckets;
    double latencySum = 0;
    std::uint64_t latencyCount = 0;
    std::uint64_t newTemplates = 0;
    std::map<std::uint64_t, std::uint64_t> templateLines;
    std::uint64_t otherTemplateLines = 0;
    std::uint64_t windowLines = 0, windowErrors = 0;  // since the last flush
  };
  std::map<std::string, PerService, std::less<>> services_;
};

}  // namespace pharos::logs
