// PromQL queries from HTTP clients: parsing never crashes or hangs, a parsed query prints to
// text that parses back to the same query, and evaluating it over a little data never
// crashes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "promql/evaluator.h"
#include "promql/parser.h"
#include "promql/render.h"

namespace {

class TinyQueryable : public pharos::promql::Queryable {
 public:
  pharos::Result<std::vector<pharos::promql::SeriesSamples>> select(
      const std::vector<pharos::promql::Matcher>& matchers, std::int64_t, std::int64_t) override {
    std::vector<pharos::promql::SeriesSamples> out;
    for (const auto& s : series()) {
      bool all = true;
      for (const auto& m : matchers)
        all = all && m.matches(s.labels.get(m.name));
      if (all) out.push_back(s);
    }
    return out;
  }
  std::optional<std::int64_t> rollupResolution(std::int64_t, std::int64_t, std::int64_t) override {
    return std::nullopt;
  }
  pharos::Result<std::vector<pharos::promql::RollupSeries>> selectRollups(
      const std::vector<pharos::promql::Matcher>&, std::int64_t, std::int64_t,
      std::int64_t) override {
    return std::vector<pharos::promql::RollupSeries>{};
  }

 private:
  static const std::vector<pharos::promql::SeriesSamples>& series() {
    static const std::vector<pharos::promql::SeriesSamples> kSeries = [] {
      std::vector<pharos::promql::SeriesSamples> out;
      const char* names[] = {"up", "x", "req_total", "lat_bucket"};
      const char* les[] = {"0.1", "1", "+Inf"};
      for (int n = 0; n < 4; ++n) {
        for (int k = 0; k < 3; ++k) {
          pharos::promql::SeriesSamples s;
          s.labels = pharos::Labels{{"__name__", names[n]},
                                    {"job", k % 2 ? "api" : "web"},
                                    {"le", les[k]},
                                    {"instance", std::to_string(k)}};
          for (std::int64_t t = 0; t <= 600000; t += 15000)
            s.samples.push_back({t, static_cast<double>((t / 15000 + k) % 9)});
          out.push_back(std::move(s));
        }
      }
      return out;
    }();
    return kSeries;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view query(reinterpret_cast<const char*>(data), size);
  auto expr = pharos::promql::parse(query);
  if (!expr.ok()) {
    if (expr.error().message.empty() || !pharos::promql::errorPosition(expr.error())) {
      std::abort();
    }
    return 0;
  }
  std::string printed = pharos::promql::format(**expr);
  auto again = pharos::promql::parse(printed);
  if (!again.ok() || pharos::promql::format(**again) != printed) std::abort();

  TinyQueryable db;
  pharos::promql::EvalOptions options;
  options.maxSamples = 100000;
  auto instant = pharos::promql::evaluateInstant(db, **expr, 300000, options);
  if (instant.ok()) pharos::promql::renderQueryResult(*instant);
  auto range = pharos::promql::evaluateRange(db, **expr, 0, 600000, 60000, options);
  if (range.ok()) pharos::promql::renderQueryResult(*range);
  return 0;
}
