#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/labels.h"
#include "core/result.h"
#include "health/check_spec.h"
#include "health/check_state.h"
#include "health/probe.h"
#include "metrics/metrics_store.h"
#include "store/day_partitions.h"
#include "store/store.h"

namespace pharos::bus {
class Bus;
}

namespace pharos::health {

// The series of one check definition: its labels, made once, and the series refs the
// recorder learns on the first append, so that steady-state appends skip every label
// lookup and allocation (thousands of results a second).
struct CheckSeries {
  explicit CheckSeries(const CheckSpec& spec) : check(spec.name), identity(spec.identity()) {}
  CheckSeries(std::string check, Labels identity)
      : check(std::move(check)), identity(std::move(identity)) {}

  std::string check;
  Labels identity;  // CheckSpec::identity()
  // Per metric, for results outside and inside maintenance; 0 until learned. Written and
  // read only under the recorder's flush lock.
  mutable std::array<metrics::SeriesRef, 8> refs{};
};

// One run's outcome as it is kept.
struct RecordedResult {
  std::shared_ptr<const CheckSeries> series;
  WallTime at;  // the run's scheduled slot: regular, so cheap to store
  ProbeResult result;
  bool maintenance = false;
  std::optional<CheckState::Transition> transition;
};

struct FailureRow {
  std::string check;
  WallTime at;
  std::string reason;
  bool maintenance = false;
};

struct TransitionRow {
  std::string check;
  WallTime at;
  CheckStatus from = CheckStatus::kUnknown;
  CheckStatus to = CheckStatus::kUnknown;
  std::string reason;
  bool maintenance = false;
};

// The bus topic state changes are published on, as JSON (see docs/API.md, "Health").
inline constexpr std::string_view kStateTopic = "health.state";

// Where results go. Samples go to the metrics store, so they are compressed, kept and rolled
// up like every series, and PromQL sees them:
//   pharos_check_up{check, type, <labels>}                 1 or 0
//   pharos_check_duration_seconds{...}                     the last attempt's latency
//   pharos_check_http_status{...}                          http only
//   pharos_check_cert_expiry_timestamp_seconds{...}        when a certificate was seen
// Results inside a maintenance window carry maintenance="true", so uptime and SLOs select
// {maintenance=""} and exclude them. Failure reasons and state changes go to the store
// (health_failures, health_transitions); state changes are also published on kStateTopic.
//
// Buffered: add() is cheap and flush() writes everything in one batch (one fsync of the
// metrics log, one store transaction). A crash loses at most the unflushed results of the
// last flush interval; these are observations, acknowledged to no one.
class ResultRecorder {
 public:
  static Result<std::unique_ptr<ResultRecorder>> open(store::Store& store,
                                                      metrics::MetricsStore& metrics,
                                                      bus::Bus* bus);

  void add(RecordedResult result);
  Status flush();

  Result<std::vector<FailureRow>> failures(const std::string& check, WallTime from, WallTime to,
                                           std::size_t limit);
  Result<std::vector<TransitionRow>> transitions(const std::string& check, WallTime from,
                                                 WallTime to, std::size_t limit);
  // The status the newest transition of each of `checks` led to, whichever process recorded
  // it; a check with none is not in the map. A few queries for any number of checks: a
  // process that gains a thousand checks at a takeover asks once, not a thousand times.
  Result<std::map<std::string, CheckStatus>> lastStatuses(std::span<const std::string> checks);
  // Deletes failures and transitions older than `before`; returns the rows deleted. On
  // PostgreSQL the failures of whole days before it go by dropping their partitions, and
  // are not counted.
  Result<std::int64_t> prune(WallTime before);

  std::uint64_t recorded() const;

 private:
  ResultRecorder(store::Store& store, metrics::MetricsStore& metrics, bus::Bus* bus);
  Status writeSamples(const std::vector<RecordedResult>& batch);  // under flushMutex_
  Status writeRows(const std::vector<RecordedResult>& batch);
  void publish(const std::vector<RecordedResult>& batch);

  store::Store& store_;
  // health_failures' day partitions on PostgreSQL (schema.h); inert on SQLite.
  store::DayPartitions failureDays_;
  metrics::MetricsStore& metrics_;
  bus::Bus* bus_;
  mutable std::mutex mutex_;
  std::vector<RecordedResult> pending_;  // under mutex_
  std::mutex flushMutex_;                // one flush at a time; guards CheckSeries::refs
  std::uint64_t recorded_ = 0;           // under mutex_
};

}  // namespace pharos::health
