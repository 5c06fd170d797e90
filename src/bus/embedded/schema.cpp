#include "bus/embedded/schema.h"

#include <fmt/format.h>

namespace pharos::bus {
namespace {

// messages.visible_at is NULL once a message is dead (in its queue's dead-letter queue), so one
// index serves both receive() (a range scan over visible_at <= now, which skips the NULLs that
// sort first) and deadLetters() (the visible_at IS NULL prefix, in id order). Dead letters stay
// in the same table so moving one in or out is an UPDATE, not a copy.
//
// AUTOINCREMENT so that an id is never reused after the newest message is acked: consumers
// de-duplicate by id.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS queues(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  visibility_ms INTEGER NOT NULL,
  max_receives INTEGER NOT NULL,
  backoff_base_ms INTEGER NOT NULL,
  backoff_max_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS subscriptions(
  topic TEXT NOT NULL,
  queue_id INTEGER NOT NULL REFERENCES queues(id),
  PRIMARY KEY(topic, queue_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  queue_id INTEGER NOT NULL,
  body BLOB NOT NULL,
  enqueued_at INTEGER NOT NULL,
  visible_at INTEGER,
  receive_count INTEGER NOT NULL DEFAULT 0,
  receipt_token INTEGER,
  last_error TEXT
);
CREATE INDEX IF NOT EXISTS messages_by_visibility ON messages(queue_id, visible_at);
)sql";

Result<int> userVersion(sqlite::Connection& conn) {
  PHAROS_ASSIGN_OR_RETURN(auto st, conn.prepare("PRAGMA user_version"));
  PHAROS_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return makeError(ErrorCode::kInternal, "PRAGMA user_version returned no row");
  return static_cast<int>(st.int64(0));
}

}  // namespace

Status ensureSchema(sqlite::Connection& conn) {
  PHAROS_TRY(conn.begin());
  auto apply = [&]() -> Status {
    PHAROS_ASSIGN_OR_RETURN(int version, userVersion(conn));
    if (version > kBusSchemaVersion) {
      return makeError(ErrorCode::kFailedPrecondition,
                       fmt::format("bus database has schema version {}, this build knows up to {}; "
                                   "upgrade Pharos or use another file",
                                   version, kBusSchemaVersion),
                       conn.path());
    }
    PHAROS_TRY(conn.exec(kSchema));
    if (version < kBusSchemaVersion) {
      PHAROS_TRY(conn.exec(fmt::format("PRAGMA user_version={}", kBusSchemaVersion)));
    }
    return okStatus();
  };
  Status applied = apply();
  if (!applied.ok()) {
    conn.rollback().ignore();
    return applied;
  }
  return conn.commit();
}

}  // namespace pharos::bus
