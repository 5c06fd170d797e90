#include "core/process_stats.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace pharos {
namespace {

Result<std::string> readFile(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(ErrorCode::kIo, std::strerror(errno), path);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return content;
}

// Boot time in unix seconds: /proc/self/stat gives the start time in ticks since boot.
Result<int64_t> bootTimeSeconds() {
  PHAROS_ASSIGN_OR_RETURN(std::string stat, readFile("/proc/stat"));
  size_t pos = stat.find("\nbtime ");
  if (pos == std::string::npos) {
    return makeError(ErrorCode::kDataLoss, "no btime line", "/proc/stat");
  }
  return static_cast<int64_t>(std::strtoll(stat.c_str() + pos + 7, nullptr, 10));
}

Result<int64_t> countOpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return makeError(ErrorCode::kIo, std::strerror(errno), "/proc/self/fd");
  int own = dirfd(dir);  // the descriptor we opened to count: not one of the process's own
  int64_t count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    if (std::atoi(entry->d_name) == own) continue;
    ++count;
  }
  closedir(dir);
  return count;
}

}  // namespace

Result<ProcessStats> readProcessStats() {
  PHAROS_ASSIGN_OR_RETURN(std::string stat, readFile("/proc/self/stat"));
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so the fields start after
  // the last ')'. Field 3 (state) is then the first.
  size_t close = stat.rfind(')');
  if (close == std::string::npos) {
    return makeError(ErrorCode::kDataLoss, "no command field", "/proc/self/stat");
  }
  std::istringstream fields(stat.substr(close + 1));
  std::vector<std::string> f;  // f[0] is field 3 of proc(5)
  for (std::string word; fields >> word;)
    f.push_back(std::move(word));
  auto field = [&](size_t n) { return std::strtoll(f[n - 3].c_str(), nullptr, 10); };
  if (f.size() < 22) {
    return makeError(ErrorCode::kDataLoss, "too few fields", "/proc/self/stat");
  }

  static const double kTicks = static_cast<double>(sysconf(_SC_CLK_TCK));
  static const int64_t kPageSize = sysconf(_SC_PAGESIZE);

  ProcessStats stats;
  stats.cpuSecondsTotal = static_cast<double>(field(14) + field(15)) / kTicks;  // utime + stime
  stats.threads = field(20);
  stats.virtualBytes = field(23);
  stats.residentBytes = field(24) * kPageSize;
  PHAROS_ASSIGN_OR_RETURN(int64_t boot, bootTimeSeconds());
  stats.startTimeSeconds = static_cast<double>(boot) + static_cast<double>(field(22)) / kTicks;

  PHAROS_ASSIGN_OR_RETURN(stats.openFds, countOpenFds());
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return makeError(ErrorCode::kIo, std::strerror(errno), "getrlimit(RLIMIT_NOFILE)");
  }
  stats.maxFds = limit.rlim_cur == RLIM_INFINITY ? std::numeric_limits<int64_t>::max()
                                                 : static_cast<int64_t>(limit.rlim_cur);
  return stats;
}

}  // namespace pharos
