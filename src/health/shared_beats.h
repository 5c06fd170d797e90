#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/store.h"

namespace pharos::health {

// The latest beat of each heartbeat check, in the store, for installations with several
// health processes: a beat is sent to whichever process a proxy picks, but only the check's
// owner (CheckSharding) judges it. The receiver writes the beat here before it answers, and
// every health process reads what the others received (HealthEngine::beatElsewhere), so the
// owner, and whoever owns the check next, knows when it last beat.
class SharedBeats {
 public:
  struct Beat {
    std::string check;
    WallTime at;
    std::string node;  // the process that received it
  };

  static Result<std::unique_ptr<SharedBeats>> open(store::Store& store);

  // Keeps the beat unless the check already has a later one.
  Status record(std::string_view check, WallTime at, std::string_view node);
  // The checks whose latest beat is after `after`.
  Result<std::vector<Beat>> after(WallTime after);

 private:
  explicit SharedBeats(store::Store& store) : store_(store) {}

  store::Store& store_;
};

}  // namespace pharos::health
