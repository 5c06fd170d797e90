// Elasticsearch bulk API: see decodeElasticBulk in ingest_decoders.h.
#include <algorithm>
#include <string>

#include <simdjson.h>

#include "core/text.h"
#include "logs/decode_support.h"
#include "logs/ingest_decoders.h"

namespace pharos::logs {
namespace {

Error invalid(std::string message) {
  return makeError(ErrorCode::kInvalidArgument, std::move(message));
}

// splitmix64: a well-mixed 64-bit value per (seed, item), for ids that look like ES's.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// 20 characters of URL-safe base64, the shape of an auto-generated ES _id.
std::string generatedId(std::uint64_t seed, std::size_t item) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::uint64_t a = mix(seed ^ mix(item)), b = mix(a + item);
  std::string id;
  for (int i = 0; i < 10; ++i, a >>= 6)
    id.push_back(kAlphabet[a & 63]);
  for (int i = 0; i < 10; ++i, b >>= 6)
    id.push_back(kAlphabet[b & 63]);
  return id;
}

// The next non-blank line of `text` from `pos`, without its CR; false at the end.
bool nextLine(std::string_view text, std::size_t& pos, std::size_t& lineNumber,
              std::string_view& line) {
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    line = text.substr(pos, end - pos);
    pos = end + 1;
    ++lineNumber;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

Result<BulkResult> decodeElasticBulk(std::string_view body, std::string_view defaultIndex,
                                     std::uint64_t idSeed, BatchEncoder& out,
                                     const DecodeLimits& limits) {
  const simdjson::padded_string padded(body);
  const std::string_view text(padded.data(), padded.size());
  simdjson::dom::parser actionParser, sourceParser;
  EntryScratch scratch;
  BulkResult result;
  // Growing the item vector by doubling moved every item again and again (a third of the
  // time in the benchmark); two lines per item is the usual shape.
  const auto lines = static_cast<std::size_t>(std::count(body.begin(), body.end(), '\n'));
  result.items.reserve(std::min(lines / 2 + 1, limits.maxEntries));
  std::size_t pos = 0, lineNumber = 0;
  std::string_view line;
  while (nextLine(text, pos, lineNumber, line)) {
    const std::size_t actionLine = lineNumber;
    auto where = [actionLine] { return "line " + std::to_string(actionLine); };
    if (result.items.size() >= limits.maxEntries) {
      return invalid("more than " + std::to_string(limits.maxEntries) + " bulk items");
    }
    // The action line: exactly one of create / index / update / delete, else ES refuses the
    // whole request ("Malformed action/metadata line").
    simdjson::dom::element action;
    simdjson::dom::object actionObject, meta;
    if (auto e = actionParser.parse(line.data(), line.size(), false).get(action)) {
      return invalid(where() + ": malformed action/metadata line: " + jsonErrorText(e));
    }
    if (action.get_object().get(actionObject) || actionObject.size() != 1) {
      return invalid(where() +
                     ": malformed action/metadata line, expected an object with one action");
    }
    auto [name, metaElement] = *actionObject.begin();
    if (name != "create" && name != "index" && name != "update" && name != "delete") {
      return invalid(where() + ": unknown action [" + std::string(name.substr(0, 40)) + "]");
    }
    if (metaElement.get_object().get(meta)) {
      return invalid(where() + ": malformed action/metadata line, expected an object for " +
                     std::string(name));
    }
    BulkItem item;
    item.action = std::string(name);
    std::string_view value;
    item.index = std::string(meta["_index"].get_string().get(value) ? defaultIndex : value);
    if (!meta["_id"].get_string().get(value) && !value.empty()) {
      item.id = std::string(value);
    } else {
      item.id = generatedId(idSeed, result.items.size());
    }
    // Every action but delete carries a source line.
    std::string_view source;
    if (name != "delete" && !nextLine(text, pos, lineNumber, source)) {
      return invalid(where() + ": the " + item.action + " action has no source line after it");
    }
    if (name == "update" || name == "delete") {
      item.status = 400;
      item.errorType = "illegal_argument_exception";
      item.errorReason = "pharos stores logs append-only: " + item.action +
                         " is not supported, use create or index";
    } else if (item.index.empty()) {
      item.status = 400;
      item.errorType = "action_request_validation_exception";
      item.errorReason = "Validation Failed: 1: index is missing;";
    } else {
      simdjson::dom::element doc;
      simdjson::dom::object object;
      auto e = sourceParser.parse(source.data(), source.size(), false).get(doc);
      if (!e && doc.get_object().get(object)) e = simdjson::INCORRECT_TYPE;
      if (e) {
        item.status = 400;
        item.errorType = "mapper_parsing_exception";
        item.errorReason =
            "failed to parse: line " + std::to_string(lineNumber) + ": " +
            (e == simdjson::INCORRECT_TYPE ? std::string("not a JSON object") : jsonErrorText(e));
      } else {
        const AttributeView index[] = {{"index", item.index}};
        addJsonObjectEntry(object, scratch, out, index);
        item.status = 201;  // index of a new document is 201 too
      }
    }
    if (item.status >= 300) {
      noteRejected(result.summary, where() + ": " + item.errorReason);
    } else {
      ++result.summary.accepted;
    }
    result.items.push_back(std::move(item));
  }
  return result;
}

std::string elasticBulkResponse(const BulkResult& result, int tookMs) {
  std::string out;
  out.reserve(64 + result.items.size() * 260);  // a success item is ~230 bytes
  out.append("{\"took\":");
  appendInt(out, tookMs);
  out.append(",\"errors\":");
  out.append(result.summary.rejected > 0 ? "true" : "false");
  out.append(",\"items\":[");
  std::int64_t seqNo = 0;
  for (std::size_t i = 0; i < result.items.size(); ++i) {
    const BulkItem& item = result.items[i];
    if (i > 0) out.push_back(',');
    out.append("{");
    appendJsonString(out, item.action);
    out.append(":{\"_index\":");
    appendJsonString(out, item.index);
    out.append(",\"_id\":");
    appendJsonString(out, item.id);
    if (item.errorType.empty()) {
      out.append(
          ",\"_version\":1,\"result\":\"created\",\"_shards\":{\"total\":1,\"successful\":1,"
          "\"failed\":0},\"_seq_no\":");
      appendInt(out, seqNo++);
      out.append(",\"_primary_term\":1,\"status\":");
      appendInt(out, item.status);
    } else {
      out.append(",\"status\":");
      appendInt(out, item.status);
      out.append(",\"error\":{\"type\":");
      appendJsonString(out, item.errorType);
      out.append(",\"reason\":");
      appendJsonString(out, item.errorReason);
      out.push_back('}');
    }
    out.append("}}");
  }
  out.append("]}");
  return out;
}

std::string elasticInfoResponse() {
  // What an 8.11.0 node answers on GET /; clients read version.number (and Beats the
  // build_flavor) to pick their request format.
  return R"({"name":"pharos","cluster_name":"pharos","cluster_uuid":"pharos-logs-0000000000",)"
         R"("version":{"number":"8.11.0","build_flavor":"default","build_type":"docker",)"
         R"("build_hash":"d9ec3fa628c7b0ba3d25692e277ba26814820b20",)"
         R"("build_date":"2023-11-04T10:04:57.184859352Z","build_snapshot":false,)"
         R"("lucene_version":"9.8.0","minimum_wire_compatibility_version":"7.17.0",)"
         R"("minimum_index_compatibility_version":"7.0.0"},"tagline":"You Know, for Search"})";
}

}  // namespace pharos::logs
