#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "health/check_spec.h"
#include "promql/matcher.h"
#include "store/store.h"

namespace pharos::health {

enum class CheckOwner { kConfig, kApi };
std::string_view checkOwnerName(CheckOwner owner);

struct OwnedCheck {
  CheckSpec spec;
  CheckOwner owner = CheckOwner::kApi;
};

// Where check definitions come from: the config file (config-as-code, replaced as a whole
// on reload) and the API (kept in the store). The two are merged by name with the config
// winning: an API check of the same name is shadowed, and the API refuses to change a
// config check ("defined in the config file"). Heartbeat tokens are kept only as hashes.
class CheckCatalog {
 public:
  static Result<std::unique_ptr<CheckCatalog>> open(store::Store& store, const Clock& clock);

  // Called after every change with the merged definitions.
  void onChange(std::function<void(std::vector<SharedCheck>)> listener);

  void setConfigChecks(std::vector<CheckSpec> checks);

  std::vector<OwnedCheck> all() const;  // merged, by name
  std::optional<OwnedCheck> find(const std::string& name) const;
  // The names of the checks whose identity (check, type, labels) every matcher selects; with
  // no matchers, every check. For label groups: status pages, uptime reports.
  std::set<std::string> namesMatching(const std::vector<promql::Matcher>& matchers) const;

  // API writes. create: kAlreadyExists when the name is taken. For a heartbeat check it
  // returns the token, made here and shown only this once. replace: kNotFound, or
  // kFailedPrecondition for a config check; a heartbeat check keeps its token.
  Result<std::optional<std::string>> create(CheckSpec spec);
  Status replace(CheckSpec spec);
  Status remove(const std::string& name);

  // The heartbeat check a token belongs to.
  std::optional<std::string> checkForToken(std::string_view token) const;

 private:
  CheckCatalog(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}
  Status load();
  void changed();  // calls the listener without holding mutex_
  std::vector<SharedCheck> mergedLocked() const;

  store::Store& store_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::map<std::string, SharedCheck, std::less<>> config_;
  std::map<std::string, SharedCheck, std::less<>> api_;
  std::map<std::string, std::string, std::less<>> tokens_;  // token hash -> check
  std::function<void(std::vector<SharedCheck>)> listener_;
};

// A heartbeat token's hash as stored (BLAKE2b-256, hex).
std::string heartbeatTokenHash(std::string_view token);

}  // namespace pharos::health
