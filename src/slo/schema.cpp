#include "slo/schema.h"

namespace pharos::slo {

using store::ColumnType;

const store::MigrationSet& migrations() {
  static const store::MigrationSet set{
      "slo",
      {{1,
        "SLOs defined through the API",
        {
            store::Table{"slo_definitions",
                         {{"name", ColumnType::kText, false},
                          {"spec", ColumnType::kText, false},  // JSON, as the API takes it
                          {"created_at_ms", ColumnType::kInteger, false},
                          {"updated_at_ms", ColumnType::kInteger, false}},
                         {"name"},
                         {}},
        },
        {}}}};
  return set;
}

}  // namespace pharos::slo
