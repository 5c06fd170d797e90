#include "backup/backup_writer.h"

#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>

#include "backup/digest.h"
#include "backup/entry_stream.h"
#include "backup/snapshot.h"
#include "core/ids.h"
#include "core/thread_priority.h"

namespace pharos::backup {

namespace fs = std::filesystem;

namespace {

constexpr size_t kReadChunkBytes = 1 << 20;

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

// The ByteSource the cipher pulls from: the entry stream compressed with zstd.
class CompressingSource {
 public:
  CompressingSource(EntryStreamReader& reader, int level, std::function<void()> onRead)
      : reader_(reader), cctx_(ZSTD_createCCtx()), onRead_(std::move(onRead)) {
    ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_checksumFlag, 1);
    // Compression on a worker thread of zstd's own overlaps it with reading, sealing and
    // storing on this one (compression is most of a backup's CPU). A libzstd built without
    // multithreading refuses the parameter: compression then stays on this thread.
    (void)ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_nbWorkers, 1);
    input_.resize(kReadChunkBytes);
    chunk_.resize(ZSTD_CStreamOutSize());
  }

  Result<size_t> read(char* buffer, size_t capacity) {
    while (outPos_ == out_.size()) {
      if (finished_) return size_t{0};
      out_.clear();
      outPos_ = 0;
      PHAROS_TRY(compressMore());
    }
    const size_t n = std::min(capacity, out_.size() - outPos_);
    std::memcpy(buffer, out_.data() + outPos_, n);
    outPos_ += n;
    return n;
  }

  uint64_t compressedBytes() const { return compressed_; }

 private:
  Status compressMore() {
    PHAROS_ASSIGN_OR_RETURN(size_t n, reader_.read(input_.data(), input_.size()));
    if (onRead_) onRead_();
    ZSTD_inBuffer in{input_.data(), n, 0};
    const ZSTD_EndDirective mode = n == 0 ? ZSTD_e_end : ZSTD_e_continue;
    for (;;) {
      ZSTD_outBuffer out{chunk_.data(), chunk_.size(), 0};
      const size_t left = ZSTD_compressStream2(cctx_.get(), &out, &in, mode);
      if (ZSTD_isError(left)) {
        return makeError(ErrorCode::kInternal,
                         std::string("zstd compression failed: ") + ZSTD_getErrorName(left));
      }
      out_.append(chunk_.data(), out.pos);
      compressed_ += out.pos;
      const bool done = mode == ZSTD_e_end ? left == 0 : in.pos == in.size;
      if (done) break;
    }
    if (n == 0) finished_ = true;
    return okStatus();
  }

  EntryStreamReader& reader_;
  std::unique_ptr<ZSTD_CCtx, CCtxDeleter> cctx_;
  std::function<void()> onRead_;
  std::string input_;
  std::string chunk_;  // zstd's output, before it is appended to out_
  std::string out_;
  size_t outPos_ = 0;
  bool finished_ = false;
  uint64_t compressed_ = 0;
};

// The ByteSink the cipher pushes into: objects of at most partBytes each.
class PartSink {
 public:
  PartSink(objects::ObjectStore& store, std::string id, uint64_t partBytes)
      : store_(store), id_(std::move(id)), partBytes_(partBytes) {}

  Status write(std::string_view bytes) {
    buffer_.append(bytes);
    while (buffer_.size() >= partBytes_) {
      PHAROS_TRY(flush(std::string_view(buffer_).substr(0, partBytes_)));
      buffer_.erase(0, partBytes_);
    }
    return okStatus();
  }

  Status finish() {
    if (!buffer_.empty() || parts_.empty()) PHAROS_TRY(flush(buffer_));
    buffer_.clear();
    return okStatus();
  }

  const std::vector<ManifestPart>& parts() const { return parts_; }
  uint64_t storedBytes() const { return stored_; }
  const std::string& keyId() const { return keyId_; }

 private:
  Status flush(std::string_view data) {
    if (parts_.empty()) {
      // The envelope's header names the data key that sealed the stream.
      auto header = crypto::envelope::readHeader(data);
      if (header.ok()) keyId_ = header->keyId;
    }
    ManifestPart part{partKey(id_, parts_.size() + 1), data.size(), blake2bHex(data)};
    PHAROS_TRY(store_.put(part.key, data));
    stored_ += data.size();
    parts_.push_back(std::move(part));
    return okStatus();
  }

