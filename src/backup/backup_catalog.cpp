#include "backup/backup_catalog.h"

#include <fcntl.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <set>
#include <system_error>

#include "backup/digest.h"
#include "backup/entry_stream.h"
#include "core/file_io.h"

namespace pharos::backup {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kRestoreStagingPrefix = ".pharos-restore-";

struct DCtxDeleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

// Where a read backup's files go: nowhere (verify) or into a directory (restore).
class FileWriter {
 public:
  virtual ~FileWriter() = default;
  virtual Status begin(const std::string& path, uint64_t size) = 0;
  virtual Status data(std::string_view bytes) = 0;
  virtual Status end() = 0;
};

// Writes each file under `root`, fdatasynced when it ends.
class DirectoryWriter final : public FileWriter {
 public:
  explicit DirectoryWriter(fs::path root) : root_(std::move(root)) {}

  Status begin(const std::string& path, uint64_t) override {
    const fs::path target = root_ / path;
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) return ioError(ec.value(), "mkdir " + target.parent_path().string(), "restore");
    PHAROS_ASSIGN_OR_RETURN(current_,
                            openFile(target.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600, "restore"));
    currentPath_ = target.string();
    return okStatus();
  }
  Status data(std::string_view bytes) override {
    return writeAll(current_.get(), {bytes}, currentPath_);
  }
  Status end() override {
    PHAROS_TRY(syncData(current_.get(), currentPath_));
    return current_.close(currentPath_);
  }

 private:
  fs::path root_;
  FileDescriptor current_;
  std::string currentPath_;
};

Error damagedBackup(const Manifest& m, std::string message) {
  return makeError(ErrorCode::kDataLoss, std::move(message), "backup " + m.id);
}

// Streams the backup's files into `writer` (may be null), checking every part and every file
// against the manifest on the way.
using StreamOpener =
    std::function<Status(const crypto::envelope::ByteSource&, const crypto::envelope::ByteSink&)>;

Status readBackup(objects::ObjectStore& store, const StreamOpener& openStream, const Manifest& m,
                  FileWriter* writer, VerifyReport& report, const ProgressFn& progress) {
  if (progress) progress(0, m.rawBytes);
  size_t nextPart = 0;
  std::string part;
  size_t partPos = 0;
  auto source = [&](char* buffer, size_t capacity) -> Result<size_t> {
    while (partPos == part.size()) {
      if (nextPart == m.parts.size()) return size_t{0};
      const ManifestPart& expected = m.parts[nextPart++];
      auto got = store.get(expected.key);
      if (!got.ok()) return std::move(got).error().withContext("backup " + m.id);
      if (got->size() != expected.size || blake2bHex(*got) != expected.blake2b) {
        return damagedBackup(m, "part checksum mismatch: " + expected.key);
      }
      part = std::move(got).value();
      partPos = 0;
      ++report.partsChecked;
    }
    const size_t n = std::min(capacity, part.size() - partPos);
    std::memcpy(buffer, part.data() + partPos, n);
    partPos += n;
    return n;
  };

  size_t fileIndex = 0;
  std::unique_ptr<Blake2b> hash;
  EntryStreamParser parser(EntryHandler{
      [&](const std::string& path, uint64_t size) -> Status {
        if (fileIndex >= m.files.size() || m.files[fileIndex].path != path ||
            m.files[fileIndex].size != size) {
          return damagedBackup(m, "the backup's contents do not match its manifest at " + path);
        }
        hash = std::make_unique<Blake2b>();
        return writer != nullptr ? writer->begin(path, size) : okStatus();
      },
      [&](std::string_view bytes) -> Status {
        hash->update(bytes);
        report.bytesChecked += bytes.size();
        if (progress) progress(std::min(report.bytesChecked, m.rawBytes), m.rawBytes);
        return writer != nullptr ? writer->data(bytes) : okStatus();
      },
      [&]() -> Status {
        const ManifestFile& file = m.files[fileIndex++];
        if (hash->finalHex() != file.blake2b) {
          return damagedBackup(m, "file checksum mismatch: " + file.path);
        }
        ++report.filesChecked;
        return writer != nullptr ? writer->end() : okStatus();
      }});

  std::unique_ptr<ZSTD_DCtx, DCtxDeleter> dctx(ZSTD_createDCtx());
  std::string out(ZSTD_DStreamOutSize(), '\0');
  size_t lastHint = 1;  // 0 once a frame is complete
  auto sink = [&](std::string_view bytes) -> Status {
    ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
    // Until the input is used up and zstd holds nothing more for it (the output had room).
    for (;;) {
      ZSTD_outBuffer o{out.data(), out.size(), 0};
      lastHint = ZSTD_decompressStream(dctx.get(), &o, &in);
      if (ZSTD_isError(lastHint)) {
        return damagedBackup(m, std::string("zstd: ") + ZSTD_getErrorName(lastHint));
      }
      PHAROS_TRY(parser.feed(std::string_view(out.data(), o.pos)));
      if (in.pos == in.size && (o.pos < o.size || lastHint == 0)) break;
    }
    return okStatus();
  };

  Status opened = openStream(source, sink);
  if (!opened.ok()) {
    Error error = std::move(opened).error();
    // The source's own errors already name the backup.
    if (error.context.find("backup " + m.id) == std::string::npos) {
      error = std::move(error).withContext("backup " + m.id);
    }
    return error;
  }
  if (nextPart != m.parts.size() || partPos != part.size()) {
    return damagedBackup(m, "the sealed stream ended before its last part");
  }
  if (lastHint != 0) return damagedBackup(m, "the compressed stream is cut short");
  PHAROS_TRY(parser.finish());
  if (fileIndex != m.files.size()) return damagedBackup(m, "files missing from the backup");
  if (progress) progress(m.rawBytes, m.rawBytes);
  return okStatus();
}

