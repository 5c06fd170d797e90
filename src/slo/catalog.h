#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "slo/slo_spec.h"
#include "store/store.h"

namespace pharos::slo {

enum class SloOwner { kConfig, kApi };
std::string_view sloOwnerName(SloOwner owner);  // "config", "api"

struct OwnedSlo {
  SloSpec spec;
  SloOwner owner = SloOwner::kApi;
};

// Where SLO definitions come from: the config file (replaced as a whole on reload) and the API
// (kept in the store). Merged by name with the config winning: an API SLO of the same name is
// shadowed, and the API refuses to change a config SLO. Thread-safe.
class SloCatalog {
 public:
  // Migrates the store and loads the API's SLOs.
  static Result<std::unique_ptr<SloCatalog>> open(store::Store& store, const Clock& clock);

  // Called after every change with the merged definitions (feed SloEngine::setSlos).
  void onChange(std::function<void(std::vector<SloSpec>)> listener);

  void setConfigSlos(std::vector<SloSpec> slos);

  std::vector<OwnedSlo> all() const;  // merged, by name
  std::optional<OwnedSlo> find(std::string_view name) const;
  std::vector<SloSpec> merged() const;

  // API writes. create: kAlreadyExists when the name is taken. replace and remove: kNotFound,
  // or kFailedPrecondition for a config SLO.
  Status create(SloSpec spec);
  Status replace(SloSpec spec);
  Status remove(std::string_view name);

 private:
  SloCatalog(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}
  Status load();
  void changed();  // calls the listener without holding mutex_
  std::vector<SloSpec> mergedLocked() const;

  store::Store& store_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::map<std::string, SloSpec, std::less<>> config_;
  std::map<std::string, SloSpec, std::less<>> api_;
  std::function<void(std::vector<SloSpec>)> listener_;
};

}  // namespace pharos::slo
