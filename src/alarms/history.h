#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "alarms/alert.h"
#include "core/clock.h"
#include "core/labels.h"
#include "core/result.h"
#include "promql/matcher.h"
#include "store/store.h"

namespace pharos::alarms {

// An instance's identity as stored and shown: 16 hex digits of its labels' hash (what
// notify::AlertInfo::fingerprint carries too).
std::string fingerprintOf(const Labels& labels);
nlohmann::json labelsToJson(const Labels& labels);
std::string labelsJsonText(const Labels& labels);  // labelsToJson as stored text
// A JSON object of strings as labels; anything else gives an empty set.
Labels labelsFromJson(std::string_view json);

std::optional<AlertState> parseAlertState(std::string_view name);

// One stored change of one instance: a row of alarm_transitions.
struct TransitionRecord {
  std::string id;  // ULID of `at`; the history's cursor
  std::string rule;
  std::string fingerprint;
  Labels labels;
  AlertState from = AlertState::kOk;
  AlertState to = AlertState::kOk;
  WallTime at{};
  std::optional<double> value;  // absent when not a finite number
};

// A ULID of `at`, greater than every id this process made before in the same millisecond.
std::string transitionId(WallTime at);

// Writes one transition (inside the caller's transaction); fills in the id when empty.
Status recordTransition(store::Session& session, TransitionRecord record);

// GET /api/v1/alerts/history: newest first, filtered.
struct HistoryQuery {
  std::string rule;                       // empty: every rule
  std::optional<AlertState> state;        // the state changed *to*
  std::vector<promql::Matcher> matchers;  // on the instance's labels; all must match
  std::optional<WallTime> from;           // at >= from
  std::optional<WallTime> to;             // at < to
  std::size_t limit = 100;
  std::string cursor;  // a previous page's nextCursor: continue after it
};

struct HistoryPage {
  std::vector<TransitionRecord> items;
  std::string nextCursor;  // empty on the last page
};

// Reads the query string's parameters (as api::parseQuery gives them): rule, state
// (ok|pending|firing|resolved), match (`{team="db"}`), from, to (Unix seconds or RFC 3339),
// limit (1..1000, default 100), cursor. kInvalidArgument naming the parameter.
Result<HistoryQuery> historyQueryFromParams(
    const std::vector<std::pair<std::string, std::string>>& params);

// Label matchers are applied to the rows read, so a page can come back shorter than `limit`
// with a cursor when few rows match: the scan per call is bounded (kMaxScan rows).
Result<HistoryPage> queryHistory(store::Store& store, const HistoryQuery& query);

nlohmann::json toJson(const TransitionRecord& record);
// {"data": [...], "next_cursor": "..."}
nlohmann::json toJson(const HistoryPage& page);

}  // namespace pharos::alarms