  objects::ObjectStore& store_;
  std::string id_;
  uint64_t partBytes_;
  std::string buffer_;
  std::vector<ManifestPart> parts_;
  uint64_t stored_ = 0;
  std::string keyId_;
};

Result<Manifest> writeBackup(const fs::path& dataDir, const fs::path& stagingDir,
                             const std::string& id, objects::ObjectStore& store,
                             crypto::Keyring& keyring, const BackupOptions& options, Clock& clock,
                             const ProgressFn& progress, PartSink& sink) {
  const MonoTime started = clock.monotonic();
  Manifest manifest;
  manifest.id = id;
  manifest.createdAt = clock.now();
  manifest.pharosVersion = options.pharosVersion;
  manifest.schemaVersions = options.schemaVersions;
  manifest.partBytes = options.partBytes;

  PHAROS_ASSIGN_OR_RETURN(std::vector<SnapshotFile> files,
                          takeSnapshot(dataDir, stagingDir, {options.configFile}));
  for (const SnapshotFile& f : files)
    manifest.rawBytes += f.size;
  const uint64_t total = manifest.rawBytes;
  if (progress) progress(0, total);

  EntryStreamReader reader(stagingDir, files);
  uint64_t reported = 0;
  CompressingSource compressor(reader, options.zstdLevel, [&] {
    if (progress && reader.fileBytesRead() != reported) {
      reported = reader.fileBytesRead();
      progress(reported, total);
    }
  });
  PHAROS_TRY(keyring.sealStream(
      crypto::Purpose::kBackups,
      [&](char* buffer, size_t capacity) { return compressor.read(buffer, capacity); },
      [&](std::string_view bytes) { return sink.write(bytes); }));
  PHAROS_TRY(sink.finish());
  if (reader.fileBytesRead() != total || reader.digests().size() != files.size()) {
    return makeError(ErrorCode::kInternal, "backup streamed fewer bytes than the snapshot holds");
  }
  for (size_t i = 0; i < files.size(); ++i)
    manifest.files.push_back({files[i].path, files[i].size, reader.digests()[i]});
  if (progress && reported != total) progress(total, total);

  manifest.compressedBytes = compressor.compressedBytes();
  manifest.storedBytes = sink.storedBytes();
  manifest.parts = sink.parts();
  manifest.keyId = sink.keyId();
  PHAROS_ASSIGN_OR_RETURN(manifest.dataKey, keyring.exportKey(manifest.keyId));
  manifest.duration = std::chrono::duration_cast<Millis>(clock.monotonic() - started);
  PHAROS_TRY(store.put(manifestKey(id), encodeManifest(manifest)));
  return manifest;
}

}  // namespace

Result<Manifest> createBackup(const fs::path& dataDir, objects::ObjectStore& store,
                              crypto::Keyring& keyring, const BackupOptions& options,
                              const ProgressFn& progress) {
  if (options.partBytes < kMinPartBytes) {
    return makeError(ErrorCode::kInvalidArgument,
                     "part size must be at least " + std::to_string(kMinPartBytes) + " bytes");
  }
  Clock& clock = options.clock != nullptr ? *options.clock : systemClock();
  const std::string id = newId(clock.now());
  const fs::path stagingDir = options.stagingDir.empty()
                                  ? dataDir / (std::string(kStagingPrefix) + id)
                                  : options.stagingDir;
  PartSink sink(store, id, options.partBytes);
  auto run = [&] {
    return writeBackup(dataDir, stagingDir, id, store, keyring, options, clock, progress, sink);
  };
  std::optional<Result<Manifest>> outcome;
  if (options.background) {
    // A thread of its own: an unprivileged thread cannot raise its priority back, and the
    // caller's thread (a server's scheduler, the CLI's main) must keep its own.
    std::thread worker([&] {
      // Inherited by the threads it starts from now on (zstd's worker, the snapshot's copiers).
      lowerThreadPriority(kBackgroundNiceness);
      lowerIoPriority();
      outcome.emplace(run());
    });
    worker.join();
  } else {
    outcome.emplace(run());
  }
  Result<Manifest> result = std::move(*outcome);
  std::error_code ec;
  fs::remove_all(stagingDir, ec);
  if (!result.ok()) {
    for (const ManifestPart& part : sink.parts())
      store.remove(part.key).ignore();
  }
  return result;
}

}  // namespace pharos::backup
