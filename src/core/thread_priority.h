#pragma once

namespace pharos {

// Background work (log processing, archiving, backups) runs below the threads that answer
// clients: when they compete for the CPU or the disk, an acknowledgement goes first and the
// background work catches up. Both apply to the calling thread only; failures are ignored
// (the work still runs, just not politely).
void lowerThreadPriority();  // CPU: nice +10
void lowerIoPriority();      // disk: best-effort class, lowest level (7)

}  // namespace pharos
