#include "alarms/incident.h"

#include <algorithm>

#include <fmt/format.h>

#include "alarms/history.h"
#include "core/config/duration.h"
#include "core/ids.h"
#include "core/text.h"

namespace pharos::alarms {
namespace {

using config::Node;

constexpr std::size_t kMaxText = 8'192;
constexpr std::string_view kSystem = "pharos";

std::int64_t ms(WallTime t) {
  return toUnixMillis(t);
}

std::optional<WallTime> optionalTime(const store::Row& row, std::size_t i) {
  if (row.isNull(i)) return std::nullopt;
  return fromUnixMillis(row.integer(i));
}

std::string optionalText(const store::Row& row, std::size_t i) {
  return row.isNull(i) ? std::string() : row.text(i);
}

constexpr std::string_view kIncidentColumns =
    "id, group_key, title, status, opened_at_ms, acknowledged_at_ms, acknowledged_by, "
    "resolved_at_ms, resolved_by, last_activity_ms";

Incident incidentFromRow(const store::Row& row) {
  Incident i;
  i.id = row.text(0);
  i.groupKey = row.text(1);
  i.title = row.text(2);
  i.status = parseIncidentStatus(row.text(3)).value_or(IncidentStatus::kOpen);
  i.openedAt = fromUnixMillis(row.integer(4));
  i.acknowledgedAt = optionalTime(row, 5);
  i.acknowledgedBy = optionalText(row, 6);
  i.resolvedAt = optionalTime(row, 7);
  i.resolvedBy = optionalText(row, 8);
  i.lastActivity = fromUnixMillis(row.integer(9));
  return i;
}

// Appends a timeline line; its id is the incident's next sequence number, so lines written
// in the same millisecond keep their order.
Status addEvent(store::Session& s, const std::string& incident, const IncidentEvent& e) {
  PHAROS_ASSIGN_OR_RETURN(
      store::Rows rows,
      s.query("SELECT COUNT(*) FROM alarm_incident_events WHERE incident_id = $1", {incident}));
  std::int64_t next = rows.empty() ? 0 : rows.front().integer(0);
  PHAROS_TRY(s.execute(
      "INSERT INTO alarm_incident_events (incident_id, id, at_ms, kind, who, text, fingerprint) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7)",
      {incident, fmt::format("{:08d}", next), ms(e.at), e.kind, e.who, e.text, e.fingerprint}));
  return okStatus();
}

Result<Incident> readIncident(store::Session& s, std::string_view id) {
  PHAROS_ASSIGN_OR_RETURN(
      store::Rows rows,
      s.query(fmt::format("SELECT {} FROM alarm_incidents WHERE id = $1", kIncidentColumns),
              {std::string(id)}));
  if (rows.empty()) return makeError(ErrorCode::kNotFound, "no such incident", std::string(id));
  return incidentFromRow(rows.front());
}

Status checkText(std::string_view text) {
  if (text.size() > kMaxText || !isValidUtf8(text)) {
    return makeError(ErrorCode::kInvalidArgument,
                     fmt::format("text: at most {} bytes of UTF-8", kMaxText));
  }
  return okStatus();
}

}  // namespace

std::string_view incidentStatusName(IncidentStatus status) {
  switch (status) {
    case IncidentStatus::kOpen:
      return "open";
    case IncidentStatus::kAcknowledged:
      return "acknowledged";
    case IncidentStatus::kResolved:
      return "resolved";
  }
  return "?";
}

std::optional<IncidentStatus> parseIncidentStatus(std::string_view name) {
  for (IncidentStatus s :
       {IncidentStatus::kOpen, IncidentStatus::kAcknowledged, IncidentStatus::kResolved}) {
    if (incidentStatusName(s) == name) return s;
  }
  return std::nullopt;
}

ParsedIncidentOptions parseIncidentOptions(const Node& node, std::string_view path) {
  IncidentOptions o;
  if (node.isNull()) return o;
  config::NodeReader r(path);
  static constexpr std::string_view kFields[] = {"group_by", "window"};
  r.map(node, std::string(path), [&](const std::string& key, const Node& value) {
    if (!r.knownField(key, value, kFields)) return;
    std::string f = r.field(key);
    if (key == "group_by") {
      std::vector<std::string> names;
      if (!r.strings(value, f, names)) return;
      for (const std::string& n : names) {
        if (!isValidLabelName(n)) {
          r.problem(value, f, fmt::format("{}: '{}' is not a label name", f, n));
          return;
        }
      }
      o.groupBy = std::move(names);
    } else if (key == "window") {
      r.duration(value, f, o.window, Millis(0), Millis(7LL * 86'400'000));
    }
  });
  if (!r.ok()) return r.take();
  return o;
}

std::string IncidentManager::groupKey(const Labels& labels) const {
  Labels key;
  for (const std::string& name : options_.groupBy) {
    std::string_view v = labels.get(name);
    if (!v.empty()) key = key.with(name, v);
  }
  if (key.empty()) key = Labels{{"alertname", std::string(labels.get("alertname"))}};
  std::string text = key.str();  // {service="api"}
  return text;
}

Status IncidentManager::alertFired(store::Session& s, std::string_view rule, const Labels& labels,
                                   WallTime at) {
  const std::string fingerprint = fingerprintOf(labels);
  const std::string key = groupKey(labels);
  // The group's incident, if one is still open.
  PHAROS_ASSIGN_OR_RETURN(
      store::Rows rows,
      s.query(fmt::format("SELECT {} FROM alarm_incidents WHERE group_key = $1 AND status != "
                          "'resolved' ORDER BY id DESC LIMIT 1",
                          kIncidentColumns),
              {key}));
  std::optional<Incident> incident;
  if (!rows.empty()) {
    Incident open = incidentFromRow(rows.front());
    PHAROS_ASSIGN_OR_RETURN(
        store::Rows firing,
        s.query("SELECT fingerprint FROM alarm_incident_alerts WHERE incident_id = $1 AND state "
                "= 'firing'",
                {open.id}));
    for (const store::Row& f : firing) {
      if (f.text(0) == fingerprint) return okStatus();  // already in it (a replay)
    }
    if (!firing.empty() || at - open.lastActivity <= options_.window) {
      incident = std::move(open);
    } else {
      // Quiet for longer than the window, but not yet swept: close it, start a new one.
      PHAROS_TRY(closeLocked(s, open.id, kSystem, "all alerts resolved; quiet for the window", at));
    }
  }
  if (!incident) {
    Incident fresh;
    fresh.id = newId(at);
    fresh.groupKey = key;
    fresh.title = fmt::format("{} {}", labels.get("alertname"), key);
    PHAROS_TRY(
        s.execute("INSERT INTO alarm_incidents (id, group_key, title, status, opened_at_ms, "
                  "last_activity_ms) VALUES ($1, $2, $3, 'open', $4, $4)",
                  {fresh.id, fresh.groupKey, fresh.title, ms(at)}));
    PHAROS_TRY(addEvent(s, fresh.id, {at, "opened", std::string(kSystem), fresh.title, {}}));
    incident = std::move(fresh);
  }
  PHAROS_TRY(s.execute(
      "INSERT INTO alarm_incident_alerts (incident_id, fingerprint, rule, labels, state, "
      "fired_at_ms, resolved_at_ms) VALUES ($1, $2, $3, $4, 'firing', $5, NULL) "
      "ON CONFLICT (incident_id, fingerprint) DO UPDATE SET rule = excluded.rule, "
      "labels = excluded.labels, state = excluded.state, fired_at_ms = excluded.fired_at_ms, "
      "resolved_at_ms = excluded.resolved_at_ms",
      {incident->id, fingerprint, std::string(rule), labelsJsonText(labels), ms(at)}));
  PHAROS_TRY(s.execute("UPDATE alarm_incidents SET last_activity_ms = $2 WHERE id = $1",
                       {incident->id, ms(at)}));
  return addEvent(s, incident->id,
                  {at, "alert_fired", std::string(kSystem), labels.str(), fingerprint});
}

Status IncidentManager::alertResolved(store::Session& s, const Labels& labels, WallTime at) {
  const std::string fingerprint = fingerprintOf(labels);
  PHAROS_ASSIGN_OR_RETURN(
      store::Rows rows,
      s.query("SELECT incident_id FROM alarm_incident_alerts WHERE fingerprint = $1 AND state = "
              "'firing'",
              {fingerprint}));
  for (const store::Row& row : rows) {
    const std::string& id = row.text(0);
    PHAROS_TRY(
        s.execute("UPDATE alarm_incident_alerts SET state = 'resolved', resolved_at_ms = $3 WHERE "
                  "incident_id = $1 AND fingerprint = $2",
                  {id, fingerprint, ms(at)}));
    PHAROS_TRY(
        s.execute("UPDATE alarm_incidents SET last_activity_ms = $2 WHERE id = $1 AND status != "
                  "'resolved'",
                  {id, ms(at)}));
    PHAROS_TRY(
        addEvent(s, id, {at, "alert_resolved", std::string(kSystem), labels.str(), fingerprint}));
  }
  return okStatus();
}

Status IncidentManager::closeLocked(store::Session& s, const std::string& id, std::string_view who,
                                    std::string_view text, WallTime at) {
  PHAROS_TRY(s.execute(
      "UPDATE alarm_incidents SET status = 'resolved', resolved_at_ms = $2, resolved_by = $3 "
      "WHERE id = $1",
      {id, ms(at), std::string(who)}));
  return addEvent(s, id, {at, "resolved", std::string(who), std::string(text), {}});
}

Result<std::size_t> IncidentManager::closeQuiet(WallTime now) {
  std::size_t closed = 0;
  Status st = store_.transaction([&](store::Session& s) -> Status {
    PHAROS_ASSIGN_OR_RETURN(
        store::Rows rows,
        s.query("SELECT id FROM alarm_incidents i WHERE status != 'resolved' AND "
                "last_activity_ms <= $1 AND NOT EXISTS (SELECT 1 FROM alarm_incident_alerts a "
                "WHERE a.incident_id = i.id AND a.state = 'firing')",
                {ms(now - options_.window)}));
    for (const store::Row& row : rows) {
      PHAROS_TRY(closeLocked(
          s, row.text(0), kSystem,
          fmt::format("all alerts resolved; quiet for {}", config::formatDuration(options_.window)),
          now));
      ++closed;
    }
    return okStatus();
  });
  if (!st.ok()) return std::move(st).error();
  return closed;
}

Result<Incident> IncidentManager::get(std::string_view id) {
  PHAROS_ASSIGN_OR_RETURN(Incident incident, readIncident(store_, id));
  PHAROS_ASSIGN_OR_RETURN(
      store::Rows alerts,
      store_.query("SELECT fingerprint, rule, labels, state, fired_at_ms, resolved_at_ms FROM "
                   "alarm_incident_alerts WHERE incident_id = $1 ORDER BY fired_at_ms",
                   {incident.id}));
  for (const store::Row& row : alerts) {
    incident.alerts.push_back(IncidentAlert{row.text(0), row.text(1), labelsFromJson(row.text(2)),
                                            row.text(3) == "firing", fromUnixMillis(row.integer(4)),
                                            optionalTime(row, 5)});
  }
  PHAROS_ASSIGN_OR_RETURN(
      store::Rows events,
      store_.query("SELECT at_ms, kind, who, text, fingerprint FROM alarm_incident_events WHERE "
                   "incident_id = $1 ORDER BY id",
                   {incident.id}));
  for (const store::Row& row : events) {
    incident.timeline.push_back(IncidentEvent{fromUnixMillis(row.integer(0)), row.text(1),
                                              row.text(2), row.text(3), row.text(4)});
  }
  return incident;
}

Result<IncidentPage> IncidentManager::list(const IncidentListQuery& q) {
  std::size_t limit = std::clamp<std::size_t>(q.limit, 1, 1'000);
  std::string sql = fmt::format("SELECT {} FROM alarm_incidents WHERE id < $1", kIncidentColumns);
  std::vector<store::Value> params;
  params.emplace_back(q.cursor.empty() ? std::string("~") : q.cursor);
  if (q.status) {
    params.emplace_back(std::string(incidentStatusName(*q.status)));
    sql += " AND status = $2";
  }
  params.emplace_back(static_cast<std::int64_t>(limit + 1));
  sql += fmt::format(" ORDER BY id DESC LIMIT ${}", params.size());
  PHAROS_ASSIGN_OR_RETURN(store::Rows rows, store_.query(sql, params));
  IncidentPage page;
  for (const store::Row& row : rows) {
    if (page.items.size() == limit) {
      page.nextCursor = page.items.back().id;
      break;
    }
    page.items.push_back(incidentFromRow(row));
  }
  return page;
}

Status IncidentManager::acknowledge(std::string_view id, std::string_view who,
                                    std::string_view text, WallTime at) {
  PHAROS_TRY(checkText(text));
  return store_.transaction([&](store::Session& s) -> Status {
    PHAROS_ASSIGN_OR_RETURN(Incident incident, readIncident(s, id));
    if (incident.status == IncidentStatus::kResolved) {
      return makeError(ErrorCode::kFailedPrecondition, "the incident is resolved", incident.id);
    }
    if (incident.status == IncidentStatus::kOpen) {
      PHAROS_TRY(
          s.execute("UPDATE alarm_incidents SET status = 'acknowledged', acknowledged_at_ms = $2, "
                    "acknowledged_by = $3 WHERE id = $1",
                    {incident.id, ms(at), std::string(who)}));
    }
    return addEvent(s, incident.id, {at, "acknowledged", std::string(who), std::string(text), {}});
  });
}

Status IncidentManager::resolve(std::string_view id, std::string_view who, std::string_view text,
                                WallTime at) {
  PHAROS_TRY(checkText(text));
  return store_.transaction([&](store::Session& s) -> Status {
    PHAROS_ASSIGN_OR_RETURN(Incident incident, readIncident(s, id));
    if (incident.status == IncidentStatus::kResolved) {
      return makeError(ErrorCode::kFailedPrecondition, "the incident is already resolved",
                       incident.id);
    }
    return closeLocked(s, incident.id, who, text, at);
  });
}

Status IncidentManager::addNote(std::string_view id, std::string_view who, std::string_view text,
                                WallTime at) {
  PHAROS_TRY(checkText(text));
  if (text.empty()) return makeError(ErrorCode::kInvalidArgument, "text: a note needs text");
  return store_.transaction([&](store::Session& s) -> Status {
    PHAROS_ASSIGN_OR_RETURN(Incident incident, readIncident(s, id));
    return addEvent(s, incident.id, {at, "note", std::string(who), std::string(text), {}});
  });
}

nlohmann::json toJson(const IncidentEvent& e) {
  nlohmann::json j{{"at_ms", ms(e.at)}, {"kind", e.kind}, {"who", e.who}, {"text", e.text}};
  if (!e.fingerprint.empty()) j["fingerprint"] = e.fingerprint;
  return j;
}

nlohmann::json toJson(const IncidentAlert& a) {
  nlohmann::json j{{"fingerprint", a.fingerprint},
                   {"rule", a.rule},
                   {"labels", labelsToJson(a.labels)},
                   {"state", a.firing ? "firing" : "resolved"},
                   {"fired_at_ms", ms(a.firedAt)}};
  j["resolved_at_ms"] = a.resolvedAt ? nlohmann::json(ms(*a.resolvedAt)) : nlohmann::json();
  return j;
}

nlohmann::json toJson(const Incident& i) {
  auto optMs = [](const std::optional<WallTime>& t) {
    return t ? nlohmann::json(ms(*t)) : nlohmann::json();
  };
  nlohmann::json j{{"id", i.id},
                   {"group_key", i.groupKey},
                   {"title", i.title},
                   {"status", incidentStatusName(i.status)},
                   {"opened_at_ms", ms(i.openedAt)},
                   {"acknowledged_at_ms", optMs(i.acknowledgedAt)},
                   {"acknowledged_by", i.acknowledgedBy},
                   {"resolved_at_ms", optMs(i.resolvedAt)},
                   {"resolved_by", i.resolvedBy},
                   {"last_activity_ms", ms(i.lastActivity)}};
  if (!i.alerts.empty() || !i.timeline.empty()) {
    nlohmann::json alerts = nlohmann::json::array();
    for (const auto& a : i.alerts)
      alerts.push_back(toJson(a));
    nlohmann::json timeline = nlohmann::json::array();
    for (const auto& e : i.timeline)
      timeline.push_back(toJson(e));
    j["alerts"] = alerts;
    j["timeline"] = timeline;
  }
  return j;
}

nlohmann::json toJson(const IncidentPage& page) {
  nlohmann::json data = nlohmann::json::array();
  for (const auto& i : page.items)
    data.push_back(toJson(i));
  return {{"data", data}, {"next_cursor", page.nextCursor}};
}

Result<IncidentAction> parseIncidentAction(const nlohmann::json& body, bool textRequired) {
  IncidentAction a;
  if (!body.is_object() && !body.is_null()) {
    return makeError(ErrorCode::kInvalidArgument, "body: expected a JSON object");
  }
  if (body.is_object()) {
    for (const auto& [k, v] : body.items()) {
      if (k != "who" && k != "text") {
        return makeError(ErrorCode::kInvalidArgument,
                         fmt::format("{}: unknown field (who, text)", k));
      }
      if (!v.is_string()) {
        return makeError(ErrorCode::kInvalidArgument, fmt::format("{}: expected a string", k));
      }
      (k == "who" ? a.who : a.text) = v.get<std::string>();
    }
  }
  if (textRequired && a.text.empty()) {
    return makeError(ErrorCode::kInvalidArgument, "text: a note needs text");
  }
  PHAROS_TRY(checkText(a.text));
  PHAROS_TRY(checkText(a.who));
  return a;
}

}  // namespace pharos::alarms
