// Scrape and push bodies in both exposition formats: never crash or hang; what parses has
// valid series labels and respects the limits; and rendering the samples back to the text
// format parses to the same samples.
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/labels.h"
#include "metrics/exposition.h"

namespace {

using pharos::metrics::Exposition;
using pharos::metrics::ExpositionFormat;
using pharos::metrics::ExpositionLimits;

std::string render(const Exposition& e) {
  std::string out;
  for (const auto& s : e.samples) {
    out += s.labels.str();
    out += ' ';
    if (std::isnan(s.value)) {
      out += "NaN";
    } else {
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, s.value);
      if (ec != std::errc()) std::abort();
      out.append(buf, end);
    }
    if (s.timestampMs) out += ' ' + std::to_string(*s.timestampMs);
    out += '\n';
  }
  return out;
}

bool sameSamples(const Exposition& a, const Exposition& b) {
  if (a.samples.size() != b.samples.size()) return false;
  for (std::size_t i = 0; i < a.samples.size(); ++i) {
    const auto& x = a.samples[i];
    const auto& y = b.samples[i];
    bool sameValue = std::isnan(x.value) ? std::isnan(y.value) : x.value == y.value;
    if (x.labels != y.labels || !sameValue || x.timestampMs != y.timestampMs) return false;
  }
  return true;
}

void check(std::string_view body, ExpositionFormat format, const ExpositionLimits& limits) {
  auto parsed = pharos::metrics::parseExposition(body, format, limits);
  if (!parsed.ok()) {
    if (parsed.error().message.empty()) std::abort();
    return;
  }
  if (limits.maxSamples != 0 && parsed->samples.size() > limits.maxSamples) std::abort();
  for (const auto& s : parsed->samples) {
    if (!pharos::validateSeriesLabels(s.labels).ok()) std::abort();
    if (limits.maxLabels != 0 && s.labels.size() > limits.maxLabels) std::abort();
    for (const auto& l : s.labels) {
      if (limits.maxLabelNameLength != 0 && l.name.size() > limits.maxLabelNameLength) std::abort();
      if (limits.maxLabelValueLength != 0 && l.value.size() > limits.maxLabelValueLength) {
        std::abort();
      }
    }
  }
  auto again = pharos::metrics::parseExposition(render(*parsed), ExpositionFormat::kPrometheusText);
  if (!again.ok() || !sameSamples(*parsed, *again)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  check(body, ExpositionFormat::kPrometheusText, {});
  check(body, ExpositionFormat::kOpenMetrics, {});
  ExpositionLimits tight;
  tight.maxSamples = 3;
  tight.maxLabels = 3;
  tight.maxLabelNameLength = 10;
  tight.maxLabelValueLength = 10;
  check(body, ExpositionFormat::kPrometheusText, tight);
  check(body, ExpositionFormat::kOpenMetrics, tight);
  return 0;
}
