#include "app/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

namespace pharos::app {

Result<DataDirLock> DataDirLock::acquire(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return makeError(ErrorCode::kIo, fmt::format("cannot create data directory: {}", ec.message()),
                     dir);
  std::string path = dir + "/LOCK";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return makeError(ErrorCode::kIo, fmt::format("cannot open lock file: {}", std::strerror(errno)),
                     path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return makeError(
        ErrorCode::kFailedPrecondition,
        "the data directory is in use by another pharos process (stop it, or use --data)", dir);
  }
  // The pid helps whoever finds the directory locked; the lock, not the pid, is what counts.
  std::string pid = fmt::format("{}\n", ::getpid());
  if (::ftruncate(fd, 0) != 0 || ::write(fd, pid.data(), pid.size()) < 0) {
    // Not fatal: the lock is held either way.
  }
  return DataDirLock(fd);
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace pharos::app
