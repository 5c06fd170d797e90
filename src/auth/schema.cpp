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
        {}},
       // API-key salts are stored sealed with the keyring's `secrets` data key (issue 10).
       // `salt_sealed` says which rows hold an envelope: rows an older release wrote get 0
       // here, and openApiKeys seals them (and sets 1) in one transaction. A flag written by
       // the same statement as the salt is unambiguous, where telling the two apart by length
       // (16 bytes or an envelope) would tie this code to today's salt and envelope sizes and
       // would take a damaged envelope for a clear salt and seal it, silently killing the key.
       // The version also makes an older binary, which would read the envelope as the salt,
       // refuse this database.
       {2,
        "api_keys.salt holds the salt sealed with the secrets key",
        {},
        {"ALTER TABLE api_keys ADD COLUMN salt_sealed INTEGER NOT NULL DEFAULT 0"}}}};
  return set;
}

}  // namespace pharos::auth
