#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/anomaly_event.h"
#include "analysis/correlator.h"
#include "core/result.h"
#include "store/store.h"

namespace pharos::analysis {

// Filters of a list; newest first. The time range selects what overlaps [fromMs, toMs).
struct AnomalyQuery {
  std::optional<int64_t> fromMs;
  std::optional<int64_t> toMs;
  std::string service;  // empty: every service
  std::optional<AnomalyKind> kind;
  std::size_t limit = 100;  // clamped to 1..1000
  std::string cursor;       // a previous page's nextCursor
};

struct AnomalyPage {
  std::vector<AnomalyEvent> items;
  std::string nextCursor;  // empty on the last page
};

struct FindingQuery {
  std::optional<int64_t> fromMs;
  std::optional<int64_t> toMs;
  std::size_t limit = 100;
  std::string cursor;
};

struct FindingPage {
  std::vector<Finding> items;
  std::string nextCursor;
};

// Anomaly events and findings in the main store, for /api/v1/anomalies and
// /api/v1/findings. Writes are idempotent by id (a detector or the correlator may send the
// same thing again). Thread-safe as the Store is.
class AnomalyStore {
 public:
  static Result<std::unique_ptr<AnomalyStore>> open(store::Store& store);

  // Inserts or replaces one event (an empty id is refused: kInvalidArgument).
  Status record(const AnomalyEvent& event);
  // Inserts or replaces a finding and its events (linked to it), and deletes the findings it
  // absorbed (FindingUpdate::mergedIds), in one transaction.
  Status upsertFinding(const Finding& finding, const std::vector<std::string>& mergedIds = {});

  Result<AnomalyPage> listAnomalies(const AnomalyQuery& query);
  Result<FindingPage> listFindings(const FindingQuery& query);
  Result<Finding> finding(std::string_view id);  // kNotFound
  // The finding an event was last grouped into; kNotFound for none.
  Result<std::string> findingOf(std::string_view anomalyId);

  // Retention: deletes events and findings that ended before `ms`; returns how many rows.
  Result<int64_t> deleteBefore(int64_t ms);

  static constexpr std::size_t kMaxLimit = 1000;

 private:
  explicit AnomalyStore(store::Store& store) : store_(store) {}
  store::Store& store_;
};

}  // namespace pharos::analysis
