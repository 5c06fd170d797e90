#include "app/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "core/file_io.h"
#include "core/ids.h"

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

Result<std::string> nodeId(const std::string& dir) {
  const std::string path = dir + "/node.id";
  auto valid = [](std::string_view id) {
    return id.size() == 12 && id.find_first_not_of("0123456789abcdef") == std::string_view::npos;
  };
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    std::ifstream in(path);
    std::string id;
    std::getline(in, id);
    while (!id.empty() && (id.back() == '\n' || id.back() == '\r'))
      id.pop_back();
    if (!valid(id)) {
      return makeError(ErrorCode::kDataLoss,
                       "not a node id (12 hex digits); delete the file to make a new one", path);
    }
    return id;
  }
  std::string id = randomHex(6);
  // Written whole and renamed into place: a crash leaves the old state or the new file.
  const std::string temp = path + ".tmp";
  PHAROS_ASSIGN_OR_RETURN(FileDescriptor fd,
                          openFile(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644, temp));
  PHAROS_TRY(writeAll(fd.get(), {id, "\n"}, temp));
  PHAROS_TRY(syncData(fd.get(), temp));
  PHAROS_TRY(fd.close(temp));
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    return makeError(ErrorCode::kIo, fmt::format("rename: {}", std::strerror(errno)), path);
  }
  PHAROS_TRY(syncDirectory(dir.c_str(), dir));
  return id;
}

}  // namespace pharos::app
