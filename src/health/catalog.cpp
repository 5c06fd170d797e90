#include "health/catalog.h"

#include <sodium.h>

#include <fmt/format.h>

#include "crypto/key_bytes.h"
#include "health/schema.h"

namespace pharos::health {

std::string_view checkOwnerName(CheckOwner owner) {
  return owner == CheckOwner::kConfig ? "config" : "api";
}

std::string heartbeatTokenHash(std::string_view token) {
  unsigned char hash[32];
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  std::string hex(64, '0');
  sodium_bin2hex(hex.data(), hex.size() + 1, hash, sizeof hash);
  return hex;
}

namespace {

std::string newToken() {
  unsigned char bytes[24];
  randombytes_buf(bytes, sizeof bytes);
  std::string hex(48, '0');
  sodium_bin2hex(hex.data(), hex.size() + 1, bytes, sizeof bytes);
  return "hb_" + hex;
}

}  // namespace

Result<std::unique_ptr<CheckCatalog>> CheckCatalog::open(store::Store& store, const Clock& clock) {
  PHAROS_TRY(crypto::initSodium());
  PHAROS_TRY(store.migrate(migrations()));
  std::unique_ptr<CheckCatalog> c(new CheckCatalog(store, clock));
  PHAROS_TRY(c->load());
  return c;
}

Status CheckCatalog::load() {
  PHAROS_ASSIGN_OR_RETURN(store::Rows rows,
                          store_.query("SELECT name, spec, token_hash FROM health_checks"));
  for (const store::Row& row : rows) {
    nlohmann::json j = nlohmann::json::parse(row.text(1), nullptr, false);
    ParsedCheck parsed = parseCheckSpec(config::nodeFromJson(j));
    if (auto* problems = std::get_if<std::vector<SpecProblem>>(&parsed)) {
      return makeError(ErrorCode::kDataLoss,
                       fmt::format("stored check '{}' no longer reads: {}", row.text(0),
                                   problems->empty() ? "?" : problems->front().message));
    }
    CheckSpec spec = std::get<CheckSpec>(std::move(parsed));
    if (const auto* hash = std::get_if<store::Blob>(&row.at(2))) {
      tokens_[hash->bytes] = spec.name;
    }
    std::string name = spec.name;
    api_.emplace(std::move(name), std::make_shared<const CheckSpec>(std::move(spec)));
  }
  return okStatus();
}

void CheckCatalog::onChange(std::function<void(std::vector<SharedCheck>)> listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

std::vector<SharedCheck> CheckCatalog::mergedLocked() const {
  std::map<std::string_view, SharedCheck> merged;
  for (const auto& [name, spec] : api_)
    merged.emplace(name, spec);
  for (const auto& [name, spec] : config_)
    merged.insert_or_assign(name, spec);
  std::vector<SharedCheck> out;
  out.reserve(merged.size());
  for (auto& [name, spec] : merged)
    out.push_back(std::move(spec));
  return out;
}

void CheckCatalog::changed() {
  std::function<void(std::vector<SharedCheck>)> listener;
  std::vector<SharedCheck> merged;
  {
    std::lock_guard lock(mutex_);
    listener = listener_;
    merged = mergedLocked();
  }
  if (listener) listener(std::move(merged));
}

void CheckCatalog::setConfigChecks(std::vector<CheckSpec> checks) {
  {
    std::lock_guard lock(mutex_);
    // Config tokens are replaced as a whole; API tokens stay.
    std::erase_if(tokens_, [&](const auto& t) { return config_.contains(t.second); });
    config_.clear();
    for (CheckSpec& spec : checks) {
      if (!spec.token.empty()) tokens_[heartbeatTokenHash(spec.token)] = spec.name;
      std::string name = spec.name;
      config_.emplace(std::move(name), std::make_shared<const CheckSpec>(std::move(spec)));
    }
  }
  changed();
}

std::vector<OwnedCheck> CheckCatalog::all() const {
  std::lock_guard lock(mutex_);
  std::vector<OwnedCheck> out;
  for (const SharedCheck& spec : mergedLocked()) {
    CheckOwner owner = config_.contains(spec->name) ? CheckOwner::kConfig : CheckOwner::kApi;
    out.push_back(OwnedCheck{*spec, owner});
  }
  return out;
}

std::set<std::string> CheckCatalog::namesMatching(
    const std::vector<promql::Matcher>& matchers) const {
  std::lock_guard lock(mutex_);
  std::set<std::string> names;
  for (const SharedCheck& spec : mergedLocked()) {
    if (promql::matchesAll(matchers, spec->identity())) names.insert(spec->name);
  }
  return names;
}

std::optional<OwnedCheck> CheckCatalog::find(const std::string& name) const {
  std::lock_guard lock(mutex_);
  if (auto it = config_.find(name); it != config_.end()) {
    return OwnedCheck{*it->second, CheckOwner::kConfig};
  }
  if (auto it = api_.find(name); it != api_.end()) return OwnedCheck{*it->second, CheckOwner::kApi};
  return std::nullopt;
}

Result<std::optional<std::string>> CheckCatalog::create(CheckSpec spec) {
  std::optional<std::string> token;
  {
    std::lock_guard lock(mutex_);
    if (config_.contains(spec.name) || api_.contains(spec.name)) {
      return makeError(ErrorCode::kAlreadyExists,
                       fmt::format("a check named '{}' exists", spec.name));
    }
    store::Value hash = nullptr;
    if (spec.type == CheckType::kHeartbeat) {
      token = newToken();
      std::string h = heartbeatTokenHash(*token);
      hash = store::Blob{h};
      tokens_[h] = spec.name;
    }
    std::int64_t now = toUnixMillis(clock_.now());
    PHAROS_TRY(store_.execute(
        "INSERT INTO health_checks (name, spec, token_hash, created_at_ms, updated_at_ms) VALUES "
        "($1, $2, $3, $4, $4)",
        {spec.name, checkSpecToJson(spec, true).dump(), hash, now}));
    spec.token.clear();  // API tokens live only as hashes
    std::string name = spec.name;
    api_.emplace(std::move(name), std::make_shared<const CheckSpec>(std::move(spec)));
  }
  changed();
  return token;
}

Status CheckCatalog::replace(CheckSpec spec) {
  {
    std::lock_guard lock(mutex_);
    if (config_.contains(spec.name)) {
      return makeError(
          ErrorCode::kFailedPrecondition,
          fmt::format("check '{}' is defined in the config file; change it there", spec.name));
    }
    auto it = api_.find(spec.name);
    if (it == api_.end()) {
      return makeError(ErrorCode::kNotFound, fmt::format("no check named '{}'", spec.name));
    }
    if (it->second->type != spec.type) {
      return makeError(ErrorCode::kInvalidArgument,
                       "type cannot change; delete the check and create it again");
    }
    PHAROS_TRY(store_.execute(
        "UPDATE health_checks SET spec = $2, updated_at_ms = $3 WHERE name = $1",
        {spec.name, checkSpecToJson(spec, true).dump(), toUnixMillis(clock_.now())}));
    it->second = std::make_shared<const CheckSpec>(std::move(spec));
  }
  changed();
  return okStatus();
}

Status CheckCatalog::remove(const std::string& name) {
  {
    std::lock_guard lock(mutex_);
    if (config_.contains(name)) {
      return makeError(
          ErrorCode::kFailedPrecondition,
          fmt::format("check '{}' is defined in the config file; remove it there", name));
    }
    if (!api_.contains(name)) {
      return makeError(ErrorCode::kNotFound, fmt::format("no check named '{}'", name));
    }
    PHAROS_TRY(store_.execute("DELETE FROM health_checks WHERE name = $1", {name}));
    api_.erase(name);
    std::erase_if(tokens_, [&](const auto& t) { return t.second == name; });
  }
  changed();
  return okStatus();
}

std::optional<std::string> CheckCatalog::checkForToken(std::string_view token) const {
  std::string hash = heartbeatTokenHash(token);
  std::lock_guard lock(mutex_);
  auto it = tokens_.find(hash);
  if (it == tokens_.end()) return std::nullopt;
  return it->second;
}

}  // namespace pharos::health
