#pragma once

#include <vector>

#include "api/route_table.h"
#include "auth/auth.h"

namespace pharos::api {

// GET /api/v1/audit?limit=&before= (scope admin): audit entries newest first, `limit` of them
// (default 100, at most 1000), with ids below `before` when given; `next` is the `before` of
// the following page, null on the last. `audit` must outlive the route.
std::vector<RouteSpec> auditRoutes(auth::AuditLog& audit);

}  // namespace pharos::api
