#include <gtest/gtest.h>

#include <sstream>

#include "crypto/envelope.h"
#include "crypto/key_bytes.h"

namespace pharos::crypto::envelope {
namespace {

class EnvelopeTest : public ::testing::Test {
 protected:
  static KeyBytes newKey() {
    Result<KeyBytes> key = KeyBytes::random();
    if (!key.ok()) std::abort();
    return std::move(key).value();
  }

  static bool isAuthOrFormatError(const Error& e) {
    return e.code == ErrorCode::kDataLoss || e.code == ErrorCode::kInvalidArgument;
  }

  // `size` bytes of a pattern that does not repeat at chunk boundaries.
  static std::string patterned(size_t size) {
    std::string s(size, '\0');
    uint32_t x = 2463534242u;
    for (char& c : s) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      c = static_cast<char>(x);
    }
    return s;
  }

  Result<std::string> sealStreamOf(std::string_view plaintext, size_t chunkBytes) {
    std::string out;
    PHAROS_TRY(sealStream(key_.view(), "backups", "k1", sourceFrom(plaintext), sinkTo(out),
                          StreamOptions{chunkBytes}));
    return out;
  }

  Result<std::string> openStreamOf(std::string_view sealed) {
    std::string out;
    PHAROS_TRY(openStream(key_.view(), "backups", "k1", sourceFrom(sealed), sinkTo(out)));
    return out;
  }

  KeyBytes key_ = newKey();
};

TEST_F(EnvelopeTest, ValueRoundTrip) {
  for (std::string plaintext : {std::string(), std::string("hunter2"), patterned(100'000)}) {
    Result<std::string> sealed = seal(key_.view(), "secrets", "01HXKEY", plaintext);
    ASSERT_TRUE(sealed.ok()) << sealed.error().toString();
    EXPECT_EQ(sealed->size(), plaintext.size() + 4 + 3 + 7 + 1 + 7 + 24 + 16);
    if (!plaintext.empty()) {
      EXPECT_EQ(sealed->find(plaintext), std::string::npos);
    }
    Result<std::string> opened = open(key_.view(), "secrets", "01HXKEY", *sealed);
    ASSERT_TRUE(opened.ok()) << opened.error().toString();
    EXPECT_EQ(*opened, plaintext);
  }
}

TEST_F(EnvelopeTest, SameValueSealsDifferentlyEachTime) {
  auto a = seal(key_.view(), "secrets", "k", "same");
  auto b = seal(key_.view(), "secrets", "k", "same");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);  // random nonces
}

TEST_F(EnvelopeTest, HeaderNamesKeyAndPurpose) {
  auto sealed = seal(key_.view(), "archive", "key-7", "x");
  ASSERT_TRUE(sealed.ok());
  Result<Header> h = readHeader(*sealed);
  ASSERT_TRUE(h.ok()) << h.error().toString();
  EXPECT_EQ(h->format, Format::kValue);
  EXPECT_EQ(h->keyId, "key-7");
  EXPECT_EQ(h->purpose, "archive");
}

TEST_F(EnvelopeTest, EveryFlippedByteFailsToOpen) {
  auto sealed = seal(key_.view(), "secrets", "k1", "a small secret value");
  ASSERT_TRUE(sealed.ok());
  for (size_t i = 0; i < sealed->size(); ++i) {
    for (unsigned char mask : {0x01, 0x80}) {
      std::string bad = *sealed;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      Result<std::string> opened = open(key_.view(), "secrets", "k1", bad);
      ASSERT_FALSE(opened.ok()) << "byte " << i << " mask " << int(mask);
      EXPECT_TRUE(isAuthOrFormatError(opened.error())) << opened.error().toString();
    }
  }
}

TEST_F(EnvelopeTest, TruncatedOrExtendedValueFails) {
  auto sealed = seal(key_.view(), "secrets", "k1", "value");
  ASSERT_TRUE(sealed.ok());
  for (size_t n = 0; n < sealed->size(); ++n) {
    auto opened = open(key_.view(), "secrets", "k1", sealed->substr(0, n));
    ASSERT_FALSE(opened.ok()) << n;
    EXPECT_TRUE(isAuthOrFormatError(opened.error()));
  }
  EXPECT_FALSE(open(key_.view(), "secrets", "k1", *sealed + "x").ok());
}

TEST_F(EnvelopeTest, WrongPurposeWrongKeyWrongIdFailClearly) {
  auto sealed = seal(key_.view(), "secrets", "k1", "value");
  ASSERT_TRUE(sealed.ok());
  KeyBytes other = newKey();
  for (auto opened :
       {open(key_.view(), "backups", "k1", *sealed), open(other.view(), "secrets", "k1", *sealed),
        open(key_.view(), "secrets", "k2", *sealed)}) {
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code, ErrorCode::kDataLoss);
    EXPECT_EQ(opened.error().message,
              "authentication failed: wrong key, wrong purpose or tampered data");
  }
}

TEST_F(EnvelopeTest, RewrittenPurposeInHeaderStillFails) {
  // Relabelling the header to the purpose the opener expects does not help: the original
  // header is what was authenticated.
  auto sealed = seal(key_.view(), "secretz", "k1", "value");
  ASSERT_TRUE(sealed.ok());
  std::string relabelled = *sealed;
  size_t at = relabelled.find("secretz");
  ASSERT_NE(at, std::string::npos);
  relabelled[at + 6] = 's';
  auto opened = open(key_.view(), "secrets", "k1", relabelled);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kDataLoss);
  EXPECT_TRUE(opened.error().context.empty());  // the header matched; the AEAD refused
}

