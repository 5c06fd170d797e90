#include "crypto/envelope.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <istream>
#include <ostream>
#include <vector>

#include "crypto/aead.h"

namespace pharos::crypto::envelope {
namespace {

using StreamState = crypto_secretstream_xchacha20poly1305_state;
constexpr size_t kStreamHeaderBytes = crypto_secretstream_xchacha20poly1305_HEADERBYTES;
constexpr size_t kChunkOverhead = crypto_secretstream_xchacha20poly1305_ABYTES;
constexpr size_t kFixedHeaderBytes = 7;  // magic, version, format, key id length
static_assert(kKeyBytes == crypto_secretstream_xchacha20poly1305_KEYBYTES);

Error authFailed(std::string context = {}) {
  return authenticationFailed(std::move(context));
}

Error truncated() {
  return makeError(ErrorCode::kDataLoss,
                   "truncated stream: the encrypted data ends before its final chunk");
}

Error notAnEnvelope(std::string why) {
  return makeError(ErrorCode::kInvalidArgument, "not a Pharos envelope: " + why);
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

void appendU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t readU32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

Result<std::string> encodeHeader(Format format, std::string_view purpose, std::string_view keyId,
                                 uint32_t chunkBytes) {
  if (!isValidKeyId(keyId)) {
    return makeError(ErrorCode::kInvalidArgument,
                     "invalid key id: expected 1 to 64 of A-Z a-z 0-9 _ -");
  }
  if (!isValidPurpose(purpose)) {
    return makeError(ErrorCode::kInvalidArgument,
                     "invalid purpose '" + std::string(purpose.substr(0, kMaxPurposeBytes)) +
                         "': expected 1 to 32 of a-z 0-9 . _ : -");
  }
  std::string h(kMagic);
  h.push_back(static_cast<char>(kVersion));
  h.push_back(static_cast<char>(format));
  h.push_back(static_cast<char>(keyId.size()));
  h.append(keyId);
  h.push_back(static_cast<char>(purpose.size()));
  h.append(purpose);
  if (format == Format::kStream) appendU32(h, chunkBytes);
  return h;
}

// The opener's expectations against the (unauthenticated) header: a mismatch is reported as
// an authentication failure, saying which field differs, as the AEAD would fail anyway.
Status expectHeader(const Header& header, Format format, std::string_view purpose,
                    std::string_view keyId) {
  if (header.format != format) {
    return notAnEnvelope(format == Format::kValue ? "this is a stream, not a value"
                                                  : "this is a value, not a stream");
  }
  if (header.purpose != purpose) {
    return authFailed("sealed for purpose '" + header.purpose + "', opened as '" +
                      std::string(purpose) + "'");
  }
  if (header.keyId != keyId) {
    return authFailed("sealed with key '" + header.keyId + "', opened with key '" +
                      std::string(keyId) + "'");
  }
  return okStatus();
}

// Reads exactly `n` bytes unless the input ends first; returns how many it got.
Result<size_t> readFully(const ByteSource& in, char* buffer, size_t n) {
  size_t got = 0;
  while (got < n) {
    PHAROS_ASSIGN_OR_RETURN(size_t r, in(buffer + got, n - got));
    if (r == 0) break;
    if (r > n - got) return makeError(ErrorCode::kInternal, "byte source overran its buffer");
    got += r;
  }
  return got;
}

// Reads a stream's header field by field from `in`, returning its bytes in `raw`.
Result<Header> readStreamHeader(const ByteSource& in, std::string& raw) {
  raw.assign(kFixedHeaderBytes, '\0');
  PHAROS_ASSIGN_OR_RETURN(size_t got, readFully(in, raw.data(), kFixedHeaderBytes));
  if (got < kFixedHeaderBytes) return notAnEnvelope("too short");
  if (std::string_view(raw).substr(0, kMagic.size()) != kMagic) {
    return notAnEnvelope("no PHX1 magic");
  }
  auto more = [&](size_t n) -> Status {
    size_t start = raw.size();
    raw.resize(start + n);
    PHAROS_ASSIGN_OR_RETURN(size_t r, readFully(in, raw.data() + start, n));
    if (r < n) return notAnEnvelope("header cut short");
    return okStatus();
  };
  size_t keyIdLen = static_cast<unsigned char>(raw[6]);
  PHAROS_TRY(more(keyIdLen + 1));
  size_t purposeLen = static_cast<unsigned char>(raw.back());
  PHAROS_TRY(more(purposeLen + 4));
  return readHeader(raw);
}

// A plaintext buffer wiped when it goes out of scope, on error paths too.
template <typename T>
class WipedBuffer {
 public:
  explicit WipedBuffer(size_t size) : bytes_(size) {}
  WipedBuffer(const WipedBuffer&) = delete;
  WipedBuffer& operator=(const WipedBuffer&) = delete;
  ~WipedBuffer() { sodium_memzero(bytes_.data(), bytes_.size()); }
  T* data() { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }
  void swap(WipedBuffer& other) { bytes_.swap(other.bytes_); }

 private:
  std::vector<T> bytes_;
};

class SecretStreamState {
 public:
  SecretStreamState() = default;
  SecretStreamState(const SecretStreamState&) = delete;
  SecretStreamState& operator=(const SecretStreamState&) = delete;
  // The state holds the derived chunk key: wipe it.
  ~SecretStreamState() { sodium_memzero(&state_, sizeof state_); }
  StreamState* get() { return &state_; }

 private:
  StreamState state_{};
};

}  // namespace

Error authenticationFailed(std::string context) {
  return makeError(ErrorCode::kDataLoss,
                   "authentication failed: wrong key, wrong purpose or tampered data",
                   std::move(context));
}

bool isValidKeyId(std::string_view keyId) {
  if (keyId.empty() || keyId.size() > kMaxKeyIdBytes) return false;
  return std::all_of(keyId.begin(), keyId.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

bool isValidPurpose(std::string_view purpose) {
  if (purpose.empty() || purpose.size() > kMaxPurposeBytes) return false;
  return std::all_of(purpose.begin(), purpose.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
           c == '-';
  });
}

Result<Header> readHeader(std::string_view data) {
  if (data.size() < kFixedHeaderBytes) return notAnEnvelope("too short");
  if (data.substr(0, kMagic.size()) != kMagic) return notAnEnvelope("no PHX1 magic");
  auto version = static_cast<uint8_t>(data[4]);
  if (version != kVersion) {
    return notAnEnvelope("unknown version " + std::to_string(version) +
                         " (this build reads version 1)");
  }
  Header h;
  auto format = static_cast<uint8_t>(data[5]);
  if (format != static_cast<uint8_t>(Format::kValue) &&
      format != static_cast<uint8_t>(Format::kStream)) {
    return notAnEnvelope("unknown format " + std::to_string(format));
  }
  h.format = static_cast<Format>(format);
  size_t pos = 6;
  auto field = [&](std::string& out) -> bool {
    if (pos >= data.size()) return false;
    size_t len = static_cast<unsigned char>(data[pos++]);
    if (data.size() - pos < len) return false;
    out.assign(data.substr(pos, len));
    pos += len;
    return true;
  };
  if (!field(h.keyId) || !isValidKeyId(h.keyId)) return notAnEnvelope("bad key id");
  if (!field(h.purpose) || !isValidPurpose(h.purpose)) return notAnEnvelope("bad purpose");
  if (h.format == Format::kStream) {
    if (data.size() - pos < 4) return notAnEnvelope("header cut short");
    h.chunkBytes = readU32(data.data() + pos);
    pos += 4;
    if (h.chunkBytes < kMinChunkBytes || h.chunkBytes > kMaxChunkBytes) {
      return notAnEnvelope("chunk size " + std::to_string(h.chunkBytes) + " out of range");
    }
  }
  h.size = pos;
  return h;
}

Result<std::string> seal(KeyView key, std::string_view purpose, std::string_view keyId,
                         std::string_view plaintext) {
  PHAROS_TRY(initSodium());
  PHAROS_ASSIGN_OR_RETURN(std::string out, encodeHeader(Format::kValue, purpose, keyId, 0));
  std::string ad = out;
  out.reserve(out.size() + aead::kNonceBytes + plaintext.size() + aead::kTagBytes);
  aead::sealAppend(key, ad, plaintext, out);
  return out;
}

Result<std::string> open(KeyView key, std::string_view purpose, std::string_view keyId,
                         std::string_view sealed) {
  PHAROS_TRY(initSodium());
  PHAROS_ASSIGN_OR_RETURN(Header header, readHeader(sealed));
  PHAROS_TRY(expectHeader(header, Format::kValue, purpose, keyId));
  std::string plaintext;
  if (!aead::open(key, sealed.substr(0, header.size), sealed.substr(header.size), plaintext)) {
    return authFailed();
  }
  return plaintext;
}

ByteSource sourceFrom(std::istream& in) {
  return [&in](char* buffer, size_t capacity) -> Result<size_t> {
    in.read(buffer, static_cast<std::streamsize>(capacity));
    if (in.bad()) return makeError(ErrorCode::kIo, "read failed on the input stream");
    return static_cast<size_t>(in.gcount());
  };
}

ByteSource sourceFrom(std::string_view data) {
  return [data, pos = size_t{0}](char* buffer, size_t capacity) mutable -> Result<size_t> {
    size_t n = std::min(capacity, data.size() - pos);
    std::memcpy(buffer, data.data() + pos, n);
    pos += n;
    return n;
  };
}

ByteSink sinkTo(std::ostream& out) {
  return [&out](std::string_view data) -> Status {
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out) return makeError(ErrorCode::kIo, "write failed on the output stream");
    return okStatus();
  };
}

ByteSink sinkTo(std::string& out) {
  return [&out](std::string_view data) -> Status {
    out.append(data);
    return okStatus();
  };
}

Status sealStream(KeyView key, std::string_view purpose, std::string_view keyId,
                  const ByteSource& in, const ByteSink& out, const StreamOptions& options) {
  PHAROS_TRY(initSodium());
  if (options.chunkBytes < kMinChunkBytes || options.chunkBytes > kMaxChunkBytes) {
    return makeError(ErrorCode::kInvalidArgument,
                     "chunk size " + std::to_string(options.chunkBytes) + " out of range");
  }
  PHAROS_ASSIGN_OR_RETURN(
      std::string header,
      encodeHeader(Format::kStream, purpose, keyId, static_cast<uint32_t>(options.chunkBytes)));
  SecretStreamState state;
  std::string first = header;
  first.resize(header.size() + kStreamHeaderBytes);
  crypto_secretstream_xchacha20poly1305_init_push(
      state.get(), reinterpret_cast<unsigned char*>(first.data() + header.size()), key.data());
  PHAROS_TRY(out(first));

  // Two buffers: a chunk is FINAL when the one after it is empty, which is only known once
  // the next has been read.
  WipedBuffer<char> current(options.chunkBytes), next(options.chunkBytes);
  std::string record(4 + options.chunkBytes + kChunkOverhead, '\0');
  PHAROS_ASSIGN_OR_RETURN(size_t currentSize, readFully(in, current.data(), current.size()));
  for (;;) {
    size_t nextSize = 0;
    if (currentSize == current.size()) {
      PHAROS_ASSIGN_OR_RETURN(nextSize, readFully(in, next.data(), next.size()));
    }
    bool last = nextSize == 0;
    unsigned long long written = 0;
    crypto_secretstream_xchacha20poly1305_push(
        state.get(), reinterpret_cast<unsigned char*>(record.data() + 4), &written,
        reinterpret_cast<const unsigned char*>(current.data()), currentSize, bytes(header),
        header.size(),
        last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
             : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
    for (int i = 0; i < 4; ++i)
      record[i] = static_cast<char>((written >> (8 * i)) & 0xff);
    PHAROS_TRY(out(std::string_view(record.data(), 4 + written)));
    if (last) break;
    current.swap(next);
    currentSize = nextSize;
  }
  return okStatus();
}

Status openStream(const KeyLookup& keyFor, std::string_view purpose, const ByteSource& in,
                  const ByteSink& out) {
  PHAROS_TRY(initSodium());
  std::string header;
  PHAROS_ASSIGN_OR_RETURN(Header h, readStreamHeader(in, header));
  if (h.format != Format::kStream) return notAnEnvelope("this is a value, not a stream");
  if (h.purpose != purpose) {
    return authFailed("sealed for purpose '" + h.purpose + "', opened as '" + std::string(purpose) +
                      "'");
  }
  PHAROS_ASSIGN_OR_RETURN(KeyView key, keyFor(h));

  unsigned char streamHeader[kStreamHeaderBytes];
  PHAROS_ASSIGN_OR_RETURN(size_t got,
                          readFully(in, reinterpret_cast<char*>(streamHeader), kStreamHeaderBytes));
  if (got < kStreamHeaderBytes) return truncated();
  SecretStreamState state;
  if (crypto_secretstream_xchacha20poly1305_init_pull(state.get(), streamHeader, key.data()) != 0) {
    return authFailed();
  }

  std::vector<char> cipher(h.chunkBytes + kChunkOverhead);
  WipedBuffer<unsigned char> plain(h.chunkBytes);
  for (;;) {
    char prefix[4];
    PHAROS_ASSIGN_OR_RETURN(size_t n, readFully(in, prefix, 4));
    if (n < 4) return truncated();
    uint32_t length = readU32(prefix);
    if (length < kChunkOverhead || length > cipher.size()) {
      return authFailed("chunk length " + std::to_string(length) + " out of range");
    }
    PHAROS_ASSIGN_OR_RETURN(n, readFully(in, cipher.data(), length));
    if (n < length) return truncated();
    unsigned long long plainSize = 0;
    unsigned char tag = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(
            state.get(), plain.data(), &plainSize, &tag,
            reinterpret_cast<const unsigned char*>(cipher.data()), length, bytes(header),
            header.size()) != 0) {
      return authFailed();
    }
    PHAROS_TRY(out(std::string_view(reinterpret_cast<const char*>(plain.data()), plainSize)));
    if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) break;
    if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) return authFailed();
  }
  char extra;
  PHAROS_ASSIGN_OR_RETURN(size_t trailing, readFully(in, &extra, 1));
  if (trailing != 0) {
    return makeError(ErrorCode::kDataLoss, "bytes follow the final chunk of the encrypted stream");
  }
  return okStatus();
}

Status openStream(KeyView key, std::string_view purpose, std::string_view keyId,
                  const ByteSource& in, const ByteSink& out) {
  std::string expectedId(keyId);
  auto lookup = [&](const Header& header) -> Result<KeyView> {
    if (header.keyId != expectedId) {
      return authFailed("sealed with key '" + header.keyId + "', opened with key '" + expectedId +
                        "'");
    }
    return key;
  };
  return openStream(lookup, purpose, in, out);
}

}  // namespace pharos::crypto::envelope
