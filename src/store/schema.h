#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/result.h"

namespace pharos::store {

class Session;

enum class Dialect { kSqlite, kPostgres };
enum class ColumnType { kInteger, kReal, kText, kBlob };

struct Column {
  std::string name;
  ColumnType type = ColumnType::kText;
  bool nullable = true;
  std::string defaultSql;  // e.g. "0"; empty for none
};

// A secondary index, declared with its table so no table ships without the indexes its
// queries rely on.
struct Index {
  std::string name;
  std::vector<std::string> columns;
  bool unique = false;
};

struct Table {
  std::string name;
  std::vector<Column> columns;
  std::vector<std::string> primaryKey;
  std::vector<Index> indexes;
};

// One step of a component's schema. Tables are rendered for the backend's dialect;
// `statements` are extra portable SQL run after them (backfills, renames).
struct Migration {
  int version = 0;
  std::string description;
  std::vector<Table> createTables;
  std::vector<std::string> statements;
  // Run after `statements`, on PostgreSQL only: what SQLite's dynamic typing never needed,
  // such as a TEXT column that holds BLOBs becoming BYTEA.
  std::vector<std::string> postgresStatements;
  // Run last, on PostgreSQL only, in the migration's transaction: a step SQL alone cannot
  // spell, such as making one partition per day that existing rows fall in.
  std::function<Status(Session&)> postgresSteps;
};

// The ordered migrations of one component ("auth", "health", …), versions 1, 2, 3, …
struct MigrationSet {
  std::string component;
  std::vector<Migration> migrations;
};

// CREATE TABLE and CREATE INDEX statements for `table` in `dialect`, idempotent (IF NOT EXISTS).
std::vector<std::string> renderTable(const Table& table, Dialect dialect);

}  // namespace pharos::store
