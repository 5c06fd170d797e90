#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "crypto/keyring.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"

namespace pharos::crypto {
namespace {

using namespace std::chrono_literals;

class KeyringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = pharos::testing::openTestStore(dir_.file("pharos.db"));
    ASSERT_TRUE(opened.ok()) << opened.error().toString();
    store_ = std::move(opened).value();
  }

  static MasterKey masterFrom(std::string_view hex) {
    Result<MasterKey> key = MasterKey::fromEnvironmentValue(Secret(std::string(hex)));
    if (!key.ok()) std::abort();
    return std::move(key).value();
  }

  Result<KeyringPtr> openWith(std::string_view hex) {
    return Keyring::open(*store_, masterFrom(hex), clock_);
  }

  KeyringPtr mustOpen(std::string_view hex) {
    Result<KeyringPtr> keyring = openWith(hex);
    if (!keyring.ok()) {
      ADD_FAILURE() << keyring.error().toString();
      return nullptr;
    }
    return std::move(keyring).value();
  }

  std::string mustSeal(Keyring& keyring, Purpose purpose, std::string_view plaintext) {
    Result<std::string> sealed = keyring.seal(purpose, plaintext);
    if (!sealed.ok()) {
      ADD_FAILURE() << sealed.error().toString();
      return {};
    }
    return std::move(sealed).value();
  }

  // Every error message and context must be free of the key texts.
  static void expectNoKeyIn(const Error& error) {
    std::string text = error.toString();
    for (std::string_view hex : {kKeyA, kKeyB}) {
      EXPECT_EQ(text.find(hex.substr(0, 16)), std::string::npos) << text;
      EXPECT_EQ(text.find(hex.substr(40, 16)), std::string::npos) << text;
    }
  }

  static constexpr std::string_view kKeyA =
      "4a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60616263646566676869";
  static constexpr std::string_view kKeyB =
      "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f";

  testing::TempDir dir_;
  testing::ManualClock clock_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(KeyringTest, PurposeNamesRoundTrip) {
  for (Purpose p : kAllPurposes) {
    Result<Purpose> parsed = parsePurpose(purposeName(p));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, p);
  }
  EXPECT_EQ(parsePurpose("Secrets").error().code, ErrorCode::kInvalidArgument);
}

TEST_F(KeyringTest, SealOpenRoundTripCreatesTheFirstKeyLazily) {
  KeyringPtr keyring = mustOpen(kKeyA);
  ASSERT_TRUE(keyring);
  Result<std::vector<DataKeyInfo>> none = keyring->list();
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  std::string sealed = mustSeal(*keyring, Purpose::kSecrets, "smtp password");
  Result<std::string> opened = keyring->open(Purpose::kSecrets, sealed);
  ASSERT_TRUE(opened.ok()) << opened.error().toString();
  EXPECT_EQ(*opened, "smtp password");

  Result<DataKeyInfo> current = keyring->current(Purpose::kSecrets);
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(current->generation, 1);
  EXPECT_TRUE(current->current);
  EXPECT_EQ(current->createdAt, clock_.now());
  EXPECT_EQ(envelope::readHeader(sealed)->keyId, current->id);

  // Survives a reopen: the key came from the store, wrapped.
  keyring.reset();
  KeyringPtr again = mustOpen(kKeyA);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->open(Purpose::kSecrets, sealed).valueOr("?"), "smtp password");
  EXPECT_EQ(again->current(Purpose::kSecrets)->id, current->id);
}

TEST_F(KeyringTest, EachPurposeHasItsOwnKeyAndDataDoesNotCrossPurposes) {
  KeyringPtr keyring = mustOpen(kKeyA);
  ASSERT_TRUE(keyring);
  std::string secret = mustSeal(*keyring, Purpose::kSecrets, "s");
  std::string backup = mustSeal(*keyring, Purpose::kBackups, "b");
  EXPECT_NE(keyring->current(Purpose::kSecrets)->id, keyring->current(Purpose::kBackups)->id);

  for (auto [purpose, sealed] :
       {std::pair{Purpose::kBackups, secret}, std::pair{Purpose::kSecrets, backup},
        std::pair{Purpose::kArchive, secret}}) {
    Result<std::string> opened = keyring->open(purpose, sealed);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code, ErrorCode::kDataLoss);
    EXPECT_EQ(opened.error().message,
              "authentication failed: wrong key, wrong purpose or tampered data");
  }
}

