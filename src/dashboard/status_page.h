#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config/config.h"
#include "core/config/node_reader.h"
#include "health/catalog.h"
#include "health/engine.h"
#include "health/uptime_days.h"
#include "net/http.h"
#include "promql/matcher.h"
#include "promql/queryable.h"

namespace pharos::dashboard {

// A status page for a group of checks chosen by label, served at /status/{name} without a
// key when `isPublic` (opt-in: a group is private until its config says otherwise).
struct StatusPageSpec {
  std::string name;
  std::string title;
  std::string description;
  std::string labels;  // the selector as written: team="web"
  std::vector<promql::Matcher> selector;
  bool isPublic = false;
};

// Reads the `status_pages:` list; each wrong field is a problem naming it
// ("status_pages[1].labels: …").
std::vector<StatusPageSpec> readStatusPages(const config::Node& pages,
                                            std::vector<config::FieldProblem>& problems);

struct StatusPageDeps {
  std::vector<StatusPageSpec> pages;
  health::CheckCatalog& catalog;
  health::HealthEngine& engine;
  health::UptimeDays& uptimeDays;
  promql::Queryable& metrics;
  const Clock& clock;
};

// GET /api/v1/status/{group}: the group's overall state, and per check its state and uptime
// per day over 90 days. Only names, states and uptimes: no targets, errors or labels, which
// may be internal. An unknown group and a private one get the same 404.
net::HttpResponse statusPageJson(const StatusPageDeps& deps, std::string_view group);

}  // namespace pharos::dashboard
