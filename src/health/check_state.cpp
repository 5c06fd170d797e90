#include "health/check_state.h"

namespace pharos::health {

std::string_view checkStatusName(CheckStatus status) {
  switch (status) {
    case CheckStatus::kUnknown:
      return "unknown";
    case CheckStatus::kUp:
      return "up";
    case CheckStatus::kDown:
      return "down";
  }
  return "unknown";
}

std::optional<CheckState::Transition> CheckState::record(bool ok) {
  CheckStatus before = status_;
  if (ok) {
    ++successes_;
    failures_ = 0;
    if (status_ == CheckStatus::kUnknown ||
        (status_ == CheckStatus::kDown && successes_ >= successThreshold_)) {
      status_ = CheckStatus::kUp;
    }
  } else {
    ++failures_;
    successes_ = 0;
    if (status_ != CheckStatus::kDown && failures_ >= failureThreshold_)
      status_ = CheckStatus::kDown;
  }
  if (status_ == before) return std::nullopt;
  return Transition{before, status_};
}

}  // namespace pharos::health
