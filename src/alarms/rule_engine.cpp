#include "alarms/rule_engine.h"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <unordered_set>

#include <fmt/format.h>

#include "alarms/rule_schema.h"
#include "core/log.h"

namespace pharos::alarms {
namespace {

std::int64_t ms(WallTime t) {
  return toUnixMillis(t);
}

const logging::Logger& log() {
  static const logging::Logger logger("alarms");
  return logger;
}

}  // namespace

RuleEngine::RuleEngine(store::Store& store, promql::Queryable& queryable, Clock& clock,
                       AlertSink sink, RuleEngineOptions options)
    : store_(store),
      queryable_(queryable),
      clock_(clock),
      sink_(std::move(sink)),
      options_(std::move(options)),
      incidents_(store, options_.incidents) {}

Result<std::unique_ptr<RuleEngine>> RuleEngine::open(store::Store& store,
                                                     promql::Queryable& queryable, Clock& clock,
                                                     AlertSink sink, RuleEngineOptions options) {
  PHAROS_TRY(store.migrate(ruleMigrations()));
  std::unique_ptr<RuleEngine> engine(
      new RuleEngine(store, queryable, clock, std::move(sink), std::move(options)));
  PHAROS_TRY(engine->load());
  return engine;
}

Status RuleEngine::load() {
  PHAROS_ASSIGN_OR_RETURN(
      store::Rows rows,
      store_.query("SELECT rule, labels, state, active_at_ms, fired_at_ms, last_breach_ms, "
                   "resolved_at_ms, value FROM alarm_instances"));
  const WallTime now = clock_.now();
  std::lock_guard lock(mutex_);
  for (const store::Row& row : rows) {
    Instance i;
    i.labels = labelsFromJson(row.text(1));
    i.state.state = parseAlertState(row.text(2)).value_or(AlertState::kOk);
    i.state.activeAt = fromUnixMillis(row.integer(3));
    i.state.firedAt = fromUnixMillis(row.integer(4));
    // The process was down since the last breach was stored: count keep_firing_for from now,
    // so the restart itself resolves nothing early.
    i.state.lastBreachAt = std::max(fromUnixMillis(row.integer(5)), now);
    i.state.resolvedAt = fromUnixMillis(row.integer(6));
    i.state.value = row.isNull(7) ? 0 : row.real(7);
    if (i.state.state == AlertState::kOk || i.labels.empty()) continue;
    restored_[row.text(0)].push_back(std::move(i));
  }
  return okStatus();
}

Status RuleEngine::setRules(std::vector<RuleSpec> specs) {
  std::unique_lock lock(mutex_);
  const WallTime now = clock_.now();
  std::map<std::string, RuleRuntime> next;
  for (RuleSpec& spec : specs) {
    std::string name = spec.name;
    RuleRuntime rt;
    rt.spec = std::make_shared<const RuleSpec>(std::move(spec));
    rt.nextDue = now;
    if (auto old = rules_.find(name); old != rules_.end()) {
      rt.instances = std::move(old->second.instances);
      rt.status = old->second.status;
      // An unchanged interval keeps its phase; a changed rule is due at once.
      if (old->second.spec->interval == rt.spec->interval) rt.nextDue = old->second.nextDue;
      rules_.erase(old);
    }
    if (auto restored = restored_.find(name); restored != restored_.end()) {
      for (Instance& i : restored->second)
        rt.instances.emplace(i.labels, std::move(i));
      restored_.erase(restored);
    }
    rt.status.rule = rt.spec;
    next.emplace(name, std::move(rt));
  }
  // What is left had its rule removed: its active instances resolve, and are forgotten.
  Changes changes;
  auto retire = [&](const std::string& rule, Instance& i) {
    AlertState from = i.state.state;
    if (from == AlertState::kOk) return;
    i.state.state = AlertState::kOk;
    changes.transitions.push_back(TransitionRecord{
        {}, rule, fingerprintOf(i.labels), i.labels, from, AlertState::kOk, now, i.state.value});
    if (from == AlertState::kFiring) {
      Alert a;
      a.labels = i.labels;
      a.state = AlertState::kResolved;
      a.startsAt = i.state.firedAt;
      a.endsAt = now;
      changes.alerts.push_back(std::move(a));
    }
    changes.upserts.emplace_back(rule, i);
  };
  for (auto& [name, rt] : rules_) {
    for (auto& [labels, i] : rt.instances)
      retire(name, i);
  }
  for (auto& [name, list] : restored_) {
    for (Instance& i : list)
      retire(name, i);
  }
  restored_.clear();
  rules_ = std::move(next);
  return commit(std::move(changes), lock);
}

std::vector<SharedRule> RuleEngine::rules() const {
  std::lock_guard lock(mutex_);
  std::vector<SharedRule> out;
  for (const auto& [name, rt] : rules_)
    out.push_back(rt.spec);
  return out;
}

std::optional<WallTime> RuleEngine::nextDue() const {
  std::lock_guard lock(mutex_);
  std::optional<WallTime> out;
  for (const auto& [name, rt] : rules_) {
    if (!out || rt.nextDue < *out) out = rt.nextDue;
  }
  return out;
}

Status RuleEngine::evaluate(WallTime now) {
  std::vector<SharedRule> due;
  bool checkRulesDue = false;
  {
    std::lock_guard lock(mutex_);
    for (auto& [name, rt] : rules_) {
      if (rt.nextDue > now) continue;
      rt.nextDue = now + rt.spec->interval;
      due.push_back(rt.spec);
      checkRulesDue |= rt.spec->kind == RuleKind::kCheck;
    }
  }
  // Queries run without the lock: a check event must not wait for a round of PromQL.
  std::vector<Evaluated> evaluated;
  evaluated.reserve(due.size());
  for (const SharedRule& rule : due) {
    if (rule->kind == RuleKind::kCheck) continue;
    MonoTime start = clock_.monotonic();
    Result<std::vector<Observation>> obs =
        rule->kind == RuleKind::kSloBurn ? observeSlo(*rule, options_.burns)
                                         : observeQuery(*rule, queryable_, now, options_.eval);
    evaluated.push_back(Evaluated{rule, std::move(obs),
                                  std::chrono::duration_cast<Millis>(clock_.monotonic() - start)});
  }
  std::vector<CheckStateView> checkStates;
  if (checkRulesDue && options_.checkStates) checkStates = options_.checkStates();

  std::unique_lock lock(mutex_);
  if (checkRulesDue && options_.checkStates) mergeCheckStates(std::move(checkStates));
  Changes changes;
  for (Evaluated& e : evaluated) {
    auto it = rules_.find(e.rule->name);
    if (it == rules_.end() || it->second.spec != e.rule) continue;  // replaced meanwhile
    RuleRuntime& rt = it->second;
    rt.status.lastEvaluation = now;
    rt.status.lastDuration = e.took;
    if (!e.observations.ok()) {
      // The state stays as it was: a query that fails says nothing about the series.
      rt.status.lastError = e.observations.error().toString();
      log().warn("rule evaluation failed",
                 {{"rule", rt.spec->name}, {"error", rt.status.lastError}});
      continue;
    }
    rt.status.lastError.clear();
    apply(rt, *e.observations, true, now, changes);
  }
  for (const SharedRule& rule : due) {
    if (rule->kind != RuleKind::kCheck) continue;
    auto it = rules_.find(rule->name);
    if (it == rules_.end() || it->second.spec != rule) continue;
    it->second.status.lastEvaluation = now;
    apply(it->second, observeChecks(*rule), true, now, changes);
  }
  Status committed = commit(std::move(changes), lock);
  auto closed = incidents_.closeQuiet(now);
  if (!closed.ok()) {
    log().warn("closing quiet incidents failed", {{"error", closed.error().toString()}});
  }
  return committed;
}

Status RuleEngine::onCheckTransition(const CheckTransitionEvent& event) {
  CheckStateView view = toCheckStateView(event);
  // The alert's times are the engine's clock (the event's time is the probe's slot).
  const WallTime now = clock_.now();
  std::unique_lock lock(mutex_);
  auto existing = checks_.find(view.check);
  if (existing != checks_.end() && existing->second.changedAt > view.changedAt) {
    return okStatus();  // an older event, after a newer state: nothing to learn
  }
  checks_[view.check] = view;
  Changes changes;
  for (auto& [name, rt] : rules_) {
    if (!rt.spec->watchesCheck(view.check, view.labels)) continue;
    apply(rt, {observeCheck(*rt.spec, view)}, false, now, changes);
  }
  return commit(std::move(changes), lock);
}

Status RuleEngine::reconcileChecks(WallTime now) {
  if (!options_.checkStates) return okStatus();
  std::vector<CheckStateView> states = options_.checkStates();
  std::unique_lock lock(mutex_);
  mergeCheckStates(std::move(states));
  Changes changes;
  for (auto& [name, rt] : rules_) {
    if (rt.spec->kind != RuleKind::kCheck) continue;
    apply(rt, observeChecks(*rt.spec), true, now, changes);
  }
  return commit(std::move(changes), lock);
}

void RuleEngine::mergeCheckStates(std::vector<CheckStateView> states) {
  std::unordered_map<std::string, CheckStateView> next;
  for (CheckStateView& s : states) {
    // An event newer than the snapshot wins: the snapshot was read before it arrived.
    auto it = checks_.find(s.check);
    if (it != checks_.end() && it->second.changedAt > s.changedAt) {
      next.emplace(s.check, it->second);
    } else {
      std::string name = s.check;
      next.emplace(std::move(name), std::move(s));
    }
  }
  checks_ = std::move(next);
}

std::vector<Observation> RuleEngine::observeChecks(const RuleSpec& rule) const {
  std::vector<Observation> out;
  for (const auto& [name, view] : checks_) {
    if (rule.watchesCheck(name, view.labels)) out.push_back(observeCheck(rule, view));
  }
  return out;
}

void RuleEngine::apply(RuleRuntime& rt, const std::vector<Observation>& observations, bool complete,
                       WallTime now, Changes& changes) {
  std::unordered_set<const Instance*> seen;
  std::unordered_set<const Instance*> sent;
  for (const Observation& o : observations) {
    auto [it, inserted] = rt.instances.try_emplace(o.labels, Instance{o.labels, {}});
    Instance& instance = it->second;
    // A new instance that does not breach need not exist at all.
    if (inserted && !o.breaching(AlertState::kOk)) {
      rt.instances.erase(it);
      continue;
    }
    seen.insert(&instance);
    if (applyOne(rt, instance, o.breaching(instance.state.state), o.value, now, changes)) {
      sent.insert(&instance);
    }
  }
  if (complete) {
    for (auto& [labels, instance] : rt.instances) {
      // Its series (or check) is gone: clean, with the last value it had.
      if (seen.count(&instance) == 0 &&
          applyOne(rt, instance, false, instance.state.value, now, changes)) {
        sent.insert(&instance);
      }
    }
  }
  rt.status.pending = rt.status.firing = 0;
  for (auto it = rt.instances.begin(); it != rt.instances.end();) {
    AlertState s = it->second.state.state;
    rt.status.pending += s == AlertState::kPending;
    rt.status.firing += s == AlertState::kFiring;
    // Every firing instance goes to the sink again at each evaluation of the whole rule.
    if (complete && s == AlertState::kFiring && sent.count(&it->second) == 0) {
      changes.alerts.push_back(toAlert(*rt.spec, it->second));
    }
    it = s == AlertState::kOk ? rt.instances.erase(it) : std::next(it);
  }
}

bool RuleEngine::applyOne(RuleRuntime& rt, Instance& instance, bool breaching, double value,
                          WallTime now, Changes& changes) {
  const RuleSpec& rule = *rt.spec;
  std::optional<StateChange> change =
      advance(instance.state, breaching, value, now, rule.forDuration, rule.keepFiringFor);
  if (!change) return false;
  changes.transitions.push_back(TransitionRecord{{},
                                                 rule.name,
                                                 fingerprintOf(instance.labels),
                                                 instance.labels,
                                                 change->from,
                                                 change->to,
                                                 now,
                                                 instance.state.value});
  changes.upserts.emplace_back(rule.name, instance);
  if (change->to == AlertState::kFiring || change->to == AlertState::kResolved) {
    changes.alerts.push_back(toAlert(rule, instance));
    return true;
  }
  return false;
}

Alert RuleEngine::toAlert(const RuleSpec& rule, const Instance& instance) const {
  Alert a;
  a.labels = instance.labels;
  std::vector<Label> annotations;
  for (const auto& [name, tmpl] : rule.annotationTemplates)
    annotations.push_back({name, tmpl.expand(instance.labels, instance.state.value)});
  a.annotations = Labels::fromUnsorted(std::move(annotations));
  a.state = instance.state.state;
  a.startsAt = instance.state.firedAt;
  if (instance.state.state == AlertState::kResolved) a.endsAt = instance.state.resolvedAt;
  if (!options_.externalUrl.empty()) {
    a.generatorUrl = fmt::format("{}/alerts?rule={}", options_.externalUrl, rule.name);
  }
  return a;
}

Status RuleEngine::commit(Changes changes, std::unique_lock<std::mutex>& lock) {
  Status stored = okStatus();
  if (!changes.transitions.empty()) {
    stored = store_.transaction([&](store::Session& s) -> Status {
      for (const TransitionRecord& t : changes.transitions) {
        PHAROS_TRY(recordTransition(s, t));
        if (t.to == AlertState::kFiring) {
          PHAROS_TRY(incidents_.alertFired(s, t.rule, t.labels, t.at));
        } else if (t.from == AlertState::kFiring) {
          PHAROS_TRY(incidents_.alertResolved(s, t.labels, t.at));
        }
      }
      for (const auto& [rule, i] : changes.upserts) {
        const std::string fingerprint = fingerprintOf(i.labels);
        if (i.state.state == AlertState::kOk) {
          PHAROS_TRY(s.execute("DELETE FROM alarm_instances WHERE rule = $1 AND fingerprint = $2",
                               {rule, fingerprint}));
          continue;
        }
        store::Value value = nullptr;
        if (std::isfinite(i.state.value)) value = i.state.value;
        PHAROS_TRY(s.execute(
            "INSERT INTO alarm_instances (rule, fingerprint, labels, state, active_at_ms, "
            "fired_at_ms, last_breach_ms, resolved_at_ms, value) VALUES ($1, $2, $3, $4, $5, "
            "$6, $7, $8, $9) ON CONFLICT (rule, fingerprint) DO UPDATE SET labels = "
            "excluded.labels, state = excluded.state, active_at_ms = excluded.active_at_ms, "
            "fired_at_ms = excluded.fired_at_ms, last_breach_ms = excluded.last_breach_ms, "
            "resolved_at_ms = excluded.resolved_at_ms, value = excluded.value",
            {rule, fingerprint, labelsJsonText(i.labels),
             std::string(alertStateName(i.state.state)), ms(i.state.activeAt), ms(i.state.firedAt),
             ms(i.state.lastBreachAt), ms(i.state.resolvedAt), value}));
      }
      return okStatus();
    });
    if (!stored.ok()) {
      // The state in memory is still right and goes to the sink; the history misses it.
      log().error("storing alert transitions failed", {{"error", stored.error().toString()}});
    }
  }
  {
    std::lock_guard out(outMutex_);
    for (Alert& a : changes.alerts)
      outbox_.push_back(std::move(a));
  }
  lock.unlock();
  drain();
  return stored;
}

void RuleEngine::drain() {
  {
    std::lock_guard out(outMutex_);
    if (draining_) return;  // the thread draining now delivers these too, in order
    draining_ = true;
  }
  for (;;) {
    std::deque<Alert> batch;
    {
      std::lock_guard out(outMutex_);
      if (outbox_.empty()) {
        draining_ = false;
        return;
      }
      batch.swap(outbox_);
    }
    if (!sink_) continue;
    for (const Alert& a : batch)
      sink_(a);
  }
}

std::vector<ActiveAlert> RuleEngine::activeAlerts() const {
  std::lock_guard lock(mutex_);
  std::vector<ActiveAlert> out;
  for (const auto& [name, rt] : rules_) {
    for (const auto& [labels, i] : rt.instances) {
      if (i.state.state == AlertState::kOk) continue;
      Alert a = toAlert(*rt.spec, i);
      ActiveAlert x;
      x.rule = name;
      x.fingerprint = fingerprintOf(labels);
      x.labels = labels;
      x.annotations = std::move(a.annotations);
      x.state = i.state.state;
      x.activeAt = i.state.activeAt;
      if (i.state.state != AlertState::kPending) x.firedAt = i.state.firedAt;
      if (i.state.state == AlertState::kResolved) x.resolvedAt = i.state.resolvedAt;
      x.value = i.state.value;
      out.push_back(std::move(x));
    }
  }
  std::sort(out.begin(), out.end(), [](const ActiveAlert& a, const ActiveAlert& b) {
    return std::tie(a.rule, a.labels) < std::tie(b.rule, b.labels);
  });
  return out;
}

std::vector<RuleStatus> RuleEngine::ruleStatuses() const {
  std::lock_guard lock(mutex_);
  std::vector<RuleStatus> out;
  for (const auto& [name, rt] : rules_)
    out.push_back(rt.status);
  return out;
}

nlohmann::json toJson(const ActiveAlert& a) {
  auto optMs = [](const std::optional<WallTime>& t) {
    return t ? nlohmann::json(ms(*t)) : nlohmann::json();
  };
  nlohmann::json j{{"rule", a.rule},
                   {"fingerprint", a.fingerprint},
                   {"labels", labelsToJson(a.labels)},
                   {"annotations", labelsToJson(a.annotations)},
                   {"state", alertStateName(a.state)},
                   {"active_at_ms", ms(a.activeAt)},
                   {"fired_at_ms", optMs(a.firedAt)},
                   {"resolved_at_ms", optMs(a.resolvedAt)}};
  j["value"] = std::isfinite(a.value) ? nlohmann::json(a.value) : nlohmann::json();
  return j;
}

nlohmann::json toJson(const std::vector<ActiveAlert>& alerts) {
  nlohmann::json data = nlohmann::json::array();
  for (const auto& a : alerts)
    data.push_back(toJson(a));
  return {{"data", data}};
}

nlohmann::json toJson(const RuleStatus& s) {
  nlohmann::json j = ruleSpecToJson(*s.rule);
  j["last_evaluation_ms"] =
      s.lastEvaluation ? nlohmann::json(ms(*s.lastEvaluation)) : nlohmann::json();
  j["last_duration_ms"] = s.lastDuration.count();
  j["last_error"] = s.lastError;
  j["pending"] = s.pending;
  j["firing"] = s.firing;
  return j;
}

}  // namespace pharos::alarms
