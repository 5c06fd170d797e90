#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/config/loader.h"
#include "core/config/node.h"
#include "core/config/node_reader.h"
#include "core/cron.h"
#include "promql/matcher.h"
#include "slo/slo_window.h"

namespace pharos::slo {

// Where good and total events come from.
//   availability: check results (pharos_check_up, one sample per run, 1 = up), of one check
//                 (`check: api`) or of the checks a label selector picks (`checks: '{team="db"}'`);
//   ratio:        two counters, `good:` and `total:`, each a PromQL vector selector;
//   latency:      a Prometheus histogram and a threshold: good = the `le` bucket at the
//                 threshold, total = the `_count`;
//   gauge:        a boolean gauge (`gauge: 'up{job="x"}'`): each sample of 1 is good, of 0 bad.
enum class SliKind { kAvailability, kRatio, kLatency, kGauge };
std::string_view sliKindName(SliKind kind);

// A period left out of both good and total events: one-off [start, end), or recurring
// [match, match + duration) for each match of the cron expression `every` (UTC).
struct ExcludedPeriod {
  std::optional<WallTime> start, end;
  std::optional<CronSchedule> every;
  Millis duration{0};
};

// How the events are read from the metrics store, derived from the SLI fields by the parser.
// Samples: each sample is one event, good by its value (0 or 1), from one selector. Counters:
// events are the increase of the good and the total counters (summed over the matching
// series, resets handled as Prometheus' increase() does).
struct SliQuery {
  enum class Mode { kSamples, kCounters };
  Mode mode = Mode::kSamples;
  std::vector<promql::Matcher> good;   // kSamples: the samples (good and total alike)
  std::vector<promql::Matcher> total;  // kCounters only
  // Availability: each check's maintenance windows are left out too.
  bool checkMaintenance = false;
};

// One SLO as defined, in the config's `slos:` list or through /api/v1/slos: the same fields
// in both, read by one parser (parseSloSpec).
struct SloSpec {
  std::string name;  // the SLO's id; [A-Za-z0-9._-], 1 to 128 characters
  std::string description;
  std::map<std::string, std::string> labels;  // carried into alerts and metrics consumers
  double objective = 0;                       // percent of good events, 0 < x < 100
  SloWindow window;

  SliKind sli = SliKind::kAvailability;
  std::string check;   // availability: one check by name
  std::string checks;  // availability: a label selector, as written
  std::string good;    // ratio: counter selectors, as written
  std::string total;
  std::string histogram;  // latency: the histogram's name and matchers, as written
  double threshold = 0;   // latency: an `le` bound of the histogram
  std::string gauge;      // gauge: a selector, as written

  std::vector<ExcludedPeriod> exclude;

  SliQuery query;  // derived from the fields above

  // The share of events allowed to be bad: 1 - objective / 100.
  double budgetRatio() const { return 1.0 - objective / 100.0; }
};

using SpecProblem = config::FieldProblem;
using ParsedSlo = std::variant<SloSpec, std::vector<SpecProblem>>;

// Reads one definition from a tree: the config's YAML or an API body's JSON
// (config::nodeFromJson). `path` prefixes field names in problems ("slos[3]"; empty for a
// body). Every problem is reported, located in the file when the tree came from one.
ParsedSlo parseSloSpec(const config::Node& node, std::string_view path = {});

// The definition with the field names the parser reads: parseSloSpec(nodeFromJson(json))
// gives the same SLO back.
nlohmann::json sloSpecToJson(const SloSpec& spec);

// The config's `slos:` list (from `file`, for diagnostics): every SLO, or every problem as the
// loader reports them (FILE:LINE:COL), duplicate names included.
std::variant<std::vector<SloSpec>, std::vector<config::Diagnostic>> readSloConfig(
    const config::Node& slos, const std::string& file);

}  // namespace pharos::slo
