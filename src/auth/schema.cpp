#include "auth/auth.h"

namespace pharos::auth {

using store::ColumnType;

const store::MigrationSet& migrations() {
  static const store::MigrationSet set{
      "auth",
      {{1,
        "api keys and audit log",
        {
            store::Table{"api_keys",
                         {{"id", ColumnType::kText, false},
                          {"name", ColumnType::kText, false},
                          {"role", ColumnType::kText, false},
                          {"salt", ColumnType::kBlob, false},
                          {"hash", ColumnType::kBlob, false},
                          {"created_at_ms", ColumnType::kInteger, false},
                          {"last_used_at_ms", ColumnType::kInteger},
                          {"revoked_at_ms", ColumnType::kInteger}},
                         {"id"},
                         // `keys list` shows keys in creation order.
                         {{"api_keys_by_created", {"created_at_ms", "id"}}}},
            store::Table{"audit_log",
                         {{"id", ColumnType::kInteger, false},
                          {"at_ms", ColumnType::kInteger, false},
                          {"key_id", ColumnType::kText, false, "''"},
                          {"action", ColumnType::kText, false},
                          {"target", ColumnType::kText, false, "''"},
                          {"remote_address", ColumnType::kText, false, "''"},
                          {"outcome", ColumnType::kText, false}},
                         {"id"},
                         // Retention deletes by age.
                         {{"audit_log_by_at", {"at_ms"}}}},
        },
        {}}}};
  return set;
}

}  // namespace pharos::auth