TEST_F(KeyringTest, EveryFlippedByteFails) {
  KeyringPtr keyring = mustOpen(kKeyA);
  ASSERT_TRUE(keyring);
  std::string sealed = mustSeal(*keyring, Purpose::kSecrets, "token-123");
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    Result<std::string> opened = keyring->open(Purpose::kSecrets, bad);
    ASSERT_FALSE(opened.ok()) << "byte " << i;
    ErrorCode code = opened.error().code;
    // A flipped key id names no key (kNotFound) or is no longer a valid id.
    EXPECT_TRUE(code == ErrorCode::kDataLoss || code == ErrorCode::kInvalidArgument ||
                code == ErrorCode::kNotFound)
        << opened.error().toString();
  }
}

TEST_F(KeyringTest, WrongMasterKeyIsRefusedClearly) {
  KeyringPtr keyring = mustOpen(kKeyA);
  ASSERT_TRUE(keyring);
  std::string idA = keyring->masterKeyId();
  mustSeal(*keyring, Purpose::kSecrets, "x");
  keyring.reset();

  Result<KeyringPtr> wrong = openWith(kKeyB);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::kFailedPrecondition);
  std::string idB = masterFrom(kKeyB).id();
  EXPECT_EQ(wrong.error().message, "the master key does not match: keyring was wrapped by key id " +
                                       idA + ", this key is " + idB);
  expectNoKeyIn(wrong.error());
}

TEST_F(KeyringTest, DamagedWrappedKeyIsFoundAtOpen) {
  KeyringPtr keyring = mustOpen(kKeyA);
  ASSERT_TRUE(keyring);
  mustSeal(*keyring, Purpose::kSecrets, "x");
  keyring.reset();
  ASSERT_TRUE(store_->execute("UPDATE crypto_data_keys SET generation = 2").ok());
  Result<KeyringPtr> damaged = openWith(kKeyA);
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.error().code, ErrorCode::kDataLoss);
  expectNoKeyIn(damaged.error());
}

TEST_F(KeyringTest, RotateDataKeepsOldDataReadableAndSealsNewDataWithTheNewKey) {
  KeyringPtr keyring = mustOpen(kKeyA);
  ASSERT_TRUE(keyring);
  std::string before = mustSeal(*keyring, Purpose::kBackups, "old");
  std::string oldId = keyring->current(Purpose::kBackups)->id;

  clock_.advance(24h);
  Result<DataKeyInfo> rotated = keyring->rotateData(Purpose::kBackups);
  ASSERT_TRUE(rotated.ok()) << rotated.error().toString();
  EXPECT_NE(rotated->id, oldId);
  EXPECT_EQ(rotated->generation, 2);
  EXPECT_TRUE(rotated->current);
  EXPECT_EQ(rotated->createdAt, clock_.now());

  std::string after = mustSeal(*keyring, Purpose::kBackups, "new");
  EXPECT_EQ(envelope::readHeader(after)->keyId, rotated->id);
  EXPECT_EQ(envelope::readHeader(before)->keyId, oldId);
  EXPECT_EQ(keyring->open(Purpose::kBackups, before).valueOr("?"), "old");
  EXPECT_EQ(keyring->open(Purpose::kBackups, after).valueOr("?"), "new");
  EXPECT_FALSE(keyring->byId(oldId)->current);

  // The rotation is durable, and old data still opens after a restart.
  keyring.reset();
  KeyringPtr again = mustOpen(kKeyA);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->current(Purpose::kBackups)->id, rotated->id);
  EXPECT_EQ(again->open(Purpose::kBackups, before).valueOr("?"), "old");

  Result<std::vector<DataKeyInfo>> keys = again->list();
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].id, oldId);
  EXPECT_FALSE((*keys)[0].current);
  EXPECT_EQ((*keys)[1].id, rotated->id);
  EXPECT_TRUE((*keys)[1].current);
}

