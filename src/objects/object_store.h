#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace pharos::objects {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;  // bytes as the caller wrote them (before any compression)
  WallTime created;
  // Stored compressed by a lifecycle rule; get() still returns the original bytes.
  bool compressed = false;
};

// What happens to objects under a key prefix as they age, like S3 lifecycle rules.
struct LifecycleRule {
  std::string prefix;
  std::optional<Millis> compressAfter;  // re-store with zstd once older than this
  std::optional<Millis> expireAfter;    // delete once older than this
};

struct SweepReport {
  size_t scanned = 0;
  size_t compressed = 0;
  size_t expired = 0;
  uint64_t bytesFreed = 0;
  // Objects the sweep could not judge or change (corrupt header, I/O error); each is logged
  // at warn. Nonzero means an operator should look: such objects are never expired on a guess.
  size_t failed = 0;
};

// Blobs by key. Keys are relative paths of [A-Za-z0-9._-] segments separated by '/': no empty
// segments, no "." or "..", no leading '/', at most 1024 bytes. A put is durable when it
// returns and atomic: a reader sees the old object or the new one, never a mix. Every object
// carries a checksum verified on read, so corruption is a kDataLoss error, never data.
// Thread-safe.
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  virtual Status put(std::string_view key, std::string_view data) = 0;
  virtual Result<std::string> get(std::string_view key) = 0;
  virtual Result<ObjectInfo> stat(std::string_view key) = 0;
  // Objects whose key starts with `prefix`, sorted by key.
  virtual Result<std::vector<ObjectInfo>> list(std::string_view prefix) = 0;
  // Deleting a missing key is kNotFound.
  virtual Status remove(std::string_view key) = 0;
  // Applies the rules once (the first matching prefix wins for each object).
  virtual Result<SweepReport> applyLifecycle(std::span<const LifecycleRule> rules) = 0;
};

using ObjectStorePtr = std::unique_ptr<ObjectStore>;

// kInvalidArgument naming the problem, or ok.
Status validateKey(std::string_view key);

// The rule that governs `key`: the first whose prefix it starts with, or null.
const LifecycleRule* lifecycleRuleFor(std::span<const LifecycleRule> rules, std::string_view key);

}  // namespace pharos::objects
