#pragma once

#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "alarms/silence.h"
#include "core/config/node.h"
#include "core/config/node_reader.h"

namespace pharos::alarms {

// One silence from a tree: a `silences:` item of the config, or the API's JSON body through
// config::nodeFromJson:
//   {"matchers": ["alertname=\"DiskFull\"", "instance=~\"db-.*\""],
//    "starts_at": "2026-12-05T22:00:00Z", "ends_at": "2026-12-06T06:00:00Z",
//    "created_by": "ana", "comment": "disk swap"}
// or recurring: {"matchers": [...], "every": "0 22 * * *", "duration": "8h",
//                "until": "2027-01-01T00:00:00Z"}.
// A matcher is a string (`name="v"`, `name=v`, or a braced list) or Alertmanager's object
// {"name", "value", "isRegex", "isEqual"}. Times are RFC 3339 or Unix seconds; starts_at
// defaults to `now`. Checked with validateSilence() unless `validate` is false (the store
// reading back what it validated when it was made); its problem names `path`. The id,
// creation times and origin are left for the caller (the store) to fill in.
std::variant<Silence, std::vector<config::FieldProblem>> parseSilence(const config::Node& node,
                                                                      std::string_view path,
                                                                      WallTime now,
                                                                      bool validate = true);

// The fields parseSilence() reads, with explicit times: what the store keeps, and what reads
// back into the same silence.
nlohmann::json silenceSpecJson(const Silence& silence);

// The API's view: the spec plus id, status at `now` ("active", "pending", "expired"),
// active_until (when active), created_at, updated_at and source ("api" or "config").
nlohmann::json silenceToJson(const Silence& silence, WallTime now);

// RFC 3339 in UTC with milliseconds, "2026-12-05T22:00:00.000Z".
std::string formatSilenceTime(WallTime t);

}  // namespace pharos::alarms
