#include "sqlite/wal_checkpointer.h"

#include <sqlite3.h>

#include <bit>
#include <string>

#include "core/log.h"
#include "core/thread_name.h"
#include "core/thread_priority.h"

namespace pharos::sqlite {
namespace {

const logging::Logger& logger() {
  static const logging::Logger log("sqlite");
  return log;
}

}  // namespace

WalCheckpointer::WalCheckpointer(Connection& writer, ConnectionPtr own, Options options)
    : writer_(writer), own_(std::move(own)), options_(options) {}

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::attach(Connection& writer,
                                                                 OpenOptions open,
                                                                 Options options) {
  open.readOnly = false;    // a checkpoint writes the database file
  open.cacheSizeKiB = 256;  // it copies pages straight from the WAL, past the cache
  PHAROS_ASSIGN_OR_RETURN(auto own, Connection::open(writer.path(), open));
  // The WAL grows to `inlinePages` between the times it starts over, and is then reused from
  // its start: SQLite truncates it to this limit only if something (a reader's snapshot held
  // long) made it grow past.
  PHAROS_ASSIGN_OR_RETURN(auto pageSize, writer.prepare("PRAGMA page_size"));
  PHAROS_ASSIGN_OR_RETURN(bool row, pageSize.step());
  const std::int64_t limit = std::int64_t{options.inlinePages} * (row ? pageSize.int64(0) : 4096);
  PHAROS_TRY(writer.exec("PRAGMA journal_size_limit=" + std::to_string(limit)));
  std::unique_ptr<WalCheckpointer> c(new WalCheckpointer(writer, std::move(own), options));
  const int niceness = options.niceness;
  c->thread_ = std::make_unique<TaskThread>([niceness] {
    nameThread("sqlite-ckpt");
    lowerThreadPriority(niceness);
  });
  // Replaces the hook of wal_autocheckpoint: SQLite keeps one per connection.
  sqlite3_wal_hook(writer.raw(), &WalCheckpointer::onCommit, c.get());
  return c;
}

WalCheckpointer::~WalCheckpointer() {
  // The hook goes first, so no commit queues more work; the thread then runs what is queued.
  sqlite3_wal_autocheckpoint(writer_.raw(), 1000);
  thread_.reset();
}

int WalCheckpointer::onCommit(void* self, sqlite3* db, const char* dbName, int pages) {
  auto* c = static_cast<WalCheckpointer*>(self);
  if (pages >= c->options_.inlinePages) {
    // What SQLite's own hook does. The commit is done whatever the result; on BUSY (the
    // thread holds the checkpoint lock) or an error, the next commit tries again.
    if (sqlite3_wal_checkpoint_v2(db, dbName, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr) !=
        SQLITE_BUSY) {
      c->inline_.fetch_add(1);
    }
    return SQLITE_OK;
  }
  // The WAL counts its copied frames too until the writer starts it over; a checkpoint for
  // every commit past the mark would copy a page again for each commit that changed it.
  if (pages < c->checkpointedAt_) c->checkpointedAt_ = 0;  // started over
  if (pages - c->checkpointedAt_ >= c->options_.backgroundPages && !c->pending_.exchange(true)) {
    c->checkpointedAt_ = pages;
    (void)c->thread_->submit([c] { c->checkpointInBackground(); });
  }
  return SQLITE_OK;
}

void WalCheckpointer::checkpointInBackground() {
  pending_.store(false);
  int rc =
      sqlite3_wal_checkpoint_v2(own_->raw(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  // BUSY: an inline checkpoint holds the lock, and does the work.
  if (rc == SQLITE_OK || rc == SQLITE_BUSY) {
    background_.fetch_add(1);
    return;
  }
  // A failing disk fails every checkpoint; the log gets the 1st, 2nd, 4th, 8th... of them.
  std::uint64_t failures = failures_.fetch_add(1) + 1;
  if (std::has_single_bit(failures)) {
    logger().warn(
        "background WAL checkpoint failed",
        {{"db", own_->path()}, {"error", sqlite3_errmsg(own_->raw())}, {"failures", failures}});
  }
}

}  // namespace pharos::sqlite
