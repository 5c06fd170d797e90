// Log queries from HTTP clients: parsing never crashes or hangs, a parsed query renders to
// text that parses back to the same text, the matcher, the FTS planner and the stats stage
// never crash on what parses, and the FTS expression always has a well-formed tsquery (the
// shared index's) when it is UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/text.h"
#include "logs/query_fts.h"
#include "logs/query_matcher.h"
#include "logs/query_parser.h"
#include "logs/query_render.h"
#include "logs/query_stats.h"
#include "logs/tsquery.h"

namespace {

const pharos::logs::Record& fixedRecord() {
  static const pharos::logs::Record kRecord = [] {
    pharos::logs::Record r;
    r.service = "api";
    r.level = pharos::logs::Level::kError;
    r.message = "Connection refused to 10.0.0.5: timeout after 3s user@example.com caf\xc3\xa9";
    r.httpStatus = 503;
    r.latencyMs = 250.5;
    r.traceId = "4bf92f3577b34da6";
    r.host = "web-1";
    r.attributes = {{"pod", "web-1-abc"}, {"version", "1.10.2"}, {"empty", ""}};
    return r;
  }();
  return kRecord;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto query = pharos::logs::parseLogQuery(text);
  if (!query.ok()) {
    if (query.error().message.rfind("column ", 0) != 0) std::abort();
    return 0;
  }
  std::string rendered = pharos::logs::renderLogQuery(*query);
  auto again = pharos::logs::parseLogQuery(rendered);
  if (!again.ok()) std::abort();
  if (pharos::logs::renderLogQuery(*again) != rendered) std::abort();

  pharos::logs::QueryMatcher matcher(*query);
  bool first = matcher.matches(fixedRecord());
  if (pharos::logs::QueryMatcher(*again).matches(fixedRecord()) != first) std::abort();
  pharos::logs::Record empty;
  (void)matcher.matches(empty);
  std::string fts = pharos::logs::ftsExpression(*query);
  auto tsquery = pharos::logs::tsqueryFromFts(fts);
  if (pharos::isValidUtf8(fts) && !tsquery) std::abort();
  if (tsquery) {
    std::size_t quotes = 0;
    int depth = 0;
    for (char c : *tsquery) {
      if (c == '\'') ++quotes;
      if (c == '"') std::abort();
      if (quotes % 2 == 0) {
        depth += c == '(' ? 1 : c == ')' ? -1 : 0;
        if (depth < 0) std::abort();
      }
    }
    if (quotes % 2 != 0 || depth != 0) std::abort();
  }
  pharos::logs::StatsAccumulator stats(*query);
  stats.add(fixedRecord());
  stats.add(empty);
  (void)stats.toJson().dump();
  return 0;
}
