#include "store/migrator.h"

#include <chrono>

#include <fmt/format.h>

#include "core/log.h"

namespace pharos::store {
namespace {

Status ensureTable(Store& store) {
  Table t{"_schema_migrations",
          {{"component", ColumnType::kText, false},
           {"version", ColumnType::kInteger, false},
           {"description", ColumnType::kText, false},
           {"applied_at_ms", ColumnType::kInteger, false}},
          {"component", "version"},
          {}};
  for (const std::string& sql : renderTable(t, store.dialect()))
    PHAROS_TRY(store.execute(sql));
  return okStatus();
}

}  // namespace

Result<int> appliedVersion(Store& store, std::string_view component) {
  PHAROS_TRY(ensureTable(store));
  PHAROS_ASSIGN_OR_RETURN(
      Rows rows,
      store.query("SELECT COALESCE(MAX(version), 0) FROM _schema_migrations WHERE component = $1",
                  {std::string(component)}));
  return static_cast<int>(rows.at(0).integer(0));
}

Status applyMigrations(Store& store, const MigrationSet& set) {
  static const logging::Logger log("store");
  for (size_t i = 0; i < set.migrations.size(); ++i) {
    if (set.migrations[i].version != static_cast<int>(i) + 1) {
      return makeError(ErrorCode::kInternal,
                       fmt::format("migrations must be numbered 1, 2, 3, ...; #{} has version {}",
                                   i + 1, set.migrations[i].version),
                       set.component);
    }
  }
  PHAROS_ASSIGN_OR_RETURN(int current, appliedVersion(store, set.component));
  int known = static_cast<int>(set.migrations.size());
  if (current > known) {
    return makeError(
        ErrorCode::kFailedPrecondition,
        fmt::format("the database schema of '{}' is at version {}, newer than this binary knows "
                    "({}); run a newer pharos or restore a backup",
                    set.component, current, known),
        set.component);
  }
  for (int v = current + 1; v <= known; ++v) {
    const Migration& m = set.migrations[static_cast<size_t>(v - 1)];
    bool appliedElsewhere = false;
    Status applied = store.transaction([&](Session& s) -> Status {
      // Another process may have applied it since we read the version: within this (write)
      // transaction the record is the truth.
      PHAROS_ASSIGN_OR_RETURN(Rows done,
                              s.query("SELECT 1 FROM _schema_migrations WHERE component = $1 AND "
                                      "version = $2",
                                      {set.component, int64_t{v}}));
      appliedElsewhere = !done.empty();
      if (appliedElsewhere) return okStatus();
      for (const Table& t : m.createTables) {
        for (const std::string& sql : renderTable(t, store.dialect()))
          PHAROS_TRY(s.execute(sql));
      }
      for (const std::string& sql : m.statements)
        PHAROS_TRY(s.execute(sql));
      if (store.dialect() == Dialect::kPostgres) {
        for (const std::string& sql : m.postgresStatements)
          PHAROS_TRY(s.execute(sql));
        if (m.postgresSteps) PHAROS_TRY(m.postgresSteps(s));
      }
      int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
      PHAROS_TRY(
          s.execute("INSERT INTO _schema_migrations (component, version, description, "
                    "applied_at_ms) VALUES ($1, $2, $3, $4)",
                    {set.component, int64_t{v}, m.description, now}));
      return okStatus();
    });
    if (!applied.ok()) {
      return std::move(applied).error().withContext(
          fmt::format("migration {} v{}", set.component, v));
    }
    if (appliedElsewhere) continue;
    log.info("schema migrated",
             {{"component", set.component}, {"version", v}, {"description", m.description}});
  }
  return okStatus();
}

}  // namespace pharos::store
