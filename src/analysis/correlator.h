#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/anomaly_event.h"
#include "core/result.h"

namespace pharos::analysis {

// Anomalies close in time, across services and signals, taken as one story.
struct Finding {
  std::string id;       // ULID of the first event's onset; kept when findings merge
  int64_t startMs = 0;  // the earliest onset
  int64_t endMs = 0;    // the latest end
  // Ranked by onset (what moved first, first), then by score, so the head of the list is
  // the best guess at a cause and the rest are its effects.
  std::vector<AnomalyEvent> events;
  std::size_t droppedEvents = 0;  // weakest events let go past the per-finding cap
  std::string summary;            // plain language, from finding_summary.h
  double strength = 0;            // 0..1; see findingStrength()
};

nlohmann::json toJson(const Finding& finding);
Result<Finding> findingFromJson(const nlohmann::json& j);

// The strongest event's score, corroborated by up to four others at 30% of theirs each
// (1 - (1 - s0) * prod(1 - 0.3 si)): many weak signals do not add up to a certain one,
// but agreement counts.
double findingStrength(const std::vector<AnomalyEvent>& events);

struct CorrelatorOptions {
  int64_t gapMs = 5 * 60'000;  // events this close (edge to edge) are one finding
  std::size_t maxOpenFindings = 64;
  std::size_t maxEventsPerFinding = 50;
};

// What add() changed: the finding as it is now, and the ids of findings it absorbed (an event
// that bridges two findings merges them into the older), which a store should delete.
struct FindingUpdate {
  Finding finding;
  std::vector<std::string> mergedIds;
};

// Groups anomaly events of every kind into findings by time alone (single linkage with a
// gap): an event joins every open finding it is within gapMs of. Time is the events' time,
// not the wall clock, so replaying events gives the same findings. Bounded: at most
// maxOpenFindings open (past it the one that ended first is closed early) and
// maxEventsPerFinding events each (past it the weakest is dropped, never the first onset).
// Not thread-safe.
class Correlator {
 public:
  explicit Correlator(CorrelatorOptions options = {});

  FindingUpdate add(AnomalyEvent event);

  // Closes and returns the findings whose last event ended more than gapMs before nowMs,
  // and those closed early by the cap, final, by strength (strongest first).
  std::vector<Finding> closeIdle(int64_t nowMs);

  // The open findings, strongest first (ties: earliest onset).
  std::vector<Finding> openFindings() const;

 private:
  void refresh(Finding& f) const;  // ranks, trims, scores and summarises

  CorrelatorOptions options_;
  std::vector<Finding> open_;
  std::vector<Finding> closedEarly_;
};

// Strongest first, then earliest onset, then id: the order findings are listed in.
void rankFindings(std::vector<Finding>& findings);

}  // namespace pharos::analysis
