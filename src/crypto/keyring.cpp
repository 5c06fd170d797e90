#include "crypto/keyring.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <optional>

#include "core/ids.h"
#include "crypto/aead.h"

namespace pharos::crypto {
namespace {

constexpr std::string_view kMasterKeyIdName = "master_key_id";

// What a wrapped data key is bound to: its purpose, id and generation. A wrapped key copied
// to another row, or a row whose generation was changed to make an old key current again,
// does not unwrap.
std::string wrapAd(std::string_view purpose, std::string_view id, int64_t generation) {
  return "dek:" + std::string(purpose) + ":" + std::string(id) + ":" + std::to_string(generation);
}

std::string wrap(const MasterKey& master, std::string_view purpose, std::string_view id,
                 int64_t generation, KeyView key) {
  std::string out;
  aead::sealAppend(master.view(), wrapAd(purpose, id, generation),
                   std::string_view(reinterpret_cast<const char*>(key.data()), key.size()), out);
  return out;
}

Result<KeyBytes> unwrap(const MasterKey& master, std::string_view purpose, std::string_view id,
                        int64_t generation, std::string_view wrapped) {
  std::array<unsigned char, kKeyBytes> raw{};
  bool ok = aead::openInto(master.view(), wrapAd(purpose, id, generation), wrapped, raw.data(),
                           raw.size());
  if (!ok) {
    sodium_memzero(raw.data(), raw.size());
    return makeError(ErrorCode::kDataLoss,
                     "data key does not unwrap with the master key: the stored key is damaged",
                     "crypto_data_keys id=" + std::string(id));
  }
  Result<KeyBytes> key = KeyBytes::copyOf(raw);
  sodium_memzero(raw.data(), raw.size());
  return key;
}

Error masterMismatch(std::string_view storedId, std::string_view thisId) {
  return makeError(ErrorCode::kFailedPrecondition,
                   "the master key does not match: keyring was wrapped by key id " +
                       std::string(storedId) + ", this key is " + std::string(thisId));
}

Result<std::string> storedMasterKeyId(store::Session& session) {
  PHAROS_ASSIGN_OR_RETURN(store::Rows rows,
                          session.query("SELECT value FROM crypto_meta WHERE name = $1",
                                        {std::string(kMasterKeyIdName)}));
  if (rows.empty()) {
    return makeError(ErrorCode::kDataLoss, "the keyring has no master key id (crypto_meta)");
  }
  return rows[0].text(0);
}

// The carried key's bytes, checked against `master` and `purpose` first so a mismatch says
// what is wrong instead of failing as damage.
Result<KeyBytes> unwrapCarried(const MasterKey& master, Purpose purpose,
                               const WrappedDataKey& carried) {
  if (carried.purpose != purpose) {
    return envelope::authenticationFailed("carried key " + carried.id + " is a " +
                                          std::string(purposeName(carried.purpose)) +
                                          " key, opened as " + std::string(purposeName(purpose)));
  }
  if (carried.masterKeyId != master.id()) {
    return makeError(ErrorCode::kFailedPrecondition,
                     "data key " + carried.id + " is wrapped by master key id " +
                         carried.masterKeyId + ", this key is " + master.id() +
                         " (was the master key rotated since? use the key it had then)");
  }
  return unwrap(master, purposeName(purpose), carried.id, carried.generation, carried.wrapped);
}

constexpr std::string_view kSelectKeys =
    "SELECT id, purpose, generation, created_at_ms, master_key_id, wrapped "
    "FROM crypto_data_keys";

}  // namespace

Status openStreamWithCarriedKey(const MasterKey& master, Purpose purpose,
                                const WrappedDataKey& carried, const envelope::ByteSource& in,
                                const envelope::ByteSink& out) {
  PHAROS_TRY(initSodium());
  PHAROS_ASSIGN_OR_RETURN(KeyBytes key, unwrapCarried(master, purpose, carried));
  return envelope::openStream(key.view(), purposeName(purpose), carried.id, in, out);
}

std::string_view purposeName(Purpose purpose) {
  switch (purpose) {
    case Purpose::kSecrets:
      return "secrets";
    case Purpose::kBackups:
      return "backups";
    case Purpose::kArchive:
      return "archive";
  }
  return "unknown";
}

Result<Purpose> parsePurpose(std::string_view name) {
  for (Purpose p : kAllPurposes) {
    if (purposeName(p) == name) return p;
  }
  return makeError(ErrorCode::kInvalidArgument, "unknown key purpose '" +
                                                    std::string(name.substr(0, 64)) +
                                                    "': expected secrets, backups or archive");
}

Result<std::unique_ptr<Keyring>> Keyring::open(store::Store& store, MasterKey master,
                                               Clock& clock) {
  PHAROS_TRY(initSodium());
  PHAROS_TRY(store.migrate(migrations()));
  // The first master key to open the keyring is recorded; every later one must be it.
  PHAROS_TRY(
      store.execute("INSERT INTO crypto_meta (name, value, updated_at_ms) VALUES ($1, $2, $3) "
                    "ON CONFLICT (name) DO NOTHING",
                    {std::string(kMasterKeyIdName), master.id(), toUnixMillis(clock.now())}));
  PHAROS_ASSIGN_OR_RETURN(std::string storedId, storedMasterKeyId(store));
  if (storedId != master.id()) return masterMismatch(storedId, master.id());

  std::unique_ptr<Keyring> keyring(new Keyring(store, std::move(master), clock));
  std::lock_guard lock(keyring->mutex_);
  PHAROS_TRY(keyring->loadAllLocked());
  return keyring;
}

Result<const Keyring::Entry*> Keyring::addRow(const store::Row& row) {
  const std::string& id = row.text(0);
  if (auto it = entries_.find(id); it != entries_.end()) return it->second.get();
  Result<Purpose> purpose = parsePurpose(row.text(1));
  if (!purpose.ok()) {
    return makeError(ErrorCode::kDataLoss, purpose.error().message, "crypto_data_keys id=" + id);
  }
  int64_t generation = row.integer(2);
  if (row.text(4) != master_.id()) return masterMismatch(row.text(4), master_.id());
  PHAROS_ASSIGN_OR_RETURN(KeyBytes key, unwrap(master_, row.text(1), id, generation, row.blob(5)));
  auto entry = std::make_unique<Entry>(
      Entry{DataKeyInfo{id, *purpose, fromUnixMillis(row.integer(3)), static_cast<int>(generation)},
            std::move(key)});
  const Entry* added = entry.get();
  entries_.emplace(id, std::move(entry));
  const Entry*& current = current_[added->info.purpose];
  if (current == nullptr || current->info.generation < added->info.generation) current = added;
  return added;
}

Status Keyring::loadAllLocked() {
  PHAROS_ASSIGN_OR_RETURN(store::Rows rows, store_.query(kSelectKeys));
  for (const store::Row& row : rows) {
    PHAROS_TRY(addRow(row));
  }
  return okStatus();
}

Result<const Keyring::Entry*> Keyring::entryLocked(std::string_view id) {
  if (auto it = entries_.find(id); it != entries_.end()) return it->second.get();
  if (!envelope::isValidKeyId(id)) {
    return makeError(ErrorCode::kInvalidArgument, "invalid data key id");
  }
  // Perhaps another process created it after this keyring was opened.
  PHAROS_ASSIGN_OR_RETURN(
      store::Rows rows,
      store_.query(std::string(kSelectKeys) + " WHERE id = $1", {std::string(id)}));
  if (rows.empty()) {
    return makeError(ErrorCode::kNotFound, "no data key with id '" + std::string(id) +
                                               "' in this keyring (data from another "
                                               "installation, or a keyring restored too old?)");
  }
  return addRow(rows[0]);
}

Result<const Keyring::Entry*> Keyring::createLocked(Purpose purpose) {
  std::string name(purposeName(purpose));
  PHAROS_ASSIGN_OR_RETURN(
      store::Rows rows,
      store_.query("SELECT MAX(generation) FROM crypto_data_keys WHERE purpose = $1", {name}));
  int64_t generation = rows.empty() || rows[0].isNull(0) ? 1 : rows[0].integer(0) + 1;
  WallTime now = clock_.now();
  std::string id = newId(now);
  PHAROS_ASSIGN_OR_RETURN(KeyBytes key, KeyBytes::random());
  std::string wrapped = wrap(master_, name, id, generation, key.view());
  Result<int64_t> inserted = store_.execute(
      "INSERT INTO crypto_data_keys (id, purpose, generation, created_at_ms, master_key_id, "
      "wrapped) VALUES ($1, $2, $3, $4, $5, $6)",
      {id, name, generation, toUnixMillis(now), master_.id(), store::Blob{wrapped}});
  if (!inserted.ok()) {
    // Another process made this generation first: use theirs.
    if (inserted.error().code == ErrorCode::kAlreadyExists) {
      PHAROS_TRY(loadAllLocked());
      auto it = current_.find(purpose);
      if (it != current_.end() && it->second->info.generation >= generation) return it->second;
    }
    return std::move(inserted).error();
  }
  auto entry = std::make_unique<Entry>(
      Entry{DataKeyInfo{id, purpose, now, static_cast<int>(generation)}, std::move(key)});
  const Entry* added = entry.get();
  entries_.emplace(id, std::move(entry));
  current_[purpose] = added;
  return added;
}

Result<const Keyring::Entry*> Keyring::currentLocked(Purpose purpose) {
  if (auto it = current_.find(purpose); it != current_.end()) return it->second;
  PHAROS_TRY(loadAllLocked());
  if (auto it = current_.find(purpose); it != current_.end()) return it->second;
  return createLocked(purpose);
}

DataKeyInfo Keyring::infoOf(const Entry& entry) const {
  DataKeyInfo info = entry.info;
  auto it = current_.find(info.purpose);
  info.current = it != current_.end() && it->second == &entry;
  return info;
}

Result<DataKeyInfo> Keyring::current(Purpose purpose) {
  std::lock_guard lock(mutex_);
  PHAROS_ASSIGN_OR_RETURN(const Entry* entry, currentLocked(purpose));
  return infoOf(*entry);
}

Result<DataKeyInfo> Keyring::byId(std::string_view id) {
  std::lock_guard lock(mutex_);
  PHAROS_ASSIGN_OR_RETURN(const Entry* entry, entryLocked(id));
  return infoOf(*entry);
}

Result<std::vector<DataKeyInfo>> Keyring::list() {
  std::lock_guard lock(mutex_);
  PHAROS_TRY(loadAllLocked());
  std::vector<DataKeyInfo> out;
  out.reserve(entries_.size());
  for (const auto& [id, entry] : entries_)
    out.push_back(infoOf(*entry));
  std::sort(out.begin(), out.end(), [](const DataKeyInfo& a, const DataKeyInfo& b) {
    if (a.purpose != b.purpose) return a.purpose < b.purpose;
    return a.generation < b.generation;
  });
  return out;
}

Result<std::string> Keyring::seal(Purpose purpose, std::string_view plaintext) {
  const Entry* entry = nullptr;
  {
    std::lock_guard lock(mutex_);
    PHAROS_ASSIGN_OR_RETURN(entry, currentLocked(purpose));
  }
  // Entries are immutable and never erased: sealing needs no lock.
  return envelope::seal(entry->key.view(), purposeName(purpose), entry->info.id, plaintext);
}

// The data key a ciphertext names, if it is one of `purpose`: a key of another purpose fails
// as tampering would (the purpose is bound into every ciphertext anyway).
Result<const Keyring::Entry*> Keyring::entryFor(std::string_view keyId, Purpose purpose) {
  const Entry* entry = nullptr;
  {
    std::lock_guard lock(mutex_);
    PHAROS_ASSIGN_OR_RETURN(entry, entryLocked(keyId));
  }
  if (entry->info.purpose != purpose) {
    return envelope::authenticationFailed("key " + entry->info.id + " is a " +
                                          std::string(purposeName(entry->info.purpose)) +
                                          " key, opened as " + std::string(purposeName(purpose)));
  }
  return entry;
}

Result<std::string> Keyring::open(Purpose purpose, std::string_view sealed) {
  PHAROS_ASSIGN_OR_RETURN(envelope::Header header, envelope::readHeader(sealed));
  PHAROS_ASSIGN_OR_RETURN(const Entry* entry, entryFor(header.keyId, purpose));
  return envelope::open(entry->key.view(), purposeName(purpose), entry->info.id, sealed);
}

Status Keyring::sealStream(Purpose purpose, const envelope::ByteSource& in,
                           const envelope::ByteSink& out, const envelope::StreamOptions& options) {
  const Entry* entry = nullptr;
  {
    std::lock_guard lock(mutex_);
    PHAROS_ASSIGN_OR_RETURN(entry, currentLocked(purpose));
  }
  return envelope::sealStream(entry->key.view(), purposeName(purpose), entry->info.id, in, out,
                              options);
}

Status Keyring::openStream(Purpose purpose, const envelope::ByteSource& in,
                           const envelope::ByteSink& out) {
  auto lookup = [&](const envelope::Header& header) -> Result<KeyView> {
    PHAROS_ASSIGN_OR_RETURN(const Entry* entry, entryFor(header.keyId, purpose));
    return entry->key.view();
  };
  return envelope::openStream(lookup, purposeName(purpose), in, out);
}

Result<WrappedDataKey> Keyring::exportKey(std::string_view id) {
  std::lock_guard lock(mutex_);
  PHAROS_ASSIGN_OR_RETURN(const Entry* entry, entryLocked(id));
  const DataKeyInfo& info = entry->info;
  return WrappedDataKey{
      info.id, info.purpose, info.generation, master_.id(),
      wrap(master_, purposeName(info.purpose), info.id, info.generation, entry->key.view())};
}

Status Keyring::openStream(Purpose purpose, const WrappedDataKey& carried,
                           const envelope::ByteSource& in, const envelope::ByteSink& out) {
  std::optional<KeyBytes> unwrapped;  // outlives the stream that uses its view
  auto lookup = [&](const envelope::Header& header) -> Result<KeyView> {
    Result<const Entry*> entry = entryFor(header.keyId, purpose);
    if (entry.ok()) return (*entry)->key.view();
    if (entry.error().code != ErrorCode::kNotFound || header.keyId != carried.id) {
      return std::move(entry).error();
    }
    {
      std::lock_guard lock(mutex_);
      PHAROS_ASSIGN_OR_RETURN(KeyBytes key, unwrapCarried(master_, purpose, carried));
      unwrapped.emplace(std::move(key));
    }
    return unwrapped->view();
  };
  return envelope::openStream(lookup, purposeName(purpose), in, out);
}

Result<DataKeyInfo> Keyring::rotateData(Purpose purpose) {
  std::lock_guard lock(mutex_);
  // See keys other processes made, so the new generation is above all of them.
  PHAROS_TRY(loadAllLocked());
  PHAROS_ASSIGN_OR_RETURN(const Entry* entry, createLocked(purpose));
  return infoOf(*entry);
}

Status Keyring::rotateMaster(MasterKey newMaster) {
  std::lock_guard lock(mutex_);
  if (newMaster.id() == master_.id()) {
    return makeError(ErrorCode::kInvalidArgument,
                     "the new master key is the current one (key id " + master_.id() + ")");
  }
  // Every row is read and re-wrapped inside the transaction, including keys another process
  // added: after the commit no row is wrapped by the old key.
  PHAROS_TRY(store_.transaction([&](store::Session& session) -> Status {
    PHAROS_ASSIGN_OR_RETURN(std::string storedId, storedMasterKeyId(session));
    if (storedId != master_.id()) {
      return makeError(ErrorCode::kFailedPrecondition,
                       "the master key was rotated elsewhere (the keyring is now wrapped by key "
                       "id " +
                           storedId + "); reopen the keyring with the new key");
    }
    PHAROS_ASSIGN_OR_RETURN(store::Rows rows, session.query(kSelectKeys));
    int64_t now = toUnixMillis(clock_.now());
    for (const store::Row& row : rows) {
      const std::string& id = row.text(0);
      if (row.text(4) != master_.id()) return masterMismatch(row.text(4), master_.id());
      PHAROS_ASSIGN_OR_RETURN(KeyBytes key,
                              unwrap(master_, row.text(1), id, row.integer(2), row.blob(5)));
      std::string rewrapped = wrap(newMaster, row.text(1), id, row.integer(2), key.view());
      PHAROS_TRY(session.execute(
          "UPDATE crypto_data_keys SET wrapped = $1, master_key_id = $2 WHERE id = $3",
          {store::Blob{rewrapped}, newMaster.id(), id}));
    }
    PHAROS_TRY(
        session.execute("UPDATE crypto_meta SET value = $1, updated_at_ms = $2 WHERE name = $3",
                        {newMaster.id(), now, std::string(kMasterKeyIdName)}));
    return okStatus();
  }));
  master_ = std::move(newMaster);
  return okStatus();
}

std::string Keyring::masterKeyId() const {
  std::lock_guard lock(mutex_);
  return master_.id();
}

}  // namespace pharos::crypto
