#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "notify/receiver_spec.h"
#include "store/store.h"

namespace pharos::notify {

enum class ReceiverOwner { kConfig, kApi };
std::string_view receiverOwnerName(ReceiverOwner owner);

struct OwnedReceiver {
  ReceiverSpec spec;
  ReceiverOwner owner = ReceiverOwner::kApi;
};

// Where receivers come from: the config file (replaced as a whole on reload) and the API
// (kept in the store, secrets included, in `notify_receivers`). Merged by name with the config
// winning: the API refuses to change a config receiver. Thread-safe; find() is what the
// outbox's ReceiverLookup calls.
class ReceiverCatalog {
 public:
  // Migrates the notify schema and loads the API receivers.
  static Result<std::unique_ptr<ReceiverCatalog>> open(store::Store& store, const Clock& clock);

  void setConfigReceivers(std::vector<ReceiverSpec> receivers);

  std::vector<OwnedReceiver> all() const;  // merged, by name
  std::optional<ReceiverSpec> find(const std::string& name) const;
  std::optional<OwnedReceiver> findOwned(const std::string& name) const;

  // API writes. create: kAlreadyExists when the name is taken (by either). replace:
  // kNotFound, or kFailedPrecondition for a config receiver. remove: the same.
  Status create(ReceiverSpec spec);
  Status replace(ReceiverSpec spec);
  Status remove(const std::string& name);

 private:
  ReceiverCatalog(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}
  Status load();

  store::Store& store_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const ReceiverSpec>, std::less<>> config_;
  std::map<std::string, std::shared_ptr<const ReceiverSpec>, std::less<>> api_;
};

}  // namespace pharos::notify
