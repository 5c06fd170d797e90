#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "core/task_thread.h"
#include "sqlite/connection.h"

namespace pharos::sqlite {

// Takes a busy writer's WAL checkpoints off its thread. By default SQLite checkpoints inside
// the commit that takes the WAL past 1,000 pages: the writer copies the WAL into the database
// and fsyncs both files before it can go on. Here each `backgroundPages` more of the WAL only
// wake a thread of the checkpointer's own, which runs a PASSIVE checkpoint on its own
// connection while the writer keeps writing. The WAL starts over (from its first frame) only
// at a write that finds it all copied, which a writer that never pauses never does; so when it
// reaches `inlinePages`, the commit checkpoints inline, as SQLite's default would, with only
// the frames since the thread's last copy left to do.
class WalCheckpointer {
 public:
  struct Options {
    int backgroundPages = 1000;  // SQLite's own wal_autocheckpoint
    int inlinePages = 16000;
    int niceness = 10;  // the thread's; checkpoints are background work
  };

  // Hooks into `writer`'s commits until destroyed, which must come before `writer` closes.
  // Opens a connection of its own to `writer`'s database with `open`.
  static Result<std::unique_ptr<WalCheckpointer>> attach(Connection& writer, OpenOptions open,
                                                         Options options);
  // Waits for a checkpoint in progress, then gives the writer SQLite's default back.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Checkpoints run on the thread (for tests).
  std::uint64_t backgroundCheckpoints() const { return background_.load(); }
  // Checkpoints run inside a commit because the WAL passed `inlinePages`.
  std::uint64_t inlineCheckpoints() const { return inline_.load(); }

 private:
  WalCheckpointer(Connection& writer, ConnectionPtr own, Options options);
  static int onCommit(void* self, struct sqlite3* db, const char* dbName, int pages);
  void checkpointInBackground();

  Connection& writer_;
  ConnectionPtr own_;  // used only on thread_
  const Options options_;
  int checkpointedAt_ = 0;  // the WAL's pages at the last checkpoint queued; writer's thread
  std::atomic<bool> pending_{false};  // a checkpoint is queued and not yet started
  std::atomic<std::uint64_t> background_{0};
  std::atomic<std::uint64_t> inline_{0};
  std::atomic<std::uint64_t> failures_{0};
  std::unique_ptr<TaskThread> thread_;  // last: joined before the rest goes
};

}  // namespace pharos::sqlite
