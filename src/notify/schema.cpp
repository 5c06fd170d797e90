#include "notify/schema.h"

namespace pharos::notify {

using store::ColumnType;

const store::MigrationSet& migrations() {
  static const store::MigrationSet set{
      "notify",
      {{1,
        "receivers defined through the API, notifications, attempts, delivered keys",
        {
            store::Table{"notify_receivers",
                         {{"name", ColumnType::kText, false},
                          // The JSON with its secrets; since migration 2 a sealed envelope
                          // (see there).
                          {"spec", ColumnType::kText, false},
                          {"created_at_ms", ColumnType::kInteger, false},
                          {"updated_at_ms", ColumnType::kInteger, false}},
                         {"name"},
                         {}},
            store::Table{"notify_notifications",
                         {{"id", ColumnType::kText, false},
                          {"receiver", ColumnType::kText, false},
                          {"idempotency_key", ColumnType::kText, false},
                          {"group_key", ColumnType::kText, false, "''"},
                          {"status", ColumnType::kText, false},  // pending, delivered, dead
                          {"attempts", ColumnType::kInteger, false, "0"},
                          {"last_error", ColumnType::kText, false, "''"},
                          {"created_at_ms", ColumnType::kInteger, false},
                          {"updated_at_ms", ColumnType::kInteger, false}},
                         {"id"},
                         // The API lists by status and by receiver, newest first; retention
                         // deletes by age.
                         {{"notify_notifications_by_status", {"status", "created_at_ms"}},
                          {"notify_notifications_by_receiver", {"receiver", "created_at_ms"}},
                          {"notify_notifications_by_created", {"created_at_ms"}}}},
            store::Table{"notify_attempts",
                         {{"notification_id", ColumnType::kText, false},
                          {"seq", ColumnType::kInteger, false},  // 1, 2, ... per notification
                          {"receiver", ColumnType::kText, false},
                          {"attempt", ColumnType::kInteger, false},  // within the retry budget
                          {"at_ms", ColumnType::kInteger, false},
                          {"outcome", ColumnType::kText, false},
                          {"http_status", ColumnType::kInteger, false, "0"},
                          {"error", ColumnType::kText, false, "''"},
                          {"duration_ms", ColumnType::kInteger, false, "0"}},
                         {"notification_id", "seq"},
                         {{"notify_attempts_by_at", {"at_ms"}}}},
            store::Table{"notify_delivered",
                         {{"receiver", ColumnType::kText, false},
                          {"idempotency_key", ColumnType::kText, false},
                          {"notification_id", ColumnType::kText, false},
                          {"delivered_at_ms", ColumnType::kInteger, false}},
                         {"receiver", "idempotency_key"},
                         {{"notify_delivered_by_at", {"delivered_at_ms"}}}},
        },
        {}},
       // Receiver specs are stored sealed with the keyring's `secrets` data key (an envelope,
       // bound as a BLOB) instead of JSON text; ReceiverCatalog seals the rows an older
       // release wrote when it loads them. Nothing to run on SQLite, which keeps a BLOB value
       // as it is in a column declared TEXT; PostgreSQL needs the column as bytea (its
       // databases began after this step, so there are no clear rows to carry over). The
       // version is recorded so that an older binary, which would read the envelope as text,
       // refuses this database instead.
       {2,
        "notify_receivers.spec holds the spec sealed with the secrets key",
        {},
        {},
        {"ALTER TABLE notify_receivers ALTER COLUMN spec TYPE BYTEA USING "
         "convert_to(spec, 'UTF8')"}}}};
  return set;
}

}  // namespace pharos::notify
