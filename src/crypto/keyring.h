#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "crypto/envelope.h"
#include "crypto/key_bytes.h"
#include "crypto/master_key.h"
#include "store/store.h"

namespace pharos::crypto {

// What a data key protects. Each purpose has its own keys, so a ciphertext of one purpose
// never opens as another, and each can be rotated on its own schedule.
enum class Purpose { kSecrets, kBackups, kArchive };
inline constexpr Purpose kAllPurposes[] = {Purpose::kSecrets, Purpose::kBackups, Purpose::kArchive};

// "secrets", "backups", "archive".
std::string_view purposeName(Purpose purpose);
// The purpose named `name`; kInvalidArgument listing the valid names otherwise.
Result<Purpose> parsePurpose(std::string_view name);

// A data key (DEK) as listed: never its bytes.
struct DataKeyInfo {
  std::string id;  // a ULID: sorts by creation
  Purpose purpose = Purpose::kSecrets;
  WallTime createdAt;
  int generation = 0;    // 1, 2, 3, … per purpose; the highest is current
  bool current = false;  // new data of this purpose is sealed with it
};

// A data key wrapped by the master key, to travel with what it sealed (a backup's manifest):
// the data then opens with the master key alone, on a machine without this keyring. The
// wrapping binds the purpose, id and generation, as in the store.
struct WrappedDataKey {
  std::string id;
  Purpose purpose = Purpose::kSecrets;
  int generation = 0;
  std::string masterKeyId;  // the master key that wrapped it
  std::string wrapped;      // bytes
};

// Opens a stream sealed with `carried`, unwrapping it with `master`: no keyring, no store.
// kFailedPrecondition naming both key ids when `master` is not the key that wrapped it (the
// master key was rotated since); kDataLoss for a damaged wrapping; the stream's own errors.
Status openStreamWithCarriedKey(const MasterKey& master, Purpose purpose,
                                const WrappedDataKey& carried, const envelope::ByteSource& in,
                                const envelope::ByteSink& out);

// The `crypto` component's tables: crypto_meta (which master key wraps the keyring) and
// crypto_data_keys (every DEK, wrapped).
const store::MigrationSet& migrations();

// The keyring: data keys per purpose, stored in the store wrapped (sealed) by the master key,
// and envelope encryption with them. Data is sealed with the purpose's current key; opening
// finds the key by the id in the envelope's header, so data sealed before a rotation still
// opens. Keys are never deleted.
//
// Thread-safe. Unwrapped data keys are cached in locked memory for the keyring's lifetime. A
// rotation by another process sharing the store is seen by open() at once (unknown key ids
// are looked up) and by seal() after this keyring is reopened.
class Keyring {
 public:
  // Applies the crypto migrations, then checks `master` against the key id recorded in the
  // store (recording it on first use): a different key is kFailedPrecondition, "the master key
  // does not match: keyring was wrapped by key id X, this key is Y". Every stored data key is
  // unwrapped here, so a damaged row is found now (kDataLoss), not at the first restore.
  static Result<std::unique_ptr<Keyring>> open(store::Store& store, MasterKey master,
                                               Clock& clock = systemClock());

  // The purpose's current data key, created (generation 1) if it has none yet.
  Result<DataKeyInfo> current(Purpose purpose);
  // Any data key by id; kNotFound if there is none.
  Result<DataKeyInfo> byId(std::string_view id);
  // Every data key, by purpose then generation.
  Result<std::vector<DataKeyInfo>> list();

  // Envelope encryption with the purpose's current key (see envelope.h).
  Result<std::string> seal(Purpose purpose, std::string_view plaintext);
  // Opens data sealed for `purpose` under any of its keys, current or old. kDataLoss for a
  // ciphertext of another purpose or a tampered one; kInvalidArgument for bytes that are not
  // an envelope.
  Result<std::string> open(Purpose purpose, std::string_view sealed);

  Status sealStream(Purpose purpose, const envelope::ByteSource& in, const envelope::ByteSink& out,
                    const envelope::StreamOptions& options = {});
  Status openStream(Purpose purpose, const envelope::ByteSource& in, const envelope::ByteSink& out);

  // The data key `id` wrapped by the current master key, to be carried with data it sealed.
  Result<WrappedDataKey> exportKey(std::string_view id);
  // openStream for data that carries its key: a key this keyring holds is used as it is (it
  // survives master rotations here); otherwise the carried one is unwrapped with this
  // keyring's master key (data from another installation sharing the master key).
  Status openStream(Purpose purpose, const WrappedDataKey& carried, const envelope::ByteSource& in,
                    const envelope::ByteSink& out);

  // Starts a new data key for the purpose: new data is sealed with it, old keys stay to open
  // old data. Returns the new key.
  Result<DataKeyInfo> rotateData(Purpose purpose);

  // Re-wraps every data key under `newMaster` in one store transaction, then uses it. Data is
  // not touched: its keys do not change. After this, only `newMaster` opens the keyring.
  // kInvalidArgument if `newMaster` is the current key; kFailedPrecondition if another process
  // rotated the master key since this keyring was opened.
  Status rotateMaster(MasterKey newMaster);

  // The id of the master key the keyring is wrapped by.
  std::string masterKeyId() const;

 private:
  struct Entry {
    DataKeyInfo info;
    KeyBytes key;
  };

  Keyring(store::Store& store, MasterKey master, Clock& clock)
      : store_(store), master_(std::move(master)), clock_(clock) {}

  // Unwraps and caches every data key in the store. Caller holds mutex_.
  Status loadAllLocked();
  // The cached entry for `id`, loading it from the store if another process made it.
  Result<const Entry*> entryLocked(std::string_view id);
  Result<const Entry*> entryFor(std::string_view keyId, Purpose purpose);  // takes mutex_
  Result<const Entry*> currentLocked(Purpose purpose);
  // Makes and stores the next generation for `purpose`. Caller holds mutex_.
  Result<const Entry*> createLocked(Purpose purpose);
  Result<const Entry*> addRow(const store::Row& row);
  DataKeyInfo infoOf(const Entry& entry) const;

  store::Store& store_;
  mutable std::mutex mutex_;
  MasterKey master_;
  Clock& clock_;
  // Entries are never erased, so the pointers handed out stay valid for the keyring's life.
  std::map<std::string, std::unique_ptr<Entry>, std::less<>> entries_;
  std::map<Purpose, const Entry*> current_;
};

using KeyringPtr = std::unique_ptr<Keyring>;

}  // namespace pharos::crypto
