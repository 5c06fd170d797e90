#pragma once

#include "backup/manifest.h"
#include "core/result.h"
#include "objects/object_store.h"

namespace pharos::backup {

// Copies a complete backup to another object store (the second target), parts first and the
// manifest last, so the copy is complete only once every part is there. Parts already present
// with the right checksum are not copied again (a copy cut short resumes). Then reads every
// part back from `to` and checks its size and checksum against the manifest: a copy is only
// counted once it is verified. kDataLoss naming the part when the source or the copy is
// damaged.
Status copyBackup(const Manifest& manifest, objects::ObjectStore& from, objects::ObjectStore& to);

// Reads every part of `manifest` from `store` and checks its size and checksum (no decryption:
// that is BackupCatalog::verify). kNotFound or kDataLoss naming the part.
Status checkParts(const Manifest& manifest, objects::ObjectStore& store);

}  // namespace pharos::backup
