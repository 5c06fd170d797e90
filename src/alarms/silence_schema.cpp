#include "alarms/silence_schema.h"

namespace pharos::alarms {

using store::ColumnType;

const store::MigrationSet& silenceMigrations() {
  static const store::MigrationSet set{
      "alarms_silences",
      {{1,
        "silences made through the API",
        {
            store::Table{"alarm_silences",
                         {{"id", ColumnType::kText, false},
                          {"spec", ColumnType::kText, false},  // JSON, as silenceSpecJson()
                          {"created_at_ms", ColumnType::kInteger, false},
                          {"updated_at_ms", ColumnType::kInteger, false},
                          // When it stops having any effect; NULL: a recurring silence
                          // without `until`. The purge of old expired silences reads it.
                          {"final_end_ms", ColumnType::kInteger}},
                         {"id"},
                         {{"alarm_silences_by_final_end", {"final_end_ms"}}}},
        },
        {}}}};
  return set;
}

}  // namespace pharos::alarms
