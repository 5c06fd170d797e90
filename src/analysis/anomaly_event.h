#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace pharos::analysis {

// What moved: the kinds of evidence a finding is built from.
enum class AnomalyKind {
  kMetric,        // a series' point scored anomalous by the online detector
  kNewTemplate,   // a log template never seen before for the service
  kTemplateRate,  // a known template's per-minute count left its learned baseline
  kErrorShare,    // a service's share of error-level lines jumped
  kCheckFailure,  // a health check went down
};

std::string_view anomalyKindName(AnomalyKind kind);  // "metric", "new_template", ...
std::optional<AnomalyKind> parseAnomalyKind(std::string_view name);

// One anomaly, from any detector: the shared currency of the detectors, the correlator, the
// store and the API. Values are in the signal's own terms (`unit`) so a summary can say
// "rose from 0.2% to 7%" without knowing the detector.
struct AnomalyEvent {
  std::string id;  // ULID of startMs (core/ids.h); lists page by it
  AnomalyKind kind = AnomalyKind::kMetric;
  std::string service;  // may be empty for a signal that belongs to no service
  // What moved, by kind: the series selector, the template id (decimal), the check's name.
  std::string signal;
  int64_t startMs = 0;  // the anomalous interval, [startMs, endMs)
  int64_t endMs = 0;
  double score = 0;  // 0..1, comparable across kinds: how sure and how large
  double baseline = 0;
  double observed = 0;
  std::string unit;          // "ratio", "lines/min", or the metric's unit ("s", "bytes", "")
  std::string templateText;  // log kinds: the template; empty otherwise
  std::vector<std::string> examples;  // up to kMaxExamples lines that showed it
  std::map<std::string, std::string> labels;

  static constexpr std::size_t kMaxExamples = 3;
  bool operator==(const AnomalyEvent&) const = default;
};

nlohmann::json toJson(const AnomalyEvent& event);
// kInvalidArgument naming the field for anything toJson() would not have written.
Result<AnomalyEvent> anomalyEventFromJson(const nlohmann::json& j);

}  // namespace pharos::analysis