TEST_F(KeyringTest, RotateMasterRewrapsWithoutTouchingData) {
  KeyringPtr keyring = mustOpen(kKeyA);
  ASSERT_TRUE(keyring);
  std::string secret = mustSeal(*keyring, Purpose::kSecrets, "secret");
  std::string backup = mustSeal(*keyring, Purpose::kBackups, "backup");
  ASSERT_TRUE(keyring->rotateData(Purpose::kSecrets).ok());
  std::string secret2 = mustSeal(*keyring, Purpose::kSecrets, "secret2");
  auto wrappedBefore = store_->query("SELECT wrapped FROM crypto_data_keys ORDER BY id");
  ASSERT_TRUE(wrappedBefore.ok());

  Status rotated = keyring->rotateMaster(masterFrom(kKeyB));
  ASSERT_TRUE(rotated.ok()) << rotated.error().toString();
  EXPECT_EQ(keyring->masterKeyId(), masterFrom(kKeyB).id());
  // Still usable in place, with the same data keys.
  EXPECT_EQ(keyring->open(Purpose::kSecrets, secret).valueOr("?"), "secret");

  auto wrappedAfter = store_->query("SELECT wrapped FROM crypto_data_keys ORDER BY id");
  ASSERT_TRUE(wrappedAfter.ok());
  ASSERT_EQ(wrappedAfter->size(), 3u);
  for (size_t i = 0; i < 3; ++i)
    EXPECT_NE(wrappedAfter->at(i).blob(0), wrappedBefore->at(i).blob(0));
  keyring.reset();

  KeyringPtr withNew = mustOpen(kKeyB);
  ASSERT_TRUE(withNew);
  EXPECT_EQ(withNew->open(Purpose::kSecrets, secret).valueOr("?"), "secret");
  EXPECT_EQ(withNew->open(Purpose::kSecrets, secret2).valueOr("?"), "secret2");
  EXPECT_EQ(withNew->open(Purpose::kBackups, backup).valueOr("?"), "backup");
  withNew.reset();

  Result<KeyringPtr> withOld = openWith(kKeyA);
  ASSERT_FALSE(withOld.ok());
  EXPECT_EQ(withOld.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(withOld.error().message.find("the master key does not match"), std::string::npos);
  expectNoKeyIn(withOld.error());
}

TEST_F(KeyringTest, RotateMasterToTheSameKeyIsRefused) {
  KeyringPtr keyring = mustOpen(kKeyA);
  ASSERT_TRUE(keyring);
  Status same = keyring->rotateMaster(masterFrom(kKeyA));
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.error().code, ErrorCode::kInvalidArgument);
  expectNoKeyIn(same.error());
}

TEST_F(KeyringTest, RotateMasterByAnotherKeyringIsNoticed) {
  KeyringPtr first = mustOpen(kKeyA);
  KeyringPtr second = mustOpen(kKeyA);
  ASSERT_TRUE(first && second);
  mustSeal(*first, Purpose::kArchive, "x");
  ASSERT_TRUE(first->rotateMaster(masterFrom(kKeyB)).ok());
  Status stale = second->rotateMaster(MasterKey::generate().value());
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kFailedPrecondition);
  // The failed attempt changed nothing: the key B still opens it.
  first.reset();
  second.reset();
  EXPECT_TRUE(openWith(kKeyB).ok());
}

TEST_F(KeyringTest, KeyMadeByAnotherKeyringOpens) {
  KeyringPtr reader = mustOpen(kKeyA);
  KeyringPtr writer = mustOpen(kKeyA);
  ASSERT_TRUE(reader && writer);
  std::string sealed = mustSeal(*writer, Purpose::kSecrets, "from elsewhere");
  Result<std::string> opened = reader->open(Purpose::kSecrets, sealed);
  ASSERT_TRUE(opened.ok()) << opened.error().toString();
  EXPECT_EQ(*opened, "from elsewhere");
  // Both agree on one current key, not one each.
  EXPECT_EQ(reader->current(Purpose::kSecrets)->id, writer->current(Purpose::kSecrets)->id);
  // A rotation elsewhere is seen by rotateData, which goes above it.
  ASSERT_TRUE(writer->rotateData(Purpose::kSecrets).ok());
  Result<DataKeyInfo> third = reader->rotateData(Purpose::kSecrets);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->generation, 3);
}

TEST_F(KeyringTest, UnknownKeyIdIsNotFound) {
  KeyringPtr keyring = mustOpen(kKeyA);
  ASSERT_TRUE(keyring);
  Result<KeyBytes> foreign = KeyBytes::random();
  ASSERT_TRUE(foreign.ok());
  auto sealed = envelope::seal(foreign->view(), "secrets", "01HZZZZZZZZZZZZZZZZZZZZZZZ", "x");
  ASSERT_TRUE(sealed.ok());
  Result<std::string> opened = keyring->open(Purpose::kSecrets, *sealed);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(keyring->byId("01HZZZZZZZZZZZZZZZZZZZZZZZ").error().code, ErrorCode::kNotFound);
}

TEST_F(KeyringTest, StreamRoundTripAfterRotation) {
  KeyringPtr keyring = mustOpen(kKeyA);
  ASSERT_TRUE(keyring);
  std::string plaintext(2'500'000, '\0');
  for (size_t i = 0; i < plaintext.size(); ++i)
    plaintext[i] = static_cast<char>((i * 2654435761u) >> 13);
  std::string sealed;
  ASSERT_TRUE(
      keyring
          ->sealStream(Purpose::kBackups, envelope::sourceFrom(plaintext), envelope::sinkTo(sealed))
          .ok());
  ASSERT_TRUE(keyring->rotateData(Purpose::kBackups).ok());
  ASSERT_TRUE(keyring->rotateMaster(masterFrom(kKeyB)).ok());

  std::string opened;
  Status status = keyring->openStream(Purpose::kBackups, envelope::sourceFrom(sealed),
                                      envelope::sinkTo(opened));
  ASSERT_TRUE(status.ok()) << status.error().toString();
  EXPECT_TRUE(opened == plaintext);

  std::string wrongPurpose;
  Status crossed = keyring->openStream(Purpose::kArchive, envelope::sourceFrom(sealed),
                                       envelope::sinkTo(wrongPurpose));
  ASSERT_FALSE(crossed.ok());
  EXPECT_EQ(crossed.error().code, ErrorCode::kDataLoss);

  std::string cut;
  Status truncated = keyring->openStream(
      Purpose::kBackups,
      envelope::sourceFrom(std::string_view(sealed).substr(0, sealed.size() / 2)),
      envelope::sinkTo(cut));
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.error().code, ErrorCode::kDataLoss);
}

