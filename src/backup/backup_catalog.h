#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backup/manifest.h"
#include "core/clock.h"
#include "core/result.h"
#include "crypto/keyring.h"
#include "objects/object_store.h"

namespace pharos::backup {

struct VerifyReport {
  std::string id;
  size_t partsChecked = 0;
  size_t filesChecked = 0;
  uint64_t bytesChecked = 0;  // file bytes decrypted, decompressed and hashed
};

struct RestoreOptions {
  // Restore into a directory that is not empty (files the backup holds are replaced; others
  // are left alone).
  bool force = false;
  // This binary's schema version per component. A backup with a component newer than this,
  // or one this binary does not know, is refused (kFailedPrecondition): an older binary must
  // not open a newer database.
  std::map<std::string, int> binarySchemaVersions;
};

// The backups in an object store: listing, verifying, restoring and retention. Thread-safe as
// far as the store and keyring are; two retention runs at once may both try one delete.
//
// Reading a backup needs its data key. With a keyring (the data directory's), a key it holds
// is used as is; any other is unwrapped from the manifest with the keyring's master key. With
// only a master key (disaster recovery: no data directory, just a copy of the backups), the
// manifest's key is unwrapped with it. Without either, list and retention still work.
class BackupCatalog {
 public:
  explicit BackupCatalog(objects::ObjectStore& store) : store_(store) {}
  BackupCatalog(objects::ObjectStore& store, crypto::Keyring& keyring)
      : store_(store), keyring_(&keyring) {}
  BackupCatalog(objects::ObjectStore& store, const crypto::MasterKey& master)
      : store_(store), master_(&master) {}

  // Complete backups (those with a readable manifest), newest first. A backup whose manifest
  // is damaged is left out here and named by verify().
  Result<std::vector<Manifest>> list();
  // One backup's manifest, reading only it: kNotFound when there is no complete backup `id`,
  // kDataLoss when its manifest is damaged, kInvalidArgument for an id that is not one.
  Result<Manifest> manifest(const std::string& id);

  // Reads every part (checking its checksum before decrypting it), decrypts, decompresses and
  // checks every file's size and checksum against the manifest. Writes nothing. kNotFound for
  // no such backup; kDataLoss naming the part or file for damage; the keyring's error for a
  // key it cannot open.
  Result<VerifyReport> verify(const std::string& id, const ProgressFn& progress = {});

  // Restores the backup's files into `targetDir` (created when absent). It must be empty
  // unless options.force. The files are written into a staging directory inside the target,
  // fsynced, and moved into place only once the whole backup has verified, so a damaged
  // backup leaves the target as it was.
  Status restore(const std::string& id, const std::filesystem::path& targetDir,
                 const RestoreOptions& options = {}, const ProgressFn& progress = {});

  // Deletes complete backups beyond the newest `keepCount` and those older than `maxAge` at
  // `now` (either limit may be absent), never the newest one. Incomplete backups are never
  // touched: one may still be being written. The manifest goes first, so a delete cut short
  // leaves an incomplete backup, never a manifest without parts. Returns the ids deleted,
  // oldest first.
  Result<std::vector<std::string>> applyRetention(std::optional<size_t> keepCount,
                                                  std::optional<Millis> maxAge, WallTime now);

 private:
  // Decrypts the backup's sealed stream with the key chosen as described above.
  Status openStream(const Manifest& m, const crypto::envelope::ByteSource& in,
                    const crypto::envelope::ByteSink& out);

  objects::ObjectStore& store_;
  crypto::Keyring* keyring_ = nullptr;
  const crypto::MasterKey* master_ = nullptr;
};

}  // namespace pharos::backup
