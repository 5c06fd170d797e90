#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/config/node.h"
#include "core/config/node_reader.h"
#include "core/labels.h"
#include "core/result.h"
#include "store/store.h"

namespace pharos::alarms {

// How firing alerts are grouped into incidents (config `incidents:`).
struct IncidentOptions {
  // Alerts with the same values of these labels belong together; an alert with none of
  // them groups by its rule (alertname).
  std::vector<std::string> groupBy{"service"};
  // An alert that fires within `window` of an incident's last activity joins it; an
  // incident whose alerts have all resolved closes by itself after `window` of quiet.
  Millis window{10 * 60'000};
};

using ParsedIncidentOptions = std::variant<IncidentOptions, std::vector<config::FieldProblem>>;
// Reads `incidents: {group_by: [service], window: 10m}`; a null node gives the defaults.
ParsedIncidentOptions parseIncidentOptions(const config::Node& node,
                                           std::string_view path = "incidents");

enum class IncidentStatus { kOpen, kAcknowledged, kResolved };
std::string_view incidentStatusName(IncidentStatus status);
std::optional<IncidentStatus> parseIncidentStatus(std::string_view name);

// One line of an incident's timeline. Kinds: opened, alert_fired, alert_resolved,
// acknowledged, note, resolved (who "pharos" when it closed by itself).
struct IncidentEvent {
  WallTime at{};
  std::string kind;
  std::string who;
  std::string text;
  std::string fingerprint;  // alert_fired, alert_resolved
};

struct IncidentAlert {
  std::string fingerprint;
  std::string rule;
  Labels labels;
  bool firing = true;
  WallTime firedAt{};
  std::optional<WallTime> resolvedAt;
};

struct Incident {
  std::string id;  // ULID
  std::string groupKey;
  std::string title;
  IncidentStatus status = IncidentStatus::kOpen;
  WallTime openedAt{};
  std::optional<WallTime> acknowledgedAt;
  std::string acknowledgedBy;
  std::optional<WallTime> resolvedAt;
  std::string resolvedBy;
  WallTime lastActivity{};
  std::vector<IncidentAlert> alerts;    // filled by get()
  std::vector<IncidentEvent> timeline;  // filled by get(), oldest first
};

struct IncidentListQuery {
  std::optional<IncidentStatus> status;
  std::size_t limit = 50;
  std::string cursor;  // a previous page's nextCursor
};

struct IncidentPage {
  std::vector<Incident> items;  // newest first, without alerts and timeline
  std::string nextCursor;
};

// Incidents in the store. Grouping happens inside the rule engine's transaction (the
// alert's transition and its incident change commit together); acknowledge, resolve and
// notes are the API's, each its own transaction. Thread-safe (the store serialises).
class IncidentManager {
 public:
  IncidentManager(store::Store& store, IncidentOptions options)
      : store_(store), options_(std::move(options)) {}

  const IncidentOptions& options() const { return options_; }
  // The group an alert belongs to: "service=api", or "alertname=DiskFull".
  std::string groupKey(const Labels& labels) const;

  // An alert turned FIRING: joins the group's incident (open or acknowledged, with a firing
  // alert or activity within the window) or opens one.
  Status alertFired(store::Session& session, std::string_view rule, const Labels& labels,
                    WallTime at);
  // An alert resolved: marked in every incident it fired in, noted on their timelines.
  Status alertResolved(store::Session& session, const Labels& labels, WallTime at);
  // Closes incidents whose alerts have all resolved and that were quiet for the window.
  // Returns how many it closed.
  Result<std::size_t> closeQuiet(WallTime now);

  Result<Incident> get(std::string_view id);
  Result<IncidentPage> list(const IncidentListQuery& query);

  // kNotFound for an unknown id; kFailedPrecondition to acknowledge a resolved incident or
  // resolve it twice. `who` is the API key's name (or user), `text` optional.
  Status acknowledge(std::string_view id, std::string_view who, std::string_view text, WallTime at);
  Status resolve(std::string_view id, std::string_view who, std::string_view text, WallTime at);
  Status addNote(std::string_view id, std::string_view who, std::string_view text, WallTime at);

 private:
  Status closeLocked(store::Session& session, const std::string& id, std::string_view who,
                     std::string_view text, WallTime at);

  store::Store& store_;
  IncidentOptions options_;
};

nlohmann::json toJson(const IncidentEvent& event);
nlohmann::json toJson(const IncidentAlert& alert);
// With "alerts" and "timeline" when they were read (get()).
nlohmann::json toJson(const Incident& incident);
nlohmann::json toJson(const IncidentPage& page);

// Reads a POST body {"who": "...", "text": "..."} for ack / resolve / note; `text` required
// for a note. kInvalidArgument naming the field.
struct IncidentAction {
  std::string who;
  std::string text;
};
Result<IncidentAction> parseIncidentAction(const nlohmann::json& body, bool textRequired);

}  // namespace pharos::alarms
