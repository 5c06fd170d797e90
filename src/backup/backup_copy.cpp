#include "backup/backup_copy.h"

#include "backup/digest.h"

namespace pharos::backup {
namespace {

bool matches(const ManifestPart& part, std::string_view bytes) {
  return bytes.size() == part.size && blake2bHex(bytes) == part.blake2b;
}

Error damagedPart(const Manifest& m, const ManifestPart& part, std::string_view where) {
  return makeError(ErrorCode::kDataLoss, "part checksum mismatch " + std::string(where),
                   "backup " + m.id + ": " + part.key);
}

}  // namespace

Status checkParts(const Manifest& manifest, objects::ObjectStore& store) {
  for (const ManifestPart& part : manifest.parts) {
    PHAROS_ASSIGN_OR_RETURN(std::string bytes, store.get(part.key));
    if (!matches(part, bytes)) return damagedPart(manifest, part, "on the second target");
  }
  return okStatus();
}

Status copyBackup(const Manifest& manifest, objects::ObjectStore& from, objects::ObjectStore& to) {
  for (const ManifestPart& part : manifest.parts) {
    if (auto there = to.stat(part.key); there.ok() && there->size == part.size) {
      auto bytes = to.get(part.key);
      if (bytes.ok() && matches(part, *bytes)) continue;
    }
    PHAROS_ASSIGN_OR_RETURN(std::string bytes, from.get(part.key));
    if (!matches(part, bytes)) return damagedPart(manifest, part, "in the source");
    PHAROS_TRY(to.put(part.key, bytes));
  }
  PHAROS_TRY(checkParts(manifest, to));
  // The manifest as stored, byte for byte: its checksum covers exactly that text.
  PHAROS_ASSIGN_OR_RETURN(std::string text, from.get(manifestKey(manifest.id)));
  return to.put(manifestKey(manifest.id), text);
}

}  // namespace pharos::backup
