#include "store/lease_table.h"

#include <fmt/format.h>

namespace pharos::store {
namespace {

MigrationSet leaseMigrations() {
  Table leases{"leases",
               {{"name", ColumnType::kText, false},
                {"holder", ColumnType::kText, false},
                {"token", ColumnType::kInteger, false},
                {"expires_at_ms", ColumnType::kInteger, false}},
               {"name"},
               {}};
  return MigrationSet{"leases", {{1, "leases with fencing tokens", {leases}, {}}}};
}

Lease leaseOf(const Row& r) {
  return Lease{r.text(0), r.text(1), r.integer(2), fromUnixMillis(r.integer(3))};
}

}  // namespace

Result<std::unique_ptr<LeaseTable>> LeaseTable::open(Store& store, const Clock& clock) {
  PHAROS_TRY(store.migrate(leaseMigrations()));
  return std::unique_ptr<LeaseTable>(new LeaseTable(store, clock));
}

Result<Lease> LeaseTable::acquire(std::string_view name, std::string_view holder, Millis ttl) {
  const int64_t now = toUnixMillis(clock_.now());
  const int64_t until = now + ttl.count();
  Lease out;
  // Read and write in one (serializable) transaction: of two processes racing for an expired
  // lease, one commits and the other's transaction fails or sees the new holder.
  Status done = store_.transaction([&](Session& s) -> Status {
    PHAROS_ASSIGN_OR_RETURN(
        Rows rows, s.query("SELECT name, holder, token, expires_at_ms FROM leases WHERE name = $1",
                           {std::string(name)}));
    if (rows.empty()) {
      PHAROS_TRY(s.execute(
          "INSERT INTO leases (name, holder, token, expires_at_ms) VALUES ($1, $2, 1, $3)",
          {std::string(name), std::string(holder), until}));
      out = Lease{std::string(name), std::string(holder), 1, fromUnixMillis(until)};
      return okStatus();
    }
    Lease current = leaseOf(rows.front());
    const bool ours = current.holder == holder;
    const bool expired = toUnixMillis(current.expiresAt) <= now;
    if (!ours && !expired) {
      return retryableError(ErrorCode::kFailedPrecondition,
                            fmt::format("lease '{}' is held by {} for {} ms more", name,
                                        current.holder, toUnixMillis(current.expiresAt) - now),
                            "leases");
    }
    // A renewal keeps the token only while the lease is unbroken; once it expired, even the
    // same holder gets a new token, because someone else may have held it in between.
    int64_t token = ours && !expired ? current.token : current.token + 1;
    PHAROS_TRY(
        s.execute("UPDATE leases SET holder = $2, token = $3, expires_at_ms = $4 WHERE name = $1",
                  {std::string(name), std::string(holder), token, until}));
    out = Lease{std::string(name), std::string(holder), token, fromUnixMillis(until)};
    return okStatus();
  });
  if (!done.ok()) return std::move(done).error();
  return out;
}

Status LeaseTable::release(std::string_view name, int64_t token) {
  // Expired now rather than deleted: the token must never go back to 1.
  PHAROS_TRY(store_.execute("UPDATE leases SET expires_at_ms = 0 WHERE name = $1 AND token = $2",
                            {std::string(name), token}));
  return okStatus();
}

Status LeaseTable::checkFence(Session& session, std::string_view name, int64_t token) const {
  PHAROS_ASSIGN_OR_RETURN(Rows rows,
                          session.query("SELECT token, expires_at_ms FROM leases WHERE name = $1",
                                        {std::string(name)}));
  const int64_t now = toUnixMillis(clock_.now());
  if (rows.empty() || rows.front().integer(0) != token || rows.front().integer(1) <= now) {
    return makeError(ErrorCode::kFailedPrecondition,
                     fmt::format("lease '{}' with token {} is no longer held", name, token),
                     "leases");
  }
  return okStatus();
}

Result<std::vector<Lease>> LeaseTable::list() {
  PHAROS_ASSIGN_OR_RETURN(
      Rows rows,
      store_.query("SELECT name, holder, token, expires_at_ms FROM leases ORDER BY name"));
  std::vector<Lease> out;
  for (const Row& r : rows)
    out.push_back(leaseOf(r));
  return out;
}

}  // namespace pharos::store
