#include "notify/receiver_catalog.h"

#include <fmt/format.h>

#include "core/config/node_json.h"
#include "core/log.h"
#include "notify/schema.h"

namespace pharos::notify {
namespace {

constexpr crypto::Purpose kPurpose = crypto::Purpose::kSecrets;

}  // namespace

std::string_view receiverOwnerName(ReceiverOwner owner) {
  return owner == ReceiverOwner::kConfig ? "config" : "api";
}

Result<std::unique_ptr<ReceiverCatalog>> ReceiverCatalog::open(store::Store& store,
                                                               crypto::Keyring& keyring,
                                                               const Clock& clock) {
  PHAROS_TRY(store.migrate(migrations()));
  std::unique_ptr<ReceiverCatalog> catalog(new ReceiverCatalog(store, keyring, clock));
  PHAROS_TRY(catalog->load());
  return catalog;
}

Result<store::Blob> ReceiverCatalog::sealedSpec(const ReceiverSpec& spec) {
  PHAROS_ASSIGN_OR_RETURN(
      std::string sealed,
      keyring_.seal(kPurpose, receiverToJson(spec, /*withSecrets=*/true).dump()));
  return store::Blob{std::move(sealed)};
}

Status ReceiverCatalog::load() {
  PHAROS_ASSIGN_OR_RETURN(store::Rows rows,
                          store_.query("SELECT name, spec FROM notify_receivers ORDER BY name"));
  std::lock_guard lock(mutex_);
  for (const store::Row& r : rows) {
    const std::string& rowName = r.text(0);
    std::string text;
    if (const auto* sealed = std::get_if<store::Blob>(&r.at(1))) {
      auto opened = keyring_.open(kPurpose, sealed->bytes);
      if (!opened.ok()) {
        Error e = std::move(opened).error();
        return makeError(e.code,
                         fmt::format("stored receiver '{}' does not open with the secrets key "
                                     "(another master key or keyring, or a damaged row): {}",
                                     rowName, e.message),
                         "notify_receivers");
      }
      text = std::move(*opened);
    } else {
      // Written in the clear by a release before receivers were sealed: sealed now, bytes as
      // they are (even a row this release cannot parse), so no plaintext secret stays behind.
      text = r.text(1);
      PHAROS_ASSIGN_OR_RETURN(std::string sealedText, keyring_.seal(kPurpose, text));
      PHAROS_TRY(store_.execute("UPDATE notify_receivers SET spec = $2 WHERE name = $1",
                                {rowName, store::Blob{std::move(sealedText)}}));
      logging::Logger("notify").info("sealed a stored receiver written in the clear",
                                     {{"receiver", rowName}});
    }
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    auto parsed = parseReceiverSpec(config::nodeFromJson(j));
    if (auto* spec = std::get_if<ReceiverSpec>(&parsed)) {
      std::string name = spec->name;  // before the move: `=` evaluates its right side first
      api_[name] = std::make_shared<const ReceiverSpec>(std::move(*spec));
    } else {
      // A stored receiver this release no longer reads: skipped, and said, not fatal.
      const auto& problems = std::get<std::vector<config::FieldProblem>>(parsed);
      logging::Logger("notify").warn(
          "stored receiver does not parse",
          {{"receiver", rowName},
           {"problem", problems.empty() ? std::string() : problems.front().message}});
    }
  }
  return okStatus();
}

void ReceiverCatalog::setConfigReceivers(std::vector<ReceiverSpec> receivers) {
  std::map<std::string, std::shared_ptr<const ReceiverSpec>, std::less<>> next;
  for (ReceiverSpec& r : receivers) {
    std::string name = r.name;
    next[name] = std::make_shared<const ReceiverSpec>(std::move(r));
  }
  std::lock_guard lock(mutex_);
  config_ = std::move(next);
}

std::vector<OwnedReceiver> ReceiverCatalog::all() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, OwnedReceiver> merged;
  for (const auto& [name, spec] : api_)
    merged[name] = OwnedReceiver{*spec, ReceiverOwner::kApi};
  for (const auto& [name, spec] : config_)
    merged[name] = OwnedReceiver{*spec, ReceiverOwner::kConfig};
  std::vector<OwnedReceiver> out;
  for (auto& [name, r] : merged)
    out.push_back(std::move(r));
  return out;
}

std::optional<OwnedReceiver> ReceiverCatalog::findOwned(const std::string& name) const {
  std::lock_guard lock(mutex_);
  if (auto it = config_.find(name); it != config_.end()) {
    return OwnedReceiver{*it->second, ReceiverOwner::kConfig};
  }
  if (auto it = api_.find(name); it != api_.end()) {
    return OwnedReceiver{*it->second, ReceiverOwner::kApi};
  }
  return std::nullopt;
}

std::optional<ReceiverSpec> ReceiverCatalog::find(const std::string& name) const {
  auto owned = findOwned(name);
  if (!owned) return std::nullopt;
  return std::move(owned->spec);
}

Status ReceiverCatalog::create(ReceiverSpec spec) {
  std::lock_guard lock(mutex_);
  if (config_.contains(spec.name) || api_.contains(spec.name)) {
    return makeError(ErrorCode::kAlreadyExists,
                     fmt::format("a receiver named '{}' exists", spec.name));
  }
  PHAROS_ASSIGN_OR_RETURN(store::Blob sealed, sealedSpec(spec));
  int64_t now = toUnixMillis(clock_.now());
  PHAROS_TRY(store_.execute(
      "INSERT INTO notify_receivers (name, spec, created_at_ms, updated_at_ms) VALUES ($1, $2, "
      "$3, $3)",
      {spec.name, std::move(sealed), now}));
  std::string name = spec.name;
  api_[name] = std::make_shared<const ReceiverSpec>(std::move(spec));
  return okStatus();
}

Status ReceiverCatalog::replace(ReceiverSpec spec) {
  std::lock_guard lock(mutex_);
  if (config_.contains(spec.name)) {
    return makeError(ErrorCode::kFailedPrecondition,
                     fmt::format("receiver '{}' is defined in the config file", spec.name));
  }
  if (!api_.contains(spec.name)) {
    return makeError(ErrorCode::kNotFound, fmt::format("no receiver named '{}'", spec.name));
  }
  PHAROS_ASSIGN_OR_RETURN(store::Blob sealed, sealedSpec(spec));
  PHAROS_TRY(
      store_.execute("UPDATE notify_receivers SET spec = $2, updated_at_ms = $3 WHERE "
                     "name = $1",
                     {spec.name, std::move(sealed), toUnixMillis(clock_.now())}));
  std::string name = spec.name;
  api_[name] = std::make_shared<const ReceiverSpec>(std::move(spec));
  return okStatus();
}

Status ReceiverCatalog::remove(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (config_.contains(name)) {
    return makeError(ErrorCode::kFailedPrecondition,
                     fmt::format("receiver '{}' is defined in the config file", name));
  }
  if (!api_.contains(name)) {
    return makeError(ErrorCode::kNotFound, fmt::format("no receiver named '{}'", name));
  }
  PHAROS_TRY(store_.execute("DELETE FROM notify_receivers WHERE name = $1", {name}));
  api_.erase(name);
  return okStatus();
}

}  // namespace pharos::notify
