#include "metrics/wal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <vector>

#include "core/error.h"
#include "core/framed_records.h"

namespace pharos::metrics {
namespace {

namespace fs = std::filesystem;

// Segments roll over at this size so replay reads bounded files and a checkpoint can drop
// them piece by piece.
constexpr std::uint64_t kMaxSegmentBytes = 128ull << 20;
constexpr std::string_view kSegmentSuffix = ".wal";
constexpr std::string_view kCheckpointPrefix = "checkpoint.";

std::optional<std::uint64_t> parseNumber(std::string_view digits) {
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
    return std::nullopt;
  }
  return n;
}

std::string numbered(std::uint64_t n) {
  std::string digits = std::to_string(n);
  return std::string(digits.size() < 8 ? 8 - digits.size() : 0, '0') + digits;
}

struct DirectoryListing {
  std::vector<std::uint64_t> segments;  // sorted
  std::optional<std::uint64_t> checkpoint;
};

Result<DirectoryListing> listDirectory(const std::string& dir) {
  DirectoryListing listing;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    std::string_view view(name);
    if (view.ends_with(kSegmentSuffix)) {
      if (auto n = parseNumber(view.substr(0, view.size() - kSegmentSuffix.size()))) {
        listing.segments.push_back(*n);
      }
    } else if (view.starts_with(kCheckpointPrefix)) {
      auto n = parseNumber(view.substr(kCheckpointPrefix.size()));
      if (n && (!listing.checkpoint || *n > *listing.checkpoint)) listing.checkpoint = n;
    }
  }
  if (ec) return ioError(ec.value(), "list " + dir, "metrics write-ahead log");
  std::sort(listing.segments.begin(), listing.segments.end());
  return listing;
}

Result<std::string> readWhole(const std::string& path) {
  PHAROS_ASSIGN_OR_RETURN(FileDescriptor fd, openFile(path.c_str(), O_RDONLY, 0, path));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return ioError(errno, "stat " + path, path);
  std::string data(static_cast<std::size_t>(st.st_size), '\0');
  PHAROS_ASSIGN_OR_RETURN(std::size_t got, readAt(fd.get(), data.data(), data.size(), 0, path));
  data.resize(got);
  return data;
}

// Calls onRecord for each intact record; returns the bytes after the last intact one.
Result<std::uint64_t> replayBuffer(std::string_view data,
                                   const std::function<Status(std::string_view)>& onRecord,
                                   std::uint64_t& records) {
  Status failed = okStatus();
  std::size_t consumed = scanFramedRecords(data, [&](std::string_view payload) {
    failed = onRecord(payload);
    if (!failed.ok()) return false;
    ++records;
    return true;
  });
  PHAROS_TRY(std::move(failed));
  return data.size() - consumed;
}

}  // namespace

Result<std::unique_ptr<Wal>> Wal::open(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return ioError(ec.value(), "create " + dir, "metrics write-ahead log");
  std::unique_ptr<Wal> wal(new Wal(dir));
  PHAROS_ASSIGN_OR_RETURN(DirectoryListing listing, listDirectory(dir));
  std::uint64_t last = listing.segments.empty() ? 0 : listing.segments.back();
  if (listing.checkpoint) last = std::max(last, *listing.checkpoint);
  // Never append after a tail that may be torn: new records start a new segment.
  PHAROS_TRY(wal->openSegment(last + 1));
  return wal;
}

Wal::~Wal() = default;

std::string Wal::segmentPath(std::uint64_t number) const {
  return dir_ + "/" + numbered(number) + std::string(kSegmentSuffix);
}

Status Wal::openSegment(std::uint64_t number) {
  std::string path = segmentPath(number);
  PHAROS_ASSIGN_OR_RETURN(file_, openFile(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644,
                                          "metrics write-ahead log"));
  PHAROS_TRY(syncDirectory(dir_.c_str(), "metrics write-ahead log"));
  segment_ = number;
  segmentBytes_ = 0;
  return okStatus();
}

