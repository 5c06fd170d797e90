#include "objects/s3/s3_object_store.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <exception>
#include <system_error>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <zstd.h>

#include "core/crc32c.h"
#include "core/log.h"
#include "objects/key_context.h"
#include "objects/s3/s3_xml.h"

namespace pharos::objects {

using s3::S3Request;
using s3::S3Response;

namespace {

constexpr size_t kMinPartSize = 5u << 20;  // S3's minimum for every part but the last
constexpr size_t kMaxParts = 10'000;       // S3's maximum number of parts
constexpr int kCompressionLevel = 3;
constexpr size_t kParallelHeads = 8;  // matches the client's pool of idle handles       // as the
                                      // local store: most of the gain, fast
constexpr std::string_view kMetaCrc = "x-amz-meta-pharos-crc32c";
constexpr std::string_view kMetaCreated = "x-amz-meta-pharos-created";
constexpr std::string_view kMetaEncoding = "x-amz-meta-pharos-encoding";
constexpr std::string_view kMetaSize = "x-amz-meta-pharos-size";

using Metadata = std::vector<std::pair<std::string, std::string>>;

const logging::Logger& logger() {
  static const logging::Logger log("objects");
  return log;
}

bool success(const S3Response& response) {
  return response.status >= 200 && response.status < 300;
}

Error notFound(std::string_view key) {
  return makeError(ErrorCode::kNotFound, "no such object", keyContext(key));
}

Error dataLoss(std::string message, std::string_view key) {
  return makeError(ErrorCode::kDataLoss, std::move(message), keyContext(key));
}

template <typename T>
std::optional<T> parseNumber(const std::string* text, int base = 10) {
  if (text == nullptr) return std::nullopt;
  T value{};
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value, base);
  if (text->empty() || ec != std::errc() || end != text->data() + text->size()) {
    return std::nullopt;
  }
  return value;
}

// The same rule choice as the local store: the first rule whose prefix matches.
std::string xmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

Status allocate(std::string& buffer, uint64_t size, std::string_view key) {
  try {
    buffer.resize(size);
  } catch (const std::exception&) {
    return makeError(ErrorCode::kResourceExhausted,
                     fmt::format("cannot allocate {} bytes for the object", size), keyContext(key));
  }
  return okStatus();
}

}  // namespace

// What a HEAD (or the headers of a GET) says about an object.
struct S3ObjectStore::Head {
  ObjectInfo info;
  uint64_t storedSize = 0;  // bytes in S3 (compressed ones included)
  std::string etag;
  uint32_t crc = 0;
  // False for an object not written by this store (no pharos metadata): its creation time is
  // S3's LastModified, and neither get() nor a lifecycle rule will trust it.
  bool hasMetadata = false;
};

struct S3ObjectStore::Fetched {
  std::string data;
  Head head;
};

namespace {

// The pharos metadata of an object, from the headers of a HEAD or a GET.
struct Meta {
  uint32_t crc = 0;
  int64_t createdMs = 0;
  bool zstd = false;
  uint64_t originalSize = 0;  // of a compressed object
};

// nullopt when the metadata is missing or unreadable: not an object this store wrote whole.
std::optional<Meta> readMeta(const S3Response& response) {
  Meta meta;
  auto crc = parseNumber<uint32_t>(response.header(std::string(kMetaCrc)), 16);
  auto created = parseNumber<int64_t>(response.header(std::string(kMetaCreated)));
  // A time past 2200 (or before 1970) is not one we wrote, and would overflow system_clock.
  constexpr int64_t kLatestMs = 7'258'118'400'000;
  if (!crc || !created || *created < 0 || *created > kLatestMs) return std::nullopt;
  meta.crc = *crc;
  meta.createdMs = *created;
  if (const std::string* encoding = response.header(std::string(kMetaEncoding))) {
    if (*encoding != "zstd") return std::nullopt;
    auto size = parseNumber<uint64_t>(response.header(std::string(kMetaSize)));
    if (!size) return std::nullopt;
    meta.zstd = true;
    meta.originalSize = *size;
  }
  return meta;
}

}  // namespace

