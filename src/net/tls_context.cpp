#include "net/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace pharos::net {
namespace {

// Mozilla's "intermediate" list for TLS 1.2 (TLS 1.3 suites are all good and stay default).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// The reason OpenSSL queued for the last failure, and an empty queue after it (the queue is
// per thread and would otherwise leak into the next, unrelated, error).
std::string takeOpenSslError() {
  unsigned long code = ERR_get_error();  // the earliest is the root cause
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

// OpenSSL's messages for a missing file are vague ("system lib"); say it plainly first.
Status checkReadable(const std::string& file, std::string_view what) {
  if (file.empty()) {
    return makeError(ErrorCode::kInvalidArgument, std::string(what) + " file is not set");
  }
  FILE* f = std::fopen(file.c_str(), "rb");
  if (f == nullptr) {
    return makeError(ErrorCode::kInvalidArgument,
                     "cannot read the " + std::string(what) + " file: " + std::strerror(errno),
                     file);
  }
  std::fclose(f);
  return okStatus();
}

}  // namespace

void SslCtxFree::operator()(ssl_ctx_st* ctx) const {
  SSL_CTX_free(ctx);
}

Result<SslCtxPtr> loadServerTlsContext(const std::string& certFile, const std::string& keyFile) {
  PHAROS_TRY(checkReadable(certFile, "TLS certificate"));
  PHAROS_TRY(checkReadable(keyFile, "TLS key"));
  ERR_clear_error();
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx)
    return makeError(ErrorCode::kInternal, "cannot create a TLS context: " + takeOpenSslError());
  SSL_CTX* c = ctx.get();
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                             SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_SINGLE_ECDH_USE);
  if (SSL_CTX_set_cipher_list(c, kTls12Ciphers) != 1) {
    return makeError(ErrorCode::kInternal, "cannot set TLS ciphers: " + takeOpenSslError());
  }
  if (SSL_CTX_use_certificate_chain_file(c, certFile.c_str()) != 1) {
    return makeError(ErrorCode::kInvalidArgument,
                     "cannot load the TLS certificate: " + takeOpenSslError(), certFile);
  }
  if (SSL_CTX_use_PrivateKey_file(c, keyFile.c_str(), SSL_FILETYPE_PEM) != 1) {
    // The usual mistake after a renewal: a new certificate with the old key, or the reverse.
    bool mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
    std::string reason = takeOpenSslError();
    if (mismatch) {
      return makeError(ErrorCode::kInvalidArgument,
                       "the TLS key does not match the certificate " + certFile, keyFile);
    }
    return makeError(ErrorCode::kInvalidArgument, "cannot load the TLS key: " + reason, keyFile);
  }
  if (SSL_CTX_check_private_key(c) != 1) {
    return makeError(
        ErrorCode::kInvalidArgument,
        "the TLS key does not match the certificate " + certFile + ": " + takeOpenSslError(),
        keyFile);
  }
  return ctx;
}

}  // namespace pharos::net
