#include "backup/entry_stream.h"

#include <fcntl.h>

#include <algorithm>
#include <cstring>

namespace pharos::backup {

namespace {

void putLe(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

uint64_t getLe(std::string_view in) {
  uint64_t value = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    value |= static_cast<uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  }
  return value;
}

Error corrupt(std::string message) {
  return makeError(ErrorCode::kDataLoss, "backup entry stream: " + std::move(message));
}

}  // namespace

bool isSafeRelativePath(std::string_view path) {
  if (path.empty() || path.size() > kMaxEntryPathBytes || path.front() == '/') return false;
  if (path.find('\0') != std::string_view::npos) return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view segment = path.substr(start, slash - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    start = slash + 1;
  }
  return true;
}

Status EntryStreamReader::startNextFile() {
  if (next_ > 0) {
    digests_.push_back(hash_.finalHex());
    hash_ = Blake2b();
  }
  staged_ = FileDescriptor();
  framing_.clear();
  framingPos_ = 0;
  if (next_ == files_.size()) {
    putLe(framing_, 0, 2);
    ended_ = true;
    return okStatus();
  }
  const SnapshotFile& file = files_[next_++];
  if (file.held) {
    currentFd_ = file.held->get();
  } else {
    const std::string path = (stagingDir_ / file.path).string();
    PHAROS_ASSIGN_OR_RETURN(staged_, openFile(path.c_str(), O_RDONLY, 0, "backup"));
    currentFd_ = staged_.get();
  }
  currentOffset_ = 0;
  currentSize_ = file.size;
  putLe(framing_, file.path.size(), 2);
  framing_ += file.path;
  putLe(framing_, file.size, 8);
  return okStatus();
}

Result<size_t> EntryStreamReader::read(char* buffer, size_t capacity) {
  size_t written = 0;
  while (written < capacity) {
    if (!started_) {
      started_ = true;
      PHAROS_TRY(startNextFile());
      framing_.insert(0, kEntryMagic);  // the magic goes before the first file's header
    }
    if (framingPos_ < framing_.size()) {
      const size_t n = std::min(capacity - written, framing_.size() - framingPos_);
      std::memcpy(buffer + written, framing_.data() + framingPos_, n);
      framingPos_ += n;
      written += n;
      continue;
    }
    if (ended_) break;
    if (currentOffset_ < currentSize_) {
      const SnapshotFile& file = files_[next_ - 1];
      const size_t want = static_cast<size_t>(
          std::min<uint64_t>(capacity - written, currentSize_ - currentOffset_));
      PHAROS_ASSIGN_OR_RETURN(
          size_t n, readAt(currentFd_, buffer + written, want, currentOffset_, file.path));
      if (n == 0 && file.held) {
        Error error = makeError(ErrorCode::kUnavailable,
                                "a file was truncated during the backup; try again", file.path);
        error.retryable = true;
        return error;
      }
      if (n == 0) {
        return makeError(ErrorCode::kInternal, "staged file shrank during the backup", file.path);
      }
      hash_.update(std::string_view(buffer + written, n));
      currentOffset_ += n;
      fileBytesRead_ += n;
      written += n;
      continue;
    }
    PHAROS_TRY(startNextFile());
  }
  return written;
}

Status EntryStreamParser::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    if (state_ == State::kDone) return corrupt("bytes after the end marker");
    if (state_ == State::kData) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, bytes.size()));
      if (n > 0) PHAROS_TRY(handler_.data(bytes.substr(0, n)));
      remaining_ -= n;
      bytes.remove_prefix(n);
      if (remaining_ == 0) {
        PHAROS_TRY(handler_.end());
        state_ = State::kPathLength;
        need_ = 2;
      }
      continue;
    }
    const size_t n = std::min(need_ - pending_.size(), bytes.size());
    pending_.append(bytes.substr(0, n));
    bytes.remove_prefix(n);
    if (pending_.size() == need_) PHAROS_TRY(advance());
  }
  return okStatus();
}

// A fixed-size field is complete in pending_: act on it and say what comes next.
Status EntryStreamParser::advance() {
  std::string field = std::move(pending_);
  pending_.clear();
  switch (state_) {
    case State::kMagic:
      if (field != kEntryMagic) return corrupt("not an entry stream (bad magic)");
      state_ = State::kPathLength;
      need_ = 2;
      return okStatus();
    case State::kPathLength: {
      const uint64_t length = getLe(field);
      if (length == 0) {
        state_ = State::kDone;
        return okStatus();
      }
      if (length > kMaxEntryPathBytes) return corrupt("path too long");
      state_ = State::kPath;
      need_ = static_cast<size_t>(length);
      return okStatus();
    }
    case State::kPath:
      if (!isSafeRelativePath(field)) return corrupt("unsafe path \"" + field + "\"");
      path_ = std::move(field);
      state_ = State::kSize;
      need_ = 8;
      return okStatus();
    case State::kSize:
      remaining_ = getLe(field);
      PHAROS_TRY(handler_.begin(path_, remaining_));
      if (remaining_ == 0) {
        PHAROS_TRY(handler_.end());
        state_ = State::kPathLength;
        need_ = 2;
      } else {
        state_ = State::kData;
      }
      return okStatus();
    case State::kData:
    case State::kDone:
      break;
  }
  return makeError(ErrorCode::kInternal, "entry stream parser in an impossible state");
}

Status EntryStreamParser::finish() const {
  if (state_ != State::kDone) return corrupt("stream ends before its end marker");
  return okStatus();
}

}  // namespace pharos::backup