Result<std::unique_ptr<S3ObjectStore>> S3ObjectStore::open(const S3Options& options, Clock& clock) {
  auto invalid = [](std::string message) {
    return makeError(ErrorCode::kInvalidArgument, "S3 options: " + std::move(message));
  };
  if (!options.endpoint.starts_with("http://") && !options.endpoint.starts_with("https://")) {
    return invalid(
        fmt::format("endpoint '{}' must start with http:// or https://", options.endpoint));
  }
  if (options.bucket.empty()) return invalid("bucket is empty");
  if (!options.prefix.empty()) {
    Status prefixOk = validateKey(options.prefix);
    if (!prefixOk.ok()) return invalid("prefix: " + prefixOk.error().message);
  }
  if (options.partSize < kMinPartSize) {
    return invalid(fmt::format("part size {} is under S3's minimum of {} bytes", options.partSize,
                               kMinPartSize));
  }
  if (options.multipartThreshold == 0) return invalid("multipart threshold is 0");
  if (options.maxAttempts < 1) return invalid("max attempts must be at least 1");
  if (options.listPageSize < 1 || options.listPageSize > 1000) {
    return invalid("list page size must be 1 to 1000");
  }
  if (options.timeout.count() <= 0) return invalid("timeout must be positive");

  std::unique_ptr<S3ObjectStore> store(new S3ObjectStore(options, clock));
  S3Request request;
  request.method = "HEAD";
  PHAROS_ASSIGN_OR_RETURN(S3Response response, store->client_.send(request));
  if (response.status == 404) {
    return makeError(
        ErrorCode::kNotFound,
        fmt::format("S3 bucket '{}' does not exist at {}", options.bucket, options.endpoint),
        "bucket=" + options.bucket);
  }
  if (!success(response)) return store->client_.errorFor(response, "HEAD bucket");
  return store;
}

std::string S3ObjectStore::storePrefix() const {
  const std::string& prefix = client_.options().prefix;
  return prefix.empty() ? std::string() : prefix + "/";
}

std::string S3ObjectStore::bucketKey(std::string_view key) const {
  return storePrefix() + std::string(key);
}

Status S3ObjectStore::put(std::string_view key, std::string_view data) {
  PHAROS_TRY(validateKey(key));
  Metadata metadata = {
      {std::string(kMetaCrc), fmt::format("{:08x}", crc32c(data))},
      {std::string(kMetaCreated), std::to_string(toUnixMillis(clock_.now()))},
  };
  std::string target = bucketKey(key);
  if (data.size() >= client_.options().multipartThreshold) {
    return putMultipart(target, data, metadata);
  }
  return putObject(target, data, metadata, std::nullopt);
}

Status S3ObjectStore::putObject(const std::string& target, std::string_view data,
                                const Metadata& metadata,
                                const std::optional<std::string>& ifMatch) {
  S3Request request;
  request.method = "PUT";
  request.key = target;
  request.headers = metadata;
  if (ifMatch) request.headers.emplace_back("If-Match", *ifMatch);
  request.body = data;
  PHAROS_ASSIGN_OR_RETURN(S3Response response, client_.send(request));
  if (!success(response)) return client_.errorFor(response, "PUT " + keyContext(target));
  return okStatus();
}

