#pragma once

#include <cstdint>

#include "core/result.h"

namespace pharos {

// The process's own resource use, as the Prometheus client libraries export it under
// process_* (cpu_seconds_total, resident_memory_bytes, open_fds, …).
struct ProcessStats {
  double cpuSecondsTotal = 0;  // user + system
  int64_t residentBytes = 0;
  int64_t virtualBytes = 0;
  int64_t openFds = 0;
  int64_t maxFds = 0;           // soft limit; INT64_MAX when unlimited
  double startTimeSeconds = 0;  // unix time
  int64_t threads = 0;
};

// Reads /proc/self (Linux only). kIo with the file as context when /proc cannot be read;
// kDataLoss when a file does not have the expected shape.
Result<ProcessStats> readProcessStats();

}  // namespace pharos
