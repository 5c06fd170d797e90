#include "slo/catalog.h"

#include <fmt/format.h>

#include "core/config/node_json.h"
#include "slo/schema.h"

namespace pharos::slo {

std::string_view sloOwnerName(SloOwner owner) {
  return owner == SloOwner::kConfig ? "config" : "api";
}

Result<std::unique_ptr<SloCatalog>> SloCatalog::open(store::Store& store, const Clock& clock) {
  PHAROS_TRY(store.migrate(migrations()));
  std::unique_ptr<SloCatalog> c(new SloCatalog(store, clock));
  PHAROS_TRY(c->load());
  return c;
}

Status SloCatalog::load() {
  PHAROS_ASSIGN_OR_RETURN(store::Rows rows, store_.query("SELECT name, spec FROM slo_definitions"));
  for (const store::Row& row : rows) {
    nlohmann::json j = nlohmann::json::parse(row.text(1), nullptr, false);
    ParsedSlo parsed = parseSloSpec(config::nodeFromJson(j));
    if (auto* problems = std::get_if<std::vector<SpecProblem>>(&parsed)) {
      return makeError(ErrorCode::kDataLoss,
                       fmt::format("stored SLO '{}' no longer reads: {}", row.text(0),
                                   problems->empty() ? "?" : problems->front().message));
    }
    SloSpec spec = std::get<SloSpec>(std::move(parsed));
    std::string name = spec.name;
    api_.emplace(std::move(name), std::move(spec));
  }
  return okStatus();
}

void SloCatalog::onChange(std::function<void(std::vector<SloSpec>)> listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

std::vector<SloSpec> SloCatalog::mergedLocked() const {
  std::map<std::string_view, const SloSpec*> merged;
  for (const auto& [name, spec] : api_)
    merged.emplace(name, &spec);
  for (const auto& [name, spec] : config_)
    merged.insert_or_assign(name, &spec);
  std::vector<SloSpec> out;
  out.reserve(merged.size());
  for (const auto& [name, spec] : merged)
    out.push_back(*spec);
  return out;
}

std::vector<SloSpec> SloCatalog::merged() const {
  std::lock_guard lock(mutex_);
  return mergedLocked();
}

void SloCatalog::changed() {
  std::function<void(std::vector<SloSpec>)> listener;
  std::vector<SloSpec> merged;
  {
    std::lock_guard lock(mutex_);
    listener = listener_;
    merged = mergedLocked();
  }
  if (listener) listener(std::move(merged));
}

void SloCatalog::setConfigSlos(std::vector<SloSpec> slos) {
  {
    std::lock_guard lock(mutex_);
    config_.clear();
    for (SloSpec& spec : slos) {
      std::string name = spec.name;
      config_.insert_or_assign(std::move(name), std::move(spec));
    }
  }
  changed();
}

std::vector<OwnedSlo> SloCatalog::all() const {
  std::lock_guard lock(mutex_);
  std::vector<OwnedSlo> out;
  for (SloSpec& spec : mergedLocked()) {
    SloOwner owner = config_.contains(spec.name) ? SloOwner::kConfig : SloOwner::kApi;
    out.push_back(OwnedSlo{std::move(spec), owner});
  }
  return out;
}

std::optional<OwnedSlo> SloCatalog::find(std::string_view name) const {
  std::lock_guard lock(mutex_);
  if (auto it = config_.find(name); it != config_.end())
    return OwnedSlo{it->second, SloOwner::kConfig};
  if (auto it = api_.find(name); it != api_.end()) return OwnedSlo{it->second, SloOwner::kApi};
  return std::nullopt;
}

Status SloCatalog::create(SloSpec spec) {
  {
    std::lock_guard lock(mutex_);
    if (config_.contains(spec.name) || api_.contains(spec.name)) {
      return makeError(ErrorCode::kAlreadyExists,
                       fmt::format("an SLO named '{}' exists", spec.name));
    }
    std::int64_t now = toUnixMillis(clock_.now());
    PHAROS_TRY(store_.execute(
        "INSERT INTO slo_definitions (name, spec, created_at_ms, updated_at_ms) VALUES ($1, $2, "
        "$3, $3)",
        {spec.name, sloSpecToJson(spec).dump(), now}));
    std::string name = spec.name;
    api_.emplace(std::move(name), std::move(spec));
  }
  changed();
  return okStatus();
}

Status SloCatalog::replace(SloSpec spec) {
  {
    std::lock_guard lock(mutex_);
    if (config_.contains(spec.name)) {
      return makeError(
          ErrorCode::kFailedPrecondition,
          fmt::format("SLO '{}' is defined in the config file; change it there", spec.name));
    }
    auto it = api_.find(spec.name);
    if (it == api_.end()) {
      return makeError(ErrorCode::kNotFound, fmt::format("no SLO named '{}'", spec.name));
    }
    PHAROS_TRY(
        store_.execute("UPDATE slo_definitions SET spec = $2, updated_at_ms = $3 WHERE name = $1",
                       {spec.name, sloSpecToJson(spec).dump(), toUnixMillis(clock_.now())}));
    it->second = std::move(spec);
  }
  changed();
  return okStatus();
}

Status SloCatalog::remove(std::string_view name) {
  {
    std::lock_guard lock(mutex_);
    if (config_.contains(name)) {
      return makeError(
          ErrorCode::kFailedPrecondition,
          fmt::format("SLO '{}' is defined in the config file; remove it there", name));
    }
    auto it = api_.find(name);
    if (it == api_.end()) {
      return makeError(ErrorCode::kNotFound, fmt::format("no SLO named '{}'", name));
    }
    PHAROS_TRY(store_.execute("DELETE FROM slo_definitions WHERE name = $1", {std::string(name)}));
    api_.erase(it);
  }
  changed();
  return okStatus();
}

}  // namespace pharos::slo
