#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
#include "objects/object_store.h"

namespace pharos::objects {

namespace local {
struct ObjectHeader;
}

// An ObjectStore on a local directory, the embedded default. The object under key "a/b/c" is
// the file <root>/a/b/c: a 40-byte header (local/object_file.h: sizes, creation time, flags,
// CRC32C of the stored bytes) followed by the bytes.
//
// Durability: put() writes a temporary file beside the target, fdatasyncs it, renames it over
// the target and fsyncs the directory, so after a crash the key holds the old object or the
// new one, never a mix. The first put into a directory (per process) also fsyncs the
// directories above it, so a directory the put had to create survives power loss too.
// A crash can leave a temporary file ("~tmp-..."), which list() never shows and open() or the
// next lifecycle sweep deletes once the process that wrote it is gone.
//
// Limits of a file-system layout, which the S3 store does not have: a key cannot be an object
// and the prefix of other keys at once ("a/b" and "a/b/c"; the second put is
// kFailedPrecondition), and a segment is at most 255 bytes (a file name).
//
// Thread-safe. Several processes may share one root (the server and a CLI command): every
// change is an atomic rename or unlink, and no process deletes another live one's temp files.
class LocalObjectStore final : public ObjectStore {
 public:
  // Creates `root` and its parents when missing. kIo when it is not a writable directory.
  static Result<std::unique_ptr<LocalObjectStore>> open(const std::filesystem::path& root,
                                                        Clock& clock);

  Status put(std::string_view key, std::string_view data) override;
  Result<std::string> get(std::string_view key) override;
  Result<ObjectInfo> stat(std::string_view key) override;
  Result<std::vector<ObjectInfo>> list(std::string_view prefix) override;
  Status remove(std::string_view key) override;
  // Besides the rules, deletes crash-left temp files and directories left empty. An object
  // changed by a put while the sweep runs is left for the next sweep, never overwritten.
  Result<SweepReport> applyLifecycle(std::span<const LifecycleRule> rules) override;

  const std::string& root() const { return root_; }

 private:
  // Identifies one incarnation of a file: a put or a rewrite renames a new inode in.
  struct FileId {
    dev_t dev = 0;
    ino_t ino = 0;
    bool operator==(const FileId&) const = default;
  };
  struct OpenObject;
  struct TempFile;
  struct ScannedObject;
  struct Scan;

  LocalObjectStore(std::string root, Clock& clock) : root_(std::move(root)), clock_(clock) {}

  std::string pathOf(std::string_view key) const;
  std::mutex& lockFor(std::string_view key);

  Result<OpenObject> openObject(std::string_view key);
  Result<std::string> readPayload(OpenObject& object, std::string_view key);
  // Writes header + payload durably under `key`. With `onlyReplacing`, writes only while the
  // key still holds that file, and returns false (writing nothing) when it does not.
  Result<bool> writeObject(std::string_view key, const local::ObjectHeader& header,
                           std::string_view payload, std::optional<FileId> onlyReplacing);
  Result<TempFile> createTemp(std::string_view key, const std::string& dir);
  Result<TempFile> openTemp(std::string_view key, const std::string& dir);
  Status makeParents(std::string_view key);
  Status ensureDurable(const std::string& dir, std::string_view key);

  Result<Scan> scan(std::string_view prefix, bool readHeaders);
  Status walk(const std::string& relativeDir, std::string_view prefix, bool readHeaders, Scan& out);
  // Reads the object's header, size and FileId; false when the object is gone.
  bool inspect(ScannedObject& object);
  // Bytes freed, or nullopt when the object changed since it was scanned.
  Result<std::optional<uint64_t>> compressIfUnchanged(const ScannedObject& object,
                                                      const LifecycleRule& rule, int64_t nowMs);
  Result<bool> expireIfUnchanged(const ScannedObject& object);
  size_t removeStaleTemps(const std::vector<std::string>& paths);
  void pruneEmptyDirs(const std::vector<std::string>& dirs);

  const std::string root_;  // absolute, no trailing '/'
  Clock& clock_;
  // Serialises the rename/unlink of one key with the check that guards a lifecycle rewrite;
  // reads take no lock (rename is atomic). Striped: one mutex per key would grow forever.
  std::array<std::mutex, 64> keyLocks_;
  // Pruning an empty directory (exclusive) against a put creating the directories of its key
  // and its temp file in them (shared). Once the temp file exists it keeps its directory from
  // being empty, so puts into existing directories never take this lock.
  std::shared_mutex treeMutex_;
  // Directories whose entry chain up to the root this process has fsynced. Guarded by
  // dirsMutex_, which also covers the rmdir of an empty directory, so a directory removed and
  // created again is never taken as already durable.
  std::mutex dirsMutex_;
  std::unordered_set<std::string> durableDirs_;
};

using LocalObjectStorePtr = std::unique_ptr<LocalObjectStore>;

}  // namespace pharos::objects
