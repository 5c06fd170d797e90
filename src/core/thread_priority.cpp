#include "core/thread_priority.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace pharos {

void lowerThreadPriority(int niceness) {
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), niceness);
}

void lowerIoPriority() {
  // glibc has no wrapper for ioprio_set; the constants are the kernel's (linux/ioprio.h).
  constexpr int kWhoProcess = 1;  // IOPRIO_WHO_PROCESS: a thread id is a process id here
  constexpr int kClassIdle = 3;
  constexpr int kClassShift = 13;
  (void)::syscall(SYS_ioprio_set, kWhoProcess, static_cast<int>(::gettid()),
                  kClassIdle << kClassShift);
}

}  // namespace pharos
