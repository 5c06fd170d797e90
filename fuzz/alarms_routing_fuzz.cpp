// Alertmanager-style matchers (`team=db`, `{a=~"x|y", b!=c}`) and the routing definitions
// read from API bodies (a route tree, an inhibit rule, a silence): never crash, and a parsed
// matcher list prints as text that reads back into the same matchers.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "alarms/inhibit.h"
#include "alarms/route_matchers.h"
#include "alarms/route_parse.h"
#include "alarms/silence_json.h"
#include "core/config/node_json.h"

namespace {

std::string joined(const std::vector<pharos::alarms::AlertMatcher>& matchers) {
  std::string out;
  for (const auto& m : matchers) {
    if (!out.empty()) out += ", ";
    out += m.str();
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto parsed = pharos::alarms::parseAlertMatchers(text); parsed.ok()) {
    if (parsed->empty()) std::abort();
    std::string printed = joined(*parsed);
    auto again = pharos::alarms::parseAlertMatchers(printed);
    if (!again.ok() || joined(*again) != printed) std::abort();
  }
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) return 0;
  pharos::config::Node node = pharos::config::nodeFromJson(json);
  auto route = pharos::alarms::parseRouteTree(node, "route", {"a", "b"});
  if (auto* tree = std::get_if<pharos::alarms::RouteTree>(&route)) {
    // The root takes what no child does: every alert ends somewhere.
    if (tree->match(pharos::Labels{{"alertname", "x"}, {"team", "db"}}).empty()) std::abort();
  }
  auto rule = pharos::alarms::parseInhibitRule(node, "rule");
  (void)rule;
  auto silence = pharos::alarms::parseSilence(node, "", pharos::fromUnixMillis(1'800'000'000'000));
  if (auto* s = std::get_if<pharos::alarms::Silence>(&silence)) {
    // What the store keeps reads back into the same silence.
    nlohmann::json spec = pharos::alarms::silenceSpecJson(*s);
    auto back = pharos::alarms::parseSilence(pharos::config::nodeFromJson(spec), "",
                                             pharos::fromUnixMillis(0));
    auto* b = std::get_if<pharos::alarms::Silence>(&back);
    if (b == nullptr || pharos::alarms::silenceSpecJson(*b) != spec) std::abort();
    (void)s->statusAt(pharos::fromUnixMillis(1'800'000'000'000));
  }
  return 0;
}
