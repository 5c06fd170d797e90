#include "crypto/keyring.h"

namespace pharos::crypto {

using store::ColumnType;

const store::MigrationSet& migrations() {
  static const store::MigrationSet set{
      "crypto",
      {{1,
        "keyring: the master key's id and the wrapped data keys",
        {
            // One row, name 'master_key_id': the id of the master key every data key is
            // wrapped by, so a wrong master key is recognised before anything is unwrapped.
            store::Table{"crypto_meta",
                         {{"name", ColumnType::kText, false},
                          {"value", ColumnType::kText, false},
                          {"updated_at_ms", ColumnType::kInteger, false}},
                         {"name"},
                         {}},
            // Data keys are never deleted: old data names its key by id. The unique
            // (purpose, generation) index makes two concurrent rotations of one purpose
            // collide instead of both becoming "current".
            store::Table{"crypto_data_keys",
                         {{"id", ColumnType::kText, false},
                          {"purpose", ColumnType::kText, false},
                          {"generation", ColumnType::kInteger, false},
                          {"created_at_ms", ColumnType::kInteger, false},
                          {"master_key_id", ColumnType::kText, false},
                          {"wrapped", ColumnType::kBlob, false}},
                         {"id"},
                         {{"crypto_data_keys_by_purpose", {"purpose", "generation"}, true}}},
        },
        {}}}};
  return set;
}

}  // namespace pharos::crypto
