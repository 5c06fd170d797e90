#include "health/shared_beats.h"

namespace pharos::health {
namespace {

store::MigrationSet beatMigrations() {
  store::Table beats{"heartbeat_beats",
                     {{"check_name", store::ColumnType::kText, false},
                      {"beat_at_ms", store::ColumnType::kInteger, false},
                      {"node", store::ColumnType::kText, false}},
                     {"check_name"},
                     {}};
  return store::MigrationSet{"heartbeat_beats",
                             {{1, "the latest beat of each heartbeat check", {beats}, {}}}};
}

}  // namespace

Result<std::unique_ptr<SharedBeats>> SharedBeats::open(store::Store& store) {
  PHAROS_TRY(store.migrate(beatMigrations()));
  return std::unique_ptr<SharedBeats>(new SharedBeats(store));
}

Status SharedBeats::record(std::string_view check, WallTime at, std::string_view node) {
  // One statement, so two processes taking beats of one check at once need no transaction:
  // the later beat wins whichever writes last.
  PHAROS_TRY(store_.execute(
      "INSERT INTO heartbeat_beats (check_name, beat_at_ms, node) VALUES ($1, $2, $3) "
      "ON CONFLICT (check_name) DO UPDATE SET beat_at_ms = excluded.beat_at_ms, "
      "node = excluded.node WHERE excluded.beat_at_ms > heartbeat_beats.beat_at_ms",
      {std::string(check), toUnixMillis(at), std::string(node)}));
  return okStatus();
}

Result<std::vector<SharedBeats::Beat>> SharedBeats::after(WallTime after) {
  PHAROS_ASSIGN_OR_RETURN(
      store::Rows rows,
      store_.query("SELECT check_name, beat_at_ms, node FROM heartbeat_beats WHERE beat_at_ms > $1 "
                   "ORDER BY beat_at_ms",
                   {toUnixMillis(after)}));
  std::vector<Beat> out;
  out.reserve(rows.size());
  for (const store::Row& r : rows)
    out.push_back({r.text(0), fromUnixMillis(r.integer(1)), r.text(2)});
  return out;
}

}  // namespace pharos::health
