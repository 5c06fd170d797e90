#include "core/malloc_tuning.h"

#include <malloc.h>

namespace pharos {

void tuneMallocForServer() {
  // Buffers up to 64 MiB come from the heap (reused) rather than fresh mappings.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  // Free heap at the top is returned to the kernel only beyond 256 MiB.
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

void releaseFreeMemory() {
  malloc_trim(0);
}

}  // namespace pharos
