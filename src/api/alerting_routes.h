#pragma once

#include <string>
#include <vector>

#include "alarms/rule_engine.h"
#include "alarms/silence_store.h"
#include "analysis/anomaly_store.h"
#include "api/route_table.h"
#include "core/clock.h"
#include "core/config/config.h"
#include "notify/outbox.h"
#include "notify/receiver_catalog.h"
#include "notify/sender.h"
#include "slo/catalog.h"
#include "slo/engine.h"

namespace pharos::api {

// SLOs, alerts, incidents, silences, receivers and notifications (docs/API.md, "SLOs" and
// "Alerting"):
//   GET    /api/v1/slos                      every SLO with its budget and burn rates
//   POST   /api/v1/slos                      create (scope edit)
//   GET    /api/v1/slos/{name}               one, with its definition and budget over time
//   PUT    /api/v1/slos/{name}               replace (scope edit; API-owned only)
//   DELETE /api/v1/slos/{name}               (scope edit; API-owned only)
//   GET    /api/v1/alerts                    pending, firing and just-resolved alerts
//   GET    /api/v1/alerts/history            every state change: rule, state, match, from, to
//   GET    /api/v1/rules                     rules with their last evaluation
//   GET    /api/v1/incidents                 status=, limit, cursor
//   GET    /api/v1/incidents/{id}            with its alerts, timeline and the analysis findings
//                                            around it (when `anomalies` is set)
//   POST   /api/v1/incidents/{id}/acknowledge, /resolve, /notes   (scope edit)
//   GET    /api/v1/silences                  status=active|pending|expired
//   POST   /api/v1/silences                  (scope edit)
//   GET    /api/v1/silences/{id}
//   DELETE /api/v1/silences/{id}             expires it (scope edit)
//   GET    /api/v1/receivers                 secrets shown as "[redacted]"
//   POST   /api/v1/receivers                 (scope admin: receivers hold credentials)
//   GET    /api/v1/receivers/{name}
//   PUT    /api/v1/receivers/{name}, DELETE  (scope admin; API-owned only)
//   POST   /api/v1/receivers/{name}/test     preview; ?send=true also sends (scope edit)
//   GET    /api/v1/notifications             status=, receiver=, limit, before
//   GET    /api/v1/notifications/{id}        with every attempt
//   GET    /api/v1/notifications/dead        the dead-letter queue, and circuit breakers
//   POST   /api/v1/notifications/dead/redrive  back into the outbox (scope edit)
struct AlertingRoutesDeps {
  slo::SloCatalog& sloCatalog;
  slo::SloEngine& sloEngine;
  alarms::RuleEngine& rules;
  alarms::SilenceStore& silences;
  notify::ReceiverCatalog& receivers;
  notify::Outbox& outbox;
  notify::Sender& sender;
  const Clock& clock;
  config::Environment env;
  std::string externalUrl;
  // The analysis findings, read at request time for an incident's "findings"; null: none.
  analysis::AnomalyStore* anomalies = nullptr;
};

std::vector<RouteSpec> sloRoutes(const AlertingRoutesDeps& deps);
std::vector<RouteSpec> alertRoutes(const AlertingRoutesDeps& deps);
std::vector<RouteSpec> notifyRoutes(const AlertingRoutesDeps& deps);

}  // namespace pharos::api
