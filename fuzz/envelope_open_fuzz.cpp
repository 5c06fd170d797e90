// Envelopes read back from the store, objects and backup files: arbitrary bytes must give an
// error value, never a crash, an overread or an unbounded allocation. The key is fixed, so
// seeds sealed with it (fuzz/corpus/envelope_open_fuzz) take the fuzzer past authentication
// into the stream's chunk loop; whatever opens must open the same way twice.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "crypto/envelope.h"
#include "crypto/key_bytes.h"

namespace {

using namespace pharos::crypto;

// The seeds' key: byte i is 7*i+3.
const KeyBytes& fuzzKey() {
  static const KeyBytes key = [] {
    unsigned char raw[kKeyBytes];
    for (size_t i = 0; i < kKeyBytes; ++i)
      raw[i] = static_cast<unsigned char>(7 * i + 3);
    auto made = KeyBytes::copyOf(raw);
    if (!made.ok()) std::abort();
    return std::move(made).value();
  }();
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  KeyView key = fuzzKey().view();
  auto header = envelope::readHeader(input);
  std::string keyId = header.ok() ? header->keyId : "k1";
  if (header.ok() && header->size > size) std::abort();

  auto value = envelope::open(key, "secrets", keyId, input);
  if (value.ok()) {
    auto again = envelope::open(key, "secrets", keyId, input);
    if (!again.ok() || *again != *value) std::abort();
  }

  size_t produced = 0;
  pharos::Status stream = envelope::openStream(key, "backups", keyId, envelope::sourceFrom(input),
                                               [&](std::string_view bytes) -> pharos::Status {
                                                 produced += bytes.size();
                                                 return pharos::okStatus();
                                               });
  // Plaintext is never longer than the ciphertext it came from.
  if (produced > size) std::abort();
  if (stream.ok() && (!header.ok() || header->format != envelope::Format::kStream)) std::abort();
  return 0;
}
