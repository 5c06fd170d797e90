#include "objects/lifecycle_sweeper.h"

#include <chrono>
#include <utility>

namespace pharos::objects {

LifecycleSweeper::LifecycleSweeper(ObjectStore& store, Clock& clock, Options options,
                                   Observer onSweep)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      onSweep_(std::move(onSweep)),
      task_(options_.interval, [this] { sweepOnce(); }) {}

LifecycleSweeper::~LifecycleSweeper() {
  stop();
}

void LifecycleSweeper::start() {
  task_.start();
}

void LifecycleSweeper::stop() {
  task_.stop();
}

void LifecycleSweeper::sweepOnce() {
  if (options_.claim && !options_.claim()) return;
  const MonoTime started = clock_.monotonic();
  Result<SweepReport> report = store_.applyLifecycle(options_.rules);
  const int64_t ms = std::chrono::duration_cast<Millis>(clock_.monotonic() - started).count();
  if (report.ok()) {
    log_.info("lifecycle sweep", {{"scanned", report->scanned},
                                  {"compressed", report->compressed},
                                  {"expired", report->expired},
                                  {"bytes_freed", report->bytesFreed},
                                  {"failed", report->failed},
                                  {"duration_ms", ms}});
  } else {
    log_.warn("lifecycle sweep failed",
              {{"error", report.error().toString()}, {"duration_ms", ms}});
  }
  sweeps_.fetch_add(1);
  if (onSweep_) onSweep_(report);
}

}  // namespace pharos::objects
