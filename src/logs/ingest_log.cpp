#include "logs/ingest_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>

#include "core/error.h"
#include "core/framed_records.h"

namespace pharos::logs {
namespace {

namespace fs = std::filesystem;
constexpr std::string_view kSuffix = ".seg";
constexpr char kContext[] = "log ingest log";

std::optional<std::uint64_t> segmentNumber(std::string_view name) {
  if (!name.ends_with(kSuffix)) return std::nullopt;
  name.remove_suffix(kSuffix.size());
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), n);
  if (ec != std::errc() || end != name.data() + name.size() || name.empty()) return std::nullopt;
  return n;
}

Result<std::string> readFile(const std::string& path, std::uint64_t offset, std::size_t size) {
  PHAROS_ASSIGN_OR_RETURN(FileDescriptor fd, openFile(path.c_str(), O_RDONLY, 0, path));
  std::string data(size, '\0');
  PHAROS_ASSIGN_OR_RETURN(std::size_t got, readAt(fd.get(), data.data(), size, offset, path));
  data.resize(got);
  return data;
}

Result<std::uint64_t> fileSize(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return ioError(errno, "stat " + path, kContext);
  return static_cast<std::uint64_t>(st.st_size);
}

}  // namespace

std::string IngestLog::segmentPath(std::uint64_t begin) const {
  char name[32];
  auto r = std::to_chars(name, name + sizeof name, begin);
  std::string digits(name, r.ptr);
  return dir_ + "/" + std::string(20 - std::min<std::size_t>(20, digits.size()), '0') + digits +
         std::string(kSuffix);
}

Result<std::unique_ptr<IngestLog>> IngestLog::open(std::string dir, IngestLogOptions options) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return ioError(ec.value(), "create " + dir, kContext);
  std::unique_ptr<IngestLog> log(new IngestLog(std::move(dir), options));
  std::vector<std::uint64_t> numbers;
  for (const auto& entry : fs::directory_iterator(log->dir_, ec)) {
    if (auto n = segmentNumber(entry.path().filename().string())) numbers.push_back(*n);
  }
  if (ec) return ioError(ec.value(), "list " + log->dir_, kContext);
  std::sort(numbers.begin(), numbers.end());

  // Sealed segments were fsynced whole before the next was opened; only the last can hold
  // a torn tail. It is scanned and cut back to its last intact record.
  for (std::size_t i = 0; i + 1 < numbers.size(); ++i) {
    std::string path = log->segmentPath(numbers[i]);
    PHAROS_ASSIGN_OR_RETURN(std::uint64_t size, fileSize(path));
    log->sealed_.push_back({numbers[i], numbers[i] + size, path});
  }
  std::uint64_t begin = numbers.empty() ? 0 : numbers.back();
  if (!numbers.empty()) {
    std::string path = log->segmentPath(begin);
    PHAROS_ASSIGN_OR_RETURN(std::uint64_t size, fileSize(path));
    PHAROS_ASSIGN_OR_RETURN(std::string data, readFile(path, 0, size));
    std::size_t intact = scanFramedRecords(data, [](std::string_view) { return true; });
    if (intact < data.size()) {
      log->truncatedAtOpen_ = data.size() - intact;
      if (::truncate(path.c_str(), static_cast<off_t>(intact)) != 0) {
        return ioError(errno, "truncate " + path, kContext);
      }
    }
    log->written_ = begin + intact;
  }
  PHAROS_TRY(log->openSegment(begin));
  log->commit_.markDurable(log->written_);
  return log;
}

IngestLog::~IngestLog() = default;

Status IngestLog::openSegment(std::uint64_t begin) {
  std::string path = segmentPath(begin);
  PHAROS_ASSIGN_OR_RETURN(file_, openFile(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644, path));
  PHAROS_TRY(syncDirectory(dir_.c_str(), kContext));
  openBegin_ = begin;
  if (written_ < begin) written_ = begin;
  return okStatus();
}

