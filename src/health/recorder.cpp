#include "health/recorder.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bus/bus.h"
#include "health/schema.h"

namespace pharos::health {
namespace {

CheckStatus parseStatus(const std::string& s) {
  return s == "up" ? CheckStatus::kUp : s == "down" ? CheckStatus::kDown : CheckStatus::kUnknown;
}

constexpr std::string_view kUp = "pharos_check_up";
constexpr std::string_view kDuration = "pharos_check_duration_seconds";
constexpr std::string_view kHttpStatus = "pharos_check_http_status";
constexpr std::string_view kCertExpiry = "pharos_check_cert_expiry_timestamp_seconds";

constexpr std::string_view kMetrics[] = {kUp, kDuration, kHttpStatus, kCertExpiry};

// Latencies are kept at 1/65536 s (15 us): a value with few mantissa bits takes about a
// third of the space of a full double in an XOR chunk, in memory and on disk.
double quantizedSeconds(double ms) {
  return std::round(ms / 1000.0 * 65536.0) / 65536.0;
}

// The samples of one result, by metric index into kMetrics.
template <typename F>
void forEachSample(const RecordedResult& r, F&& sample) {
  std::int64_t t = toUnixMillis(r.at);
  sample(0, Sample{t, r.result.ok ? 1.0 : 0.0});
  // A run that never connected has no latency to report.
  if (r.result.latencyMs > 0 || r.result.ok) {
    sample(1, Sample{t, quantizedSeconds(r.result.latencyMs)});
  }
  if (r.result.status) sample(2, Sample{t, static_cast<double>(*r.result.status)});
  if (r.result.certExpiresInMs) {
    sample(3, Sample{t, static_cast<double>(t + *r.result.certExpiresInMs) / 1000.0});
  }
}

}  // namespace

Result<std::unique_ptr<ResultRecorder>> ResultRecorder::open(store::Store& store,
                                                             metrics::MetricsStore& metrics,
                                                             bus::Bus* bus) {
  PHAROS_TRY(store.migrate(migrations()));
  if (store.dialect() == store::Dialect::kPostgres) {
    PHAROS_TRY(store.migrate(failurePartitionMigrations()));
  }
  // Consumers (alarms) subscribe their own queues to kStateTopic; with none, a publish goes
  // nowhere, which is right: the transitions table is the record.
  return std::unique_ptr<ResultRecorder>(new ResultRecorder(store, metrics, bus));
}

ResultRecorder::ResultRecorder(store::Store& store, metrics::MetricsStore& metrics, bus::Bus* bus)
    : store_(store), failureDays_(store, failurePartitionScheme()), metrics_(metrics), bus_(bus) {}

void ResultRecorder::add(RecordedResult result) {
  std::lock_guard lock(mutex_);
  pending_.push_back(std::move(result));
  ++recorded_;
}

std::uint64_t ResultRecorder::recorded() const {
  std::lock_guard lock(mutex_);
  return recorded_;
}

Status ResultRecorder::flush() {
  std::lock_guard flushLock(flushMutex_);
  std::vector<RecordedResult> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(pending_);
  }
  if (batch.empty()) return okStatus();
  // Reasons before samples: a failed run is readable (GET .../results) only once its reason
  // is, so no reader sees a failure without one. A failed write of either keeps the other.
  Status rows = writeRows(batch);
  Status samples = writeSamples(batch);
  PHAROS_TRY(std::move(rows));
  publish(batch);
  return samples;
}

Status ResultRecorder::writeSamples(const std::vector<RecordedResult>& batch) {
  std::vector<metrics::MetricsStore::RefSample> known;
  std::vector<metrics::IncomingSample> fresh;
  std::vector<metrics::SeriesRef*> freshRefs;  // where each fresh sample's ref is learned
  known.reserve(batch.size() * 2);
  for (const RecordedResult& r : batch) {
    const CheckSeries& series = *r.series;
    forEachSample(r, [&](std::size_t metric, Sample sample) {
      std::size_t slot = metric * 2 + (r.maintenance ? 1 : 0);
      metrics::SeriesRef& ref = series.refs[slot];
      if (ref != 0) {
        known.push_back({ref, sample});
        return;
      }
      Labels labels = series.identity.with(Labels::kMetricName, kMetrics[metric]);
      if (r.maintenance) labels = labels.with("maintenance", "true");
      fresh.push_back({std::move(labels), sample});
      freshRefs.push_back(&ref);
    });
  }
  if (!known.empty()) PHAROS_TRY(metrics_.appendRefs(known));
  if (!fresh.empty()) {
    std::vector<metrics::SeriesRef> refs;
    PHAROS_TRY(metrics_.append(fresh, &refs));
    for (std::size_t i = 0; i < refs.size() && i < freshRefs.size(); ++i)
      *freshRefs[i] = refs[i];
  }
  return okStatus();
}

