#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "analysis/anomaly_event.h"
#include "analysis/series_detector.h"
#include "core/labels.h"
#include "core/prometheus_text.h"
#include "core/result.h"
#include "metrics/metrics_store.h"
#include "promql/matcher.h"

namespace pharos::analysis {

struct MetricScorerOptions {
  // PromQL vector selectors, e.g. `http_latency_seconds{job="api"}`. A series matched by
  // several is scored once.
  std::vector<std::string> selectors;
  DetectorOptions detector;  // passed to every SeriesDetector
  // Series scored at once; past it new series are not scored (counted in seriesRefused()).
  // A series costs about 2.6 KB plus its labels (the detector is 2.4 KB).
  std::size_t maxSeries = 10'000;
  // A newly seen series first learns from this much history (no scores written for it).
  int64_t historyMs = 6 * 3'600'000;
  // Flagged points of a series this close are one anomaly (one event, at its onset).
  int64_t mergeMs = 5 * 60'000;
  // How far before the previous run a run looks for samples. A sample whose timestamp is more
  // than this before the previous run, but that is appended after it (a lagging pusher), is
  // never scored. After a pause longer than historyMs, a run reads only the last historyMs.
  int64_t lateMs = 5 * 60'000;
  // State of a series that has had no new sample for this long is dropped.
  int64_t idleMs = 24 * 3'600'000;
};

// Scores selected metric series online with one SeriesDetector each, writes every score
// back into the store as `pharos_anomaly_score` (so scores chart, alarm and query like any
// metric), and reports each anomaly once, at its onset, as an AnomalyEvent for the
// correlator.
//
// Each run reads the samples appended since the previous run (a window reaching `lateMs`
// before it), and scores those past each series' cursor, in time order, exactly once. A
// series seen for the first time learns from its last `historyMs` of samples instead of
// being scored on them: nothing is written for its history. Series named `pharos_anomaly_*`
// are never scored, whatever the selectors say (a feedback loop otherwise). A non-finite
// value (a staleness marker) is stepped over: no score is written for it.
//
// State is in memory only (detector, cursor, a ~30-point EWMA of the values, the labels, the
// score series' ref): after a restart every series learns again from its history, so the
// scores of the samples appended while Pharos was down are not written.
//
// Memory: at most maxSeries series, each dropped after idleMs without a new sample; a run
// holds the samples of one select (its window) and a bounded batch of scores.
//
// Thread-safety: run() must be called from one thread at a time (the analysis loop). The
// counters (seriesCount(), seriesRefused(), pointsScored(), scoresRejected()) may be read
// from any thread.
class MetricScorer {
 public:
  // kInvalidArgument naming the selector (and column) for one that does not parse or is not a
  // plain vector selector. `store` must outlive the scorer.
  static Result<std::unique_ptr<MetricScorer>> create(metrics::MetricsStore& store,
                                                      MetricScorerOptions options);
  ~MetricScorer();
  MetricScorer(const MetricScorer&) = delete;
  MetricScorer& operator=(const MetricScorer&) = delete;

  // Scores every sample of every matching series appended since the last run, up to nowMs, in
  // time order per series, appends one `pharos_anomaly_score` sample per scored point (same
  // timestamp; labels: the series' labels without __name__, plus metric="<its __name__>"; a
  // series' own `metric` label becomes `exported_metric`), and returns one AnomalyEvent (kind
  // kMetric) per anomaly onset: a flagged point more than mergeMs after the series' previous
  // flagged point.
  //
  // A failed select or append is returned; the series whose scores were not appended keep
  // their cursor and detector, so the next run scores those samples again, once. Events of
  // the batches appended before the failure are returned by the next successful run.
  Result<std::vector<AnomalyEvent>> run(int64_t nowMs);

  std::size_t seriesCount() const { return seriesCount_.load(std::memory_order_relaxed); }
  // Distinct series refused because maxSeries were already scored (each counted once while
  // it stays refused).
  std::uint64_t seriesRefused() const { return seriesRefused_.load(std::memory_order_relaxed); }
  std::uint64_t pointsScored() const { return pointsScored_.load(std::memory_order_relaxed); }
  // Score samples the store refused (e.g. its own series limit): they are not retried.
  std::uint64_t scoresRejected() const { return scoresRejected_.load(std::memory_order_relaxed); }

  // pharos_analysis_scored_series, _series_refused_total, _points_scored_total,
  // _scores_rejected_total, for GET /metrics.
  void writeStats(PrometheusText& out) const;

  static constexpr std::string_view kScoreMetric = "pharos_anomaly_score";

  // The labels a series' scores are written under (see run()).
  static Labels scoreLabels(const Labels& series);

 private:
  // What scoring a series changes: copied, advanced and put back only once the scores are
  // appended, so a failed append leaves the series as if the run had not happened.
  struct Model {
    explicit Model(const DetectorOptions& options) : detector(options) {}
    SeriesDetector detector;
    int64_t cursorMs = 0;  // the newest sample scored or learned
    double mean = 0;       // EWMA of the values, over ~30 points: an event's baseline
    std::uint32_t meanPoints = 0;
    int64_t lastFlaggedMs = 0;
    bool everFlagged = false;
  };
  struct SeriesState {
    explicit SeriesState(const DetectorOptions& options) : model(options) {}
    Model model;
    metrics::SeriesRef scoreRef = 0;  // the score series' ref, once the store gave it
    std::uint64_t lastRun = 0;        // the run that last met it (a series matched twice)
  };
  // Scores of one series not yet appended.
  struct Pending {
    const Labels* labels;  // the key of `target` in series_ (stable)
    SeriesState* target;
    Model next;
    std::vector<Sample> scores;
    std::vector<AnomalyEvent> events;
  };

  MetricScorer(metrics::MetricsStore& store, MetricScorerOptions options,
               std::vector<std::vector<promql::Matcher>> selectors);

  // The state for a series met for the first time, trained on its history; nullptr when it is
  // refused (maxSeries).
  Result<SeriesState*> admit(const promql::SeriesSamples& found, int64_t nowMs);
  // Scores `found`'s samples past the state's cursor into `pending_`.
  void score(const Labels& labels, SeriesState& state, const promql::SeriesSamples& found);
  // Appends the pending scores; on success moves each series' new state in place. On failure
  // the pending scores are dropped and their series keep their state.
  Status flushPending();
  void commit(Pending& p);
  void dropIdle(int64_t nowMs);

  metrics::MetricsStore& store_;
  const MetricScorerOptions options_;
  const std::vector<std::vector<promql::Matcher>> selectors_;

  std::unordered_map<Labels, SeriesState, LabelsHash> series_;
  std::unordered_set<std::uint64_t> refused_;  // label hashes, at most maxSeries of them
  std::vector<Pending> pending_;
  std::size_t pendingPoints_ = 0;
  std::vector<AnomalyEvent> events_;  // committed, not yet returned
  std::uint64_t runId_ = 0;
  // Where the next run's window starts: lateMs before the last successful run (or before the
  // first attempt), so a failed run's samples are read again.
  bool started_ = false;
  int64_t nextWindowStart_ = 0;

  std::atomic<std::size_t> seriesCount_{0};
  std::atomic<std::uint64_t> seriesRefused_{0};
  std::atomic<std::uint64_t> pointsScored_{0};
  std::atomic<std::uint64_t> scoresRejected_{0};
};

}  // namespace pharos::analysis
