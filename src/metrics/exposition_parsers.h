#pragma once

// Internal: one parser per format; parseExposition() picks one.

#include <string_view>

#include "core/result.h"
#include "metrics/exposition.h"

namespace pharos::metrics {

// text/plain 0.0.4, as Prometheus' promparse.go (prometheus_text_parser.cpp).
Result<Exposition> parsePrometheusText(std::string_view body, const ExpositionLimits& limits);

// OpenMetrics 1.0, as Prometheus' openmetricsparse.go plus the family rules of the spec
// (openmetrics_parser.cpp).
Result<Exposition> parseOpenMetrics(std::string_view body, const ExpositionLimits& limits);

}  // namespace pharos::metrics
