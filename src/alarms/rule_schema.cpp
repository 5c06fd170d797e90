#include "alarms/rule_schema.h"

namespace pharos::alarms {

using store::ColumnType;

const store::MigrationSet& ruleMigrations() {
  static const store::MigrationSet set{
      "alarm_rules",
      {{1,
        "alert transitions, current instances, incidents with their alerts and timelines",
        {
            // Ids are ULIDs of the transition's time: newest first is ORDER BY id DESC, and
            // the id is the history's cursor.
            store::Table{"alarm_transitions",
                         {{"id", ColumnType::kText, false},
                          {"rule", ColumnType::kText, false},
                          {"fingerprint", ColumnType::kText, false},
                          {"labels", ColumnType::kText, false},  // JSON object
                          {"from_state", ColumnType::kText, false},
                          {"to_state", ColumnType::kText, false},
                          {"at_ms", ColumnType::kInteger, false},
                          {"value", ColumnType::kReal}},
                         {"id"},
                         {{"alarm_transitions_by_rule", {"rule", "id"}},
                          {"alarm_transitions_by_at", {"at_ms"}}}},
            store::Table{"alarm_instances",
                         {{"rule", ColumnType::kText, false},
                          {"fingerprint", ColumnType::kText, false},
                          {"labels", ColumnType::kText, false},
                          {"state", ColumnType::kText, false},
                          {"active_at_ms", ColumnType::kInteger, false},
                          {"fired_at_ms", ColumnType::kInteger, false},
                          {"last_breach_ms", ColumnType::kInteger, false},
                          {"resolved_at_ms", ColumnType::kInteger, false},
                          {"value", ColumnType::kReal}},
                         {"rule", "fingerprint"},
                         {}},
            store::Table{"alarm_incidents",
                         {{"id", ColumnType::kText, false},
                          {"group_key", ColumnType::kText, false},
                          {"title", ColumnType::kText, false},
                          {"status", ColumnType::kText, false},  // open, acknowledged, resolved
                          {"opened_at_ms", ColumnType::kInteger, false},
                          {"acknowledged_at_ms", ColumnType::kInteger},
                          {"acknowledged_by", ColumnType::kText},
                          {"resolved_at_ms", ColumnType::kInteger},
                          {"resolved_by", ColumnType::kText},
                          // The last time one of its alerts fired or resolved: the quiet
                          // window that closes it counts from here.
                          {"last_activity_ms", ColumnType::kInteger, false}},
                         {"id"},
                         {{"alarm_incidents_by_group", {"group_key", "status"}},
                          {"alarm_incidents_by_status", {"status", "id"}}}},
            store::Table{"alarm_incident_alerts",
                         {{"incident_id", ColumnType::kText, false},
                          {"fingerprint", ColumnType::kText, false},
                          {"rule", ColumnType::kText, false},
                          {"labels", ColumnType::kText, false},
                          {"state", ColumnType::kText, false},  // firing, resolved
                          {"fired_at_ms", ColumnType::kInteger, false},
                          {"resolved_at_ms", ColumnType::kInteger}},
                         {"incident_id", "fingerprint"},
                         {{"alarm_incident_alerts_by_fingerprint", {"fingerprint", "state"}}}},
            store::Table{"alarm_incident_events",
                         {{"incident_id", ColumnType::kText, false},
                          {"id", ColumnType::kText, false},  // ULID: the timeline's order
                          {"at_ms", ColumnType::kInteger, false},
                          {"kind", ColumnType::kText, false},
                          {"who", ColumnType::kText, false, "''"},
                          {"text", ColumnType::kText, false, "''"},
                          {"fingerprint", ColumnType::kText, false, "''"}},
                         {"incident_id", "id"},
                         {}},
        },
        {}}}};
  return set;
}

}  // namespace pharos::alarms
