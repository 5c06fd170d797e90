#include "alarms/history.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <mutex>

#include <fmt/format.h>

#include "core/ids.h"
#include "health/maintenance.h"
#include "promql/api_params.h"

namespace pharos::alarms {
namespace {

// Rows read per call at most, however few match the label matchers: a page is cheap even
// when the matchers select almost nothing.
constexpr std::size_t kMaxScan = 20'000;
constexpr std::size_t kMaxLimit = 1'000;

std::int64_t ms(WallTime t) {
  return toUnixMillis(t);
}

// The next ULID after `id` in the same millisecond: its random part plus one.
std::string increment(std::string id) {
  static constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  for (std::size_t i = id.size(); i-- > 10;) {
    std::size_t digit = kCrockford.find(id[i]);
    if (digit + 1 < kCrockford.size()) {
      id[i] = kCrockford[digit + 1];
      return id;
    }
    id[i] = '0';
  }
  return id;  // 2^80 ids in one millisecond: not reached
}

}  // namespace

std::string transitionId(WallTime at) {
  // Monotonic within the process: two transitions of one instance in the same millisecond
  // (FIRING then RESOLVED when its rule is removed) must read back newest first.
  static std::mutex mutex;
  static std::string last;
  std::string id = newId(at);
  std::lock_guard lock(mutex);
  if (!last.empty() && id.compare(0, 10, last, 0, 10) == 0 && id <= last) id = increment(last);
  last = id;
  return id;
}

std::string fingerprintOf(const Labels& labels) {
  return fmt::format("{:016x}", labels.hash());
}

nlohmann::json labelsToJson(const Labels& labels) {
  nlohmann::json j = nlohmann::json::object();
  for (const Label& l : labels)
    j[l.name] = l.value;
  return j;
}

std::string labelsJsonText(const Labels& labels) {
  // Replace, not throw: label values are validated UTF-8, but a dump must never abort a write.
  return labelsToJson(labels).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Labels labelsFromJson(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return {};
  std::vector<Label> out;
  for (const auto& [k, v] : j.items()) {
    if (v.is_string()) out.push_back({k, v.get<std::string>()});
  }
  return Labels::fromUnsorted(std::move(out));
}

std::optional<AlertState> parseAlertState(std::string_view name) {
  for (AlertState s :
       {AlertState::kOk, AlertState::kPending, AlertState::kFiring, AlertState::kResolved}) {
    if (alertStateName(s) == name) return s;
  }
  return std::nullopt;
}

Status recordTransition(store::Session& session, TransitionRecord r) {
  if (r.id.empty()) r.id = transitionId(r.at);
  store::Value value = nullptr;
  if (r.value && std::isfinite(*r.value)) value = *r.value;
  PHAROS_TRY(session.execute(
      "INSERT INTO alarm_transitions (id, rule, fingerprint, labels, from_state, to_state, "
      "at_ms, value) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      {r.id, r.rule, r.fingerprint, labelsJsonText(r.labels), std::string(alertStateName(r.from)),
       std::string(alertStateName(r.to)), ms(r.at), value}));
  return okStatus();
}

Result<HistoryQuery> historyQueryFromParams(
    const std::vector<std::pair<std::string, std::string>>& params) {
  HistoryQuery q;
  for (const auto& param : params) {
    const std::string& name = param.first;
    const std::string& value = param.second;
    auto bad = [&](std::string why) {
      return makeError(ErrorCode::kInvalidArgument, fmt::format("{}: {}", name, why));
    };
    if (name == "rule") {
      q.rule = value;
    } else if (name == "state") {
      q.state = parseAlertState(value);
      if (!q.state) return bad("expected ok, pending, firing or resolved");
    } else if (name == "match") {
      auto matchers = health::parseLabelMatchers(value);
      if (!matchers.ok()) return bad(matchers.error().message);
      q.matchers.insert(q.matchers.end(), matchers->begin(), matchers->end());
    } else if (name == "from" || name == "to") {
      auto t = promql::parseTimeParam(value);
      if (!t.ok()) return bad(t.error().message);
      (name == "from" ? q.from : q.to) = fromUnixMillis(*t);
    } else if (name == "limit") {
      std::size_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size() || n < 1 || n > kMaxLimit) {
        return bad(fmt::format("expected an integer from 1 to {}", kMaxLimit));
      }
      q.limit = n;
    } else if (name == "cursor") {
      q.cursor = value;
    } else {
      return bad("unknown parameter (rule, state, match, from, to, limit, cursor)");
    }
  }
  return q;
}

