#pragma once

#include <vector>

#include "api/route_table.h"
#include "core/clock.h"
#include "logs/pipeline.h"

namespace pharos::api {

// The log pipeline's API (docs/API.md, "Logs"). Ingest, scope `ingest`, each answering as the
// protocol's own server does so its shippers need only an endpoint:
//   POST /api/v1/logs                 NDJSON or a JSON array            202 {"accepted": N}
//   POST /v1/logs                     OTLP/HTTP, JSON or protobuf       200
//   ExportLogsServiceResponse POST /loki/api/v1/push            Loki, JSON or snappy protobuf 204
//   POST /_bulk, POST /{index}/_bulk  Elasticsearch bulk                200 bulk response
//   GET  /                            Elasticsearch's info document (clients probe it first)
// Each acknowledges only once the lines are durable; once the processing backlog is full it
// answers 429 with Retry-After. Query, scope `read`:
//   GET /api/v1/logs/query            query=, start=, end=, limit=, cursor= (docs/LOGQUERY.md)
//   GET /api/v1/logs/patterns         templates with counts: service=, start=, end=, limit=
//   GET /api/v1/logs/tail             Server-Sent Events of new lines matching query=
struct LogRoutesDeps {
  logs::LogPipeline& pipeline;
  const Clock& clock;
};

std::vector<RouteSpec> logRoutes(LogRoutesDeps deps);

}  // namespace pharos::api
