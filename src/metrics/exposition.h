#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/labels.h"
#include "core/result.h"

namespace pharos::metrics {

// The two text formats a Prometheus endpoint may serve, or a client may push.
enum class ExpositionFormat {
  kPrometheusText,  // text/plain; version=0.0.4
  kOpenMetrics,     // application/openmetrics-text; version=1.0.0
};

// "application/openmetrics-text" (any parameters, any case) is OpenMetrics; anything else,
// including an empty or malformed Content-Type, is the text format 0.0.4, as in Prometheus.
ExpositionFormat formatFromContentType(std::string_view contentType);

// Per-body limits, like Prometheus' scrape options sample_limit, label_limit,
// label_name_length_limit and label_value_length_limit. 0 means unlimited. Label counts and
// lengths are taken on the final label set: __name__ included, empty-valued labels dropped.
// A body over any limit is rejected as a whole.
struct ExpositionLimits {
  std::size_t maxSamples = 0;
  std::size_t maxLabels = 0;
  std::size_t maxLabelNameLength = 0;   // bytes
  std::size_t maxLabelValueLength = 0;  // bytes, after unescaping
};

// One sample line. `labels` include __name__; empty label values are dropped (Prometheus
// treats them as absent). `timestampMs` is absent when the line carries none.
struct ParsedSample {
  Labels labels;
  double value = 0;
  std::optional<std::int64_t> timestampMs;
};

// What the # HELP / # TYPE / # UNIT lines say about one metric family. Only families with at
// least one such line are listed, in order of first appearance. `type` is lower case:
// counter, gauge, histogram, summary, untyped (text) / unknown (OpenMetrics), and for
// OpenMetrics also gaugehistogram, stateset, info; a family without a # TYPE line has
// "untyped" (text) or "unknown" (OpenMetrics). `unit` is only ever set by OpenMetrics.
struct MetricFamily {
  std::string name;
  std::string type;
  std::string help;
  std::string unit;
};

struct Exposition {
  std::vector<ParsedSample> samples;  // in body order; duplicate series are kept
  std::vector<MetricFamily> families;
};

// Parses a whole scrape or push body. Behaviour follows Prometheus 2.42's parsers
// (model/textparse); any error rejects the whole body, with kInvalidArgument and a message
// "LINE:COLUMN: what is wrong" (both 1-based, the column in bytes). Exemplars are validated
// and dropped. Linear in the size of the body. Thread-safe (no shared state).
Result<Exposition> parseExposition(std::string_view body, ExpositionFormat format,
                                   const ExpositionLimits& limits = {});

}  // namespace pharos::metrics
