#include <algorithm>
#include <limits>

#include "auth/auth.h"

namespace pharos::auth {
namespace {

AuditEntry entryFromRow(const store::Row& r) {
  return AuditEntry{
      r.integer(0), fromUnixMillis(r.integer(1)), r.text(2), r.text(3), r.text(4), r.text(5),
      r.text(6)};
}

constexpr std::string_view kColumns =
    "SELECT id, at_ms, key_id, action, target, remote_address, outcome FROM audit_log ";

class StoreAuditLog final : public AuditLog {
 public:
  StoreAuditLog(store::Store& store, Clock& clock) : store_(store), clock_(clock) {}

  Status record(const AuditEntry& e) override {
    // The id is the next integer, assigned in the same statement so concurrent writers (the
    // server and a `pharos keys` command) cannot take the same one; portable SQL rather than
    // SQLite's rowid. Ids only grow while entries exist, which keeps beforeId paging stable.
    PHAROS_TRY(store_.execute(
        "INSERT INTO audit_log (id, at_ms, key_id, action, target, remote_address, outcome) "
        "SELECT COALESCE(MAX(id), 0) + 1, CAST($1 AS BIGINT), $2, $3, $4, $5, $6 FROM audit_log",
        {toUnixMillis(clock_.now()), e.keyId, e.action, e.target, e.remoteAddress, e.outcome}));
    return okStatus();
  }

  Result<std::vector<AuditEntry>> list(size_t limit, std::optional<int64_t> beforeId) override {
    std::vector<AuditEntry> out;
    if (limit == 0) return out;
    auto n = static_cast<int64_t>(
        std::min<size_t>(limit, static_cast<size_t>(std::numeric_limits<int64_t>::max())));
    std::string sql(kColumns);
    Result<store::Rows> rows =
        beforeId ? store_.query(sql + "WHERE id < $1 ORDER BY id DESC LIMIT $2", {*beforeId, n})
                 : store_.query(sql + "ORDER BY id DESC LIMIT $1", {n});
    if (!rows.ok()) return std::move(rows).error();
    out.reserve(rows->size());
    for (const store::Row& r : *rows)
      out.push_back(entryFromRow(r));
    return out;
  }

  Result<size_t> prune(Millis age) override {
    int64_t cutoff = toUnixMillis(clock_.now() - age);
    PHAROS_ASSIGN_OR_RETURN(int64_t deleted,
                            store_.execute("DELETE FROM audit_log WHERE at_ms < $1", {cutoff}));
    return static_cast<size_t>(deleted);
  }

 private:
  store::Store& store_;
  Clock& clock_;
};

}  // namespace

Result<AuditLogPtr> openAuditLog(store::Store& store, Clock& clock) {
  PHAROS_TRY(store.migrate(migrations()));
  return AuditLogPtr(std::make_unique<StoreAuditLog>(store, clock));
}

}  // namespace pharos::auth