TEST_F(EnvelopeTest, GarbageIsNotAnEnvelope) {
  for (std::string_view bytes : {"", "PHX", "PHX2\x01\x01", "hello world, not encrypted"}) {
    auto opened = open(key_.view(), "secrets", "k1", bytes);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(opened.error().message.find("not a Pharos envelope"), std::string::npos);
  }
}

TEST_F(EnvelopeTest, InvalidKeyIdOrPurposeIsRefusedWhenSealing) {
  EXPECT_EQ(seal(key_.view(), "", "k", "x").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(seal(key_.view(), "Secrets", "k", "x").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(seal(key_.view(), "secrets", "", "x").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(seal(key_.view(), "secrets", std::string(65, 'a'), "x").error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(seal(key_.view(), "secrets", "a b", "x").error().code, ErrorCode::kInvalidArgument);
}

TEST_F(EnvelopeTest, StreamRoundTripAcrossChunkBoundaries) {
  constexpr size_t kChunk = 64 * 1024;
  for (size_t size :
       {size_t{0}, size_t{1}, kChunk - 1, kChunk, kChunk + 1, 3 * kChunk, size_t{3'000'017}}) {
    std::string plaintext = patterned(size);
    Result<std::string> sealed = sealStreamOf(plaintext, kChunk);
    ASSERT_TRUE(sealed.ok()) << sealed.error().toString();
    // The last chunk, full or not, is tagged FINAL; empty input still has one (empty) chunk.
    size_t chunks = std::max<size_t>(1, (size + kChunk - 1) / kChunk);
    EXPECT_EQ(sealed->size(), 4 + 3 + 2 + 1 + 7 + 4 + 24 + chunks * (4 + 17) + size) << size;
    Result<std::string> opened = openStreamOf(*sealed);
    ASSERT_TRUE(opened.ok()) << size << ": " << opened.error().toString();
    EXPECT_TRUE(*opened == plaintext) << size;
  }
}

TEST_F(EnvelopeTest, StreamOverStdStreamsWithSmallReads) {
  std::string plaintext = patterned(5'000'000);
  std::istringstream in(plaintext);
  std::ostringstream sealedOut;
  ASSERT_TRUE(sealStream(key_.view(), "backups", "k1", sourceFrom(in), sinkTo(sealedOut)).ok());
  std::string sealed = sealedOut.str();
  // A source that hands out 7 bytes at a time, so no read lines up with a record.
  ByteSource whole = sourceFrom(sealed);
  ByteSource trickle = [&](char* buffer, size_t capacity) {
    return whole(buffer, std::min<size_t>(capacity, 7));
  };
  std::ostringstream plainOut;
  Status opened = openStream(key_.view(), "backups", "k1", trickle, sinkTo(plainOut));
  ASSERT_TRUE(opened.ok()) << opened.error().toString();
  EXPECT_TRUE(plainOut.str() == plaintext);
}

TEST_F(EnvelopeTest, TruncatedStreamFailsAtEveryCut) {
  std::string plaintext = patterned(10'000);
  Result<std::string> sealed = sealStreamOf(plaintext, 1024);
  ASSERT_TRUE(sealed.ok());
  // Every cut, including exactly at record boundaries, where each chunk read is intact.
  for (size_t n = 0; n < sealed->size(); ++n) {
    Result<std::string> opened = openStreamOf(sealed->substr(0, n));
    ASSERT_FALSE(opened.ok()) << "cut at " << n;
    EXPECT_TRUE(isAuthOrFormatError(opened.error())) << opened.error().toString();
  }
  size_t lastRecord = sealed->size() - (4 + 17 + 10'000 % 1024);
  Result<std::string> opened = openStreamOf(sealed->substr(0, lastRecord));
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("truncated"), std::string::npos);
}

TEST_F(EnvelopeTest, StreamWithAnyFlippedByteFails) {
  Result<std::string> sealed = sealStreamOf(patterned(3000), 1024);
  ASSERT_TRUE(sealed.ok());
  for (size_t i = 0; i < sealed->size(); ++i) {
    std::string bad = *sealed;
    bad[i] = static_cast<char>(bad[i] ^ 0x04);
    Result<std::string> opened = openStreamOf(bad);
    ASSERT_FALSE(opened.ok()) << "byte " << i;
    EXPECT_TRUE(isAuthOrFormatError(opened.error())) << opened.error().toString();
  }
}

TEST_F(EnvelopeTest, StreamWithTrailingBytesOrSwappedChunksFails) {
  Result<std::string> sealed = sealStreamOf(patterned(3 * 1024 + 5), 1024);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(openStreamOf(*sealed + "x").error().code, ErrorCode::kDataLoss);

  size_t headerSize = 4 + 3 + 2 + 1 + 7 + 4 + 24;
  size_t record = 4 + 1024 + 17;
  std::string swapped = *sealed;
  std::copy_n(sealed->begin() + headerSize, record, swapped.begin() + headerSize + record);
  std::copy_n(sealed->begin() + headerSize + record, record, swapped.begin() + headerSize);
  EXPECT_EQ(openStreamOf(swapped).error().code, ErrorCode::kDataLoss);
}

TEST_F(EnvelopeTest, StreamForAnotherPurposeFails) {
  Result<std::string> sealed = sealStreamOf("data", 1024);
  ASSERT_TRUE(sealed.ok());
  std::string out;
  Status opened = openStream(key_.view(), "archive", "k1", sourceFrom(*sealed), sinkTo(out));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kDataLoss);
  EXPECT_TRUE(out.empty());
}

TEST_F(EnvelopeTest, ValueAndStreamAreNotInterchangeable) {
  auto value = seal(key_.view(), "backups", "k1", "data");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(openStreamOf(*value).error().code, ErrorCode::kInvalidArgument);
  Result<std::string> stream = sealStreamOf("data", 1024);
  ASSERT_TRUE(stream.ok());
  EXPECT_EQ(open(key_.view(), "backups", "k1", *stream).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(EnvelopeTest, SinkAndSourceErrorsPropagate) {
  std::string plaintext = patterned(5000);
  Status sealed =
      sealStream(key_.view(), "backups", "k1", sourceFrom(plaintext),
                 [](std::string_view) -> Status { return makeError(ErrorCode::kIo, "disk full"); });
  ASSERT_FALSE(sealed.ok());
  EXPECT_EQ(sealed.error().message, "disk full");
  std::string out;
  Status failedRead = sealStream(
      key_.view(), "backups", "k1",
      [](char*, size_t) -> Result<size_t> { return makeError(ErrorCode::kIo, "read error"); },
      sinkTo(out));
  ASSERT_FALSE(failedRead.ok());
  EXPECT_EQ(failedRead.error().message, "read error");
}

}  // namespace
}  // namespace pharos::crypto::envelope
