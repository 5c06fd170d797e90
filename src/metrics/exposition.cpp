#include "metrics/exposition.h"

#include "core/text.h"
#include "metrics/exposition_parsers.h"

namespace pharos::metrics {

ExpositionFormat formatFromContentType(std::string_view contentType) {
  std::string_view mediaType = trimSpaces(contentType.substr(0, contentType.find(';')));
  return iequals(mediaType, "application/openmetrics-text") ? ExpositionFormat::kOpenMetrics
                                                            : ExpositionFormat::kPrometheusText;
}

Result<Exposition> parseExposition(std::string_view body, ExpositionFormat format,
                                   const ExpositionLimits& limits) {
  return format == ExpositionFormat::kOpenMetrics ? parseOpenMetrics(body, limits)
                                                  : parsePrometheusText(body, limits);
}

}  // namespace pharos::metrics
