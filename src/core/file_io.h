#pragma once

#include <sys/types.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "core/result.h"

namespace pharos {

// Thin, error-as-value wrappers over the POSIX calls the local store needs. They retry EINTR
// and short reads/writes, so callers see "all of it" or an Error.

// Owns a file descriptor; closes it on destruction.
class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.release()) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release();
  // Closes now, reporting the error close() may carry (e.g. deferred write errors on NFS).
  Status close(std::string context = {});

 private:
  int fd_ = -1;
};

// Maps errno to our codes: ENOENT/ENOTDIR kNotFound, ENAMETOOLONG kInvalidArgument,
// EAGAIN/EINTR retryable kUnavailable, anything else (disk full, permissions, EIO) kIo.
// `what` names the operation and file: "fsync /data/objects/a".
Error ioError(int err, std::string_view what, std::string context);

// open(2) with O_CLOEXEC added; errors from ioError.
Result<FileDescriptor> openFile(const char* path, int flags, mode_t mode, std::string context);

// Writes every byte of `parts`, in order, with as few writev(2) calls as the kernel allows.
Status writeAll(int fd, std::initializer_list<std::string_view> parts, std::string context);

// writeAll for large files written in the background (backup parts, archive chunks): every
// kFlushBehindBytes written, starts that chunk's writeback and waits for the one before it,
// so the file never holds more than two chunks of dirty pages. Its final fdatasync is then
// short, and a busier writer's fsync (ingest's) never waits behind a burst of it: a journal
// commit waits for data written back in its transaction. PostgreSQL's *_flush_after settings
// do the same. The writeback is the caller's I/O, at the caller's I/O priority.
inline constexpr size_t kFlushBehindBytes = 1 << 20;
Status writeAllFlushingBehind(int fd, std::initializer_list<std::string_view> parts,
                              std::string context);

// Reads up to `size` bytes at `offset` into `out`; fewer only at end of file.
Result<size_t> readAt(int fd, char* out, size_t size, uint64_t offset, std::string context);

// fdatasync(2): the file's bytes and the metadata needed to read them (its size) are on disk.
Status syncData(int fd, std::string context);

// fsync(2) on a directory, which makes the entries created, renamed or removed in it durable.
Status syncDirectory(const char* path, std::string context);

}  // namespace pharos
