#include "api/log_routes.h"

#include <chrono>

#include <fmt/format.h>

#include "api/error_response.h"
#include "api/query.h"
#include "core/text.h"
#include "core/varint.h"
#include "logs/ingest_decoders.h"
#include "logs/log_query.h"
#include "logs/record_json.h"
#include "promql/api_params.h"

namespace pharos::api {
namespace {

using logs::Source;
using nlohmann::json;

constexpr std::int64_t kNsPerMs = 1'000'000;
constexpr std::int64_t kDefaultRangeNs = 3'600'000'000'000;  // the last hour, as Loki
constexpr std::size_t kMaxQueryLimit = 5000;
constexpr std::size_t kMaxTails = 64;

std::int64_t nowNs(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock.now().time_since_epoch())
      .count();
}

// A body may hold as many lines as fit in the ingest body limit; a snappy body may not
// decompress past it either.
logs::DecodeLimits limitsOf(const logs::LogPipeline& pipeline) {
  logs::DecodeLimits limits;
  auto body = static_cast<std::size_t>(pipeline.maxBodyBytes());
  limits.maxEntries = std::max<std::size_t>(limits.maxEntries, body / 16);
  limits.maxDecompressedBytes = body;
  return limits;
}

// Elasticsearch 8 clients (Beats, the Go client) refuse a server without this header.
net::HttpResponse withElasticHeader(net::HttpResponse r) {
  r.headers.emplace_back("X-Elastic-Product", "Elasticsearch");
  return r;
}

net::HttpResponse overloaded(logs::LogPipeline& pipeline) {
  pipeline.countRejected(logs::RejectReason::kOverloaded, 1);
  auto r = net::HttpResponse::error(
      429, "overloaded",
      "log processing is behind; nothing was written, send this batch again after Retry-After");
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

std::string_view mediaType(const net::HttpRequest& request) {
  std::string_view type = request.header("Content-Type");
  return trimSpaces(type.substr(0, type.find(';')));
}

// Decodes with `decode` into one batch, makes it durable, then answers with `respond`.
template <typename Decode, typename Respond>
net::HttpResponse ingest(logs::LogPipeline& pipeline, const Clock& clock, Source source,
                         Decode&& decode, Respond&& respond) {
  if (!pipeline.accepting()) return overloaded(pipeline);
  logs::BatchEncoder batch(source, nowNs(clock), pipeline.maxLineBytes());
  auto decoded = decode(batch);
  if (!decoded.ok()) {
    pipeline.countRejected(logs::RejectReason::kMalformed, 1);
    return errorResponse(decoded.error());
  }
  if (decoded->rejected > 0)
    pipeline.countRejected(logs::RejectReason::kMalformed, decoded->rejected);
  if (!batch.empty()) {
    if (auto s = pipeline.ingest(std::move(batch)); !s.ok()) {
      auto r = net::HttpResponse::error(
          503, "unavailable", "the lines could not be made durable: " + s.error().message);
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
  }
  return respond(*decoded);
}

json acceptedJson(const logs::DecodeResult& r) {
  json out{{"accepted", r.accepted}, {"rejected", r.rejected}};
  if (!r.errors.empty()) out["errors"] = r.errors;
  return out;
}

net::HttpResponse nativeIngest(const LogRoutesDeps& d, const net::HttpRequest& request) {
  return ingest(
      d.pipeline, d.clock, Source::kNative,
      [&](logs::BatchEncoder& b) {
        return logs::decodeNative(request.body, b, limitsOf(d.pipeline));
      },
      [](const logs::DecodeResult& r) {
        int status = r.accepted == 0 && r.rejected > 0 ? 400 : 202;
        return net::HttpResponse::json(status, acceptedJson(r).dump());
      });
}

// ExportLogsServiceResponse: empty when everything was taken, else partial_success
// {rejected_log_records = 1, error_message = 2}, in the request's encoding.
net::HttpResponse otlpResponse(const logs::DecodeResult& r, bool protobuf) {
  std::string message = r.errors.empty() ? std::string() : r.errors.front();
  if (protobuf) {
    net::HttpResponse out;
    out.contentType = "application/x-protobuf";
    if (r.rejected > 0) {
      std::string inner;
      inner.push_back(0x08);  // field 1, varint
      putVarint(inner, r.rejected);
      inner.push_back(0x12);  // field 2, length-delimited
      putVarint(inner, message.size());
      inner += message;
      out.body.push_back(0x0A);  // partial_success: field 1, length-delimited
      putVarint(out.body, inner.size());
      out.body += inner;
    }
    return out;
  }
  json body = json::object();
  if (r.rejected > 0) {
    body["partialSuccess"] = {{"rejectedLogRecords", std::to_string(r.rejected)},
                              {"errorMessage", message}};
  }
  return net::HttpResponse::json(200, body.dump());
}

net::HttpResponse otlpIngest(const LogRoutesDeps& d, const net::HttpRequest& request) {
  std::string_view type = mediaType(request);
  bool protobuf = iequals(type, "application/x-protobuf");
  if (!protobuf && !iequals(type, "application/json")) {
    return net::HttpResponse::error(
        415, "unsupported_media_type",
        "OTLP/HTTP logs are application/json or application/x-protobuf");
  }
  return ingest(
      d.pipeline, d.clock, Source::kOtlp,
      [&](logs::BatchEncoder& b) {
        return protobuf ? logs::decodeOtlpProtobuf(request.body, b, limitsOf(d.pipeline))
                        : logs::decodeOtlpJson(request.body, b, limitsOf(d.pipeline));
      },
      [&](const logs::DecodeResult& r) { return otlpResponse(r, protobuf); });
}

net::HttpResponse lokiIngest(const LogRoutesDeps& d, const net::HttpRequest& request) {
  std::string_view type = mediaType(request);
  bool json = iequals(type, "application/json");
  if (!json && !type.empty() && !iequals(type, "application/x-protobuf")) {
    return net::HttpResponse::error(
        415, "unsupported_media_type",
        "Loki pushes are application/json or snappy-compressed application/x-protobuf");
  }
  return ingest(
      d.pipeline, d.clock, Source::kLoki,
      [&](logs::BatchEncoder& b) {
        return json ? logs::decodeLokiJson(request.body, b, limitsOf(d.pipeline))
                    : logs::decodeLokiProtobuf(request.body, b, limitsOf(d.pipeline));
      },
      [](const logs::DecodeResult&) {
        net::HttpResponse r;
        r.status = 204;
        return r;
      });
}

net::HttpResponse bulkIngest(const LogRoutesDeps& d, const net::HttpRequest& request) {
  auto started = std::chrono::steady_clock::now();
  std::string index(request.pathParam("index"));
  if (!d.pipeline.accepting()) return overloaded(d.pipeline);
  std::int64_t receivedNs = nowNs(d.clock);
  logs::BatchEncoder batch(Source::kElastic, receivedNs, d.pipeline.maxLineBytes());
  auto decoded = logs::decodeElasticBulk(
      request.body, index, static_cast<std::uint64_t>(receivedNs), batch, limitsOf(d.pipeline));
  if (!decoded.ok()) {
    d.pipeline.countRejected(logs::RejectReason::kMalformed, 1);
    return errorResponse(decoded.error());
  }
  if (!batch.empty()) {
    if (auto s = d.pipeline.ingest(std::move(batch)); !s.ok()) {
      auto r = net::HttpResponse::error(
          503, "unavailable", "the lines could not be made durable: " + s.error().message);
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
  }
  int tookMs = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - started)
                                    .count());
  return withElasticHeader(
      net::HttpResponse::json(200, logs::elasticBulkResponse(*decoded, tookMs)));
}

Result<std::pair<std::int64_t, std::int64_t>> rangeOf(const QueryParams& params,
                                                      const Clock& clock) {
  std::int64_t end = nowNs(clock), start = 0;
  if (auto e = queryParam(params, "end")) {
    PHAROS_ASSIGN_OR_RETURN(std::int64_t ms, promql::parseTimeParam(*e));
    end = ms * kNsPerMs + (kNsPerMs - 1);
  }
  if (auto s = queryParam(params, "start")) {
    PHAROS_ASSIGN_OR_RETURN(std::int64_t ms, promql::parseTimeParam(*s));
    start = ms * kNsPerMs;
  } else {
    start = end - kDefaultRangeNs;
  }
  if (start > end) return makeError(ErrorCode::kInvalidArgument, "start must not be after end");
  return std::make_pair(start, end);
}

// JSON text from client bytes: invalid UTF-8 must not make dump() throw.
std::string dumpSafe(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

net::HttpResponse queryLogs(const LogRoutesDeps& d, const net::HttpRequest& request) {
  auto params = parseQuery(request.query);
  if (!params) return badRequest("malformed query string");
  auto text = queryParam(*params, "query");
  auto parsed = logs::parseLogQuery(text.value_or(""));
  if (!parsed.ok()) return badRequest("query: " + parsed.error().message);
  auto range = rangeOf(*params, d.clock);
  if (!range.ok()) return badRequest(range.error().message);
  auto limit = queryLimit(*params, 100, kMaxQueryLimit);
  if (!limit.ok()) return badRequest(limit.error().message);

  logs::SearchRequest search;
  search.startNs = range->first;
  search.endNs = range->second;
  search.ftsExpression = logs::ftsExpression(*parsed, d.pipeline.indexedAttributes());
  search.limit = *limit;
  if (auto cursor = queryParam(*params, "cursor")) {
    search.after = logs::SearchCursor::decode(*cursor);
    if (!search.after) return badRequest("cursor: not a cursor this API returned");
  }
  logs::QueryMatcher matcher(*parsed);
  json out{{"query", logs::renderLogQuery(*parsed)}};
  if (parsed->hasStats) {
    // Stats count every matching line in the range, within the scan bound.
    logs::StatsAccumulator stats(*parsed);
    search.limit = 1;
    auto page = d.pipeline.index().search(search, [&](const logs::Record& r) {
      if (matcher.matches(r)) stats.add(r);
      return false;
    });
    if (!page.ok()) return errorResponse(page.error());
    out["stats"] = stats.toJson();
    out["scanned"] = page->recordsScanned;
    out["partial"] = page->scanLimitReached;
    return net::HttpResponse::json(200, dumpSafe(out));
  }
  auto page =
      d.pipeline.index().search(search, [&](const logs::Record& r) { return matcher.matches(r); });
  if (!page.ok()) return errorResponse(page.error());
  json records = json::array();
  for (const auto& r : page->records)
    records.push_back(logs::recordToJson(r));
  out["records"] = std::move(records);
  out["next_cursor"] = page->next ? json(page->next->encode()) : json(nullptr);
  out["scanned"] = page->recordsScanned;
  out["blocks_read"] = page->blocksRead;
  out["partial"] = page->scanLimitReached;
  return net::HttpResponse::json(200, dumpSafe(out));
}

net::HttpResponse patterns(const LogRoutesDeps& d, const net::HttpRequest& request) {
  auto params = parseQuery(request.query);
  if (!params) return badRequest("malformed query string");
  auto range = rangeOf(*params, d.clock);
  if (!range.ok()) return badRequest(range.error().message);
  auto limit = queryLimit(*params, 100, 10'000);
  if (!limit.ok()) return badRequest(limit.error().message);
  auto counts = d.pipeline.index().templateCounts(range->first, range->second,
                                                  queryParam(*params, "service").value_or(""));
  if (!counts.ok()) return errorResponse(counts.error());
  json out = json::array();
  std::string_view self = d.pipeline.index().node();
  for (const auto& c : *counts) {
    if (out.size() >= *limit) break;
    // This process's miner has its own templates' latest text (merges included); another
    // process's, on the shared index, is as that process last wrote it.
    bool own = c.node.empty() || c.node == self;
    json p{{"template_id", std::to_string(c.templateId)},
           {"template", own ? d.pipeline.templateText(c.templateId) : c.text},
           {"service", c.service},
           {"count", c.count},
           {"first_seen", logs::formatTimestampNs(c.firstSeenNs)},
           {"last_seen", logs::formatTimestampNs(c.lastSeenNs)}};
    // Each logs process numbers its own templates: on the shared index a template is the
    // pair.
    if (!c.node.empty()) p["node"] = c.node;
    out.push_back(std::move(p));
  }
  return net::HttpResponse::json(200, dumpSafe(json{{"patterns", std::move(out)}}));
}

net::HttpResponse tail(const LogRoutesDeps& d, const net::HttpRequest& request) {
  auto params = parseQuery(request.query);
  if (!params) return badRequest("malformed query string");
  auto parsed = logs::parseLogQuery(queryParam(*params, "query").value_or(""));
  if (!parsed.ok()) return badRequest("query: " + parsed.error().message);
  if (parsed->hasStats) return badRequest("query: a live tail cannot have a stats stage");
  if (d.pipeline.tail().liveSubscribers() >= kMaxTails) {
    auto r = net::HttpResponse::error(429, "too_many_tails",
                                      fmt::format("at most {} live tails may be open", kMaxTails));
    r.headers.emplace_back("Retry-After", "5");
    return r;
  }
  auto stream = std::make_shared<net::ResponseStream>(1 << 20);
  stream->push(": live tail of " + logs::renderLogQuery(*parsed) + "\n\n");
  auto matcher = std::make_shared<logs::QueryMatcher>(*parsed);
  auto dropped = std::make_shared<std::uint64_t>(0);
  d.pipeline.tail().subscribe(
      [matcher](const logs::Record& r) { return matcher->matches(r); },
      [stream, dropped](const logs::Record& r) {
        if (stream->clientGone()) return false;
        if (*dropped > 0 &&
            stream->push(fmt::format("event: dropped\ndata: {{\"lines\":{}}}\n\n", *dropped))) {
          *dropped = 0;
        }
        // A slow reader loses lines, counted and told, rather than holding the processor.
        if (!stream->push("data: " + dumpSafe(logs::recordToJson(r)) + "\n\n")) ++*dropped;
        return true;
      },
      [stream] { return !stream->clientGone(); });
  net::HttpResponse response;
  response.contentType = "text/event-stream";
  response.stream = std::move(stream);
  return response;
}

net::HttpResponse elasticInfo() {
  return withElasticHeader(net::HttpResponse::json(200, logs::elasticInfoResponse()));
}

}  // namespace

std::vector<RouteSpec> logRoutes(LogRoutesDeps deps) {
  RouteList routes("logs", "");
  auto d = std::make_shared<LogRoutesDeps>(deps);
  auto add = [&](std::string method, std::string pattern, auth::Scope scope, std::string summary,
                 net::Handler handler) -> RouteSpec& {
    RouteSpec& s = routes.add(std::move(method), std::move(pattern), scope, std::move(summary),
                              std::move(handler));
    if (scope == auth::Scope::kIngest) {
      // Every shipper request would otherwise be an audit row and spend the API budget.
      s.audited = false;
      s.rateLimited = false;
      s.maxBodyBytes = static_cast<std::size_t>(d->pipeline.maxBodyBytes());
    }
    return s;
  };
  add("POST", "/api/v1/logs", auth::Scope::kIngest, "Ingest NDJSON or a JSON array of log lines",
      [d](net::HttpRequest& r) { return nativeIngest(*d, r); })
      .successStatus = 202;
  add("POST", "/v1/logs", auth::Scope::kIngest, "OTLP/HTTP logs (JSON or protobuf)",
      [d](net::HttpRequest& r) { return otlpIngest(*d, r); });
  add("POST", "/loki/api/v1/push", auth::Scope::kIngest, "Loki push (JSON or snappy protobuf)",
      [d](net::HttpRequest& r) { return lokiIngest(*d, r); })
      .successStatus = 204;
  add("POST", "/_bulk", auth::Scope::kIngest, "Elasticsearch bulk (index and create actions)",
      [d](net::HttpRequest& r) { return bulkIngest(*d, r); });
  add("POST", "/{index}/_bulk", auth::Scope::kIngest, "Elasticsearch bulk into an index",
      [d](net::HttpRequest& r) { return bulkIngest(*d, r); });
  add("GET", "/", auth::Scope::kIngest, "Elasticsearch's info document, which bulk clients probe",
      [](net::HttpRequest&) { return elasticInfo(); })
      .browserLocation = "/ui/";
  add("GET", "/api/v1/logs/query", auth::Scope::kRead, "Search logs (docs/LOGQUERY.md)",
      [d](net::HttpRequest& r) { return queryLogs(*d, r); });
  add("GET", "/api/v1/logs/patterns", auth::Scope::kRead, "Log templates with counts",
      [d](net::HttpRequest& r) { return patterns(*d, r); });
  add("GET", "/api/v1/logs/tail", auth::Scope::kRead, "Live tail (Server-Sent Events)",
      [d](net::HttpRequest& r) { return tail(*d, r); })
      .responseContentType = "text/event-stream";
  return routes.take();
}

}  // namespace pharos::api
