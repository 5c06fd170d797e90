#include "analysis/metric_scorer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <span>
#include <utility>

#include "core/ids.h"
#include "promql/parser.h"

namespace pharos::analysis {
namespace {

constexpr std::string_view kOwnPrefix = "pharos_anomaly_";
// EWMA weight of a value in the baseline: 2 / (N + 1) for a memory of about N = 30 points.
constexpr double kMeanAlpha = 2.0 / 31.0;
// Scores held before they are appended: bounds the memory of a run (each pending series also
// holds a copy of its detector: ~2.5 MB at most, plus 1.5 MB of scores) and the size of one
// write-ahead batch. Each append is an fsync, which dominates a run: 16k points a batch ran
// ~0.95M points/s, 64k ~1.7M (bench/analysis_scorer_bench, 1,000 series x 100 points).
constexpr std::size_t kFlushPoints = 65'536;
constexpr std::size_t kFlushSeries = 1'024;
constexpr int64_t kEventLengthMs = 60'000;

bool isOwnSeries(const Labels& labels) {
  return labels.metricName().starts_with(kOwnPrefix);
}

Result<std::vector<promql::Matcher>> parseSelector(const std::string& text) {
  auto parsed = promql::parse(text);
  if (!parsed.ok()) {
    return makeError(ErrorCode::kInvalidArgument,
                     fmt::format("selector '{}': {}", text, parsed.error().message));
  }
  const promql::Expr& expr = **parsed;
  if (expr.kind != promql::Expr::Kind::kVectorSelector || expr.offsetMs != 0) {
    return makeError(ErrorCode::kInvalidArgument,
                     fmt::format("selector '{}': 1:{}: not a plain vector selector (a metric name "
                                 "and/or label matchers, without functions, ranges or offset)",
                                 text, expr.pos + 1));
  }
  std::vector<promql::Matcher> matchers = expr.matchers;
  // Keeps the scores out of the select itself, not only out of the scoring: a selector like
  // {job="api"} matches every score series of the job too.
  auto own =
      promql::Matcher::make(promql::Matcher::Type::kRegexNoMatch, std::string(Labels::kMetricName),
                            std::string(kOwnPrefix) + ".*");
  if (!own.ok()) return std::move(own).error();
  matchers.push_back(std::move(own).value());
  return matchers;
}

std::string unitOf(std::string_view name) {
  if (name.ends_with("_seconds")) return "s";
  if (name.ends_with("_bytes")) return "bytes";
  return "";
}

std::string serviceOf(const Labels& labels) {
  std::string_view service = labels.get("service");
  if (service.empty()) service = labels.get("job");
  return std::string(service);
}

}  // namespace

Labels MetricScorer::scoreLabels(const Labels& series) {
  std::vector<Label> out;
  out.reserve(series.size() + 1);
  std::string renamed = "exported_metric";
  // As Prometheus does for a target's label that clashes with one it sets: the series' own
  // label moves aside (further aside if that name is taken too).
  while (series.has(renamed))
    renamed = "exported_" + renamed;
  for (const Label& l : series) {
    if (l.name == Labels::kMetricName) continue;
    if (l.name == "metric") {
      out.push_back({renamed, l.value});
    } else {
      out.push_back(l);
    }
  }
  out.push_back({"metric", std::string(series.metricName())});
  out.push_back({std::string(Labels::kMetricName), std::string(kScoreMetric)});
  return Labels::fromUnsorted(std::move(out));
}

Result<std::unique_ptr<MetricScorer>> MetricScorer::create(metrics::MetricsStore& store,
                                                           MetricScorerOptions options) {
  std::vector<std::vector<promql::Matcher>> selectors;
  for (const std::string& text : options.selectors) {
    PHAROS_ASSIGN_OR_RETURN(auto matchers, parseSelector(text));
    selectors.push_back(std::move(matchers));
  }
  if (options.historyMs < 0 || options.mergeMs < 0 || options.lateMs < 0 || options.idleMs <= 0) {
    return makeError(ErrorCode::kInvalidArgument,
                     "metric scorer: historyMs, mergeMs and lateMs must be >= 0, idleMs > 0");
  }
  return std::unique_ptr<MetricScorer>(
      new MetricScorer(store, std::move(options), std::move(selectors)));
}

MetricScorer::MetricScorer(metrics::MetricsStore& store, MetricScorerOptions options,
                           std::vector<std::vector<promql::Matcher>> selectors)
    : store_(store), options_(std::move(options)), selectors_(std::move(selectors)) {}

MetricScorer::~MetricScorer() = default;

Result<std::vector<AnomalyEvent>> MetricScorer::run(int64_t nowMs) {
  ++runId_;
  if (!started_) {
    started_ = true;
    nextWindowStart_ = nowMs - options_.lateMs;
  }
  // After a pause longer than historyMs, only the last historyMs is read: what a new series
  // would learn from, and a bound on the memory of one select.
  const int64_t windowStart = std::max(nextWindowStart_, nowMs - options_.historyMs);

  for (const auto& matchers : selectors_) {
    auto found = store_.select(matchers, windowStart, nowMs);
    if (!found.ok()) {
      // What was scored before stays scored (or not, if this fails too: retried next run).
      flushPending().ignore();
      return std::move(found).error();
    }
    for (const promql::SeriesSamples& series : *found) {
      if (isOwnSeries(series.labels)) continue;
      auto it = series_.find(series.labels);
      if (it == series_.end()) {
        auto admitted = admit(series, nowMs);
        if (!admitted.ok()) {
          flushPending().ignore();
          return std::move(admitted).error();
        }
        if (*admitted != nullptr) (*admitted)->lastRun = runId_;
        continue;
      }
      SeriesState& state = it->second;
      if (state.lastRun == runId_) continue;  // matched by an earlier selector too
      state.lastRun = runId_;
      score(it->first, state, series);
      if (pendingPoints_ >= kFlushPoints || pending_.size() >= kFlushSeries) {
        PHAROS_TRY(flushPending());
      }
    }
  }
  PHAROS_TRY(flushPending());
  dropIdle(nowMs);
  nextWindowStart_ = nowMs - options_.lateMs;
  return std::exchange(events_, {});
}

Result<MetricScorer::SeriesState*> MetricScorer::admit(const promql::SeriesSamples& found,
                                                       int64_t nowMs) {
  const std::uint64_t hash = found.labels.hash();
  if (series_.size() >= options_.maxSeries) {
    // Remembered (up to a bound) so that a refused series is counted once, not once a run.
    if (refused_.size() < options_.maxSeries) {
      if (refused_.insert(hash).second) seriesRefused_.fetch_add(1, std::memory_order_relaxed);
    } else if (!refused_.contains(hash)) {
      seriesRefused_.fetch_add(1, std::memory_order_relaxed);
    }
    return nullptr;
  }
  refused_.erase(hash);

  // Its history: the window holds only the samples since the last run.
  std::vector<promql::Matcher> exact;
  exact.reserve(found.labels.size());
  for (const Label& l : found.labels) {
    PHAROS_ASSIGN_OR_RETURN(auto m,
                            promql::Matcher::make(promql::Matcher::Type::kEqual, l.name, l.value));
    exact.push_back(std::move(m));
  }
  PHAROS_ASSIGN_OR_RETURN(auto history, store_.select(exact, nowMs - options_.historyMs, nowMs));
  const std::vector<Sample>* samples = &found.samples;
  for (const auto& h : history) {
    // Equality matchers also match series with more labels.
    if (h.labels == found.labels) samples = &h.samples;
  }

  auto [it, inserted] = series_.try_emplace(found.labels, options_.detector);
  (void)inserted;
  seriesCount_.store(series_.size(), std::memory_order_relaxed);
  Model& m = it->second.model;
  for (const Sample& s : *samples) {
    m.cursorMs = s.t;
    if (!std::isfinite(s.v)) continue;
    Score sc = m.detector.observe(s.t / 1000, s.v);
    m.mean = m.meanPoints == 0 ? s.v : m.mean + kMeanAlpha * (s.v - m.mean);
    ++m.meanPoints;
    // A flag in the history still merges with what follows: an incident under way when the
    // series is first seen is not reported as starting later.
    if (sc.flagged) {
      m.lastFlaggedMs = s.t;
      m.everFlagged = true;
    }
  }
  return &it->second;
}

void MetricScorer::score(const Labels& labels, SeriesState& state,
                         const promql::SeriesSamples& found) {
  // Samples come in time order: skip to the first one past the cursor.
  auto first = std::upper_bound(found.samples.begin(), found.samples.end(), state.model.cursorMs,
                                [](int64_t t, const Sample& s) { return t < s.t; });
  if (first == found.samples.end()) return;

  Pending p{&labels, &state, state.model, {}, {}};
  Model& m = p.next;
  p.scores.reserve(static_cast<std::size_t>(found.samples.end() - first));
  for (auto it = first; it != found.samples.end(); ++it) {
    const Sample s = *it;
    m.cursorMs = s.t;
    if (!std::isfinite(s.v)) continue;  // a staleness marker: nothing to score
    const double baseline = m.meanPoints == 0 ? s.v : m.mean;
    Score sc = m.detector.observe(s.t / 1000, s.v);
    m.mean = m.meanPoints == 0 ? s.v : m.mean + kMeanAlpha * (s.v - m.mean);
    ++m.meanPoints;
    p.scores.push_back({s.t, sc.score});
    if (!sc.flagged) continue;
    if (!m.everFlagged || s.t - m.lastFlaggedMs > options_.mergeMs) {
      AnomalyEvent e;
      e.id = newId(fromUnixMillis(s.t));
      e.kind = AnomalyKind::kMetric;
      e.service = serviceOf(labels);
      e.signal = labels.str();
      e.startMs = s.t;
      e.endMs = s.t + kEventLengthMs;
      e.score = sc.score;
      e.baseline = baseline;
      e.observed = s.v;
      e.unit = unitOf(labels.metricName());
      for (const Label& l : labels) {
        if (l.name != Labels::kMetricName) e.labels.emplace(l.name, l.value);
      }
      p.events.push_back(std::move(e));
    }
    m.lastFlaggedMs = s.t;
    m.everFlagged = true;
  }
  pendingPoints_ += p.scores.size();
  pending_.push_back(std::move(p));
}

void MetricScorer::commit(Pending& p) {
  p.target->model = std::move(p.next);
  pointsScored_.fetch_add(p.scores.size(), std::memory_order_relaxed);
  for (auto& e : p.events)
    events_.push_back(std::move(e));
}

Status MetricScorer::flushPending() {
  std::vector<Pending> pending = std::exchange(pending_, {});
  pendingPoints_ = 0;

  // Series whose score series the store already named append by ref (no label work per
  // sample); the others by labels, once, which gives their ref for next time. Each of the two
  // appends commits the series in it only when it succeeded.
  std::vector<metrics::MetricsStore::RefSample> byRef;
  std::vector<Pending*> refOwners;
  std::vector<metrics::IncomingSample> byLabels;
  std::vector<Pending*> labelOwners;  // one entry per sample of byLabels
  for (Pending& p : pending) {
    if (p.scores.empty()) {
      commit(p);  // only stepped over non-finite values
    } else if (p.target->scoreRef != 0) {
      for (const Sample& s : p.scores)
        byRef.push_back({p.target->scoreRef, s});
      refOwners.push_back(&p);
    } else {
      Labels labels = scoreLabels(*p.labels);
      for (const Sample& s : p.scores) {
        byLabels.push_back({labels, s});
        labelOwners.push_back(&p);
      }
    }
  }
  if (!byRef.empty()) {
    PHAROS_ASSIGN_OR_RETURN(metrics::AppendResult appended, store_.appendRefs(byRef));
    scoresRejected_.fetch_add(appended.rejected(), std::memory_order_relaxed);
    for (Pending* p : refOwners)
      commit(*p);
  }
  if (!byLabels.empty()) {
    std::vector<metrics::SeriesRef> refs;
    PHAROS_ASSIGN_OR_RETURN(metrics::AppendResult appended, store_.append(byLabels, &refs));
    scoresRejected_.fetch_add(appended.rejected(), std::memory_order_relaxed);
    Pending* last = nullptr;
    for (std::size_t i = 0; i < labelOwners.size(); ++i) {
      Pending* p = labelOwners[i];
      if (i < refs.size() && refs[i] != 0) p->target->scoreRef = refs[i];
      if (p != last) commit(*p);
      last = p;
    }
  }
  return okStatus();
}

void MetricScorer::dropIdle(int64_t nowMs) {
  std::erase_if(series_, [&](const auto& entry) {
    return nowMs - entry.second.model.cursorMs > options_.idleMs;
  });
  seriesCount_.store(series_.size(), std::memory_order_relaxed);
}

void MetricScorer::writeStats(PrometheusText& out) const {
  out.family("pharos_analysis_scored_series", "Metric series the anomaly scorer keeps a model of.",
             "gauge");
  out.sample("pharos_analysis_scored_series", {}, static_cast<double>(seriesCount()));
  out.family("pharos_analysis_series_refused_total",
             "Matching series not scored because the scorer already had its maximum.", "counter");
  out.sample("pharos_analysis_series_refused_total", {}, static_cast<double>(seriesRefused()));
  out.family("pharos_analysis_points_scored_total", "Metric points given an anomaly score.",
             "counter");
  out.sample("pharos_analysis_points_scored_total", {}, static_cast<double>(pointsScored()));
  out.family("pharos_analysis_scores_rejected_total",
             "Anomaly scores the metrics store refused (such as its series limit).", "counter");
  out.sample("pharos_analysis_scores_rejected_total", {}, static_cast<double>(scoresRejected()));
}

}  // namespace pharos::analysis