Result<HistoryPage> queryHistory(store::Store& store, const HistoryQuery& q) {
  HistoryPage page;
  std::size_t limit = std::clamp<std::size_t>(q.limit, 1, kMaxLimit);
  // The filters the table's indexes serve go into SQL; label matchers are applied here.
  // Ids are ULIDs, which sort as their time: the time range is also an id range.
  std::string sql =
      "SELECT id, rule, fingerprint, labels, from_state, to_state, at_ms, value FROM "
      "alarm_transitions WHERE id < $1";
  std::vector<store::Value> params;
  params.emplace_back(q.cursor.empty() ? std::string("~") : q.cursor);
  if (!q.rule.empty()) {
    params.emplace_back(q.rule);
    sql += fmt::format(" AND rule = ${}", params.size());
  }
  if (q.state) {
    params.emplace_back(std::string(alertStateName(*q.state)));
    sql += fmt::format(" AND to_state = ${}", params.size());
  }
  if (q.from) {
    params.emplace_back(ms(*q.from));
    sql += fmt::format(" AND at_ms >= ${}", params.size());
  }
  if (q.to) {
    params.emplace_back(ms(*q.to));
    sql += fmt::format(" AND at_ms < ${}", params.size());
  }
  const std::size_t batch = q.matchers.empty() ? limit + 1 : std::max<std::size_t>(limit * 4, 256);
  params.emplace_back(static_cast<std::int64_t>(batch));
  sql += fmt::format(" ORDER BY id DESC LIMIT ${}", params.size());

  std::size_t scanned = 0;
  for (;;) {
    PHAROS_ASSIGN_OR_RETURN(store::Rows rows, store.query(sql, params));
    for (const store::Row& row : rows) {
      ++scanned;
      TransitionRecord r;
      r.id = row.text(0);
      r.labels = labelsFromJson(row.text(3));
      params[0] = r.id;  // where the next batch starts
      if (!promql::matchesAll(q.matchers, r.labels)) continue;
      if (page.items.size() == limit) {
        page.nextCursor = page.items.back().id;
        return page;
      }
      r.rule = row.text(1);
      r.fingerprint = row.text(2);
      r.from = parseAlertState(row.text(4)).value_or(AlertState::kOk);
      r.to = parseAlertState(row.text(5)).value_or(AlertState::kOk);
      r.at = fromUnixMillis(row.integer(6));
      if (!row.isNull(7)) r.value = row.real(7);
      page.items.push_back(std::move(r));
    }
    if (rows.size() < batch) return page;  // no more rows
    if (scanned >= kMaxScan) {
      // Bounded work: the caller continues from the last row looked at.
      page.nextCursor = std::get<std::string>(params[0]);
      return page;
    }
  }
}

nlohmann::json toJson(const TransitionRecord& r) {
  nlohmann::json j{{"id", r.id},
                   {"rule", r.rule},
                   {"fingerprint", r.fingerprint},
                   {"labels", labelsToJson(r.labels)},
                   {"from", alertStateName(r.from)},
                   {"to", alertStateName(r.to)},
                   {"at_ms", ms(r.at)}};
  j["value"] = r.value ? nlohmann::json(*r.value) : nlohmann::json(nullptr);
  return j;
}

nlohmann::json toJson(const HistoryPage& page) {
  nlohmann::json data = nlohmann::json::array();
  for (const auto& r : page.items)
    data.push_back(toJson(r));
  return {{"data", data}, {"next_cursor", page.nextCursor}};
}

}  // namespace pharos::alarms
