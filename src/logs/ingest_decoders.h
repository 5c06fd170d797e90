#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "logs/log_batch.h"

namespace pharos::logs {

// The HTTP ingest decoders: each turns one request body (already gunzipped / un-zstd'ed by
// the HTTP layer) into entries added to a BatchEncoder. Pure functions: no I/O, no clock, no
// globals, safe to call from any thread with its own encoder.
//
// Contract shared by all of them:
// - An Error (kInvalidArgument, the message says what and where) means the body as a whole
//   is refused: answer 400. The encoder may then hold some entries already; discard it.
// - Otherwise DecodeResult counts what was accepted and, where the protocol allows a partly
//   valid body, what was rejected, with the first few reasons ("line 3: ...").
// - Any bytes give an Error or a result, never a crash, a hang or an allocation that is not
//   bounded by the body size (or maxDecompressedBytes for snappy).
// - Strings are passed to the encoder as sent; it replaces NUL and invalid UTF-8 and counts
//   them in BatchEncoder::sanitised().

struct DecodeLimits {
  // More entries than this in one body refuses the body (kInvalidArgument), so one request
  // cannot make one unbounded batch.
  std::size_t maxEntries = 100000;
  // Snappy (Loki protobuf) declares its decompressed size up front; above this it is refused
  // before anything is allocated.
  std::size_t maxDecompressedBytes = 64 * 1024 * 1024;
  // OTLP resource attributes and Loki labels are sent once and copied into every entry, so a
  // small body could expand without bound; a batch growing past this refuses the body.
  std::size_t maxBatchBytes = 256 * 1024 * 1024;
};

struct DecodeResult {
  std::size_t accepted = 0;
  std::size_t rejected = 0;
  std::vector<std::string> errors;  // the first kMaxReportedErrors reasons, "line 3: ..."
};
inline constexpr std::size_t kMaxReportedErrors = 10;

// Native (POST /api/v1/logs). The body is NDJSON (one object per line; blank lines and CR
// before LF are fine) or, when its first non-space byte is '[', one JSON array of objects.
// Keys, after nested objects are flattened with dots ({"log":{"level":"x"}} -> "log.level"):
//   time:    timestamp, @timestamp, time, ts, date  (RFC 3339 text, or an epoch number or
//            numeric string in s / ms / us / ns chosen by magnitude; fractions ok)
//   message: message, msg, log
//   level:   level, severity, lvl, log.level
//   service: service, service.name, app
// The first of each list that is present (and, for time, parses) is taken; every other key
// becomes an attribute in document order: scalars as text (null as "null"), arrays as
// compact JSON. Per-line problems (not JSON, not an object) reject that line only; a body
// with no acceptable line at all is an Error, naming the first problem.
Result<DecodeResult> decodeNative(std::string_view body, BatchEncoder& out,
                                  const DecodeLimits& limits);

// OTLP/HTTP logs, ExportLogsServiceRequest as protobuf (application/x-protobuf) or as
// OTLP/JSON (application/json: camelCase, int64 as strings or numbers, ids as hex).
// service = resource attribute service.name; level = severityText, else the name of the
// severityNumber range ("trace".."fatal"); message = body (string as is, other AnyValues as
// JSON text); time = timeUnixNano, else observedTimeUnixNano, else 0. Attributes: resource's,
// then scope name/version ("otel.scope.name", "otel.scope.version") and scope attributes,
// then the record's; "trace_id" and "span_id" as lowercase hex. Non-string attribute values
// are rendered as text (kvlist/array as JSON). A malformed body is refused whole, as the
// collector does (400); nothing is rejected per record.
Result<DecodeResult> decodeOtlpProtobuf(std::string_view body, BatchEncoder& out,
                                        const DecodeLimits& limits);
Result<DecodeResult> decodeOtlpJson(std::string_view body, BatchEncoder& out,
                                    const DecodeLimits& limits);

// Loki push (POST /loki/api/v1/push), JSON or snappy-block-compressed protobuf
// (logproto.PushRequest). Every stream label and every structured-metadata pair becomes an
// attribute (labels first). service = the value of the first of the names service_name,
// service, app, job that is present; level likewise from level, detected_level, severity (for
// one name a label wins over structured metadata, so Fluent Bit's structured_metadata
// service=x beats its job label). Like Loki, any bad stream or entry refuses the whole push (400).
Result<DecodeResult> decodeLokiJson(std::string_view body, BatchEncoder& out,
                                    const DecodeLimits& limits);
Result<DecodeResult> decodeLokiProtobuf(std::string_view body, BatchEncoder& out,
                                        const DecodeLimits& limits);

// Elasticsearch bulk (POST /_bulk, POST /{index}/_bulk): NDJSON pairs of action line and
// source line. create and index append (source mapped like native, plus attribute "index");
// update and delete are answered per item with 400, since logs are append-only. A source
// line that is not a JSON object fails its item (mapper_parsing_exception), as ES does; an
// action line that is not an object with one known action refuses the whole body, as ES does.
struct BulkItem {
  std::string action;  // "create", "index", "update", "delete": the response's item key
  std::string index;
  std::string id;  // as sent in _id, else generated
  int status = 201;
  std::string errorType;  // empty on success
  std::string errorReason;
};
struct BulkResult {
  DecodeResult summary;
  std::vector<BulkItem> items;  // one per action, in request order
};
// `defaultIndex` is the {index} of the path ("" for /_bulk). `idSeed` makes generated ids
// unique across requests (the caller passes e.g. the receive time); the decoder stays pure.
Result<BulkResult> decodeElasticBulk(std::string_view body, std::string_view defaultIndex,
                                     std::uint64_t idSeed, BatchEncoder& out,
                                     const DecodeLimits& limits);

// The bulk response body ES 7/8 clients (Fluent Bit, Filebeat, Vector, Logstash) accept.
std::string elasticBulkResponse(const BulkResult& result, int tookMs);
// GET / : what clients that check the product and version read.
std::string elasticInfoResponse();

}  // namespace pharos::logs
