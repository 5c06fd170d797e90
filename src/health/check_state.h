#pragma once

#include <optional>
#include <string_view>

namespace pharos::health {

enum class CheckStatus { kUnknown, kUp, kDown };

std::string_view checkStatusName(CheckStatus status);

// The state of one check from its results: N consecutive failures turn it down, M
// consecutive successes turn it up again. From unknown (a new check, or after a restart) a
// success turns it up at once, while a failure still needs N: a flapping start must not page.
class CheckState {
 public:
  CheckState(int failureThreshold, int successThreshold)
      : failureThreshold_(failureThreshold), successThreshold_(successThreshold) {}

  struct Transition {
    CheckStatus from;
    CheckStatus to;
  };
  // Records a run's outcome; returns the transition it caused, if any.
  std::optional<Transition> record(bool ok);

  CheckStatus status() const { return status_; }
  int consecutiveFailures() const { return failures_; }
  int consecutiveSuccesses() const { return successes_; }
  // Continues from a status another process recorded (it ran the check until now), as if
  // its thresholds' worth of runs had just led there: no transition to repeat it, and the
  // same runs as ever to leave it.
  void assume(CheckStatus status) {
    status_ = status;
    failures_ = status == CheckStatus::kDown ? failureThreshold_ : 0;
    successes_ = status == CheckStatus::kUp ? successThreshold_ : 0;
  }
  void setThresholds(int failureThreshold, int successThreshold) {
    failureThreshold_ = failureThreshold;
    successThreshold_ = successThreshold;
  }

 private:
  int failureThreshold_;
  int successThreshold_;
  CheckStatus status_ = CheckStatus::kUnknown;
  int failures_ = 0;
  int successes_ = 0;
};

}  // namespace pharos::health
