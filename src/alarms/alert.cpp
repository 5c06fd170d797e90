#include "alarms/alert.h"

namespace pharos::alarms {

std::string_view alertStateName(AlertState state) {
  switch (state) {
    case AlertState::kOk:
      return "ok";
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
    case AlertState::kResolved:
      return "resolved";
  }
  return "?";
}

}  // namespace pharos::alarms