Status refuseNewerSchemas(const Manifest& m, const std::map<std::string, int>& binary) {
  for (const auto& [component, version] : m.schemaVersions) {
    auto mine = binary.find(component);
    if (mine == binary.end() || mine->second < version) {
      return makeError(ErrorCode::kFailedPrecondition,
                       "backup schema of \"" + component + "\" is version " +
                           std::to_string(version) + ", newer than this binary's " +
                           (mine == binary.end() ? std::string("(unknown component)")
                                                 : std::to_string(mine->second)) +
                           ": restore it with a newer pharos",
                       "backup " + m.id);
    }
  }
  return okStatus();
}

Status prepareTarget(const fs::path& target, bool force) {
  std::error_code ec;
  if (fs::exists(target, ec)) {
    if (!fs::is_directory(target, ec)) {
      return makeError(ErrorCode::kFailedPrecondition, "restore target is not a directory",
                       target.string());
    }
    if (!force && !fs::is_empty(target, ec)) {
      return makeError(ErrorCode::kFailedPrecondition,
                       "restore target is not empty; restore into an empty directory or force",
                       target.string());
    }
    return okStatus();
  }
  fs::create_directories(target, ec);
  if (ec) return ioError(ec.value(), "mkdir " + target.string(), "restore");
  return okStatus();
}

// Moves the verified files from `staging` into `target` and makes the renames durable.
Status moveIntoPlace(const Manifest& m, const fs::path& staging, const fs::path& target) {
  std::set<fs::path> dirs{target};
  for (const ManifestFile& file : m.files) {
    const fs::path to = target / file.path;
    std::error_code ec;
    fs::create_directories(to.parent_path(), ec);
    if (ec) return ioError(ec.value(), "mkdir " + to.parent_path().string(), "restore");
    for (fs::path dir = to.parent_path(); dir != target && dir.has_relative_path();
         dir = dir.parent_path()) {
      dirs.insert(dir);
    }
    fs::rename(staging / file.path, to, ec);
    if (ec) return ioError(ec.value(), "rename to " + to.string(), "restore");
  }
  // Deepest first, so each directory's entry in its parent is synced after its contents.
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
    PHAROS_TRY(syncDirectory(it->c_str(), "restore"));
  }
  return okStatus();
}

}  // namespace

Status BackupCatalog::openStream(const Manifest& m, const crypto::envelope::ByteSource& in,
                                 const crypto::envelope::ByteSink& out) {
  constexpr crypto::Purpose kPurpose = crypto::Purpose::kBackups;
  if (keyring_ != nullptr) {
    if (m.dataKey) return keyring_->openStream(kPurpose, *m.dataKey, in, out);
    return keyring_->openStream(kPurpose, in, out);
  }
  if (master_ != nullptr) {
    if (!m.dataKey) {
      return makeError(ErrorCode::kFailedPrecondition,
                       "this backup (manifest format 1) does not carry its data key: it opens "
                       "only with the keyring of the data directory that made it");
    }
    return crypto::openStreamWithCarriedKey(*master_, kPurpose, *m.dataKey, in, out);
  }
  return makeError(ErrorCode::kFailedPrecondition, "no key to open backups with");
}

