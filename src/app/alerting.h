#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "alarms/alarms_config.h"
#include "alarms/dispatcher.h"
#include "alarms/rule_engine.h"
#include "alarms/silence_store.h"
#include "bus/bus.h"
#include "core/clock.h"
#include "core/config/config.h"
#include "core/periodic_task.h"
#include "core/prometheus_text.h"
#include "crypto/keyring.h"
#include "health/engine.h"
#include "metrics/metrics_store.h"
#include "net/outbound_client.h"
#include "notify/notify_config.h"
#include "notify/outbox.h"
#include "notify/receiver_catalog.h"
#include "notify/sender.h"
#include "slo/catalog.h"
#include "slo/engine.h"
#include "store/store.h"

namespace pharos::app {

// Everything the slos, alerting and notify sections define, read by their modules.
struct AlertingDefinitions {
  notify::NotifyConfig notify;
  std::vector<slo::SloSpec> slos;
  std::vector<alarms::RuleSpec> rules;
  alarms::RoutingDefinitions routing;
  alarms::IncidentOptions incidents;
};

// Reads the three sections, every problem located as FILE:LINE:COL (what `serve` refuses and
// `config check` reports). Routes may name the config's receivers and `moreReceivers` (those
// made through the API); `now` is the start of the config's silences.
std::variant<AlertingDefinitions, std::vector<config::Diagnostic>> readAlertingConfig(
    const config::Config& config, const std::set<std::string>& moreReceivers, WallTime now);

// SLOs, alert rules, routing and notifications wired together: check transitions from the
// bus and rule rounds become alerts (alarms::RuleEngine), alerts become grouped, silenced
// and inhibited notifications (alarms::Dispatcher), and notifications go out through the
// durable outbox (notify::Outbox). Only this file knows how the four modules meet.
class Alerting {
 public:
  struct Deps {
    store::Store& store;
    bus::Bus& bus;
    metrics::MetricsStore& metrics;
    const net::OutboundPolicy& policy;
    health::HealthEngine* health;  // null when the checks run in another process
    crypto::Keyring& keyring;      // seals the API receivers' definitions (secrets key)
    Clock& clock;
    std::shared_ptr<const health::MaintenanceCalendar> maintenance;
    std::string externalUrl;  // the dashboard's base, for links in notifications
    // With several processes: whether this one may still act for alerting (it holds the
    // module's lease, Membership::holds). Rounds, ticks and check events wait while it may
    // not. Empty: always.
    std::function<bool()> mayAct;
  };

  // Reads the slos, alerting and notify sections (every problem as FILE:LINE:COL, in one
  // error), opens the stores, and starts the threads.
  static Result<std::unique_ptr<Alerting>> start(const config::Config& config, Deps deps);
  ~Alerting();

  // A config reload: SLOs, receivers, rules, routes and silences from the file again.
  Status reload(const config::Config& config,
                std::shared_ptr<const health::MaintenanceCalendar> maintenance);

  slo::SloCatalog& sloCatalog() { return *sloCatalog_; }
  slo::SloEngine& sloEngine() { return *sloEngine_; }
  notify::ReceiverCatalog& receivers() { return *receivers_; }
  notify::Outbox& outbox() { return *outbox_; }
  notify::Sender& sender() { return *sender_; }
  alarms::RuleEngine& rules() { return *rules_; }
  alarms::SilenceStore& silences() { return *silences_; }
  alarms::Dispatcher& dispatcher() { return *dispatcher_; }
  const std::string& externalUrl() const { return deps_.externalUrl; }

  void writeStats(PrometheusText& out) const;

 private:
  explicit Alerting(Deps deps) : deps_(std::move(deps)) {}
  Status open(const config::Config& config);
  // Reads the definitions of `config` and hands them to the parts.
  Status apply(const config::Config& config);
  std::vector<alarms::CheckStateView> checkStates() const;
  bool mayAct() const { return !deps_.mayAct || deps_.mayAct(); }
  void pumpCheckEvents();

  Deps deps_;
  config::Environment env_ = config::Environment::kDev;
  std::unique_ptr<net::OutboundClient> client_;
  std::unique_ptr<notify::Sender> sender_;
  std::unique_ptr<notify::ReceiverCatalog> receivers_;
  std::unique_ptr<notify::Outbox> outbox_;
  std::unique_ptr<alarms::SilenceStore> silences_;
  std::unique_ptr<alarms::Dispatcher> dispatcher_;
  std::unique_ptr<slo::SloCatalog> sloCatalog_;
  std::unique_ptr<slo::SloEngine> sloEngine_;
  std::unique_ptr<alarms::RuleEngine> rules_;
  std::unique_ptr<PeriodicTask> sloRounds_, ruleRounds_, ticks_, pruner_;
  std::atomic<bool> stopping_{false};
  std::thread checkEvents_;
  std::mutex applyMutex_;
};

}  // namespace pharos::app
