#include "notify/smtp_sender.h"

#include <curl/curl.h>

#include <cstring>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "net/outbound_url.h"
#include "notify/email_message.h"

namespace pharos::notify {
namespace {

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

void initCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Upload {
  std::string_view data;
  size_t offset = 0;
};

size_t readChunk(char* buffer, size_t size, size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  size_t n = std::min(size * count, up->data.size() - up->offset);
  std::memcpy(buffer, up->data.data() + up->offset, n);
  up->offset += n;
  return n;
}

}  // namespace

Status checkReceiverForEnvironment(const ReceiverSpec& spec, config::Environment env) {
  if (spec.type == ReceiverType::kEmail && env != config::Environment::kDev && !spec.starttls &&
      !spec.implicitTls) {
    return makeError(ErrorCode::kFailedPrecondition,
                     fmt::format("receiver '{}': plain SMTP is refused in {}; set starttls: true "
                                 "or tls: true",
                                 spec.name, config::environmentName(env)));
  }
  return okStatus();
}

Result<int> sendEmail(net::OutboundClient& client, const ReceiverSpec& spec,
                      std::string_view message) {
  initCurlOnce();
  PHAROS_ASSIGN_OR_RETURN(net::OutboundTarget target, net::parseOutboundTarget(spec.smarthost));
  PHAROS_ASSIGN_OR_RETURN(
      std::vector<net::IpAddress> addresses,
      client.validateTarget(spec.smarthost, net::OutboundPurpose::kReceivers, spec.timeout));
  if (addresses.empty()) {
    return retryableError(ErrorCode::kUnavailable,
                          fmt::format("{} resolves to no address", target.host));
  }
  const net::IpAddress& address = addresses.front();
  std::string pinnedAddress = address.toString();
  if (pinnedAddress.find(':') != std::string::npos) pinnedAddress = "[" + pinnedAddress + "]";
  std::string host = target.ipv6Literal ? "[" + target.host + "]" : target.host;
  std::string resolve = fmt::format("{}:{}:{}", target.host, target.port, pinnedAddress);
  std::string url =
      fmt::format("{}://{}:{}/pharos", spec.implicitTls ? "smtps" : "smtp", host, target.port);

  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl) return makeError(ErrorCode::kInternal, "curl_easy_init failed");
  std::unique_ptr<curl_slist, SlistFree> resolveList(curl_slist_append(nullptr, resolve.c_str()));
  std::unique_ptr<curl_slist, SlistFree> recipients;
  for (const std::string& to : spec.to) {
    curl_slist* grown = curl_slist_append(recipients.get(), ("<" + emailAddress(to) + ">").c_str());
    recipients.release();
    recipients.reset(grown);
  }
  std::string from = "<" + emailAddress(spec.from) + ">";
  Upload upload{message};
  char errorBuffer[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_RESOLVE, resolveList.get());
  curl_easy_setopt(c, CURLOPT_PROXY, "");
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(spec.timeout.count()));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errorBuffer);
  curl_easy_setopt(c, CURLOPT_USE_SSL,
                   spec.implicitTls || spec.starttls ? static_cast<long>(CURLUSESSL_ALL)
                                                     : static_cast<long>(CURLUSESSL_NONE));
  if (!spec.caFile.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, spec.caFile.c_str());
  if (!spec.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, spec.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, spec.password.reveal().c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, readChunk);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));

  CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  if (rc != CURLE_OK) {
    std::string why = errorBuffer[0] != '\0' ? errorBuffer : curl_easy_strerror(rc);
    return retryableError(
        rc == CURLE_OPERATION_TIMEDOUT ? ErrorCode::kDeadlineExceeded : ErrorCode::kUnavailable,
        redactSecrets(spec, fmt::format("smtp {}: {}{}", spec.smarthost, why,
                                        code != 0 ? fmt::format(" (reply {})", code) : "")));
  }
  return static_cast<int>(code);
}

}  // namespace pharos::notify
