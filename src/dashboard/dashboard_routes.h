#pragma once

#include <memory>
#include <vector>

#include "api/route_table.h"
#include "dashboard/assets.h"
#include "dashboard/status_page.h"

namespace pharos::dashboard {

// The dashboard's routes, all public (no key: the page asks for one before it calls the API):
//   GET /ui                    301 to /ui/
//   GET /ui/{path...}          a bundled file; any other path outside /ui/assets/ is the page
//                              itself, so a reload of a deep link works
//   GET /status/{group}        the public status page (the same page, in its status mode)
//   GET /api/v1/status/{group} the status page's data (status_page.h)
// Files are sent gzipped to clients that take it, with an ETag; the hashed bundle names are
// cached for a year, the page itself revalidated. Every answer carries a Content-Security-
// Policy that lets the page talk to this server only.
std::vector<api::RouteSpec> dashboardRoutes(std::shared_ptr<const StatusPageDeps> status,
                                            const std::vector<Asset>& files = assets());

}  // namespace pharos::dashboard