Result<Manifest> BackupCatalog::manifest(const std::string& id) {
  if (!isSafeRelativePath(id) || id.find('/') != std::string::npos) {
    return makeError(ErrorCode::kInvalidArgument, "not a backup id", id);
  }
  auto text = store_.get(manifestKey(id));
  if (!text.ok()) {
    if (text.error().code == ErrorCode::kNotFound) {
      return makeError(ErrorCode::kNotFound, "no complete backup with this id", id);
    }
    return std::move(text).error().withContext("backup " + id);
  }
  auto decoded = decodeManifest(*text);
  if (!decoded.ok()) return std::move(decoded).error().withContext("backup " + id);
  if (decoded->id != id)
    return makeError(ErrorCode::kDataLoss, "manifest names another backup", id);
  return decoded;
}

Result<std::vector<Manifest>> BackupCatalog::list() {
  PHAROS_ASSIGN_OR_RETURN(std::vector<objects::ObjectInfo> objects, store_.list(kBackupsPrefix));
  std::vector<Manifest> manifests;
  for (const objects::ObjectInfo& info : objects) {
    const std::string_view key = info.key;
    constexpr std::string_view kSuffix = "/manifest.json";
    if (key.size() <= kBackupsPrefix.size() + kSuffix.size() ||
        key.substr(key.size() - kSuffix.size()) != kSuffix) {
      continue;
    }
    const std::string id(
        key.substr(kBackupsPrefix.size(), key.size() - kBackupsPrefix.size() - kSuffix.size()));
    auto m = manifest(id);
    if (!m.ok()) {
      if (m.error().code == ErrorCode::kDataLoss || m.error().code == ErrorCode::kNotFound ||
          m.error().code == ErrorCode::kFailedPrecondition) {
        continue;
      }
      return std::move(m).error();
    }
    manifests.push_back(std::move(m).value());
  }
  std::sort(manifests.begin(), manifests.end(), [](const Manifest& a, const Manifest& b) {
    return a.createdAt != b.createdAt ? a.createdAt > b.createdAt : a.id > b.id;
  });
  return manifests;
}

Result<VerifyReport> BackupCatalog::verify(const std::string& id, const ProgressFn& progress) {
  PHAROS_ASSIGN_OR_RETURN(Manifest m, manifest(id));
  auto opener = [&](const auto& in, const auto& out) { return openStream(m, in, out); };
  VerifyReport report;
  report.id = id;
  PHAROS_TRY(readBackup(store_, opener, m, nullptr, report, progress));
  return report;
}

Status BackupCatalog::restore(const std::string& id, const fs::path& targetDir,
                              const RestoreOptions& options, const ProgressFn& progress) {
  PHAROS_ASSIGN_OR_RETURN(Manifest m, manifest(id));
  PHAROS_TRY(refuseNewerSchemas(m, options.binarySchemaVersions));
  PHAROS_TRY(prepareTarget(targetDir, options.force));
  const fs::path staging = targetDir / (std::string(kRestoreStagingPrefix) + id);
  std::error_code ec;
  fs::remove_all(staging, ec);  // left by a restore that crashed
  fs::create_directory(staging, ec);
  if (ec) return ioError(ec.value(), "mkdir " + staging.string(), "restore");
  DirectoryWriter writer(staging);
  VerifyReport report;
  auto opener = [&](const auto& in, const auto& out) { return openStream(m, in, out); };
  Status status = readBackup(store_, opener, m, &writer, report, progress);
  if (status.ok()) status = moveIntoPlace(m, staging, targetDir);
  fs::remove_all(staging, ec);
  return status;
}

Result<std::vector<std::string>> BackupCatalog::applyRetention(std::optional<size_t> keepCount,
                                                               std::optional<Millis> maxAge,
                                                               WallTime now) {
  PHAROS_ASSIGN_OR_RETURN(std::vector<Manifest> manifests, list());
  std::vector<std::string> deleted;
  // Oldest first, so a run cut short has removed the oldest.
  for (size_t i = manifests.size(); i-- > 1;) {
    const Manifest& m = manifests[i];
    const bool beyondCount = keepCount.has_value() && i >= *keepCount;
    const bool tooOld = maxAge.has_value() && now - m.createdAt > *maxAge;
    if (!beyondCount && !tooOld) continue;
    PHAROS_TRY(store_.remove(manifestKey(m.id)));
    for (const ManifestPart& part : m.parts) {
      Status removed = store_.remove(part.key);
      if (!removed.ok() && removed.error().code != ErrorCode::kNotFound) {
        return std::move(removed).error();
      }
    }
    deleted.push_back(m.id);
  }
  return deleted;
}

}  // namespace pharos::backup
