#include "alarms/silence_store.h"

#include <fmt/format.h>

#include "alarms/silence_json.h"
#include "alarms/silence_schema.h"
#include "core/config/node_json.h"
#include "core/ids.h"
#include "core/stable_hash.h"

namespace pharos::alarms {
namespace {

std::string dumpJson(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

store::Value finalEndValue(const Silence& s) {
  if (auto end = s.finalEnd()) return toUnixMillis(*end);
  return nullptr;
}

}  // namespace

Result<std::unique_ptr<SilenceStore>> SilenceStore::open(store::Store& store, const Clock& clock) {
  PHAROS_TRY(store.migrate(silenceMigrations()));
  std::unique_ptr<SilenceStore> s(new SilenceStore(store, clock));
  PHAROS_TRY(s->load());
  std::lock_guard lock(s->mutex_);
  s->rebuildLocked();
  return s;
}

Status SilenceStore::load() {
  PHAROS_ASSIGN_OR_RETURN(
      store::Rows rows,
      store_.query("SELECT id, spec, created_at_ms, updated_at_ms FROM alarm_silences"));
  for (const store::Row& row : rows) {
    nlohmann::json j = nlohmann::json::parse(row.text(1), nullptr, false);
    WallTime created = fromUnixMillis(row.integer(2));
    // Not validated again: an expired silence may end where it started.
    auto parsed = parseSilence(config::nodeFromJson(j), "", created, false);
    if (auto* problems = std::get_if<std::vector<config::FieldProblem>>(&parsed)) {
      return makeError(ErrorCode::kDataLoss,
                       fmt::format("stored silence '{}' no longer reads: {}", row.text(0),
                                   problems->empty() ? "?" : problems->front().message));
    }
    Silence s = std::get<Silence>(std::move(parsed));
    s.id = row.text(0);
    s.createdAt = created;
    s.updatedAt = fromUnixMillis(row.integer(3));
    api_.emplace(s.id, std::move(s));
  }
  return okStatus();
}

void SilenceStore::onChange(std::function<void(SilenceSetPtr)> listener) {
  SilenceSetPtr current;
  {
    std::lock_guard lock(mutex_);
    listener_ = std::move(listener);
    current = current_;
  }
  publish(std::move(current));
}

SilenceSetPtr SilenceStore::snapshot() const {
  std::lock_guard lock(mutex_);
  return current_;
}

SilenceSetPtr SilenceStore::rebuildLocked() {
  std::vector<Silence> all = config_;
  all.reserve(config_.size() + api_.size());
  for (const auto& [id, s] : api_)
    all.push_back(s);
  current_ = std::make_shared<const SilenceSet>(std::move(all), clock_.now());
  return current_;
}

void SilenceStore::publish(SilenceSetPtr set) {
  std::function<void(SilenceSetPtr)> listener;
  {
    std::lock_guard lock(mutex_);
    listener = listener_;
  }
  if (listener) listener(std::move(set));
}

void SilenceStore::setConfigSilences(std::vector<Silence> silences) {
  SilenceSetPtr set;
  {
    std::lock_guard lock(mutex_);
    for (Silence& s : silences) {
      nlohmann::json spec = silenceSpecJson(s);
      spec.erase("starts_at");
      s.id = fmt::format("config-{:016x}", stableHash(dumpJson(spec)));
      s.fromConfig = true;
    }
    config_ = std::move(silences);
    set = rebuildLocked();
  }
  publish(std::move(set));
}

Status SilenceStore::save(const Silence& s) {
  PHAROS_TRY(store_.execute(
      "INSERT INTO alarm_silences (id, spec, created_at_ms, updated_at_ms, final_end_ms) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET spec = $2, "
      "updated_at_ms = $4, final_end_ms = $5",
      {s.id, dumpJson(silenceSpecJson(s)), toUnixMillis(s.createdAt), toUnixMillis(s.updatedAt),
       finalEndValue(s)}));
  return okStatus();
}

Result<Silence> SilenceStore::create(Silence silence) {
  PHAROS_TRY(validateSilence(silence));
  SilenceSetPtr set;
  {
    std::lock_guard lock(mutex_);
    WallTime now = clock_.now();
    silence.id = newId(now);
    silence.createdAt = silence.updatedAt = now;
    silence.fromConfig = false;
    PHAROS_TRY(save(silence));
    api_.emplace(silence.id, silence);
    set = rebuildLocked();
  }
  publish(std::move(set));
  return silence;
}

Result<Silence*> SilenceStore::findApiLocked(std::string_view id, std::string_view verb) {
  for (const Silence& s : config_) {
    if (s.id == id) {
      return makeError(
          ErrorCode::kFailedPrecondition,
          fmt::format("silence '{}' is defined in the config file; {} it there", id, verb));
    }
  }
  auto it = api_.find(id);
  if (it == api_.end()) return makeError(ErrorCode::kNotFound, fmt::format("no silence '{}'", id));
  return &it->second;
}

Result<Silence> SilenceStore::expire(std::string_view id) {
  SilenceSetPtr set;
  Silence result;
  {
    std::lock_guard lock(mutex_);
    PHAROS_ASSIGN_OR_RETURN(Silence * found, findApiLocked(id, "expire"));
    WallTime now = clock_.now();
    if (found->statusAt(now) == SilenceStatus::kExpired) return *found;
    Silence updated = *found;
    // A silence not started yet ends where it starts, so ends_at stays after nothing.
    if (updated.startsAt > now) updated.startsAt = now;
    if (updated.recurring()) {
      updated.until = now;
    } else {
      updated.endsAt = now;
    }
    updated.updatedAt = now;
    PHAROS_TRY(save(updated));
    *found = updated;
    result = std::move(updated);
    set = rebuildLocked();
  }
  publish(std::move(set));
  return result;
}

Status SilenceStore::remove(std::string_view id) {
  SilenceSetPtr set;
  {
    std::lock_guard lock(mutex_);
    PHAROS_ASSIGN_OR_RETURN(Silence * found, findApiLocked(id, "remove"));
    PHAROS_TRY(store_.execute("DELETE FROM alarm_silences WHERE id = $1", {found->id}));
    api_.erase(api_.find(id));
    set = rebuildLocked();
  }
  publish(std::move(set));
  return okStatus();
}

Result<Silence> SilenceStore::get(std::string_view id) const {
  std::lock_guard lock(mutex_);
  for (const Silence& s : config_) {
    if (s.id == id) return s;
  }
  auto it = api_.find(id);
  if (it == api_.end()) return makeError(ErrorCode::kNotFound, fmt::format("no silence '{}'", id));
  return it->second;
}

std::vector<Silence> SilenceStore::list(std::optional<SilenceStatus> status) const {
  std::lock_guard lock(mutex_);
  WallTime now = clock_.now();
  std::vector<Silence> out;
  auto add = [&](const Silence& s) {
    if (!status || s.statusAt(now) == *status) out.push_back(s);
  };
  for (const Silence& s : config_)
    add(s);
  for (const auto& [id, s] : api_)
    add(s);
  return out;
}

Result<std::int64_t> SilenceStore::purgeExpired(Millis age) {
  SilenceSetPtr set;
  std::int64_t removed = 0;
  {
    std::lock_guard lock(mutex_);
    std::int64_t cutoff = toUnixMillis(clock_.now() - age);
    PHAROS_ASSIGN_OR_RETURN(removed,
                            store_.execute("DELETE FROM alarm_silences WHERE "
                                           "final_end_ms IS NOT NULL AND final_end_ms < $1",
                                           {cutoff}));
    if (removed == 0) return removed;
    std::erase_if(api_, [&](const auto& entry) {
      auto end = entry.second.finalEnd();
      return end && toUnixMillis(*end) < cutoff;
    });
    set = rebuildLocked();
  }
  publish(std::move(set));
  return removed;
}

}  // namespace pharos::alarms
