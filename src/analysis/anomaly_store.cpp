#include "analysis/anomaly_store.h"

#include <algorithm>
#include <utility>

#include "analysis/anomaly_schema.h"

namespace pharos::analysis {
namespace {

std::string dumpJson(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Status writeEvent(store::Session& session, const AnomalyEvent& e, const store::Value& findingId) {
  if (e.id.empty()) return makeError(ErrorCode::kInvalidArgument, "anomaly event without an id");
  // A recorded event keeps the finding it was linked to when recorded again without one.
  PHAROS_TRY(session.execute(
      "INSERT INTO analysis_anomalies (id, kind, service, signal, start_ms, end_ms, score, "
      "finding_id, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO UPDATE "
      "SET kind = $2, service = $3, signal = $4, start_ms = $5, end_ms = $6, score = $7, "
      "finding_id = COALESCE($8, analysis_anomalies.finding_id), body = $9",
      {e.id, std::string(anomalyKindName(e.kind)), e.service, e.signal, e.startMs, e.endMs, e.score,
       findingId, dumpJson(toJson(e))}));
  return okStatus();
}

Result<nlohmann::json> parseBody(const std::string& text, std::string_view table) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    return makeError(ErrorCode::kDataLoss, "stored row of " + std::string(table) + " is not JSON");
  }
  return j;
}

// Appends the shared filters and LIMIT; the first parameter is always the cursor.
std::string rangeFilter(std::vector<store::Value>& params, std::optional<int64_t> fromMs,
                        std::optional<int64_t> toMs) {
  std::string sql;
  if (fromMs) {
    params.emplace_back(*fromMs);
    sql += " AND end_ms > $" + std::to_string(params.size());
  }
  if (toMs) {
    params.emplace_back(*toMs);
    sql += " AND start_ms < $" + std::to_string(params.size());
  }
  return sql;
}

std::string limitClause(std::vector<store::Value>& params, std::size_t limit) {
  // One more than the page: whether it exists says whether there is a next page.
  params.emplace_back(static_cast<int64_t>(limit + 1));
  return " ORDER BY id DESC LIMIT $" + std::to_string(params.size());
}

}  // namespace

Result<std::unique_ptr<AnomalyStore>> AnomalyStore::open(store::Store& store) {
  PHAROS_TRY(store.migrate(anomalyMigrations()));
  return std::unique_ptr<AnomalyStore>(new AnomalyStore(store));
}

Status AnomalyStore::record(const AnomalyEvent& event) {
  return writeEvent(store_, event, nullptr);
}

Status AnomalyStore::upsertFinding(const Finding& f, const std::vector<std::string>& mergedIds) {
  if (f.id.empty()) return makeError(ErrorCode::kInvalidArgument, "finding without an id");
  return store_.transaction([&](store::Session& session) -> Status {
    for (const std::string& id : mergedIds) {
      if (id == f.id) continue;
      PHAROS_TRY(session.execute("DELETE FROM analysis_findings WHERE id = $1", {id}));
    }
    PHAROS_TRY(session.execute(
        "INSERT INTO analysis_findings (id, start_ms, end_ms, strength, summary, body) VALUES "
        "($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET start_ms = $2, end_ms = $3, "
        "strength = $4, summary = $5, body = $6",
        {f.id, f.startMs, f.endMs, f.strength, f.summary, dumpJson(toJson(f))}));
    for (const AnomalyEvent& e : f.events)
      PHAROS_TRY(writeEvent(session, e, f.id));
    return okStatus();
  });
}

