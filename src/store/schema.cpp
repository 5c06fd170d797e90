#include "store/schema.h"

#include <fmt/format.h>

namespace pharos::store {
namespace {

std::string_view typeName(ColumnType type, Dialect dialect) {
  bool pg = dialect == Dialect::kPostgres;
  switch (type) {
    case ColumnType::kInteger:
      return pg ? "BIGINT" : "INTEGER";
    case ColumnType::kReal:
      return pg ? "DOUBLE PRECISION" : "REAL";
    case ColumnType::kText:
      return "TEXT";
    case ColumnType::kBlob:
      return pg ? "BYTEA" : "BLOB";
  }
  return "TEXT";
}

std::string joined(const std::vector<std::string>& names) {
  return fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace

std::vector<std::string> renderTable(const Table& table, Dialect dialect) {
  std::vector<std::string> parts;
  for (const Column& c : table.columns) {
    std::string def = fmt::format("{} {}", c.name, typeName(c.type, dialect));
    if (!c.nullable) def += " NOT NULL";
    if (!c.defaultSql.empty()) def += " DEFAULT " + c.defaultSql;
    parts.push_back(std::move(def));
  }
  if (!table.primaryKey.empty())
    parts.push_back(fmt::format("PRIMARY KEY ({})", joined(table.primaryKey)));
  std::vector<std::string> out;
  out.push_back(
      fmt::format("CREATE TABLE IF NOT EXISTS {} ({})", table.name, fmt::join(parts, ", ")));
  for (const Index& idx : table.indexes) {
    out.push_back(fmt::format("CREATE {}INDEX IF NOT EXISTS {} ON {} ({})",
                              idx.unique ? "UNIQUE " : "", idx.name, table.name,
                              joined(idx.columns)));
  }
  return out;
}

}  // namespace pharos::store
