#pragma once

#include <memory>
#include <string>

#include "core/result.h"

// OpenSSL's SSL_CTX, declared rather than included: TLS headers stay inside .cpp files.
struct ssl_ctx_st;

namespace pharos::net {

struct SslCtxFree {
  void operator()(ssl_ctx_st* ctx) const;
};
using SslCtxPtr = std::unique_ptr<ssl_ctx_st, SslCtxFree>;

// A server-side OpenSSL context from PEM files: TLS 1.2 and 1.3 only, forward-secret AEAD
// cipher suites for TLS 1.2, no renegotiation, no compression. `certFile` holds the
// certificate chain, leaf first. kInvalidArgument with the offending file as the context when
// a file is missing, unreadable or malformed, or when the key does not match the certificate.
Result<SslCtxPtr> loadServerTlsContext(const std::string& certFile, const std::string& keyFile);

}  // namespace pharos::net
