#include "logs/derived_metrics.h"

#include <array>

namespace pharos::logs {
namespace {

constexpr std::array<double, 11> kLatencyBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                   0.5,   1,    2.5,   5,    10};

std::string formatBound(double b) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", b);
  return buf;
}

}  // namespace

void DerivedMetrics::add(const Record& record, bool newTemplate) {
  auto it = services_.find(record.service);
  if (it == services_.end()) it = services_.emplace(record.service, PerService{}).first;
  PerService& s = it->second;
  ++s.lines[static_cast<int>(record.level)];
  ++s.windowLines;
  if (record.level >= Level::kError) ++s.windowErrors;
  if (record.httpStatus >= 100 && record.httpStatus <= 599) ++s.codes[record.httpStatus / 100];
  if (record.latencyMs >= 0) {
    if (s.latencyBuckets.empty()) s.latencyBuckets.assign(kLatencyBounds.size(), 0);
    double seconds = record.latencyMs / 1000;
    for (std::size_t i = 0; i < kLatencyBounds.size(); ++i) {
      if (seconds <= kLatencyBounds[i]) ++s.latencyBuckets[i];
    }
    s.latencySum += seconds;
    ++s.latencyCount;
  }
  if (newTemplate) ++s.newTemplates;
  if (record.templateId != 0) {
    auto t = s.templateLines.find(record.templateId);
    if (t != s.templateLines.end()) {
      ++t->second;
    } else if (s.templateLines.size() < kMaxTemplatesPerService) {
      s.templateLines.emplace(record.templateId, 1);
    } else {
      ++s.otherTemplateLines;
    }
  }
}

Status DerivedMetrics::flush(metrics::MetricsStore& store, std::int64_t nowMs) {
  std::vector<metrics::IncomingSample> batch;
  auto add = [&](std::string name, const std::string& service,
                 std::initializer_list<std::pair<std::string, std::string>> extra, double value) {
    std::vector<Label> labels{{"__name__", std::move(name)}};
    // An empty value means "no label" to Prometheus: lines without a service count under "".
    if (!service.empty()) labels.push_back({"service", service});
    for (const auto& [k, v] : extra)
      labels.push_back({k, v});
    batch.push_back({Labels::fromUnsorted(std::move(labels)), Sample{nowMs, value}});
  };
  for (auto& [service, s] : services_) {
    for (int level = 0; level < 7; ++level) {
      if (s.lines[level] == 0) continue;
      add("pharos_log_lines_total", service,
          {{"level", std::string(levelName(static_cast<Level>(level)))}},
          static_cast<double>(s.lines[level]));
    }
    for (int c = 1; c <= 5; ++c) {
      if (s.codes[c] == 0) continue;
      add("pharos_log_http_responses_total", service, {{"code", std::to_string(c) + "xx"}},
          static_cast<double>(s.codes[c]));
    }
    if (s.latencyCount > 0) {
      for (std::size_t i = 0; i < kLatencyBounds.size(); ++i) {
        add("pharos_log_latency_seconds_bucket", service, {{"le", formatBound(kLatencyBounds[i])}},
            static_cast<double>(s.latencyBuckets[i]));
      }
      add("pharos_log_latency_seconds_bucket", service, {{"le", "+Inf"}},
          static_cast<double>(s.latencyCount));
      add("pharos_log_latency_seconds_sum", service, {}, s.latencySum);
      add("pharos_log_latency_seconds_count", service, {}, static_cast<double>(s.latencyCount));
    }
    if (s.windowLines > 0) {
      add("pharos_log_error_ratio", service, {},
          static_cast<double>(s.windowErrors) / static_cast<double>(s.windowLines));
    }
    s.windowLines = s.windowErrors = 0;
    add("pharos_log_templates_new_total", service, {}, static_cast<double>(s.newTemplates));
    for (const auto& [id, n] : s.templateLines) {
      add("pharos_log_template_lines_total", service, {{"template_id", std::to_string(id)}},
          static_cast<double>(n));
    }
    if (s.otherTemplateLines > 0) {
      add("pharos_log_template_lines_total", service, {{"template_id", "other"}},
          static_cast<double>(s.otherTemplateLines));
    }
  }
  if (batch.empty()) return okStatus();
  PHAROS_ASSIGN_OR_RETURN(auto result, store.append(batch));
  (void)result;
  return okStatus();
}

}  // namespace pharos::logs