Result<AnomalyPage> AnomalyStore::listAnomalies(const AnomalyQuery& q) {
  const std::size_t limit = std::clamp<std::size_t>(q.limit, 1, kMaxLimit);
  std::vector<store::Value> params;
  params.emplace_back(q.cursor.empty() ? std::string("~") : q.cursor);
  std::string sql = "SELECT id, body FROM analysis_anomalies WHERE id < $1";
  if (!q.service.empty()) {
    params.emplace_back(q.service);
    sql += " AND service = $" + std::to_string(params.size());
  }
  if (q.kind) {
    params.emplace_back(std::string(anomalyKindName(*q.kind)));
    sql += " AND kind = $" + std::to_string(params.size());
  }
  sql += rangeFilter(params, q.fromMs, q.toMs);
  sql += limitClause(params, limit);
  PHAROS_ASSIGN_OR_RETURN(store::Rows rows, store_.query(sql, params));
  AnomalyPage page;
  for (const store::Row& row : rows) {
    if (page.items.size() == limit) {
      page.nextCursor = page.items.back().id;
      break;
    }
    PHAROS_ASSIGN_OR_RETURN(nlohmann::json j, parseBody(row.text(1), "analysis_anomalies"));
    auto event = anomalyEventFromJson(j);
    if (!event.ok()) return makeError(ErrorCode::kDataLoss, event.error().message, row.text(0));
    event->id = row.text(0);
    page.items.push_back(std::move(event).value());
  }
  return page;
}

Result<FindingPage> AnomalyStore::listFindings(const FindingQuery& q) {
  const std::size_t limit = std::clamp<std::size_t>(q.limit, 1, kMaxLimit);
  std::vector<store::Value> params;
  params.emplace_back(q.cursor.empty() ? std::string("~") : q.cursor);
  std::string sql = "SELECT id, body FROM analysis_findings WHERE id < $1";
  sql += rangeFilter(params, q.fromMs, q.toMs);
  sql += limitClause(params, limit);
  PHAROS_ASSIGN_OR_RETURN(store::Rows rows, store_.query(sql, params));
  FindingPage page;
  for (const store::Row& row : rows) {
    if (page.items.size() == limit) {
      page.nextCursor = page.items.back().id;
      break;
    }
    PHAROS_ASSIGN_OR_RETURN(nlohmann::json j, parseBody(row.text(1), "analysis_findings"));
    auto f = findingFromJson(j);
    if (!f.ok()) return makeError(ErrorCode::kDataLoss, f.error().message, row.text(0));
    page.items.push_back(std::move(f).value());
  }
  return page;
}

Result<Finding> AnomalyStore::finding(std::string_view id) {
  PHAROS_ASSIGN_OR_RETURN(
      store::Rows rows,
      store_.query("SELECT body FROM analysis_findings WHERE id = $1", {std::string(id)}));
  if (rows.empty()) return makeError(ErrorCode::kNotFound, "no finding '" + std::string(id) + "'");
  PHAROS_ASSIGN_OR_RETURN(nlohmann::json j, parseBody(rows[0].text(0), "analysis_findings"));
  auto f = findingFromJson(j);
  if (!f.ok()) return makeError(ErrorCode::kDataLoss, f.error().message, std::string(id));
  return f;
}

Result<std::string> AnomalyStore::findingOf(std::string_view anomalyId) {
  PHAROS_ASSIGN_OR_RETURN(store::Rows rows,
                          store_.query("SELECT finding_id FROM analysis_anomalies WHERE id = $1",
                                       {std::string(anomalyId)}));
  if (rows.empty() || rows[0].isNull(0)) {
    return makeError(ErrorCode::kNotFound, "no finding for '" + std::string(anomalyId) + "'");
  }
  return rows[0].text(0);
}

Result<int64_t> AnomalyStore::deleteBefore(int64_t ms) {
  int64_t deleted = 0;
  PHAROS_TRY(store_.transaction([&](store::Session& session) -> Status {
    PHAROS_ASSIGN_OR_RETURN(
        int64_t events, session.execute("DELETE FROM analysis_anomalies WHERE end_ms < $1", {ms}));
    PHAROS_ASSIGN_OR_RETURN(
        int64_t findings, session.execute("DELETE FROM analysis_findings WHERE end_ms < $1", {ms}));
    deleted = events + findings;
    return okStatus();
  }));
  return deleted;
}

}  // namespace pharos::analysis
