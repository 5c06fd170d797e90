#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/config/node_reader.h"
#include "core/labels.h"
#include "core/result.h"
#include "promql/matcher.h"

namespace pharos::alarms {

// A matcher on an alert's labels, with Prometheus' semantics (anchored regexes; an absent
// label matches as "").
using AlertMatcher = promql::Matcher;

// Parses matchers as Alertmanager's `matchers:` lists take them: PromQL's quoted form
// (`severity="page"`, `team=~"db|infra"`, a comma list, optionally in braces) and also
// Alertmanager's unquoted values (`severity=page`, `{team=~db|infra, env!=dev}`), where a
// value runs to the next comma or closing brace and its surrounding spaces are dropped.
// The quoted form goes straight to PromQL's selector parser (health::parseLabelMatchers);
// an unquoted value is quoted and the result read by the same parser, so escapes and regex
// checks are PromQL's either way. Errors are kInvalidArgument and quote the text.
Result<std::vector<AlertMatcher>> parseAlertMatchers(std::string_view text);

// One entry of a `matchers:` list (text as parseAlertMatchers reads it), appended to `out`;
// false, with a problem naming the entry, when it is wrong.
bool readMatchersEntry(config::NodeReader& r, const config::Node& item, const std::string& field,
                       std::vector<AlertMatcher>& out);

// Whether every matcher matches `labels` (true for none).
using promql::matchesAll;

}  // namespace pharos::alarms