Result<Wal::ReplayStats> Wal::replay(const std::function<Status(std::string_view)>& onRecord) {
  PHAROS_ASSIGN_OR_RETURN(DirectoryListing listing, listDirectory(dir_));
  ReplayStats stats;
  std::uint64_t first = 0;
  if (listing.checkpoint) {
    std::string path = dir_ + "/" + std::string(kCheckpointPrefix) + numbered(*listing.checkpoint);
    PHAROS_ASSIGN_OR_RETURN(std::string data, readWhole(path));
    PHAROS_ASSIGN_OR_RETURN(std::uint64_t dropped, replayBuffer(data, onRecord, stats.records));
    // A checkpoint is renamed into place only once complete and synced: damage is not a
    // crash artefact but lost data, so say so rather than replay half of it silently.
    if (dropped != 0) {
      return makeError(ErrorCode::kDataLoss, "metrics checkpoint is corrupt", path);
    }
    first = *listing.checkpoint;
  }
  for (std::uint64_t number : listing.segments) {
    if (number < first || number >= segment_) continue;
    PHAROS_ASSIGN_OR_RETURN(std::string data, readWhole(segmentPath(number)));
    PHAROS_ASSIGN_OR_RETURN(std::uint64_t dropped, replayBuffer(data, onRecord, stats.records));
    stats.droppedBytes += dropped;
  }
  return stats;
}

void Wal::appendRecord(std::string& out, std::string_view payload) {
  appendFramedRecord(out, payload);
}

Result<std::uint64_t> Wal::append(std::initializer_list<std::string_view> payloads) {
  std::string framed;
  std::size_t total = 0;
  for (auto p : payloads)
    total += kFramedRecordHeaderBytes + p.size();
  framed.reserve(total);
  for (auto p : payloads)
    appendRecord(framed, p);
  std::unique_lock lock(mutex_);
  if (segmentBytes_ + framed.size() > kMaxSegmentBytes && segmentBytes_ > 0) {
    PHAROS_TRY(rotateLocked(lock));
  }
  PHAROS_TRY(writeAll(file_.get(), {framed}, "metrics write-ahead log"));
  written_ += framed.size();
  segmentBytes_ += framed.size();
  return written_;
}

Status Wal::sync(std::uint64_t position) {
  std::unique_lock lock(mutex_);
  return commit_.syncUpTo(lock, position, file_, written_);
}

Status Wal::rotateLocked(std::unique_lock<std::mutex>& lock) {
  commit_.waitIdle(lock);
  // Everything written so far becomes durable with the old segment, so positions stay one
  // sequence across segments.
  PHAROS_TRY(syncData(file_.get(), "metrics write-ahead log"));
  commit_.markDurable(written_);
  PHAROS_TRY(file_.close("metrics write-ahead log"));
  return openSegment(segment_ + 1);
}

Result<std::uint64_t> Wal::rotate() {
  std::unique_lock lock(mutex_);
  PHAROS_TRY(rotateLocked(lock));
  return segment_;
}

Status Wal::writeCheckpoint(std::uint64_t segment, std::string_view framedRecords) {
  std::string path = dir_ + "/" + std::string(kCheckpointPrefix) + numbered(segment);
  std::string temp = path + ".tmp";
  {
    PHAROS_ASSIGN_OR_RETURN(FileDescriptor fd,
                            openFile(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644, temp));
    PHAROS_TRY(writeAll(fd.get(), {framedRecords}, temp));
    PHAROS_TRY(syncData(fd.get(), temp));
    PHAROS_TRY(fd.close(temp));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) return ioError(errno, "rename " + temp, path);
  PHAROS_TRY(syncDirectory(dir_.c_str(), "metrics write-ahead log"));
  PHAROS_ASSIGN_OR_RETURN(DirectoryListing listing, listDirectory(dir_));
  for (std::uint64_t number : listing.segments) {
    if (number < segment) ::unlink(segmentPath(number).c_str());
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    std::string name = entry.path().filename().string();
    if (name.starts_with(kCheckpointPrefix) && entry.path().string() != path) {
      ::unlink(entry.path().c_str());
    }
  }
  return syncDirectory(dir_.c_str(), "metrics write-ahead log");
}

std::uint64_t Wal::diskBytes() const {
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    auto size = entry.file_size(ec);
    if (!ec) total += size;
  }
  return total;
}

}  // namespace pharos::metrics
