#pragma once

#include <vector>

#include "api/route_table.h"
#include "auth/auth.h"

namespace pharos::api {

// API key management, all scope admin, resource "keys":
//   GET    /api/v1/keys       every key's id, name, role and times; never hashes or tokens
//   POST   /api/v1/keys       {"name": "...", "role": "viewer|ingest|editor|admin"} -> 201
//                              with the token, the only time it is ever shown
//   DELETE /api/v1/keys/{id}  revoke: 204; 404 for an unknown id
//   GET    /api/v1/whoami     (scope read) the calling key's id, name, role and scopes
// `keys` must outlive the routes.
std::vector<RouteSpec> keysRoutes(auth::ApiKeys& keys);

}  // namespace pharos::api
