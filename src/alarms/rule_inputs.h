#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/labels.h"
#include "core/result.h"

namespace pharos::alarms {

// What the rule engine reads besides metrics, as plain data and functions the composition
// root fills, so alarms depends on neither the SLO module nor the health engine's internals.

// One multi-window burn-rate pair of an SLO, as the SLO module evaluates it: breaching when
// both the long and the short window burn faster than the pair's factor.
struct BurnPair {
  std::string severity;  // "page" or "ticket"
  bool breaching = false;
  double longBurn = 0;
  double shortBurn = 0;
  Millis longWindow{0};
  Millis shortWindow{0};
};

// The burn pairs of an SLO by id, or nullopt when there is no such SLO (or it cannot be
// evaluated now); the engine then leaves the rule's instances as they are.
using BurnSource = std::function<std::optional<std::vector<BurnPair>>(std::string_view slo)>;

// A check's state change as the health recorder publishes it on "health.state"
// (src/health/recorder.cpp publish()).
struct CheckTransitionEvent {
  std::string check;
  WallTime at{};
  std::string from;  // "unknown", "up", "down"
  std::string to;
  std::string reason;
  bool maintenance = false;  // the result that caused it was inside a maintenance window
  Labels labels;             // the check's identity: check, type and its labels
};

// Reads an event body from the bus. kInvalidArgument when it is not one.
Result<CheckTransitionEvent> parseCheckTransitionEvent(std::string_view json);

// A check's current state, as the health engine knows it: for reconciliation at start and
// at every evaluation round (a maintenance window that ends while the check stays down
// changes nothing the events would carry).
struct CheckStateView {
  std::string check;
  Labels labels;  // check, type and its labels
  bool down = false;
  bool maintenance = false;  // inside a maintenance window now
  std::string reason;
  WallTime changedAt{};  // its last state change
};

using CheckStatesSource = std::function<std::vector<CheckStateView>()>;

CheckStateView toCheckStateView(const CheckTransitionEvent& event);

}  // namespace pharos::alarms
