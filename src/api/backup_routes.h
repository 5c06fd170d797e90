#pragma once

#include <vector>

#include "api/route_table.h"
#include "backup/backup_service.h"

namespace pharos::api {

// The server's backups (docs/API.md, "Backups"), scope `admin`: a backup holds every secret the
// server keeps, and a restore writes to the server's disk.
//   GET  /api/v1/backups                 complete backups, newest first
//   GET  /api/v1/backups/status          schedule, last success and failure, second target
//   POST /api/v1/backups                 take one now: 202 with the job (409 while one runs)
//   GET  /api/v1/backups/{id}            one backup's manifest (files, sizes, keys)
//   POST /api/v1/backups/{id}/verify     202 with the job
//   POST /api/v1/backups/{id}/restore    {"target": "/abs/dir", "force": false}: 202 with the job
//   GET  /api/v1/backups/jobs            recent jobs, newest first, with progress
//   GET  /api/v1/backups/jobs/{id}       one job
std::vector<RouteSpec> backupRoutes(backup::BackupService& service);

}  // namespace pharos::api
