#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "alarms/alert.h"
#include "alarms/alert_state.h"
#include "alarms/history.h"
#include "alarms/incident.h"
#include "alarms/rule_eval.h"
#include "alarms/rule_inputs.h"
#include "alarms/rule_spec.h"
#include "core/clock.h"
#include "core/labels.h"
#include "core/result.h"
#include "promql/evaluator.h"
#include "promql/queryable.h"
#include "store/store.h"

namespace pharos::alarms {

// Where alerts go: routing's dispatcher (wired by the app). Called in the order the changes
// happened, one call at a time, never under the engine's state lock (so it may call back
// into the engine), and must not block for long: a slow sink delays the next round. When
// two threads commit changes at once, one of them delivers both batches, so a call that
// changed state can return before its alerts reached the sink.
using AlertSink = std::function<void(const Alert&)>;

struct RuleEngineOptions {
  IncidentOptions incidents;
  BurnSource burns;               // slo_burn rules; none: they report an error each round
  CheckStatesSource checkStates;  // check rules' reconciliation; none: events alone
  promql::EvalOptions eval;
  // The dashboard's base URL; an alert's generatorUrl is <externalUrl>/alerts?rule=<name>.
  std::string externalUrl;
};

// An instance that is PENDING, FIRING or RESOLVED (until its next clean evaluation), as
// GET /api/v1/alerts shows it.
struct ActiveAlert {
  std::string rule;
  std::string fingerprint;
  Labels labels;
  Labels annotations;
  AlertState state = AlertState::kOk;
  WallTime activeAt{};
  std::optional<WallTime> firedAt;
  std::optional<WallTime> resolvedAt;
  double value = 0;
};

// A rule's last evaluation, for GET /api/v1/rules.
struct RuleStatus {
  SharedRule rule;
  std::optional<WallTime> lastEvaluation;
  Millis lastDuration{0};
  std::string lastError;  // empty when the last evaluation worked
  std::size_t pending = 0;
  std::size_t firing = 0;
};

// Evaluates alerting rules, keeps every instance's state, stores each transition
// (alarm_transitions) and the current instances (alarm_instances, so a restart neither
// re-pages a firing alert as new nor forgets one), groups firing alerts into incidents, and
// hands alerts to the sink: every change to FIRING or RESOLVED, and every firing instance
// again at each evaluation of its rule (routing deduplicates, as Alertmanager does).
//
// threshold, absence and slo_burn rules are evaluated by evaluate() when due (each at its
// interval). check rules are event-driven: onCheckTransition() moves a check's instance at
// once; evaluate() also runs them at their interval (for `for`, `keep_firing_for`, and the
// reconciliation with options.checkStates, which catches a maintenance window that ended).
//
// Thread-safety: every public function may be called from any thread. State is under one
// mutex; PromQL queries run outside it, so a check event is not held up by a slow round.
// evaluate() is meant for one thread (the app's periodic task); two concurrent calls are
// safe but may evaluate a rule twice.
class RuleEngine {
 public:
  // Migrates the store and loads the instances persisted by the previous run; they attach
  // to their rules at the first setRules().
  static Result<std::unique_ptr<RuleEngine>> open(store::Store& store, promql::Queryable& queryable,
                                                  Clock& clock, AlertSink sink,
                                                  RuleEngineOptions options = {});

  // Replaces the rule set (the config's rules and the API's, merged by the caller). A rule
  // that keeps its name keeps its instances; the instances of a rule that is gone resolve.
  // New rules are due at once.
  Status setRules(std::vector<RuleSpec> rules);
  std::vector<SharedRule> rules() const;

  // One round: every rule whose interval has passed, then incidents quiet for their window
  // close. Returns the first error storing state (a rule's query error is in its status).
  Status evaluate(WallTime now);
  // When the next rule is due (for the caller's timer); nullopt without rules.
  std::optional<WallTime> nextDue() const;

  // A check changed state (the health module's "health.state" event).
  Status onCheckTransition(const CheckTransitionEvent& event);
  // Reads options.checkStates now and moves every check rule's instances to match (at start;
  // evaluate() does the same for due check rules).
  Status reconcileChecks(WallTime now);

  std::vector<ActiveAlert> activeAlerts() const;
  std::vector<RuleStatus> ruleStatuses() const;
  Result<HistoryPage> history(const HistoryQuery& query) { return queryHistory(store_, query); }
  IncidentManager& incidents() { return incidents_; }

 private:
  struct Instance {
    Labels labels;
    InstanceState state;
  };
  struct RuleRuntime {
    SharedRule spec;
    std::unordered_map<Labels, Instance, LabelsHash> instances;
    WallTime nextDue{};
    RuleStatus status;
  };
  // What one round changes, written in one transaction, then sent.
  struct Changes {
    std::vector<TransitionRecord> transitions;
    std::vector<std::pair<std::string, Instance>> upserts;  // rule, instance (deleted at OK)
    std::vector<Alert> alerts;
  };
  struct Evaluated {
    SharedRule rule;
    Result<std::vector<Observation>> observations;
    Millis took{0};
  };

  RuleEngine(store::Store& store, promql::Queryable& queryable, Clock& clock, AlertSink sink,
             RuleEngineOptions options);

  Status load();
  // Under mutex_: one rule's observations. `complete`: the observations cover every
  // instance, and an instance not among them is clean.
  void apply(RuleRuntime& rt, const std::vector<Observation>& observations, bool complete,
             WallTime now, Changes& changes);
  // Returns whether it sent an alert (a change to FIRING or RESOLVED).
  bool applyOne(RuleRuntime& rt, Instance& instance, bool breaching, double value, WallTime now,
                Changes& changes);
  // Under mutex_: the check rule's observations from checks_.
  std::vector<Observation> observeChecks(const RuleSpec& rule) const;
  void mergeCheckStates(std::vector<CheckStateView> states);
  Alert toAlert(const RuleSpec& rule, const Instance& instance) const;
  // Writes `changes` (under mutex_), queues their alerts, releases `lock` and drains.
  Status commit(Changes changes, std::unique_lock<std::mutex>& lock);
  // Calls the sink with the queued alerts unless another thread is already doing it.
  void drain();

  store::Store& store_;
  promql::Queryable& queryable_;
  Clock& clock_;
  AlertSink sink_;
  RuleEngineOptions options_;
  IncidentManager incidents_;

  mutable std::mutex mutex_;
  std::map<std::string, RuleRuntime> rules_;                // by name
  std::map<std::string, std::vector<Instance>> restored_;   // until setRules()
  std::unordered_map<std::string, CheckStateView> checks_;  // by check name
  // Alerts queued under mutex_ (so in the order of the changes), sent by one thread at a time.
  std::mutex outMutex_;
  std::deque<Alert> outbox_;  // under outMutex_
  bool draining_ = false;     // under outMutex_
};

nlohmann::json toJson(const ActiveAlert& alert);
nlohmann::json toJson(const std::vector<ActiveAlert>& alerts);  // {"data": [...]}
nlohmann::json toJson(const RuleStatus& status);                // the rule + its status

}  // namespace pharos::alarms
