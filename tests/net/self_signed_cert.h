#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

namespace pharos::net::testing {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};

// A self-signed EC P-256 certificate with `serial` and CN=`name`, valid from a minute ago
// for a day, written as PEM; with `subjectAltNames` ("DNS:localhost,IP:127.0.0.1") when given.
// Use with ASSERT_NO_FATAL_FAILURE.
inline void writeSelfSignedCert(const std::string& certFile, const std::string& keyFile,
                                long serial, const std::string& name,
                                const std::string& subjectAltNames = {}) {
  std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_EC_gen("P-256"));
  ASSERT_TRUE(key);
  std::unique_ptr<X509, X509Free> cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), subject);
  if (!subjectAltNames.empty()) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    X509_EXTENSION* san =
        X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, subjectAltNames.c_str());
    ASSERT_NE(san, nullptr);
    X509_add_ext(cert.get(), san, -1);
    X509_EXTENSION_free(san);
  }
  ASSERT_GT(X509_sign(cert.get(), key.get(), EVP_sha256()), 0);
  FILE* c = std::fopen(certFile.c_str(), "wb");
  ASSERT_NE(c, nullptr);
  PEM_write_X509(c, cert.get());
  std::fclose(c);
  FILE* k = std::fopen(keyFile.c_str(), "wb");
  ASSERT_NE(k, nullptr);
  PEM_write_PrivateKey(k, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(k);
}

}  // namespace pharos::net::testing
