#include "metrics/metrics_store.h"

namespace pharos::metrics {

void writeMetricsStats(const MetricsStats& stats, PrometheusText& out) {
  auto gauge = [&out](std::string_view name, std::string_view help, double value) {
    out.family(name, help, "gauge");
    out.sample(name, {}, value);
  };
  auto counter = [&out](std::string_view name, std::string_view help, double value) {
    out.family(name, help, "counter");
    out.sample(name, {}, value);
  };
  gauge("pharos_metrics_series", "Series in the metrics store.", static_cast<double>(stats.series));
  gauge("pharos_metrics_head_bytes",
        "Bytes of samples held in memory (open and unpersisted chunks).",
        static_cast<double>(stats.headBytes));
  gauge("pharos_metrics_wal_bytes", "Bytes of the metrics write-ahead log on disk.",
        static_cast<double>(stats.walBytes));
  counter("pharos_metrics_samples_appended_total", "Samples stored.",
          static_cast<double>(stats.samplesAppended));
  counter("pharos_metrics_samples_rejected_total",
          "Samples refused (out of order, conflicting, out of bounds, invalid, series limit).",
          static_cast<double>(stats.samplesRejected));
  counter("pharos_metrics_series_refused_total",
          "New series refused by metrics.max_series or metrics.max_series_per_metric.",
          static_cast<double>(stats.seriesRefused));
  counter("pharos_metrics_chunks_persisted_total", "Sealed chunks written to the store.",
          static_cast<double>(stats.chunksPersisted));
  counter("pharos_metrics_disk_budget_deletions_total",
          "Flushes that deleted the oldest raw data to stay under metrics.max_disk_bytes.",
          static_cast<double>(stats.diskBudgetDeletions));
}

}  // namespace pharos::metrics
