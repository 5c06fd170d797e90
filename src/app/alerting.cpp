#include "app/alerting.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "alarms/alarms_config.h"
#include "alarms/rule_check_events.h"
#include "alarms/rule_spec.h"
#include "app/backup_rules.h"
#include "core/config/node_reader.h"
#include "core/log.h"
#include "health/recorder.h"
#include "notify/notify_config.h"
#include "notify/smtp_sender.h"
#include "slo/slo_metrics.h"
#include "slo/slo_spec.h"

namespace pharos::app {
namespace {

const logging::Logger& log() {
  static const logging::Logger logger("alerting");
  return logger;
}

// Every problem of every section, one per line, as the loader reports its own.
Status problemsError(const std::vector<config::Diagnostic>& problems) {
  std::string message;
  for (const auto& d : problems)
    message += (message.empty() ? "" : "\n") + d.toString();
  return makeError(ErrorCode::kInvalidArgument, message);
}

template <typename T>
const T* takeOrCollect(const std::variant<T, std::vector<config::Diagnostic>>& read,
                       std::vector<config::Diagnostic>& problems) {
  if (auto* p = std::get_if<std::vector<config::Diagnostic>>(&read)) {
    problems.insert(problems.end(), p->begin(), p->end());
    return nullptr;
  }
  return &std::get<T>(read);
}

template <typename T>
const T* takeOrCollect(const std::variant<T, std::vector<config::FieldProblem>>& read,
                       const std::string& file, std::vector<config::Diagnostic>& problems) {
  if (auto* p = std::get_if<std::vector<config::FieldProblem>>(&read)) {
    config::appendDiagnostics(*p, file, problems);
    return nullptr;
  }
  return &std::get<T>(read);
}

}  // namespace

std::variant<AlertingDefinitions, std::vector<config::Diagnostic>> readAlertingConfig(
    const config::Config& config, const std::set<std::string>& moreReceivers, WallTime now) {
  std::vector<config::Diagnostic> problems;
  auto notifyRead = notify::parseNotifyConfig(config.notify.section, "notify");
  const auto* notifyConfig = takeOrCollect(notifyRead, config.notify.file, problems);
  auto slosRead = slo::readSloConfig(config.slo.definitions, config.slo.file);
  const auto* slos = takeOrCollect(slosRead, problems);
  auto rulesRead = alarms::parseRules(config.alerting.rules, "alerting.rules");
  const auto* rules = takeOrCollect(rulesRead, config.alerting.file, problems);
  auto incidentsRead =
      alarms::parseIncidentOptions(config.alerting.incidents, "alerting.incidents");
  const auto* incidents = takeOrCollect(incidentsRead, config.alerting.file, problems);
  if (notifyConfig == nullptr) return problems;
  std::set<std::string> receiverNames = moreReceivers;
  std::set<std::string> fileReceivers;
  for (const notify::ReceiverSpec& r : notifyConfig->receivers) {
    receiverNames.insert(r.name);
    fileReceivers.insert(r.name);
    if (Status s = notify::checkReceiverForEnvironment(r, config.env); !s.ok()) {
      problems.push_back(config::Diagnostic{config.notify.file, 0, 0, s.error().message});
    }
  }
  // Receivers made through the API never make the file invalid: without a route in the file,
  // the default route is its one receiver (or the API's only one); with several and no route,
  // alerts are only shown, not sent, until a route names one.
  if (config.alerting.route.isNull() && receiverNames.size() > 1 && fileReceivers.size() <= 1) {
    receiverNames = fileReceivers;
  }
  auto routingRead = alarms::readRoutingConfig(
      alarms::RoutingSection{config.alerting.file, config.alerting.route,
                             config.alerting.inhibitRules, config.alerting.silences},
      receiverNames, now, "alerting");
  const auto* routing = takeOrCollect(routingRead, problems);
  if (!problems.empty()) return problems;
  std::vector<alarms::RuleSpec> allRules = *rules;
  for (alarms::RuleSpec& builtIn : backupRules(config)) {
    bool overridden = std::any_of(allRules.begin(), allRules.end(), [&](const alarms::RuleSpec& r) {
      return r.name == builtIn.name;
    });
    if (!overridden) allRules.push_back(std::move(builtIn));
  }
  return AlertingDefinitions{*notifyConfig, *slos, std::move(allRules), *routing, *incidents};
}

Result<std::unique_ptr<Alerting>> Alerting::start(const config::Config& config, Deps deps) {
  std::unique_ptr<Alerting> a(new Alerting(std::move(deps)));
  PHAROS_TRY(a->open(config));
  return a;
}

Status Alerting::open(const config::Config& config) {
  env_ = config.env;
  auto read = readAlertingConfig(config, {}, deps_.clock.now());
  if (auto* problems = std::get_if<std::vector<config::Diagnostic>>(&read)) {
    return problemsError(*problems);
  }
  const AlertingDefinitions& defs = std::get<AlertingDefinitions>(read);

  // Receivers get their own client: a slow webhook must not hold up the checks' probes.
  client_ = std::make_unique<net::OutboundClient>(deps_.policy, net::OutboundClient::Options{1});
  sender_ = std::make_unique<notify::ChannelSender>(*client_, deps_.clock);
  PHAROS_ASSIGN_OR_RETURN(receivers_,
                          notify::ReceiverCatalog::open(deps_.store, deps_.keyring, deps_.clock));
  PHAROS_ASSIGN_OR_RETURN(
      outbox_, notify::Outbox::open(
                   deps_.bus, deps_.store, *sender_,
                   [this](const std::string& name) { return receivers_->find(name); }, deps_.clock,
                   defs.notify.outbox));
  PHAROS_ASSIGN_OR_RETURN(silences_, alarms::SilenceStore::open(deps_.store, deps_.clock));
  dispatcher_ = std::make_unique<alarms::Dispatcher>(
      alarms::RouteTree(), std::vector<alarms::InhibitRule>{}, deps_.clock,
      alarms::DispatcherOptions{.externalUrl = deps_.externalUrl},
      [this](notify::Notification n) { return outbox_->enqueue(std::move(n)); });
  silences_->onChange([this](alarms::SilenceSetPtr s) { dispatcher_->setSilences(std::move(s)); });
  dispatcher_->setSilences(silences_->snapshot());

  PHAROS_ASSIGN_OR_RETURN(sloCatalog_, slo::SloCatalog::open(deps_.store, deps_.clock));
  sloEngine_ = std::make_unique<slo::SloEngine>(deps_.metrics, deps_.maintenance, deps_.clock);
  // A new or changed SLO is evaluated at once, not at the next round.
  sloCatalog_->onChange([this](std::vector<slo::SloSpec> s) {
    sloEngine_->setSlos(std::move(s));
    if (sloRounds_) sloRounds_->runNow();
  });

  alarms::RuleEngineOptions options;
  options.incidents = defs.incidents;
  options.externalUrl = deps_.externalUrl;
  options.burns = [this](std::string_view name) -> std::optional<std::vector<alarms::BurnPair>> {
    auto status = sloEngine_->status(name);
    if (!status || !status->problem.empty()) return std::nullopt;
    std::vector<alarms::BurnPair> pairs;
    for (const slo::BurnRate& b : status->burnRates) {
      pairs.push_back({std::string(slo::severityName(b.severity)), b.breaching, b.longBurn,
                       b.shortBurn, b.longWindow, b.shortWindow});
    }
    return pairs;
  };
  options.checkStates = [this] { return checkStates(); };
  // An alert goes to routing at once, and routing gets a tick at once: a check that went
  // down must not wait for the next 100 ms tick on top of its group_wait.
  PHAROS_ASSIGN_OR_RETURN(rules_, alarms::RuleEngine::open(
                                      deps_.store, deps_.metrics, deps_.clock,
                                      [this](const alarms::Alert& alert) {
                                        dispatcher_->put(alert);
                                        if (ticks_) ticks_->runNow();
                                      },
                                      std::move(options)));
  PHAROS_TRY(apply(config));
  PHAROS_TRY(rules_->reconcileChecks(deps_.clock.now()));

  // Check transitions come over the bus, each to the rule engine as it arrives.
  PHAROS_TRY(deps_.bus.declareQueue(alarms::kCheckEventsQueue, bus::QueueOptions{}));
  PHAROS_TRY(deps_.bus.subscribe(health::kStateTopic, alarms::kCheckEventsQueue));
  checkEvents_ = std::thread([this] { pumpCheckEvents(); });

  outbox_->start();
  sloRounds_ = std::make_unique<PeriodicTask>(config.alerting.evaluationInterval, [this] {
    if (!mayAct()) return;
    if (Status s = sloEngine_->evaluate(); !s.ok())
      log().warn("SLO evaluation failed", {{"error", s.error().toString()}});
  });
  ruleRounds_ = std::make_unique<PeriodicTask>(Millis(1'000), [this] {
    if (!mayAct()) return;
    if (Status s = rules_->evaluate(deps_.clock.now()); !s.ok())
      log().warn("rule evaluation failed", {{"error", s.error().toString()}});
  });
  ticks_ = std::make_unique<PeriodicTask>(Millis(100), [this] {
    if (mayAct()) dispatcher_->tick(deps_.clock.now());
  });
  // Daily: silences expired for five days and notification records a month old go.
  pruner_ = std::make_unique<PeriodicTask>(std::chrono::hours(24), [this] {
    (void)silences_->purgeExpired(std::chrono::hours(24 * 5));
    (void)outbox_->log().prune(deps_.clock.now() - std::chrono::hours(24 * 30));
  });
  sloRounds_->start();
  ruleRounds_->start();
  ticks_->start();
  pruner_->start();
  return okStatus();
}

Alerting::~Alerting() {
  stopping_ = true;
  if (checkEvents_.joinable()) checkEvents_.join();
  pruner_.reset();
  ruleRounds_.reset();
  sloRounds_.reset();
  ticks_.reset();
  if (outbox_) outbox_->stop();
}

Status Alerting::reload(const config::Config& config,
                        std::shared_ptr<const health::MaintenanceCalendar> maintenance) {
  PHAROS_TRY(apply(config));
  sloEngine_->setMaintenance(std::move(maintenance));
  return okStatus();
}

Status Alerting::apply(const config::Config& config) {
  std::lock_guard lock(applyMutex_);
  std::set<std::string> apiReceivers;
  for (const notify::OwnedReceiver& r : receivers_->all())
    if (r.owner == notify::ReceiverOwner::kApi) apiReceivers.insert(r.spec.name);
  auto read = readAlertingConfig(config, apiReceivers, deps_.clock.now());
  if (auto* problems = std::get_if<std::vector<config::Diagnostic>>(&read)) {
    return problemsError(*problems);
  }
  AlertingDefinitions& defs = std::get<AlertingDefinitions>(read);
  receivers_->setConfigReceivers(std::move(defs.notify.receivers));
  sloCatalog_->setConfigSlos(std::move(defs.slos));
  silences_->setConfigSilences(std::move(defs.routing.silences));
  dispatcher_->setRouting(std::move(defs.routing.routes), std::move(defs.routing.inhibitRules));
  return rules_->setRules(std::move(defs.rules));
}

std::vector<alarms::CheckStateView> Alerting::checkStates() const {
  std::vector<alarms::CheckStateView> out;
  if (deps_.health == nullptr) return out;
  for (const health::CheckView& c : deps_.health->checks()) {
    // Run by another health process: its state here is old, and the owner's changes reach
    // the rules as events.
    if (!c.runsHere) continue;
    alarms::CheckStateView v;
    v.check = c.spec->name;
    v.labels = c.spec->identity();
    v.down = c.status == health::CheckStatus::kDown;
    v.maintenance = c.inMaintenance;
    v.reason = c.lastError;
    v.changedAt = c.lastRun.value_or(WallTime{});
    out.push_back(std::move(v));
  }
  return out;
}

void Alerting::pumpCheckEvents() {
  while (!stopping_) {
    if (!mayAct()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    auto handled =
        alarms::pumpCheckEvents(deps_.bus, alarms::kCheckEventsQueue, *rules_, 64, Millis(500));
    if (!handled.ok()) {
      log().warn("check events", {{"error", handled.error().toString()}});
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }
}

void Alerting::writeStats(PrometheusText& out) const {
  slo::writeSloMetrics(sloEngine_->statuses(), out);
  alarms::DispatcherStats d = dispatcher_->stats();
  auto one = [&](std::string_view name, std::string_view help, std::string_view type,
                 double value) {
    out.family(name, help, type);
    out.sample(name, {}, value);
  };
  one("pharos_alerting_alerts_received_total", "Alerts handed to routing.", "counter",
      static_cast<double>(d.alertsReceived));
  one("pharos_alerting_alerts_silenced_total", "Alerts left out of a notification by a silence.",
      "counter", static_cast<double>(d.alertsSilenced));
  one("pharos_alerting_alerts_inhibited_total",
      "Alerts left out of a notification by an inhibition rule.", "counter",
      static_cast<double>(d.alertsInhibited));
  one("pharos_alerting_notifications_total", "Notifications put into the outbox.", "counter",
      static_cast<double>(d.notificationsSent));
  one("pharos_alerting_groups", "Alert groups routing holds.", "gauge",
      static_cast<double>(d.groups));
}

}  // namespace pharos::app
