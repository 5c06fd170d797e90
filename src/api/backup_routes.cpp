#include "api/backup_routes.h"

#include <algorithm>

#include "api/error_response.h"
#include "api/json_body.h"

namespace pharos::api {
namespace {

using nlohmann::json;

json optionalTime(const std::optional<WallTime>& t) {
  return t ? json(formatTime(*t)) : json(nullptr);
}

json summaryJson(const backup::Manifest& m, bool onSecondTarget) {
  return {{"id", m.id},
          {"created_at", formatTime(m.createdAt)},
          {"duration_ms", m.duration.count()},
          {"files", m.files.size()},
          {"raw_bytes", m.rawBytes},
          {"compressed_bytes", m.compressedBytes},
          {"stored_bytes", m.storedBytes},
          {"parts", m.parts.size()},
          {"pharos_version", m.pharosVersion},
          {"key_id", m.keyId},
          {"on_second_target", onSecondTarget}};
}

json jobJson(const backup::Job& j) {
  json out{{"id", j.id},
           {"kind", backup::jobKindName(j.kind)},
           {"state", backup::jobStateName(j.state)},
           {"trigger", j.trigger},
           {"backup_id", j.backupId},
           {"queued_at", formatTime(j.queuedAt)},
           {"started_at", optionalTime(j.startedAt)},
           {"finished_at", optionalTime(j.finishedAt)},
           {"done_bytes", j.done},
           {"total_bytes", j.total},
           {"error", j.error}};
  if (j.kind == backup::JobKind::kRestore) {
    out["target"] = j.target;
    out["force"] = j.force;
  }
  if (j.kind == backup::JobKind::kCreate && j.state == backup::JobState::kSucceeded) {
    out["files"] = j.files;
    out["raw_bytes"] = j.rawBytes;
    out["stored_bytes"] = j.storedBytes;
    out["deleted_by_retention"] = j.deletedByRetention;
    out["second_target"] = j.secondTarget;
  }
  return out;
}

json healthJson(const backup::BackupHealth& h) {
  auto seconds = [](const std::optional<Millis>& d) {
    return d ? json(d->count() / 1000) : json(nullptr);
  };
  return {{"schedule", h.schedule},
          {"period_s", seconds(h.period)},
          {"missed_after_s", seconds(h.missedAfter)},
          {"next_run_at", optionalTime(h.nextRunAt)},
          {"running", h.running},
          {"backups", h.backups},
          {"newest_at", optionalTime(h.newestAt)},
          {"last_success_at", optionalTime(h.lastSuccessAt)},
          {"last_duration_ms", h.lastDuration.count()},
          {"last_stored_bytes", h.lastStoredBytes},
          {"last_raw_bytes", h.lastRawBytes},
          {"last_backup_id", h.lastBackupId},
          {"last_failure_at", optionalTime(h.lastFailureAt)},
          {"last_error", h.lastError},
          {"succeeded", h.succeeded},
          {"failed", h.failed},
          {"second_target",
           {{"configured", h.secondTargetConfigured},
            {"path", h.secondTargetPath},
            {"newest_at", optionalTime(h.secondNewestAt)},
            {"last_error", h.secondTargetError},
            {"copies_succeeded", h.copiesSucceeded},
            {"copies_failed", h.copiesFailed}}}};
}

net::HttpResponse accepted(const backup::Job& job) {
  auto r = net::HttpResponse::json(202, dumpJson(jobJson(job)));
  r.headers.emplace_back("Location", "/api/v1/backups/jobs/" + job.id);
  return r;
}

net::HttpResponse listBackups(backup::BackupService& s) {
  auto listed = s.list();
  if (!listed.ok()) return errorResponse(listed.error());
  std::vector<std::string> copies = s.secondTargetIds();
  json data = json::array();
  for (const backup::Manifest& m : *listed) {
    data.push_back(summaryJson(m, std::find(copies.begin(), copies.end(), m.id) != copies.end()));
  }
  return okJson({{"data", data}, {"next_cursor", ""}});
}

net::HttpResponse oneBackup(backup::BackupService& s, const std::string& id) {
  auto m = s.manifest(id);
  if (!m.ok()) return errorResponse(m.error());
  std::vector<std::string> copies = s.secondTargetIds();
  json out = summaryJson(*m, std::find(copies.begin(), copies.end(), id) != copies.end());
  json files = json::array();
  for (const backup::ManifestFile& f : m->files) {
    files.push_back({{"path", f.path}, {"size", f.size}, {"blake2b", f.blake2b}});
  }
  out["files"] = files;
  out["file_count"] = m->files.size();
  out["schema_versions"] = m->schemaVersions;
  out["carries_data_key"] = m->dataKey.has_value();
  return okJson(out);
}

net::HttpResponse startRestore(backup::BackupService& s, const net::HttpRequest& request) {
  JsonBody parsed = parseJsonObject(request.body);
  if (auto* error = std::get_if<net::HttpResponse>(&parsed)) return std::move(*error);
  const json& body = std::get<json>(parsed);
  if (auto unknown = unknownField(body, {"target", "force"})) {
    return badRequest("unknown field '" + *unknown + "': expected target, force");
  }
  auto target = body.find("target");
  if (target == body.end() || !target->is_string()) {
    return badRequest("target: an absolute directory (string) is required");
  }
  bool force = false;
  if (auto f = body.find("force"); f != body.end()) {
    if (!f->is_boolean()) return badRequest("force: expected true or false");
    force = f->get<bool>();
  }
  auto job = s.enqueue(backup::JobKind::kRestore, "api", std::string(request.pathParam("id")),
                       target->get<std::string>(), force);
  if (!job.ok()) return errorResponse(job.error());
  return accepted(*job);
}

json jobSchema() {
  return {
      {"type", "object"},
      {"required", json::array({"id", "kind", "state", "queued_at", "done_bytes", "total_bytes"})},
      {"properties",
       {{"id", {{"type", "string"}}},
        {"kind", {{"type", "string"}, {"enum", {"create", "verify", "restore"}}}},
        {"state", {{"type", "string"}, {"enum", {"queued", "running", "succeeded", "failed"}}}},
        {"backup_id", {{"type", "string"}}},
        {"done_bytes", {{"type", "integer"}}},
        {"total_bytes", {{"type", "integer"}}},
        {"error", {{"type", "string"}}}}}};
}

}  // namespace

std::vector<RouteSpec> backupRoutes(backup::BackupService& service) {
  RouteList routes("backups", "backups");
  backup::BackupService* s = &service;
  routes.add("GET", "/api/v1/backups", auth::Scope::kAdmin, "Complete backups, newest first",
             [s](net::HttpRequest&) { return listBackups(*s); });
  routes.add("GET", "/api/v1/backups/status", auth::Scope::kAdmin,
             "Backup health: schedule, last success and failure, second target",
             [s](net::HttpRequest&) { return okJson(healthJson(s->health())); });
  RouteSpec& create = routes.add("POST", "/api/v1/backups", auth::Scope::kAdmin,
                                 "Take a backup now (202 with the job; 409 while one is running)",
                                 [s](net::HttpRequest&) {
                                   auto job = s->enqueue(backup::JobKind::kCreate, "api");
                                   if (!job.ok()) return errorResponse(job.error());
                                   return accepted(*job);
                                 });
  create.successStatus = 202;
  create.responseSchema = jobSchema();
  routes.add("GET", "/api/v1/backups/jobs", auth::Scope::kAdmin,
             "Recent backup jobs, newest first, with progress", [s](net::HttpRequest&) {
               json data = json::array();
               for (const backup::Job& j : s->jobs())
                 data.push_back(jobJson(j));
               return okJson({{"data", data}, {"next_cursor", ""}});
             });
  routes
      .add("GET", "/api/v1/backups/jobs/{id}", auth::Scope::kAdmin, "One backup job",
           [s](net::HttpRequest& r) {
             auto job = s->job(std::string(r.pathParam("id")));
             if (!job) return errorResponse(makeError(ErrorCode::kNotFound, "no such job"));
             return okJson(jobJson(*job));
           })
      .responseSchema = jobSchema();
  routes.add("GET", "/api/v1/backups/{id}", auth::Scope::kAdmin,
             "One backup's manifest: files, sizes, checksums, keys",
             [s](net::HttpRequest& r) { return oneBackup(*s, std::string(r.pathParam("id"))); });
  RouteSpec& verify = routes.add(
      "POST", "/api/v1/backups/{id}/verify", auth::Scope::kAdmin,
      "Decrypt and check every part and file of a backup (202 with the job)",
      [s](net::HttpRequest& r) {
        auto job = s->enqueue(backup::JobKind::kVerify, "api", std::string(r.pathParam("id")));
        if (!job.ok()) return errorResponse(job.error());
        return accepted(*job);
      });
  verify.successStatus = 202;
  verify.responseSchema = jobSchema();
  RouteSpec& restore =
      routes.add("POST", "/api/v1/backups/{id}/restore", auth::Scope::kAdmin,
                 "Restore a backup into a new directory (never the running server's): 202 with "
                 "the job",
                 [s](net::HttpRequest& r) { return startRestore(*s, r); });
  restore.maxBodyBytes = 4096;
  restore.successStatus = 202;
  restore.responseSchema = jobSchema();
  restore.requestSchema = {
      {"type", "object"},
      {"required", json::array({"target"})},
      {"additionalProperties", false},
      {"properties", {{"target", {{"type", "string"}}}, {"force", {{"type", "boolean"}}}}}};
  return routes.take();
}

}  // namespace pharos::api