Result<std::uint64_t> IngestLog::append(std::string_view batch) {
  std::string framed;
  framed.reserve(batch.size() + kFramedRecordHeaderBytes);
  appendFramedRecord(framed, batch);
  std::unique_lock lock(mutex_);
  if (written_ - openBegin_ >= options_.segmentBytes) {
    // Seal: the old segment is made durable whole before the next exists, so open() knows
    // only the last segment can be torn.
    commit_.waitIdle(lock);
    PHAROS_TRY(syncData(file_.get(), kContext));
    PHAROS_TRY(file_.close(kContext));
    sealed_.push_back({openBegin_, written_, segmentPath(openBegin_)});
    PHAROS_TRY(openSegment(written_));
    commit_.markDurable(written_);
  }
  PHAROS_TRY(writeAll(file_.get(), {framed}, kContext));
  written_ += framed.size();
  std::uint64_t position = written_;
  PHAROS_TRY(commit_.syncUpTo(lock, position, file_, written_));
  return position;
}

std::uint64_t IngestLog::durableEnd() const {
  std::lock_guard lock(mutex_);
  return commit_.durable();
}

std::uint64_t IngestLog::begin() const {
  std::lock_guard lock(mutex_);
  return sealed_.empty() ? openBegin_ : sealed_.front().begin;
}

Result<IngestChunk> IngestLog::read(std::uint64_t from, std::size_t maxBytes) const {
  std::string path;
  std::uint64_t segmentBegin = 0, limit = 0;
  {
    std::lock_guard lock(mutex_);
    if (!sealed_.empty() ? from < sealed_.front().begin : from < openBegin_) {
      return makeError(ErrorCode::kNotFound,
                       "position " + std::to_string(from) + " lies in a segment that was removed");
    }
    const SegmentInfo* found = nullptr;
    for (const auto& s : sealed_) {
      if (from < s.end) {
        found = &s;
        break;
      }
    }
    if (found != nullptr) {
      path = found->path;
      segmentBegin = found->begin;
      limit = found->end;
    } else {
      path = segmentPath(openBegin_);
      segmentBegin = openBegin_;
      limit = commit_.durable();
      if (from < openBegin_) from = openBegin_;  // the end of the last sealed segment
    }
  }
  IngestChunk chunk;
  chunk.begin = chunk.end = from;
  if (from >= limit) return chunk;
  std::size_t want = static_cast<std::size_t>(
      std::min<std::uint64_t>(limit - from, std::max(maxBytes, kFramedRecordHeaderBytes)));
  PHAROS_ASSIGN_OR_RETURN(chunk.bytes, readFile(path, from - segmentBegin, want));
  std::size_t used = scanFramedRecords(chunk.bytes, [&](std::string_view payload) {
    chunk.batches.push_back(payload);
    return true;
  });
  if (used == 0) {
    // The first record is bigger than maxBytes: read exactly it.
    if (chunk.bytes.size() < kFramedRecordHeaderBytes) {
      return makeError(ErrorCode::kDataLoss,
                       "ingest log: position " + std::to_string(from) + " is not a batch boundary");
    }
    std::size_t whole = kFramedRecordHeaderBytes + getU32Le(chunk.bytes.data());
    if (whole > limit - from) {
      return makeError(ErrorCode::kDataLoss,
                       "ingest log: position " + std::to_string(from) + " is not a batch boundary");
    }
    PHAROS_ASSIGN_OR_RETURN(chunk.bytes, readFile(path, from - segmentBegin, whole));
    used = scanFramedRecords(chunk.bytes, [&](std::string_view payload) {
      chunk.batches.push_back(payload);
      return true;
    });
    if (used == 0) {
      return makeError(ErrorCode::kDataLoss,
                       "ingest log: corrupt record at position " + std::to_string(from));
    }
  }
  chunk.end = from + used;
  return chunk;
}

std::vector<SegmentInfo> IngestLog::sealedSegments() const {
  std::lock_guard lock(mutex_);
  return sealed_;
}

Status IngestLog::removeSegment(std::uint64_t begin) {
  std::string path;
  {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(sealed_.begin(), sealed_.end(),
                           [&](const SegmentInfo& s) { return s.begin == begin; });
    if (it == sealed_.end()) {
      return makeError(ErrorCode::kNotFound, "no sealed segment at " + std::to_string(begin));
    }
    path = it->path;
    sealed_.erase(it);
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return ioError(errno, "unlink " + path, kContext);
  return syncDirectory(dir_.c_str(), kContext);
}

std::uint64_t IngestLog::diskBytes() const {
  std::lock_guard lock(mutex_);
  std::uint64_t total = written_ - openBegin_;
  for (const auto& s : sealed_)
    total += s.end - s.begin;
  return total;
}

}  // namespace pharos::logs
