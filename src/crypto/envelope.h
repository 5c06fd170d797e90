#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

#include "core/result.h"
#include "crypto/key_bytes.h"

// Envelopes: data encrypted under a data key, with a small header that names the key and the
// purpose, both bound into the authentication so that a ciphertext copied to another purpose,
// opened with another key, or changed in any byte fails to open. It never yields garbage.
//
// Layout (all integers little-endian):
//   "PHX1" | version (1) | format (1: value, 2: stream) | key id length (1) | key id |
//   purpose length (1) | purpose | [stream only: chunk size (4)]
// then, for a value:  nonce (24) | XChaCha20-Poly1305-IETF ciphertext | tag (16)
// and for a stream:   secretstream header (24) | chunks, each: length (4) | ciphertext
//                     (crypto_secretstream_xchacha20poly1305, the last one tagged FINAL)
// The header bytes are the associated data of the value and of every chunk.
namespace pharos::crypto::envelope {

inline constexpr std::string_view kMagic = "PHX1";
inline constexpr uint8_t kVersion = 1;
inline constexpr size_t kMaxKeyIdBytes = 64;
inline constexpr size_t kMaxPurposeBytes = 32;
inline constexpr size_t kDefaultChunkBytes = 64 * 1024;
inline constexpr size_t kMinChunkBytes = 1024;
inline constexpr size_t kMaxChunkBytes = 16 * 1024 * 1024;

enum class Format : uint8_t { kValue = 1, kStream = 2 };

// What the header of an envelope says. Unauthenticated until the envelope is opened: use it to
// choose the key, never to trust the data.
struct Header {
  Format format = Format::kValue;
  std::string keyId;
  std::string purpose;
  uint32_t chunkBytes = 0;  // streams only
  size_t size = 0;          // bytes the header takes
};

// Key ids: 1 to 64 of [A-Za-z0-9_-]. Purposes: 1 to 32 of [a-z0-9._:-].
bool isValidKeyId(std::string_view keyId);
bool isValidPurpose(std::string_view purpose);

// The error every failed authentication gives (kDataLoss, "authentication failed: wrong key,
// wrong purpose or tampered data"), with `context` saying what is known to differ.
Error authenticationFailed(std::string context = {});

// The header at the start of `bytes`; kInvalidArgument if it is not one.
Result<Header> readHeader(std::string_view bytes);

// Encrypts `plaintext` under `key` (named `keyId`) for `purpose`. kInvalidArgument for an
// invalid key id or purpose.
Result<std::string> seal(KeyView key, std::string_view purpose, std::string_view keyId,
                         std::string_view plaintext);

// The plaintext of `sealed`, which must have been sealed for `purpose` with `key` named
// `keyId`. kInvalidArgument if `sealed` is not an envelope at all; kDataLoss ("authentication
// failed: wrong key, wrong purpose or tampered data") if it is one but does not open.
Result<std::string> open(KeyView key, std::string_view purpose, std::string_view keyId,
                         std::string_view sealed);

// --- Streams, for data too large to hold in memory (backups) ---

// Reads up to `capacity` bytes into `buffer`; returns how many, 0 only at the end of input.
using ByteSource = std::function<Result<size_t>(char* buffer, size_t capacity)>;
// Takes the next bytes of output.
using ByteSink = std::function<Status(std::string_view bytes)>;

// Adapters for standard streams (a read or write failure becomes kIo) and for bytes in memory
// (the source keeps a view: `bytes` must outlive it).
ByteSource sourceFrom(std::istream& in);
ByteSource sourceFrom(std::string_view bytes);
ByteSink sinkTo(std::ostream& out);
ByteSink sinkTo(std::string& out);

struct StreamOptions {
  size_t chunkBytes = kDefaultChunkBytes;  // plaintext per chunk, kMinChunkBytes..kMaxChunkBytes
};

// Encrypts everything `in` yields into `out`, chunk by chunk, in constant memory (two chunks).
Status sealStream(KeyView key, std::string_view purpose, std::string_view keyId,
                  const ByteSource& in, const ByteSink& out, const StreamOptions& options = {});

// Chooses the key for a stream from its header (the keyring looks the key id up), or fails.
using KeyLookup = std::function<Result<KeyView>(const Header& header)>;

// Decrypts a stream sealed for `purpose` into `out`. Each chunk is authenticated before it is
// passed on, but a stream cut short is only known at its end: the output is trustworthy only
// once this returns ok (restore into a temporary place, then move it into use). kDataLoss for
// a tampered, reordered or truncated stream (no FINAL chunk) and for bytes after the end.
Status openStream(const KeyLookup& keyFor, std::string_view purpose, const ByteSource& in,
                  const ByteSink& out);
Status openStream(KeyView key, std::string_view purpose, std::string_view keyId,
                  const ByteSource& in, const ByteSink& out);

}  // namespace pharos::crypto::envelope
