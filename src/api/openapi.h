#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/route_table.h"

namespace pharos::api {

// The OpenAPI 3.1 description of `specs`: one path item per pattern with its `{param}`s
// declared, one operation per route (operationId, summary, tag, required scope, request body
// schema, success and error responses, all errors sharing components/schemas/Error).
nlohmann::json buildOpenApi(const std::vector<RouteSpec>& specs, const std::string& version);

// GET /openapi.json (public): the description of every route in `gateway`, rendered once on
// first request (the table is fixed by then). `gateway` must outlive the route.
RouteSpec openApiRoute(const Gateway& gateway, std::string version);

}  // namespace pharos::api
