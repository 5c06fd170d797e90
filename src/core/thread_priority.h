#pragma once

namespace pharos {

// Background work (log processing, archiving, backups) runs below the threads that answer
// clients: when they compete for the CPU or the disk, an acknowledgement goes first and the
// background work catches up. Both apply to the calling thread only; failures are ignored
// (the work still runs, just not politely).
// CPU: nice `niceness` (10 for log processing; backups take 19, below that too).
void lowerThreadPriority(int niceness = 10);
// Disk: the idle I/O class, which mq-deadline and BFQ serve only when no other class waits
// (mq-deadline still ages idle requests in, so a busy server delays the work but cannot
// starve it).
void lowerIoPriority();

}  // namespace pharos