TEST_F(KeyringTest, ExportedKeyOpensWithTheMasterKeyAloneAndOnlyForItsPurpose) {
  KeyringPtr keyring = mustOpen(kKeyA);
  ASSERT_TRUE(keyring);
  std::string sealed;
  ASSERT_TRUE(
      keyring
          ->sealStream(Purpose::kBackups, envelope::sourceFrom("carried"), envelope::sinkTo(sealed))
          .ok());
  auto current = keyring->current(Purpose::kBackups);
  ASSERT_TRUE(current.ok());
  auto carried = keyring->exportKey(current->id);
  ASSERT_TRUE(carried.ok()) << carried.error().toString();
  EXPECT_EQ(carried->masterKeyId, keyring->masterKeyId());
  EXPECT_EQ(carried->wrapped.find("carried"), std::string::npos);

  std::string opened;
  Status status = openStreamWithCarriedKey(masterFrom(kKeyA), Purpose::kBackups, *carried,
                                           envelope::sourceFrom(sealed), envelope::sinkTo(opened));
  ASSERT_TRUE(status.ok()) << status.error().toString();
  EXPECT_EQ(opened, "carried");

  // Claimed as another purpose, or with its generation changed: refused, never opened.
  WrappedDataKey moved = *carried;
  moved.purpose = Purpose::kArchive;
  std::string ignored;
  EXPECT_FALSE(openStreamWithCarriedKey(masterFrom(kKeyA), Purpose::kArchive, moved,
                                        envelope::sourceFrom(sealed), envelope::sinkTo(ignored))
                   .ok());
  WrappedDataKey older = *carried;
  older.generation += 1;
  Status bumped = openStreamWithCarriedKey(masterFrom(kKeyA), Purpose::kBackups, older,
                                           envelope::sourceFrom(sealed), envelope::sinkTo(ignored));
  ASSERT_FALSE(bumped.ok());
  EXPECT_EQ(bumped.error().code, ErrorCode::kDataLoss);
  // The wrong master key is named, never tried as if it were right.
  Status wrong = openStreamWithCarriedKey(masterFrom(kKeyB), Purpose::kBackups, *carried,
                                          envelope::sourceFrom(sealed), envelope::sinkTo(ignored));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::kFailedPrecondition);
  expectNoKeyIn(wrong.error());
}

TEST_F(KeyringTest, ConcurrentSealOpenWhileRotating) {
  KeyringPtr keyring = mustOpen(kKeyA);
  ASSERT_TRUE(keyring);
  ASSERT_TRUE(keyring->current(Purpose::kSecrets).ok());  // generation 1
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string plaintext = "thread " + std::to_string(t) + " value " + std::to_string(i);
        auto sealed = keyring->seal(Purpose::kSecrets, plaintext);
        if (!sealed.ok()) {
          ++failures;
          continue;
        }
        auto opened = keyring->open(Purpose::kSecrets, *sealed);
        if (!opened.ok() || *opened != plaintext) ++failures;
      }
    });
  }
  for (int r = 0; r < 5; ++r) {
    if (!keyring->rotateData(Purpose::kSecrets).ok()) ++failures;
  }
  for (std::thread& thread : threads)
    thread.join();
  EXPECT_EQ(failures.load(), 0);
  Result<std::vector<DataKeyInfo>> keys = keyring->list();
  ASSERT_TRUE(keys.ok());
  // Generation 1 and five rotations.
  EXPECT_EQ(keys->size(), 6u);
  EXPECT_EQ(keyring->current(Purpose::kSecrets)->generation, 6);
}

TEST_F(KeyringTest, KeysAreNotStoredInTheClear) {
  KeyringPtr keyring = mustOpen(kKeyA);
  ASSERT_TRUE(keyring);
  mustSeal(*keyring, Purpose::kSecrets, "x");
  auto rows = store_->query("SELECT wrapped, master_key_id FROM crypto_data_keys");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).blob(0).size(), 24u + 32u + 16u);
  EXPECT_EQ(rows->at(0).text(1), keyring->masterKeyId());
}

}  // namespace
}  // namespace pharos::crypto