Status S3ObjectStore::putMultipart(const std::string& target, std::string_view data,
                                   const Metadata& metadata) {
  const size_t partSize =
      std::max(client_.options().partSize, (data.size() + kMaxParts - 1) / kMaxParts);
  const std::string what = "multipart " + keyContext(target);
  S3Request initiate;
  initiate.method = "POST";
  initiate.key = target;
  initiate.query = {{"uploads", ""}};
  initiate.headers = metadata;
  PHAROS_ASSIGN_OR_RETURN(S3Response started, client_.send(initiate));
  if (!success(started)) return client_.errorFor(started, "initiate " + what);
  PHAROS_ASSIGN_OR_RETURN(std::string uploadId, s3::parseInitiateMultipartUpload(started.body));

  auto abort = [&](Error error) -> Status {
    S3Request request;
    request.method = "DELETE";
    request.key = target;
    request.query = {{"uploadId", uploadId}};
    Result<S3Response> aborted = client_.send(request);
    if (!aborted.ok() || !success(*aborted)) {
      // The parts stay until a bucket rule cleans up incomplete uploads; say so.
      logger().warn("could not abort a failed multipart upload",
                    {{"key", target}, {"upload_id", uploadId}});
    }
    return error;
  };

  std::string complete = "<CompleteMultipartUpload>";
  size_t partNumber = 0;
  for (size_t offset = 0; offset < data.size(); offset += partSize) {
    ++partNumber;
    S3Request part;
    part.method = "PUT";
    part.key = target;
    part.query = {{"partNumber", std::to_string(partNumber)}, {"uploadId", uploadId}};
    part.body = data.substr(offset, partSize);
    Result<S3Response> sent = client_.send(part);
    if (!sent.ok()) return abort(std::move(sent).error());
    if (!success(*sent)) {
      return abort(client_.errorFor(*sent, fmt::format("part {} of {}", partNumber, what)));
    }
    const std::string* etag = sent->header("etag");
    if (etag == nullptr || etag->empty()) {
      return abort(makeError(ErrorCode::kUnavailable,
                             fmt::format("S3 answered part {} without an ETag", partNumber),
                             keyContext(target)));
    }
    complete += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>", partNumber,
                            xmlEscape(*etag));
  }
  complete += "</CompleteMultipartUpload>";

  S3Request finish;
  finish.method = "POST";
  finish.key = target;
  finish.query = {{"uploadId", uploadId}};
  finish.headers = {{"Content-Type", "application/xml"}};
  finish.body = complete;
  Result<S3Response> done = client_.send(finish);
  if (!done.ok()) return abort(std::move(done).error());
  if (!success(*done)) return abort(client_.errorFor(*done, "complete " + what));
  // S3 may answer 200 and report the failure in the body, once the upload took a while.
  if (std::optional<s3::S3ErrorBody> failed = s3::parseErrorBody(done->body)) {
    return abort(makeError(ErrorCode::kUnavailable,
                           fmt::format("S3 failed to complete the upload: {}: {}", failed->code,
                                       failed->message.substr(0, 300)),
                           keyContext(target)));
  }
  return okStatus();
}

Result<S3ObjectStore::Head> S3ObjectStore::head(std::string_view key) {
  S3Request request;
  request.method = "HEAD";
  request.key = bucketKey(key);
  PHAROS_ASSIGN_OR_RETURN(S3Response response, client_.send(request));
  if (response.status == 404) return notFound(key);
  if (!success(response)) return client_.errorFor(response, "HEAD " + keyContext(key));
  Head head;
  head.info.key = std::string(key);
  head.storedSize = parseNumber<uint64_t>(response.header("content-length")).value_or(0);
  if (const std::string* etag = response.header("etag")) head.etag = *etag;
  std::optional<Meta> meta = readMeta(response);
  head.info.size = head.storedSize;
  if (meta) {
    head.hasMetadata = true;
    head.crc = meta->crc;
    head.info.created = fromUnixMillis(meta->createdMs);
    head.info.compressed = meta->zstd;
    if (meta->zstd) head.info.size = meta->originalSize;
  }
  return head;
}

