#include "objects/s3/s3_client.h"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "objects/s3/s3_xml.h"

namespace pharos::objects::s3 {
namespace {

constexpr Millis kBackoffBase{50};
constexpr Millis kBackoffCap{2'000};
constexpr size_t kMaxIdleHandles = 8;

void globalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// The hex SHA-256 of the payload for x-amz-content-sha256, which S3 requires on every signed
// request. Sent as a header, curl signs it with the rest (hashing, not signing, is ours).
std::string sha256Hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr);
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i)
    out += fmt::format("{:02x}", digest[i]);
  return out;
}

size_t onBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t onHeader(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<S3Response*>(user);
  std::string_view line(data, size * count);
  // A new status line (after "100 Continue" or a redirect) starts a new set of headers.
  if (line.starts_with("HTTP/")) {
    response->headers.clear();
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name;
  for (char c : line.substr(0, colon))
    name.push_back(lower(c));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  response->headers[name] = std::string(value);
  return size * count;
}

bool retryableStatus(long status) {
  return status >= 500 || status == 429;
}

struct SlistFree {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

const std::string* S3Response::header(const std::string& lowerName) const {
  auto it = headers.find(lowerName);
  return it == headers.end() ? nullptr : &it->second;
}

std::string uriEncode(std::string_view s, bool keepSlash) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~' || (keepSlash && c == '/')) {
      out.push_back(ch);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

Millis backoffDelay(int retry, Millis base, Millis cap, uint64_t random) {
  int64_t ceiling = cap.count();
  if (retry < 30) ceiling = std::min<int64_t>(cap.count(), base.count() << retry);
  if (ceiling <= 0) return Millis(0);
  return Millis(static_cast<int64_t>(random % static_cast<uint64_t>(ceiling)));
}

S3Client::S3Client(S3Options options)
    : options_(std::move(options)), sigv4_("aws:amz:" + options_.region + ":s3") {
  globalInit();
}

S3Client::~S3Client() {
  for (void* handle : idle_)
    curl_easy_cleanup(static_cast<CURL*>(handle));
}

std::string S3Client::urlFor(const S3Request& request) const {
  std::string endpoint = options_.endpoint;
  while (!endpoint.empty() && endpoint.back() == '/')
    endpoint.pop_back();
  std::string url;
  if (options_.pathStyle) {
    url = endpoint + "/" + options_.bucket;
  } else {
    size_t hostStart = endpoint.find("://");
    hostStart = hostStart == std::string::npos ? 0 : hostStart + 3;
    url = endpoint.substr(0, hostStart) + options_.bucket + "." + endpoint.substr(hostStart);
  }
  if (!request.key.empty()) url += "/" + uriEncode(request.key, /*keepSlash=*/true);
  if (!options_.pathStyle && request.key.empty()) url += "/";
  // SigV4 signs the query sorted by name with every name and value encoded; curl 7.88 signs
  // the query as given, so it is given in that canonical form.
  std::vector<std::pair<std::string, std::string>> query;
  for (const auto& [name, value] : request.query)
    query.emplace_back(uriEncode(name, false), uriEncode(value, false));
  std::sort(query.begin(), query.end());
  for (size_t i = 0; i < query.size(); ++i)
    url += (i == 0 ? "?" : "&") + query[i].first + "=" + query[i].second;
  return url;
}

Result<S3Response> S3Client::send(const S3Request& request) {
  const std::string url = urlFor(request);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const int attempts = std::max(1, options_.maxAttempts);
  Result<S3Response> last = makeError(ErrorCode::kInternal, "no attempt made");
  for (int i = 0; i < attempts; ++i) {
    if (i > 0) std::this_thread::sleep_for(backoffDelay(i, kBackoffBase, kBackoffCap, rng()));
    last = attempt(request, url);
    if (last.ok() && !retryableStatus(last->status)) return last;
    if (!last.ok() && !last.error().retryable) return last;
  }
  if (!last.ok()) {
    Error error = std::move(last).error();
    error.message += fmt::format(" (after {} attempts)", attempts);
    return error;
  }
  return last;
}

Result<S3Response> S3Client::attempt(const S3Request& request, const std::string& url) {
  CURL* curl = nullptr;
  {
    std::lock_guard lock(poolMutex_);
    if (!idle_.empty()) {
      curl = static_cast<CURL*>(idle_.back());
      idle_.pop_back();
    }
  }
  if (curl == nullptr) curl = curl_easy_init();
  if (curl == nullptr) return makeError(ErrorCode::kInternal, "curl_easy_init failed");
  // Back to the pool on every path: reset drops the options but keeps the live connections.
  auto release = [this](CURL* handle) {
    curl_easy_reset(handle);
    std::lock_guard lock(poolMutex_);
    if (idle_.size() < kMaxIdleHandles) {
      idle_.push_back(handle);
    } else {
      curl_easy_cleanup(handle);
    }
  };
  std::unique_ptr<CURL, decltype(release)> handle(curl, release);

  S3Response response;
  std::array<char, CURL_ERROR_SIZE> errorBuffer{};
  curl_slist* rawHeaders = nullptr;
  auto addHeader = [&rawHeaders](const std::string& line) {
    rawHeaders = curl_slist_append(rawHeaders, line.c_str());
  };
  addHeader("x-amz-content-sha256: " + sha256Hex(request.body));
  // No "Expect:" header to turn off 100-continue: curl 7.88 would list the removed header as
  // signed, and S3 would refuse the signature.
  bool hasBody = request.method == "PUT" || request.method == "POST";
  bool hasContentType = false;
  for (const auto& [name, value] : request.headers) {
    addHeader(name + ": " + value);
    if (name == "Content-Type") hasContentType = true;
  }
  if (hasBody && !hasContentType) addHeader("Content-Type: application/octet-stream");
  std::unique_ptr<curl_slist, SlistFree> headers(rawHeaders);

  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errorBuffer.data());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4_.c_str());
  curl_easy_setopt(curl, CURLOPT_USERNAME, options_.accessKeyId.c_str());
  curl_easy_setopt(curl, CURLOPT_PASSWORD, options_.secretAccessKey.reveal().c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (hasBody) {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.empty() ? "" : request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    if (request.method == "PUT") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  attempts_.fetch_add(1);
  CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) {
    std::string detail = errorBuffer[0] != '\0' ? errorBuffer.data() : curl_easy_strerror(rc);
    return retryableError(
        rc == CURLE_OPERATION_TIMEDOUT ? ErrorCode::kDeadlineExceeded : ErrorCode::kUnavailable,
        fmt::format("cannot reach S3 at {}: {}", options_.endpoint, detail),
        "bucket=" + options_.bucket);
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

Error S3Client::errorFor(const S3Response& response, std::string_view what) const {
  std::optional<S3ErrorBody> body = parseErrorBody(response.body);
  std::string detail = fmt::format("HTTP {}", response.status);
  if (body && !body->code.empty()) {
    detail += " " + body->code;
    if (!body->message.empty()) detail += ": " + body->message.substr(0, 300);
  }
  std::string context = fmt::format("bucket={} {}", options_.bucket, what);
  const long status = response.status;
  if (status == 404)
    return makeError(ErrorCode::kNotFound, "not found in S3 (" + detail + ")", context);
  if (status == 403) {
    return makeError(ErrorCode::kPermissionDenied,
                     fmt::format("S3 refused access to bucket '{}' for access key id '{}' ({}); "
                                 "check the credentials and the bucket policy",
                                 options_.bucket, options_.accessKeyId, detail),
                     context);
  }
  if (status == 401) {
    return makeError(ErrorCode::kUnauthenticated,
                     "S3 did not accept the credentials (" + detail + ")", context);
  }
  if (status == 409 || status == 412) {
    return makeError(ErrorCode::kFailedPrecondition,
                     "S3 refused the request in the object's current state (" + detail + ")",
                     context);
  }
  if (retryableStatus(status)) {
    return retryableError(ErrorCode::kUnavailable,
                          fmt::format("S3 at {} kept failing ({})", options_.endpoint, detail),
                          context);
  }
  return makeError(ErrorCode::kInvalidArgument, "S3 refused the request (" + detail + ")", context);
}

}  // namespace pharos::objects::s3
