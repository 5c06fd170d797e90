#include "objects/local/local_object_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <exception>
#include <system_error>
#include <utility>

#include <fmt/format.h>
#include <zstd.h>

#include "core/crc32c.h"
#include "core/file_io.h"
#include "core/log.h"
#include "objects/key_context.h"
#include "objects/local/object_file.h"
#include "objects/local/temp_names.h"

namespace pharos::objects {

using local::ObjectHeader;

namespace {

constexpr size_t kMaxSegmentBytes = 255;  // NAME_MAX of Linux file systems
constexpr int kCompressionLevel = 3;      // zstd's default: most of the gain, fast on a sweep
constexpr int kCreateAttempts = 4;
constexpr mode_t kFileMode = 0640;
constexpr mode_t kDirMode = 0750;

const logging::Logger& logger() {
  static const logging::Logger log("objects");
  return log;
}

Status validateLocalKey(std::string_view key) {
  PHAROS_TRY(validateKey(key));
  size_t start = 0;
  while (start < key.size()) {
    size_t end = std::min(key.find('/', start), key.size());
    if (end - start > kMaxSegmentBytes) {
      return makeError(ErrorCode::kInvalidArgument,
                       fmt::format("key has a {}-byte segment; the local store keeps each "
                                   "segment as a file name of at most {} bytes",
                                   end - start, kMaxSegmentBytes),
                       keyContext(key));
    }
    start = end + 1;
  }
  return okStatus();
}

// Absolute paths always contain a '/'.
std::string_view parentOf(std::string_view path) {
  return path.substr(0, path.rfind('/'));
}

Error notFound(std::string_view key) {
  return makeError(ErrorCode::kNotFound, "no such object", keyContext(key));
}

Error dataLoss(std::string message, std::string_view key) {
  return makeError(ErrorCode::kDataLoss, std::move(message), keyContext(key));
}

Error isPrefixError(std::string_view key) {
  return makeError(ErrorCode::kFailedPrecondition,
                   "other objects are stored under this key as a prefix; the local store "
                   "cannot also keep an object there",
                   keyContext(key));
}

Error prefixIsObjectError(std::string_view key, std::string_view prefix) {
  return makeError(
      ErrorCode::kFailedPrecondition,
      fmt::format("'{}' is an object, so the local store cannot keep keys below it", prefix),
      keyContext(key));
}

// A corrupt or hostile header can claim any size; fail that as an error, not std::bad_alloc.
Status allocate(std::string& buffer, uint64_t size, std::string_view key) {
  try {
    buffer.resize(size);
  } catch (const std::exception&) {
    return makeError(ErrorCode::kResourceExhausted,
                     fmt::format("cannot allocate {} bytes to read the object", size),
                     keyContext(key));
  }
  return okStatus();
}

// Makes an entry change in `dir` durable. A directory that is gone was emptied and pruned by a
// sweep after our change: the object it held has been removed, so there is nothing to make
// durable any more.
Status syncParent(const std::string& dir, std::string_view key) {
  Status synced = syncDirectory(dir.c_str(), keyContext(key));
  if (!synced.ok() && synced.error().code == ErrorCode::kNotFound) return okStatus();
  return synced;
}

}  // namespace

struct LocalObjectStore::OpenObject {
  FileDescriptor fd;
  ObjectHeader header;
  uint64_t fileSize = 0;
  FileId id;
};

// A temporary file that deletes itself unless committed (renamed into place).
struct LocalObjectStore::TempFile {
  TempFile(std::string p, FileDescriptor f) : path(std::move(p)), fd(std::move(f)) {}
  TempFile(TempFile&& other) noexcept
      : path(std::move(other.path)), fd(std::move(other.fd)), committed(other.committed) {
    other.committed = true;
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  TempFile& operator=(TempFile&&) = delete;
  ~TempFile() {
    if (!committed) {
      fd.close().ignore();  // the put already failed; its error is the one to report
      ::unlink(path.c_str());
    }
  }

  std::string path;
  FileDescriptor fd;
  bool committed = false;
};

struct LocalObjectStore::ScannedObject {
  std::string key;
  Result<ObjectHeader> header = makeError(ErrorCode::kInternal, "header not read");
  uint64_t fileSize = 0;
  FileId id;
};

struct LocalObjectStore::Scan {
  std::vector<ScannedObject> objects;
  std::vector<std::string> staleTemps;  // absolute paths
  std::vector<std::string> dirs;        // absolute paths below the root, children first
};

Result<std::unique_ptr<LocalObjectStore>> LocalObjectStore::open(
    const std::filesystem::path& rootPath, Clock& clock) {
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(rootPath, ec).lexically_normal();
  std::string context = "root=" + rootPath.string();
  if (ec || rootPath.empty()) {
    return makeError(ErrorCode::kInvalidArgument, "cannot resolve the object store root",
                     std::move(context));
  }
  std::string root = absolute.string();
  while (root.size() > 1 && root.back() == '/')
    root.pop_back();
  if (root == "/") {
    return makeError(ErrorCode::kInvalidArgument, "'/' cannot be an object store root",
                     std::move(context));
  }

  if (std::filesystem::exists(root, ec) && !std::filesystem::is_directory(root, ec)) {
    return makeError(ErrorCode::kIo, "object store root is not a directory", std::move(context));
  }
  // Create what is missing, then fsync the parent of each directory created, top down.
  std::vector<std::string> created;
  for (std::string dir = root; dir.size() > 1 && !std::filesystem::exists(dir, ec);
       dir = std::string(parentOf(dir))) {
    created.push_back(dir);
  }
  std::filesystem::create_directories(root, ec);
  if (ec) {
    return makeError(ErrorCode::kIo, fmt::format("create directory {}: {}", root, ec.message()),
                     std::move(context));
  }
  for (auto it = created.rbegin(); it != created.rend(); ++it) {
    std::string parent(parentOf(*it));
    PHAROS_TRY(syncDirectory(parent.empty() ? "/" : parent.c_str(), context));
  }
  if (::access(root.c_str(), R_OK | W_OK | X_OK) != 0) {
    return ioError(errno, "access " + root, std::move(context));
  }

  std::unique_ptr<LocalObjectStore> store(new LocalObjectStore(root, clock));
  PHAROS_ASSIGN_OR_RETURN(Scan found, store->scan("", /*readHeaders=*/false));
  size_t removed = store->removeStaleTemps(found.staleTemps);
  if (removed > 0) {
    logger().info("removed temporary files left by a crash", {{"root", root}, {"files", removed}});
  }
  return store;
}

std::string LocalObjectStore::pathOf(std::string_view key) const {
  std::string path;
  path.reserve(root_.size() + 1 + key.size());
  path += root_;
  path += '/';
  path += key;
  return path;
}

std::mutex& LocalObjectStore::lockFor(std::string_view key) {
  return keyLocks_[std::hash<std::string_view>{}(key) % keyLocks_.size()];
}

Status LocalObjectStore::put(std::string_view key, std::string_view data) {
  PHAROS_TRY(validateLocalKey(key));
  ObjectHeader header;
  header.originalSize = data.size();
  header.storedSize = data.size();
  header.createdMs = toUnixMillis(clock_.now());
  header.checksum = crc32c(data);
  PHAROS_TRY(writeObject(key, header, data, std::nullopt));
  return okStatus();
}

Result<std::string> LocalObjectStore::get(std::string_view key) {
  PHAROS_TRY(validateLocalKey(key));
  PHAROS_ASSIGN_OR_RETURN(OpenObject object, openObject(key));
  return readPayload(object, key);
}

Result<ObjectInfo> LocalObjectStore::stat(std::string_view key) {
  PHAROS_TRY(validateLocalKey(key));
  PHAROS_ASSIGN_OR_RETURN(OpenObject object, openObject(key));
  return ObjectInfo{std::string(key), object.header.originalSize,
                    fromUnixMillis(object.header.createdMs), object.header.compressed()};
}

Result<std::vector<ObjectInfo>> LocalObjectStore::list(std::string_view prefix) {
  PHAROS_ASSIGN_OR_RETURN(Scan found, scan(prefix, /*readHeaders=*/true));
  std::vector<ObjectInfo> out;
  out.reserve(found.objects.size());
  for (ScannedObject& object : found.objects) {
    if (!object.header.ok()) {
      // One corrupt object must not hide all the others; get() reports it as kDataLoss.
      logger().warn("list skips an unreadable object",
                    {{"key", object.key}, {"error", object.header.error().toString()}});
      continue;
    }
    const ObjectHeader& h = *object.header;
    out.push_back(ObjectInfo{std::move(object.key), h.originalSize, fromUnixMillis(h.createdMs),
                             h.compressed()});
  }
  std::sort(out.begin(), out.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return out;
}

Status LocalObjectStore::remove(std::string_view key) {
  PHAROS_TRY(validateLocalKey(key));
  std::string path = pathOf(key);
  {
    std::lock_guard lock(lockFor(key));
    if (::unlink(path.c_str()) != 0) {
      int err = errno;
      if (err == ENOENT || err == ENOTDIR || err == EISDIR) return notFound(key);
      return ioError(err, "unlink " + path, keyContext(key));
    }
  }
  return syncParent(std::string(parentOf(path)), key);
}

Result<SweepReport> LocalObjectStore::applyLifecycle(std::span<const LifecycleRule> rules) {
  // Headers are read only for objects a rule covers: a sweep costs little where no rule applies.
  PHAROS_ASSIGN_OR_RETURN(Scan found, scan("", /*readHeaders=*/false));
  removeStaleTemps(found.staleTemps);
  SweepReport report;
  const int64_t nowMs = toUnixMillis(clock_.now());
  for (ScannedObject& object : found.objects) {
    ++report.scanned;
    const LifecycleRule* rule = lifecycleRuleFor(rules, object.key);
    if (rule == nullptr || !inspect(object)) continue;
    if (!object.header.ok()) {
      // Without a trustworthy creation time the age is unknown: keep the object, say so.
      ++report.failed;
      logger().warn("lifecycle skips an unreadable object",
                    {{"key", object.key}, {"error", object.header.error().toString()}});
      continue;
    }
    const ObjectHeader& header = *object.header;
    const int64_t ageMs = nowMs - header.createdMs;
    if (rule->expireAfter && ageMs > rule->expireAfter->count()) {
      Result<bool> expired = expireIfUnchanged(object);
      if (!expired.ok()) {
        ++report.failed;
        logger().warn("lifecycle could not expire an object",
                      {{"key", object.key}, {"error", expired.error().toString()}});
      } else if (*expired) {
        ++report.expired;
        report.bytesFreed += object.fileSize;
      }
    } else if (rule->compressAfter && ageMs > rule->compressAfter->count() &&
               !header.compressed()) {
      Result<std::optional<uint64_t>> freed = compressIfUnchanged(object, *rule, nowMs);
      if (!freed.ok()) {
        ++report.failed;
        logger().warn("lifecycle could not compress an object",
                      {{"key", object.key}, {"error", freed.error().toString()}});
      } else if (freed->has_value()) {
        ++report.compressed;
        report.bytesFreed += **freed;
      }
    }
  }
  pruneEmptyDirs(found.dirs);
  return report;
}

Result<LocalObjectStore::OpenObject> LocalObjectStore::openObject(std::string_view key) {
  std::string path = pathOf(key);
  // O_NONBLOCK: a FIFO someone left under the root must not hang the open; it has no effect
  // on regular files.
  auto opened = openFile(path.c_str(), O_RDONLY | O_NONBLOCK, 0, keyContext(key));
  if (!opened.ok()) {
    if (opened.error().code == ErrorCode::kNotFound) return notFound(key);
    return std::move(opened).error();
  }
  OpenObject object;
  object.fd = std::move(opened).value();
  struct stat st {};
  if (::fstat(object.fd.get(), &st) != 0) {
    return ioError(errno, "fstat " + path, keyContext(key));
  }
  // A directory here holds other keys under this one as a prefix; this key has no object.
  if (!S_ISREG(st.st_mode)) return notFound(key);
  object.fileSize = static_cast<uint64_t>(st.st_size);
  object.id = FileId{st.st_dev, st.st_ino};

  std::array<char, local::kHeaderSize> raw{};
  PHAROS_ASSIGN_OR_RETURN(size_t got,
                          readAt(object.fd.get(), raw.data(), raw.size(), 0, keyContext(key)));
  Result<ObjectHeader> header = local::decodeHeader(std::string_view(raw.data(), got));
  if (!header.ok()) {
    Error error = std::move(header).error();
    error.context = keyContext(key);
    return error;
  }
  object.header = *header;
  if (Status size = local::checkFileSize(object.header, object.fileSize); !size.ok()) {
    return std::move(size).error().withContext(keyContext(key));
  }
  return object;
}

Result<std::string> LocalObjectStore::readPayload(OpenObject& object, std::string_view key) {
  const ObjectHeader& header = object.header;
  std::string stored;
  PHAROS_TRY(allocate(stored, header.storedSize, key));
  PHAROS_ASSIGN_OR_RETURN(size_t got, readAt(object.fd.get(), stored.data(), stored.size(),
                                             local::kHeaderSize, keyContext(key)));
  if (got != stored.size()) {
    return dataLoss(
        fmt::format("object file ended after {} of {} stored bytes", got, stored.size()), key);
  }
  Result<std::string> original = local::decodeStoredBytes(header, std::move(stored));
  if (!original.ok()) return std::move(original).error().withContext(keyContext(key));
  return original;
}

Result<bool> LocalObjectStore::writeObject(std::string_view key, const ObjectHeader& header,
                                           std::string_view payload,
                                           std::optional<FileId> onlyReplacing) {
  const std::string target = pathOf(key);
  const std::string dir(parentOf(target));
  PHAROS_ASSIGN_OR_RETURN(TempFile temp, createTemp(key, dir));
  const auto encoded = local::encodeHeader(header);
  // Objects are written in the background (archive chunks, backup parts): flushed behind,
  // so the server's own fsyncs do not queue behind them.
  PHAROS_TRY(writeAllFlushingBehind(
      temp.fd.get(), {std::string_view(encoded.data(), encoded.size()), payload}, keyContext(key)));
  PHAROS_TRY(syncData(temp.fd.get(), keyContext(key)));
  PHAROS_TRY(temp.fd.close(keyContext(key)));
  {
    std::lock_guard lock(lockFor(key));
    if (onlyReplacing) {
      struct stat st {};
      if (::lstat(target.c_str(), &st) != 0 || FileId{st.st_dev, st.st_ino} != *onlyReplacing) {
        return false;
      }
    }
    if (::rename(temp.path.c_str(), target.c_str()) != 0) {
      int err = errno;
      if (err == EISDIR) return isPrefixError(key);
      return ioError(err, "rename to " + target, keyContext(key));
    }
    temp.committed = true;
  }
  PHAROS_TRY(syncParent(dir, key));
  return true;
}

Result<LocalObjectStore::TempFile> LocalObjectStore::createTemp(std::string_view key,
                                                                const std::string& dir) {
  {
    Result<TempFile> temp = openTemp(key, dir);
    if (temp.ok()) {
      PHAROS_TRY(ensureDurable(dir, key));
      return std::move(temp).value();
    }
    if (temp.error().code != ErrorCode::kNotFound) return std::move(temp).error();
  }
  // A directory of the key is missing (or a sweep just pruned it): create them and the file
  // while no sweep may prune, since an empty new directory is exactly what it removes.
  std::shared_lock lock(treeMutex_);
  PHAROS_TRY(makeParents(key));
  PHAROS_ASSIGN_OR_RETURN(TempFile temp, openTemp(key, dir));
  lock.unlock();
  PHAROS_TRY(ensureDurable(dir, key));
  return temp;
}

Result<LocalObjectStore::TempFile> LocalObjectStore::openTemp(std::string_view key,
                                                              const std::string& dir) {
  for (int attempt = 1;; ++attempt) {
    std::string path = dir + "/" + local::newTempName();
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kFileMode);
    if (fd >= 0) return TempFile(std::move(path), FileDescriptor(fd));
    int err = errno;
    // EEXIST: a leftover with the same name, possible only after pid and token both repeat.
    if (attempt < kCreateAttempts && (err == EINTR || err == EEXIST)) continue;
    // ENOENT, ENOTDIR (a segment above is an object file) map to kNotFound for createTemp.
    return ioError(err, "create a temporary file in " + dir, keyContext(key));
  }
}

Status LocalObjectStore::makeParents(std::string_view key) {
  for (size_t slash = key.find('/'); slash != std::string_view::npos;
       slash = key.find('/', slash + 1)) {
    std::string dir = pathOf(key.substr(0, slash));
    if (::mkdir(dir.c_str(), kDirMode) == 0) continue;
    int err = errno;
    if (err == EEXIST) {
      struct stat st {};
      if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;
      return prefixIsObjectError(key, key.substr(0, slash));
    }
    return ioError(err, "create directory " + dir, keyContext(key));
  }
  return okStatus();
}

Status LocalObjectStore::ensureDurable(const std::string& dir, std::string_view key) {
  std::lock_guard lock(dirsMutex_);
  if (durableDirs_.contains(dir)) return okStatus();
  // fsync of a directory makes the entries in it durable, so walk up: the parent of `dir`
  // holds its entry, the grandparent the parent's, up to the root (made durable by open()).
  for (std::string_view d = dir; d.size() > root_.size(); d = parentOf(d)) {
    PHAROS_TRY(syncDirectory(std::string(parentOf(d)).c_str(), keyContext(key)));
  }
  durableDirs_.insert(dir);
  return okStatus();
}

Result<LocalObjectStore::Scan> LocalObjectStore::scan(std::string_view prefix, bool readHeaders) {
  Scan out;
  PHAROS_TRY(walk("", prefix, readHeaders, out));
  return out;
}

Status LocalObjectStore::walk(const std::string& relativeDir, std::string_view prefix,
                              bool readHeaders, Scan& out) {
  const std::string absolute = relativeDir.empty() ? root_ : pathOf(relativeDir);
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(absolute.c_str()), &::closedir);
  if (dir == nullptr) {
    // A sweep may remove an emptied directory while another thread lists it.
    if (errno == ENOENT && !relativeDir.empty()) return okStatus();
    return ioError(errno, "open directory " + absolute, "prefix=" + std::string(prefix));
  }
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(dir.get());
    if (entry == nullptr) {
      if (errno != 0) return ioError(errno, "read directory " + absolute, {});
      break;
    }
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (local::isTempName(name)) {
      if (local::isStaleTemp(name)) out.staleTemps.push_back(absolute + "/" + std::string(name));
      continue;
    }
    if (!validateKey(name).ok()) continue;  // not a file this store wrote
    std::string key =
        relativeDir.empty() ? std::string(name) : relativeDir + "/" + std::string(name);