Result<S3ObjectStore::Fetched> S3ObjectStore::fetch(std::string_view key) {
  S3Request request;
  request.key = bucketKey(key);
  PHAROS_ASSIGN_OR_RETURN(S3Response response, client_.send(request));
  if (response.status == 404) return notFound(key);
  if (!success(response)) return client_.errorFor(response, "GET " + keyContext(key));
  std::optional<Meta> meta = readMeta(response);
  if (!meta) {
    return dataLoss(
        "object has no readable pharos metadata (crc32c, created); it was not "
        "written by this store or its metadata was changed",
        key);
  }
  Fetched fetched;
  fetched.head.info.key = std::string(key);
  fetched.head.info.created = fromUnixMillis(meta->createdMs);
  fetched.head.info.compressed = meta->zstd;
  fetched.head.storedSize = response.body.size();
  fetched.head.crc = meta->crc;
  fetched.head.hasMetadata = true;
  if (const std::string* etag = response.header("etag")) fetched.head.etag = *etag;
  if (meta->zstd) {
    unsigned long long frameSize =
        ZSTD_getFrameContentSize(response.body.data(), response.body.size());
    if (frameSize != meta->originalSize) {
      return dataLoss(fmt::format("compressed object holds a frame of {} bytes, its metadata "
                                  "says {}",
                                  frameSize, meta->originalSize),
                      key);
    }
    PHAROS_TRY(allocate(fetched.data, meta->originalSize, key));
    size_t n = ZSTD_decompress(fetched.data.data(), fetched.data.size(), response.body.data(),
                               response.body.size());
    if (ZSTD_isError(n) || n != fetched.data.size()) {
      return dataLoss(fmt::format("compressed object does not decompress: {}",
                                  ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short output"),
                      key);
    }
  } else {
    fetched.data = std::move(response.body);
  }
  fetched.head.info.size = fetched.data.size();
  uint32_t actual = crc32c(fetched.data);
  if (actual != meta->crc) {
    return dataLoss(
        fmt::format("checksum mismatch: stored crc32c {:08x}, data has {:08x}", meta->crc, actual),
        key);
  }
  return fetched;
}

Result<std::string> S3ObjectStore::get(std::string_view key) {
  PHAROS_TRY(validateKey(key));
  PHAROS_ASSIGN_OR_RETURN(Fetched fetched, fetch(key));
  return std::move(fetched.data);
}

Result<ObjectInfo> S3ObjectStore::stat(std::string_view key) {
  PHAROS_TRY(validateKey(key));
  PHAROS_ASSIGN_OR_RETURN(Head found, head(key));
  if (!found.hasMetadata) {
    return dataLoss("object has no readable pharos metadata (crc32c, created)", key);
  }
  return std::move(found.info);
}

Result<std::vector<S3ObjectStore::Head>> S3ObjectStore::scan(std::string_view prefix) {
  const std::string ours = storePrefix();
  std::vector<Head> found;
  std::string token;
  do {
    S3Request request;
    request.query = {{"list-type", "2"},
                     {"prefix", ours + std::string(prefix)},
                     {"max-keys", std::to_string(client_.options().listPageSize)}};
    if (!token.empty()) request.query.emplace_back("continuation-token", token);
    PHAROS_ASSIGN_OR_RETURN(S3Response response, client_.send(request));
    if (!success(response)) return client_.errorFor(response, "LIST prefix=" + std::string(prefix));
    PHAROS_ASSIGN_OR_RETURN(s3::ListPage page, s3::parseListBucketResult(response.body));
    std::vector<const s3::ListedObject*> listed;
    for (const s3::ListedObject& object : page.objects) {
      if (object.key.starts_with(ours)) listed.push_back(&object);
    }
    // One HEAD per object, a few at a time: on S3 each is a round trip of tens of ms.
    std::vector<std::optional<Result<Head>>> heads(listed.size());
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t i = next++; i < listed.size(); i = next++)
        heads[i].emplace(head(std::string_view(listed[i]->key).substr(ours.size())));
    };
    std::vector<std::thread> helpers;
    const size_t threads = std::min(kParallelHeads, listed.size());
    try {
      for (size_t t = 1; t < threads; ++t)
        helpers.emplace_back(work);
    } catch (const std::system_error&) {
      // No thread to spare: the HEADs still all run, on fewer threads.
    }
    work();
    for (std::thread& helper : helpers)
      helper.join();
    for (size_t i = 0; i < listed.size(); ++i) {
      Result<Head>& object = *heads[i];
      if (!object.ok()) {
        // Deleted between the listing and the HEAD: it is simply no longer there.
        if (object.error().code == ErrorCode::kNotFound) continue;
        return std::move(object).error();
      }
      if (!object->hasMetadata && listed[i]->lastModified) {
        object->info.created = *listed[i]->lastModified;
      }
      found.push_back(std::move(object).value());
    }
    token = page.truncated ? page.nextContinuationToken : std::string();
  } while (!token.empty());
  // S3 lists in UTF-8 byte order already; sorting keeps the contract with any server.
  std::sort(found.begin(), found.end(),
            [](const Head& a, const Head& b) { return a.info.key < b.info.key; });
  return found;
}

Result<std::vector<ObjectInfo>> S3ObjectStore::list(std::string_view prefix) {
  PHAROS_ASSIGN_OR_RETURN(std::vector<Head> found, scan(prefix));
  std::vector<ObjectInfo> out;
  out.reserve(found.size());
  for (Head& head : found)
    out.push_back(std::move(head.info));
  return out;
}

