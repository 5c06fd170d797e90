#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "crypto/keyring.h"
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
//
// An API receiver's whole definition is stored sealed with the keyring's `secrets` data key
// (issue 10): its passwords and tokens, and the URLs that are credentials (Slack, Discord,
// Teams), never reach the database in the clear.
class ReceiverCatalog {
 public:
  // Migrates the notify schema and loads the API receivers. A row stored in the clear by an
  // older release is loaded and sealed in place. A row that does not open (another keyring, a
  // tampered row) fails the open with an error naming the receiver: dropping it silently would
  // lose a receiver alerts route to.
  static Result<std::unique_ptr<ReceiverCatalog>> open(store::Store& store,
                                                       crypto::Keyring& keyring,
                                                       const Clock& clock);

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
  ReceiverCatalog(store::Store& store, crypto::Keyring& keyring, const Clock& clock)
      : store_(store), keyring_(keyring), clock_(clock) {}
  Status load();
  // The stored form of `spec`: its JSON, secrets included, sealed.
  Result<store::Blob> sealedSpec(const ReceiverSpec& spec);

  store::Store& store_;
  crypto::Keyring& keyring_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const ReceiverSpec>, std::less<>> config_;
  std::map<std::string, std::shared_ptr<const ReceiverSpec>, std::less<>> api_;
};

}  // namespace pharos::notify