    unsigned char type = entry->d_type;
    if (type == DT_UNKNOWN) {  // some file systems leave d_type unset
      struct stat st {};
      if (::fstatat(::dirfd(dir.get()), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
    }
    if (type == DT_DIR) {
      // Descend only where keys can start with the prefix.
      std::string below = key + "/";
      if (below.starts_with(prefix) || prefix.starts_with(below)) {
        PHAROS_TRY(walk(key, prefix, readHeaders, out));
      }
    } else if (type == DT_REG && key.starts_with(prefix)) {
      ScannedObject object;
      object.key = std::move(key);
      if (readHeaders && !inspect(object)) continue;  // removed meanwhile
      out.objects.push_back(std::move(object));
    }
  }
  if (!relativeDir.empty()) out.dirs.push_back(absolute);
  return okStatus();
}

bool LocalObjectStore::inspect(ScannedObject& object) {
  Result<OpenObject> opened = openObject(object.key);
  if (!opened.ok()) {
    if (opened.error().code == ErrorCode::kNotFound) return false;
    object.header = std::move(opened).error();
    return true;
  }
  object.header = opened->header;
  object.fileSize = opened->fileSize;
  object.id = opened->id;
  return true;
}

Result<std::optional<uint64_t>> LocalObjectStore::compressIfUnchanged(const ScannedObject& scanned,
                                                                      const LifecycleRule& rule,
                                                                      int64_t nowMs) {
  // Keep `object` (and its descriptor) open until the rewrite: an open inode cannot be
  // reused, so the FileId check in writeObject cannot mistake a new file for this one.
  Result<OpenObject> opened = openObject(scanned.key);
  if (!opened.ok()) {
    if (opened.error().code == ErrorCode::kNotFound) return std::optional<uint64_t>();  // removed
    return std::move(opened).error();
  }
  OpenObject object = std::move(opened).value();
  const ObjectHeader& old = object.header;
  if (object.id != scanned.id || old.compressed() ||
      nowMs - old.createdMs <= rule.compressAfter.value_or(Millis::max()).count()) {
    return std::optional<uint64_t>();
  }
  // Reading verifies the checksum: corrupt bytes are never re-stored under a fresh one.
  PHAROS_ASSIGN_OR_RETURN(std::string original, readPayload(object, scanned.key));
  std::string compressed;
  PHAROS_TRY(allocate(compressed, ZSTD_compressBound(original.size()), scanned.key));
  size_t n = ZSTD_compress(compressed.data(), compressed.size(), original.data(), original.size(),
                           kCompressionLevel);
  if (ZSTD_isError(n)) {
    return makeError(ErrorCode::kInternal,
                     fmt::format("zstd compression failed: {}", ZSTD_getErrorName(n)),
                     keyContext(scanned.key));
  }
  compressed.resize(n);
  ObjectHeader header = old;
  header.flags |= local::kFlagCompressed;
  header.storedSize = compressed.size();
  header.checksum = crc32c(compressed);
  PHAROS_ASSIGN_OR_RETURN(bool written, writeObject(scanned.key, header, compressed, object.id));
  if (!written) return std::optional<uint64_t>();
  uint64_t newSize = local::kHeaderSize + compressed.size();
  return std::optional<uint64_t>(object.fileSize > newSize ? object.fileSize - newSize : 0);
}

Result<bool> LocalObjectStore::expireIfUnchanged(const ScannedObject& object) {
  std::string path = pathOf(object.key);
  {
    std::lock_guard lock(lockFor(object.key));
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || FileId{st.st_dev, st.st_ino} != object.id) {
      return false;  // replaced or removed since the scan: the next sweep judges the new one
    }
    if (::unlink(path.c_str()) != 0) {
      return ioError(errno, "unlink " + path, keyContext(object.key));
    }
  }
  PHAROS_TRY(syncParent(std::string(parentOf(path)), object.key));
  return true;
}

size_t LocalObjectStore::removeStaleTemps(const std::vector<std::string>& paths) {
  size_t removed = 0;
  for (const std::string& path : paths) {
    if (::unlink(path.c_str()) == 0) ++removed;
  }
  return removed;
}

void LocalObjectStore::pruneEmptyDirs(const std::vector<std::string>& dirs) {
  for (const std::string& dir : dirs) {
    std::unique_lock tree(treeMutex_);
    std::lock_guard lock(dirsMutex_);
    // Fails with ENOTEMPTY for every directory still in use, which is the common case.
    if (::rmdir(dir.c_str()) == 0) durableDirs_.erase(dir);
  }
}

}  // namespace pharos::objects
