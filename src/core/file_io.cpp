#include "core/file_io.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <optional>
#include <system_error>
#include <utility>

#include <fmt/format.h>

namespace pharos {

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
  if (this != &other) {
    close().ignore();  // the object being replaced had no caller waiting for its error
    fd_ = other.release();
  }
  return *this;
}

FileDescriptor::~FileDescriptor() {
  close().ignore();  // a read-only descriptor or one already synced: nothing left to report
}

int FileDescriptor::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

Status FileDescriptor::close(std::string context) {
  if (fd_ < 0) return okStatus();
  int fd = release();
  // Linux frees the descriptor even when close() fails with EINTR, so never retry it.
  if (::close(fd) != 0 && errno != EINTR) return ioError(errno, "close", std::move(context));
  return okStatus();
}

Error ioError(int err, std::string_view what, std::string context) {
  std::string message = fmt::format("{}: {}", what, std::generic_category().message(err));
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return makeError(ErrorCode::kNotFound, std::move(message), std::move(context));
    case ENAMETOOLONG:
      return makeError(ErrorCode::kInvalidArgument, std::move(message), std::move(context));
    case EAGAIN:
    case EINTR:
      return retryableError(ErrorCode::kUnavailable, std::move(message), std::move(context));
    default:
      return makeError(ErrorCode::kIo, std::move(message), std::move(context));
  }
}

Result<FileDescriptor> openFile(const char* path, int flags, mode_t mode, std::string context) {
  for (;;) {
    int fd = ::open(path, flags | O_CLOEXEC, mode);
    if (fd >= 0) return FileDescriptor(fd);
    if (errno == EINTR) continue;
    return ioError(errno, fmt::format("open {}", path), std::move(context));
  }
}

Status writeAll(int fd, std::initializer_list<std::string_view> parts, std::string context) {
  constexpr size_t kMaxParts = 8;
  std::array<iovec, kMaxParts> iov{};
  size_t count = 0;
  for (std::string_view part : parts) {
    if (part.empty()) continue;
    if (count == kMaxParts) {
      return makeError(ErrorCode::kInternal, "writeAll: too many parts", std::move(context));
    }
    iov[count++] = iovec{const_cast<char*>(part.data()), part.size()};
  }
  iovec* next = iov.data();
  while (count > 0) {
    ssize_t n = ::writev(fd, next, static_cast<int>(std::min<size_t>(count, IOV_MAX)));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ioError(errno, "write", std::move(context));
    }
    auto left = static_cast<size_t>(n);
    while (count > 0 && left >= next->iov_len) {
      left -= next->iov_len;
      ++next;
      --count;
    }
    if (count > 0) {
      next->iov_base = static_cast<char*>(next->iov_base) + left;
      next->iov_len -= left;
    }
  }
  return okStatus();
}

Status writeAllFlushingBehind(int fd, std::initializer_list<std::string_view> parts,
                              std::string context) {
  const off_t start = ::lseek(fd, 0, SEEK_CUR);
  uint64_t written = 0;
  uint64_t flushed = 0;  // bytes before this have had their writeback started
  std::optional<std::pair<uint64_t, uint64_t>> inFlight;
  auto flushBehind = [&] {
    if (start < 0 || written == flushed) return;
    // Advisory: errors (a file system without it) surface at the caller's fdatasync anyway.
    (void)::sync_file_range(fd, start + static_cast<off_t>(flushed),
                            static_cast<off_t>(written - flushed), SYNC_FILE_RANGE_WRITE);
    if (inFlight) {
      (void)::sync_file_range(
          fd, start + static_cast<off_t>(inFlight->first), static_cast<off_t>(inFlight->second),
          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
    }
    inFlight.emplace(flushed, written - flushed);
    flushed = written;
  };
  for (std::string_view part : parts) {
    while (!part.empty()) {
      const size_t n = std::min<size_t>(part.size(), kFlushBehindBytes - (written - flushed));
      PHAROS_TRY(writeAll(fd, {part.substr(0, n)}, context));
      part.remove_prefix(n);
      written += n;
      if (written - flushed == kFlushBehindBytes) flushBehind();
    }
  }
  flushBehind();
  return okStatus();
}

Result<size_t> readAt(int fd, char* out, size_t size, uint64_t offset, std::string context) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, out + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ioError(errno, "read", std::move(context));
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

Status syncData(int fd, std::string context) {
  while (::fdatasync(fd) != 0) {
    if (errno == EINTR) continue;
    return ioError(errno, "fdatasync", std::move(context));
  }
  return okStatus();
}

Status syncDirectory(const char* path, std::string context) {
  PHAROS_ASSIGN_OR_RETURN(FileDescriptor dir,
                          openFile(path, O_RDONLY | O_DIRECTORY, 0, std::string(context)));
  while (::fsync(dir.get()) != 0) {
    if (errno == EINTR) continue;
    return ioError(errno, fmt::format("fsync directory {}", path), std::move(context));
  }
  return okStatus();
}

}  // namespace pharos
