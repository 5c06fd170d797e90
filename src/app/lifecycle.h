#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "core/result.h"

namespace pharos::app {

// A module as the composition root starts and stops it. `stop` gets the deadline by which it
// must have let go of everything; it is called only for services whose start succeeded.
struct Service {
  std::string name;
  std::vector<std::string> dependsOn;
  std::function<Status()> start;
  std::function<void(MonoTime deadline)> stop;
};

// Starts services in a topological order of their declared dependencies and stops them in
// reverse. A cycle is refused before anything starts, with the cycle named module by module,
// so the original design's compute → security → storage → compute circle cannot come back
// unnoticed.
class Lifecycle {
 public:
  explicit Lifecycle(Clock& clock) : clock_(clock) {}

  void add(Service service);

  // Names in start order; kFailedPrecondition "dependency cycle: a -> b -> a" or an unknown
  // dependency.
  Result<std::vector<std::string>> startOrder() const;

  // Starts every service; if one fails, stops those already started (in reverse) and returns
  // its error.
  Status startAll();
  // Stops the started services in reverse order, sharing one drain deadline.
  void stopAll(Millis drain);

 private:
  Clock& clock_;
  std::vector<Service> services_;
  std::vector<size_t> started_;  // indexes into services_, in start order
  logging::Logger log_{"app"};
};

}  // namespace pharos::app
