#include "api/alerting_routes.h"

#include "api/error_response.h"
#include "api/json_body.h"
#include "api/query.h"
#include "notify/circuit_breaker.h"
#include "notify/notification_log.h"
#include "notify/receiver_spec.h"
#include "notify/smtp_sender.h"

namespace pharos::api {
namespace {

using nlohmann::json;

constexpr std::size_t kReceiverBodyLimit = 64 * 1024;

json receiverJson(const notify::OwnedReceiver& owned) {
  json j = notify::receiverToJson(owned.spec);
  j["owner"] = notify::receiverOwnerName(owned.owner);
  return j;
}

// A receiver from a body, refused as the config would refuse it in this environment (plain
// SMTP in staging and prod). `stored`, for a replacement: secrets sent back as "[redacted]"
// keep their stored values (see notify::keepRedactedSecrets).
std::variant<notify::ReceiverSpec, net::HttpResponse> readReceiver(
    const AlertingRoutesDeps& d, const net::HttpRequest& request,
    const notify::ReceiverSpec* stored = nullptr) {
  JsonBody body = parseJsonObject(request.body);
  if (auto* error = std::get_if<net::HttpResponse>(&body)) return std::move(*error);
  json definition = std::get<json>(std::move(body));
  if (stored) {
    // A GET's body put back: its read-only "owner" is not part of the definition.
    if (auto owner = definition.find("owner"); owner != definition.end() && *owner == "api") {
      definition.erase(owner);
    }
    notify::KeptSecrets kept = notify::keepRedactedSecrets(std::move(definition), *stored);
    if (!kept.unresolved.empty()) {
      std::vector<config::FieldProblem> problems;
      for (const std::string& field : kept.unresolved) {
        problems.push_back({.field = field,
                            .message = field + ": \"[redacted]\" keeps a stored secret, but the "
                                               "receiver has none here; send the value"});
      }
      return fieldProblemsResponse(problems);
    }
    definition = std::move(kept.body);
  }
  auto read = notify::parseReceiverSpec(config::nodeFromJson(definition));
  if (auto* problems = std::get_if<std::vector<config::FieldProblem>>(&read)) {
    return fieldProblemsResponse(*problems);
  }
  auto& spec = std::get<notify::ReceiverSpec>(read);
  if (Status s = notify::checkReceiverForEnvironment(spec, d.env); !s.ok()) {
    return badRequest(s.error().message);
  }
  return std::move(spec);
}

net::HttpResponse getReceiver(const AlertingRoutesDeps& d, const std::string& name,
                              int status = 200) {
  auto owned = d.receivers.findOwned(name);
  if (!owned) return net::HttpResponse::error(404, "not_found", "no such receiver");
  return net::HttpResponse::json(status, dumpJson(receiverJson(*owned)));
}

net::HttpResponse createReceiver(const AlertingRoutesDeps& d, const net::HttpRequest& request) {
  auto read = readReceiver(d, request);
  if (auto* error = std::get_if<net::HttpResponse>(&read)) return std::move(*error);
  notify::ReceiverSpec spec = std::get<notify::ReceiverSpec>(std::move(read));
  std::string name = spec.name;
  if (Status s = d.receivers.create(std::move(spec)); !s.ok()) return errorResponse(s.error());
  net::HttpResponse r = getReceiver(d, name, 201);
  r.headers.emplace_back("Location", "/api/v1/receivers/" + name);
  return r;
}

net::HttpResponse replaceReceiver(const AlertingRoutesDeps& d, const net::HttpRequest& request) {
  std::string name(request.pathParam("name"));
  // Only an API receiver's secrets are kept; replace() refuses a config one anyway.
  auto owned = d.receivers.findOwned(name);
  const notify::ReceiverSpec* stored =
      owned && owned->owner == notify::ReceiverOwner::kApi ? &owned->spec : nullptr;
  auto read = readReceiver(d, request, stored);
  if (auto* error = std::get_if<net::HttpResponse>(&read)) return std::move(*error);
  notify::ReceiverSpec spec = std::get<notify::ReceiverSpec>(std::move(read));
  if (spec.name != name) {
    return badRequest("name: a receiver cannot be renamed; the body's name must match the path");
  }
  if (Status s = d.receivers.replace(std::move(spec)); !s.ok()) return errorResponse(s.error());
  return getReceiver(d, name);
}

// Renders a sample notification through the receiver's templates; with send=true also sends
// it, so a user sees the receiver work (or why not) before an alert depends on it.
net::HttpResponse testReceiver(const AlertingRoutesDeps& d, const net::HttpRequest& request) {
  auto params = parseQuery(request.query);
  if (!params) return badRequest("malformed query string");
  std::string name(request.pathParam("name"));
  auto spec = d.receivers.find(name);
  if (!spec) return net::HttpResponse::error(404, "not_found", "no such receiver");
  bool send = queryParam(*params, "send").value_or("false") == "true";
  WallTime now = d.clock.now();
  return okJson(notify::preview(*spec, notify::sampleNotification(name, d.externalUrl, now),
                                send ? &d.sender : nullptr, now));
}

net::HttpResponse listNotifications(const AlertingRoutesDeps& d, const net::HttpRequest& request) {
  auto params = parseQuery(request.query);
  if (!params) return badRequest("malformed query string");
  notify::NotificationQuery q;
  if (auto status = queryParam(*params, "status")) {
    q.status = notify::parseNotificationStatus(*status);
    if (!q.status) return badRequest("status: expected pending, delivered, dead or skipped");
  }
  q.receiver = queryParam(*params, "receiver").value_or("");
  auto limit = queryLimit(*params, 100, 1000);
  if (!limit.ok()) return errorResponse(limit.error());
  q.limit = *limit;
  if (auto before = queryParam(*params, "before")) {
    try {
      q.beforeMs = std::stoll(*before);
    } catch (const std::exception&) {
      return badRequest("before: expected the created_at_ms of the last row of a page");
    }
  }
  auto rows = d.outbox.log().list(q);
  if (!rows.ok()) return errorResponse(rows.error());
  json out = json::array();
  for (const auto& row : *rows)
    out.push_back(notify::notificationRowToJson(row));
  return okJson(json{{"data", std::move(out)}});
}

net::HttpResponse getNotification(const AlertingRoutesDeps& d, const net::HttpRequest& request) {
  std::string id(request.pathParam("id"));
  auto row = d.outbox.log().get(id);
  if (!row.ok()) return errorResponse(row.error());
  if (!*row) return net::HttpResponse::error(404, "not_found", "no such notification");
  auto attempts = d.outbox.log().attempts(id);
  if (!attempts.ok()) return errorResponse(attempts.error());
  json out = notify::notificationRowToJson(**row);
  json list = json::array();
  for (const auto& a : *attempts)
    list.push_back(notify::attemptRowToJson(a));
  out["attempt_log"] = std::move(list);
  return okJson(out);
}

net::HttpResponse deadLetters(const AlertingRoutesDeps& d, const net::HttpRequest& request) {
  auto params = parseQuery(request.query);
  if (!params) return badRequest("malformed query string");
  auto limit = queryLimit(*params, 100, 1000);
  if (!limit.ok()) return errorResponse(limit.error());
  auto dead = d.outbox.deadLetters(*limit);
  if (!dead.ok()) return errorResponse(dead.error());
  json out = json::array();
  for (const auto& n : *dead)
    out.push_back(notify::deadNotificationToJson(n));
  json breakers = json::array();
  for (const auto& b : d.outbox.breakers())
    breakers.push_back(notify::breakerStateToJson(b));
  return okJson(json{{"data", std::move(out)}, {"breakers", std::move(breakers)}});
}

net::HttpResponse redrive(const AlertingRoutesDeps& d, const net::HttpRequest& request) {
  auto params = parseQuery(request.query);
  if (!params) return badRequest("malformed query string");
  auto limit = queryLimit(*params, 1000, 100'000);
  if (!limit.ok()) return errorResponse(limit.error());
  auto moved = d.outbox.redrive(*limit);
  if (!moved.ok()) return errorResponse(moved.error());
  return okJson(json{{"redriven", *moved}});
}

}  // namespace

std::vector<RouteSpec> notifyRoutes(const AlertingRoutesDeps& deps) {
  RouteList routes("notifications", "receivers");
  auto d = std::make_shared<const AlertingRoutesDeps>(deps);
  routes.add("GET", "/api/v1/receivers", auth::Scope::kRead,
             "Receivers (secrets shown as [redacted])", [d](net::HttpRequest&) {
               json out = json::array();
               for (const auto& r : d->receivers.all())
                 out.push_back(receiverJson(r));
               return okJson(json{{"receivers", std::move(out)}});
             });
  RouteSpec& create = routes.add("POST", "/api/v1/receivers", auth::Scope::kAdmin,
                                 "Create a receiver (its secrets are write-only)",
                                 [d](net::HttpRequest& r) { return createReceiver(*d, r); });
  create.maxBodyBytes = kReceiverBodyLimit;
  create.successStatus = 201;
  routes.add(
      "GET", "/api/v1/receivers/{name}", auth::Scope::kRead, "One receiver",
      [d](net::HttpRequest& r) { return getReceiver(*d, std::string(r.pathParam("name"))); });
  routes
      .add("PUT", "/api/v1/receivers/{name}", auth::Scope::kAdmin,
           "Replace a receiver defined through the API (secrets included)",
           [d](net::HttpRequest& r) { return replaceReceiver(*d, r); })
      .maxBodyBytes = kReceiverBodyLimit;
  routes
      .add("DELETE", "/api/v1/receivers/{name}", auth::Scope::kAdmin,
           "Delete a receiver defined through the API",
           [d](net::HttpRequest& r) {
             if (Status s = d->receivers.remove(std::string(r.pathParam("name"))); !s.ok()) {
               return errorResponse(s.error());
             }
             return net::HttpResponse::text(204, "");
           })
      .successStatus = 204;
  routes.add("POST", "/api/v1/receivers/{name}/test", auth::Scope::kEdit,
             "Render a sample notification; send=true also sends it",
             [d](net::HttpRequest& r) { return testReceiver(*d, r); });
  routes.add("GET", "/api/v1/notifications", auth::Scope::kRead,
             "Notifications, newest first (status, receiver, limit, before)",
             [d](net::HttpRequest& r) { return listNotifications(*d, r); });
  routes.add("GET", "/api/v1/notifications/dead", auth::Scope::kRead,
             "The dead-letter queue and the receivers' circuit breakers",
             [d](net::HttpRequest& r) { return deadLetters(*d, r); });
  routes.add("POST", "/api/v1/notifications/dead/redrive", auth::Scope::kEdit,
             "Move dead notifications back into the outbox with fresh retries",
             [d](net::HttpRequest& r) { return redrive(*d, r); });
  routes.add("GET", "/api/v1/notifications/{id}", auth::Scope::kRead,
             "One notification with every attempt",
             [d](net::HttpRequest& r) { return getNotification(*d, r); });
  return routes.take();
}

}  // namespace pharos::api
