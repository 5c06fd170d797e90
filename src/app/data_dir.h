#pragma once

#include <string>

#include "core/result.h"

namespace pharos::app {

// The data directory, created if missing and held with an exclusive lock for the life of the
// process: two servers on one directory would each think they own the bus and the store.
class DataDirLock {
 public:
  // kFailedPrecondition naming the directory when another process holds it; kIo when the
  // directory cannot be created or written.
  static Result<DataDirLock> acquire(const std::string& dir);
  DataDirLock(DataDirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DataDirLock& operator=(DataDirLock&&) = delete;
  DataDirLock(const DataDirLock&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

// This data directory's name among the processes that share a bus or a bucket: 12 hex digits
// made at its first start and kept in DATA/node.id, so a restart keeps it and a copy of the
// directory (a restore on another machine) can be renamed by deleting the file.
Result<std::string> nodeId(const std::string& dir);

}  // namespace pharos::app
