#include "store/member_table.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/text.h"

namespace pharos::store {
namespace {

MigrationSet memberMigrations() {
  Table members{"members",
                {{"node", ColumnType::kText, false},
                 {"modules", ColumnType::kText, false},
                 {"joined_at_ms", ColumnType::kInteger, false},
                 {"expires_at_ms", ColumnType::kInteger, false}},
                {"node"},
                {}};
  return MigrationSet{"members", {{1, "live processes and their modules", {members}, {}}}};
}

Member memberOf(const Row& r) {
  Member m{r.text(0), {}, fromUnixMillis(r.integer(2)), fromUnixMillis(r.integer(3))};
  for (std::string_view name : splitString(r.text(1), ','))
    if (!name.empty()) m.modules.emplace_back(name);
  return m;
}

}  // namespace

Result<std::unique_ptr<MemberTable>> MemberTable::open(Store& store, const Clock& clock) {
  PHAROS_TRY(store.migrate(memberMigrations()));
  return std::unique_ptr<MemberTable>(new MemberTable(store, clock));
}

Result<Member> MemberTable::heartbeat(std::string_view node,
                                      const std::vector<std::string>& modules, Millis ttl) {
  const int64_t now = toUnixMillis(clock_.now());
  const int64_t until = now + ttl.count();
  const std::string list = fmt::format("{}", fmt::join(modules, ","));
  Member out;
  Status done = store_.transaction([&](Session& s) -> Status {
    PHAROS_ASSIGN_OR_RETURN(
        Rows rows, s.query("SELECT joined_at_ms, expires_at_ms FROM members WHERE node = $1",
                           {std::string(node)}));
    int64_t joined = now;
    if (!rows.empty() && rows.front().integer(1) > now) joined = rows.front().integer(0);
    PHAROS_TRY(s.execute(
        "INSERT INTO members (node, modules, joined_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (node) DO UPDATE SET modules = excluded.modules, "
        "joined_at_ms = excluded.joined_at_ms, expires_at_ms = excluded.expires_at_ms",
        {std::string(node), list, joined, until}));
    out = Member{std::string(node), modules, fromUnixMillis(joined), fromUnixMillis(until)};
    return okStatus();
  });
  if (!done.ok()) return std::move(done).error();
  return out;
}

Status MemberTable::leave(std::string_view node) {
  PHAROS_TRY(store_.execute("DELETE FROM members WHERE node = $1", {std::string(node)}));
  return okStatus();
}

Result<std::vector<Member>> MemberTable::live(std::string_view module) {
  PHAROS_ASSIGN_OR_RETURN(
      Rows rows, store_.query("SELECT node, modules, joined_at_ms, expires_at_ms FROM members "
                              "WHERE expires_at_ms > $1 ORDER BY node",
                              {toUnixMillis(clock_.now())}));
  std::vector<Member> out;
  for (const Row& r : rows) {
    Member m = memberOf(r);
    if (!module.empty() &&
        std::find(m.modules.begin(), m.modules.end(), module) == m.modules.end()) {
      continue;
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace pharos::store