Status S3ObjectStore::remove(std::string_view key) {
  PHAROS_TRY(validateKey(key));
  // S3 answers a DELETE of a missing key with success, so the HEAD tells kNotFound apart.
  PHAROS_TRY(head(key));
  S3Request request;
  request.method = "DELETE";
  request.key = bucketKey(key);
  PHAROS_ASSIGN_OR_RETURN(S3Response response, client_.send(request));
  if (response.status == 404) return notFound(key);
  if (!success(response)) return client_.errorFor(response, "DELETE " + keyContext(key));
  return okStatus();
}

Result<SweepReport> S3ObjectStore::applyLifecycle(std::span<const LifecycleRule> rules) {
  PHAROS_ASSIGN_OR_RETURN(std::vector<Head> found, scan(""));
  SweepReport report;
  const int64_t nowMs = toUnixMillis(clock_.now());
  for (const Head& object : found) {
    ++report.scanned;
    const LifecycleRule* rule = lifecycleRuleFor(rules, object.info.key);
    if (rule == nullptr) continue;
    if (!object.hasMetadata) {
      // Without a creation time of ours the age is a guess; never expire on a guess.
      ++report.failed;
      logger().warn("lifecycle skips an object without pharos metadata",
                    {{"key", object.info.key}});
      continue;
    }
    const int64_t ageMs = nowMs - toUnixMillis(object.info.created);
    if (rule->expireAfter && ageMs > rule->expireAfter->count()) {
      S3Request request;
      request.method = "DELETE";
      request.key = bucketKey(object.info.key);
      Result<S3Response> deleted = client_.send(request);
      if (deleted.ok() && success(*deleted)) {
        ++report.expired;
        report.bytesFreed += object.storedSize;
      } else {
        ++report.failed;
        Error error =
            deleted.ok() ? client_.errorFor(*deleted, "DELETE") : std::move(deleted).error();
        logger().warn("lifecycle could not expire an object",
                      {{"key", object.info.key}, {"error", error.toString()}});
      }
    } else if (rule->compressAfter && ageMs > rule->compressAfter->count() &&
               !object.info.compressed) {
      Result<std::optional<uint64_t>> freed = compress(object);
      if (freed.ok() && freed->has_value()) {
        ++report.compressed;
        report.bytesFreed += **freed;
      } else if (!freed.ok()) {
        ++report.failed;
        logger().warn("lifecycle could not compress an object",
                      {{"key", object.info.key}, {"error", freed.error().toString()}});
      }
    }
  }
  return report;
}

Result<std::optional<uint64_t>> S3ObjectStore::compress(const Head& object) {
  const std::string& key = object.info.key;
  PHAROS_ASSIGN_OR_RETURN(Fetched fetched, fetch(key));
  if (fetched.head.info.compressed) return std::optional<uint64_t>();
  std::string compressed;
  PHAROS_TRY(allocate(compressed, ZSTD_compressBound(fetched.data.size()), key));
  size_t n = ZSTD_compress(compressed.data(), compressed.size(), fetched.data.data(),
                           fetched.data.size(), kCompressionLevel);
  if (ZSTD_isError(n)) {
    return makeError(ErrorCode::kInternal,
                     fmt::format("zstd compression failed: {}", ZSTD_getErrorName(n)),
                     keyContext(key));
  }
  compressed.resize(n);
  Metadata metadata = {
      {std::string(kMetaCrc), fmt::format("{:08x}", fetched.head.crc)},
      {std::string(kMetaCreated), std::to_string(toUnixMillis(fetched.head.info.created))},
      {std::string(kMetaEncoding), "zstd"},
      {std::string(kMetaSize), std::to_string(fetched.data.size())},
  };
  // A put since the GET replaced the object: leave the new one for the next sweep. The
  // If-Match closes the rest of the window on servers with conditional writes.
  PHAROS_ASSIGN_OR_RETURN(Head now, head(key));
  if (now.etag != fetched.head.etag) return std::optional<uint64_t>();
  Status rewritten = putObject(bucketKey(key), compressed, metadata, fetched.head.etag);
  if (!rewritten.ok()) {
    if (rewritten.error().code == ErrorCode::kFailedPrecondition) return std::optional<uint64_t>();
    return std::move(rewritten).error();
  }
  return std::optional<uint64_t>(fetched.data.size() > n ? fetched.data.size() - n : 0);
}

}  // namespace pharos::objects
