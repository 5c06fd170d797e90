#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "objects/object_store.h"
#include "objects/s3/s3_client.h"

namespace pharos::objects {

// An ObjectStore on an S3-compatible bucket. The object under key "a/b" is "<prefix>/a/b" in
// the bucket; its user metadata holds what S3 does not keep for us:
//   x-amz-meta-pharos-crc32c   CRC32C of the original bytes (8 hex digits), verified on get
//   x-amz-meta-pharos-created  creation time, Unix milliseconds of the store's Clock
//   x-amz-meta-pharos-encoding "zstd" once a lifecycle rule compressed it
//   x-amz-meta-pharos-size     the original size of a compressed object
// An object without them (written by another tool) is listed with S3's size and LastModified,
// but get() and stat() answer kDataLoss and a lifecycle rule never touches it (nor expires it
// on a guessed age); the sweep counts it as failed.
//
// Durability and atomicity are S3's: a PUT, or a multipart upload's completion, replaces the
// object at once. Objects of at least `multipartThreshold` bytes go up in parts of `partSize`;
// a failed upload is aborted so its parts do not linger (and cost).
//
// Costs and limits, unlike the local store:
// - list() needs one HEAD per listed object, since ListObjectsV2 returns no user metadata and
//   ObjectInfo needs the creation time and the original size: N objects cost N/pageSize + 1
//   LIST calls and N HEADs, eight at a time (about 30 s for 10,000 objects at 25 ms a round
//   trip). A lifecycle sweep lists everything the same way.
// - remove() is a HEAD then a DELETE (S3 deletes a missing key with success); two concurrent
//   removes of one key can both succeed.
// - A lifecycle rewrite (compress) re-checks the object's ETag just before its PUT and sends
//   If-Match, which servers with conditional writes enforce; without them a put landing
//   between that check and the rewrite could be overwritten by the older, compressed bytes.
//
// Thread-safe.
class S3ObjectStore final : public ObjectStore {
 public:
  // Checks the options and that the bucket answers a HEAD: kUnavailable when the endpoint is
  // unreachable or failing, kPermissionDenied (naming bucket and key id, never the secret)
  // when refused, kNotFound when the bucket does not exist, kInvalidArgument for bad options.
  static Result<std::unique_ptr<S3ObjectStore>> open(const S3Options& options, Clock& clock);

  Status put(std::string_view key, std::string_view data) override;
  Result<std::string> get(std::string_view key) override;
  Result<ObjectInfo> stat(std::string_view key) override;
  Result<std::vector<ObjectInfo>> list(std::string_view prefix) override;
  Status remove(std::string_view key) override;
  Result<SweepReport> applyLifecycle(std::span<const LifecycleRule> rules) override;

  // The client, for tests that write to the bucket behind the store's back.
  s3::S3Client& client() { return client_; }
  // The key in the bucket of an object key.
  std::string bucketKey(std::string_view key) const;

 private:
  struct Head;
  struct Fetched;

  S3ObjectStore(const S3Options& options, Clock& clock) : client_(options), clock_(clock) {}

  Status putObject(const std::string& bucketKey, std::string_view data,
                   const std::vector<std::pair<std::string, std::string>>& metadata,
                   const std::optional<std::string>& ifMatch);
  Status putMultipart(const std::string& bucketKey, std::string_view data,
                      const std::vector<std::pair<std::string, std::string>>& metadata);
  // HEAD of a validated key; kNotFound when missing.
  Result<Head> head(std::string_view key);
  // GET of a validated key, decompressed and checked against its CRC32C.
  Result<Fetched> fetch(std::string_view key);
  // Every object under `prefix` with its metadata (one HEAD each), sorted by key.
  Result<std::vector<Head>> scan(std::string_view prefix);
  std::string storePrefix() const;
  // Re-puts an object zstd-compressed, keeping its metadata; the bytes freed, or nullopt when
  // it changed meanwhile (or was compressed already) and was left alone.
  Result<std::optional<uint64_t>> compress(const Head& object);

  s3::S3Client client_;
  Clock& clock_;
};

using S3ObjectStorePtr = std::unique_ptr<S3ObjectStore>;

}  // namespace pharos::objects