Status ResultRecorder::writeRows(const std::vector<RecordedResult>& batch) {
  bool any = false;
  for (const RecordedResult& r : batch)
    any = any || !r.result.ok || r.transition;
  if (!any) return okStatus();
  std::vector<store::PartitionKey> days;
  for (const RecordedResult& r : batch) {
    if (!r.result.ok) days.push_back(failureDays_.keyOf(0, toUnixMillis(r.at)));
  }
  return failureDays_.write(days, [&](store::Session& s) -> Status {
    for (const RecordedResult& r : batch) {
      std::int64_t at = toUnixMillis(r.at);
      std::int64_t maintenance = r.maintenance ? 1 : 0;
      if (!r.result.ok) {
        PHAROS_TRY(s.execute(
            "INSERT INTO health_failures (check_name, at_ms, reason, maintenance) VALUES ($1, "
            "$2, $3, $4) ON CONFLICT (check_name, at_ms) DO UPDATE SET reason = "
            "excluded.reason, maintenance = excluded.maintenance",
            {r.series->check, at, r.result.error, maintenance}));
      }
      if (r.transition) {
        PHAROS_TRY(s.execute(
            "INSERT INTO health_transitions (check_name, at_ms, from_status, to_status, "
            "reason, maintenance) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (check_name, "
            "at_ms) DO UPDATE SET from_status = excluded.from_status, to_status = "
            "excluded.to_status, reason = excluded.reason, maintenance = excluded.maintenance",
            {r.series->check, at, std::string(checkStatusName(r.transition->from)),
             std::string(checkStatusName(r.transition->to)), r.result.error, maintenance}));
      }
    }
    return okStatus();
  });
}

void ResultRecorder::publish(const std::vector<RecordedResult>& batch) {
  if (bus_ == nullptr) return;
  for (const RecordedResult& r : batch) {
    if (!r.transition) continue;
    nlohmann::json labels = nlohmann::json::object();
    for (const Label& l : r.series->identity)
      labels[l.name] = l.value;
    nlohmann::json event{{"check", r.series->check},
                         {"at_ms", toUnixMillis(r.at)},
                         {"from", checkStatusName(r.transition->from)},
                         {"to", checkStatusName(r.transition->to)},
                         {"reason", r.result.error},
                         {"maintenance", r.maintenance},
                         {"labels", labels}};
    // Best effort: the transition is already stored; a bus hiccup must not lose results.
    (void)bus_->publish(kStateTopic,
                        event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
}

Result<std::vector<FailureRow>> ResultRecorder::failures(const std::string& check, WallTime from,
                                                         WallTime to, std::size_t limit) {
  PHAROS_ASSIGN_OR_RETURN(
      store::Rows rows,
      store_.query(
          "SELECT at_ms, reason, maintenance FROM health_failures WHERE check_name = $1 "
          "AND at_ms >= $2 AND at_ms < $3 ORDER BY at_ms DESC LIMIT $4",
          {check, toUnixMillis(from), toUnixMillis(to), static_cast<std::int64_t>(limit)}));
  std::vector<FailureRow> out;
  for (const store::Row& row : rows) {
    out.push_back(
        FailureRow{check, fromUnixMillis(row.integer(0)), row.text(1), row.integer(2) != 0});
  }
  return out;
}

Result<std::vector<TransitionRow>> ResultRecorder::transitions(const std::string& check,
                                                               WallTime from, WallTime to,
                                                               std::size_t limit) {
  PHAROS_ASSIGN_OR_RETURN(
      store::Rows rows,
      store_.query(
          "SELECT at_ms, from_status, to_status, reason, maintenance FROM "
          "health_transitions WHERE check_name = $1 AND at_ms >= $2 AND at_ms < $3 "
          "ORDER BY at_ms DESC LIMIT $4",
          {check, toUnixMillis(from), toUnixMillis(to), static_cast<std::int64_t>(limit)}));
  std::vector<TransitionRow> out;
  for (const store::Row& row : rows) {
    out.push_back(TransitionRow{check, fromUnixMillis(row.integer(0)), parseStatus(row.text(1)),
                                parseStatus(row.text(2)), row.text(3), row.integer(4) != 0});
  }
  return out;
}

Result<std::map<std::string, CheckStatus>> ResultRecorder::lastStatuses(
    std::span<const std::string> checks) {
  // Bounded by both dialects' limits on bound parameters (SQLite 32,766, PostgreSQL 65,535).
  constexpr std::size_t kChecksPerQuery = 500;
  std::map<std::string, CheckStatus> out;
  for (std::size_t first = 0; first < checks.size(); first += kChecksPerQuery) {
    const std::size_t count = std::min(kChecksPerQuery, checks.size() - first);
    std::string sql =
        "SELECT t.check_name, t.to_status FROM health_transitions t WHERE t.check_name IN (";
    std::vector<store::Value> params;
    params.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      sql += (i == 0 ? "$" : ", $") + std::to_string(i + 1);
      params.emplace_back(checks[first + i]);
    }
    // (check_name, at_ms) is the primary key: one newest row per check, found by the key.
    sql +=
        ") AND t.at_ms = (SELECT MAX(at_ms) FROM health_transitions WHERE check_name = "
        "t.check_name)";
    PHAROS_ASSIGN_OR_RETURN(store::Rows rows, store_.query(sql, params));
    for (const store::Row& row : rows)
      out.emplace(row.text(0), parseStatus(row.text(1)));
  }
  return out;
}

Result<std::int64_t> ResultRecorder::prune(WallTime before) {
  std::int64_t cutoff = toUnixMillis(before);
  PHAROS_TRY(failureDays_.dropDaysEndingBy(0, cutoff, false));
  // What is left before the cutoff is in the day it falls in: the only partition scanned.
  PHAROS_ASSIGN_OR_RETURN(std::int64_t a,
                          store_.execute("DELETE FROM health_failures WHERE at_ms < $1", {cutoff}));
  PHAROS_ASSIGN_OR_RETURN(
      std::int64_t b, store_.execute("DELETE FROM health_transitions WHERE at_ms < $1", {cutoff}));
  return a + b;
}

}  // namespace pharos::health
