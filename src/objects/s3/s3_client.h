#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/secret.h"

namespace pharos::objects {

// Where and how to reach an S3-compatible bucket.
struct S3Options {
  std::string endpoint;  // "http://127.0.0.1:9000" or "https://s3.eu-west-1.amazonaws.com"
  std::string region = "us-east-1";
  std::string bucket;
  // Keys are stored under "<prefix>/" inside the bucket; empty stores them at its root. Must be
  // a valid object key itself (validateKey).
  std::string prefix;
  std::string accessKeyId;
  Secret secretAccessKey;
  // "endpoint/bucket/key" when true; "bucket.endpoint/key" (virtual-hosted) when false.
  bool pathStyle = true;
  size_t multipartThreshold = 16u << 20;  // objects of at least this many bytes go multipart
  size_t partSize = 8u << 20;             // S3 refuses parts (but the last) under 5 MiB
  int maxAttempts = 4;                    // per request, the first included
  Millis timeout{30'000};                 // per attempt: connect, send and receive
  size_t listPageSize = 1000;             // max-keys of each ListObjectsV2 call; tests use 2
};

namespace s3 {

struct S3Request {
  std::string method = "GET";  // GET, HEAD, PUT, POST, DELETE
  // Object key inside the bucket (the store's prefix already applied); empty for the bucket.
  std::string key;
  // Query parameters; encoded and sorted by the client, since SigV4 signs the canonical form.
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. x-amz-meta-*
  std::string_view body;                                     // must stay valid for the call
};

struct S3Response {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;

  const std::string* header(const std::string& lowerName) const;
};

// Sends SigV4-signed requests (curl's CURLOPT_AWS_SIGV4 does the signing) to one bucket, and
// retries what can succeed on a second try: connection errors and timeouts, 5xx, 429 and 503
// SlowDown, at most `maxAttempts` times with exponential backoff and full jitter. Other 4xx are
// final. The secret key is handed only to curl; no message this class makes contains it.
// Thread-safe: each call takes an easy handle from a small pool (keeping its connections).
class S3Client {
 public:
  explicit S3Client(S3Options options);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  // Any HTTP status the server answered (after retries) comes back as a response; an error
  // value means no usable answer: kUnavailable (retryable) when the server could not be
  // reached or kept failing.
  Result<S3Response> send(const S3Request& request);

  // The error for a final non-2xx answer: kNotFound (404), kPermissionDenied (403),
  // kUnauthenticated (401), kFailedPrecondition (409, 412: a failed If-Match),
  // kInvalidArgument (other 4xx), kUnavailable (5xx, 429),
  // with S3's error code and message and `what` (e.g. "GET key=a/b").
  Error errorFor(const S3Response& response, std::string_view what) const;

  const S3Options& options() const { return options_; }
  // HTTP attempts made so far (retries included), for self-metrics and tests.
  uint64_t attemptsMade() const { return attempts_.load(); }

 private:
  Result<S3Response> attempt(const S3Request& request, const std::string& url);
  std::string urlFor(const S3Request& request) const;

  const S3Options options_;
  const std::string sigv4_;  // "aws:amz:<region>:s3"
  std::atomic<uint64_t> attempts_{0};
  std::mutex poolMutex_;
  std::vector<void*> idle_;  // CURL* handles between calls
};

// "%XX"-encodes all but A-Z a-z 0-9 - . _ ~ (and '/' when keepSlash), as SigV4 requires.
std::string uriEncode(std::string_view s, bool keepSlash);

// Retries of attempt `n` (1 = the first retry) wait a random time in [0, min(cap, base*2^n)).
Millis backoffDelay(int retry, Millis base, Millis cap, uint64_t random);

}  // namespace s3
}  // namespace pharos::objects
