#include "alarms/rule_inputs.h"

#include <nlohmann/json.hpp>

namespace pharos::alarms {

Result<CheckTransitionEvent> parseCheckTransitionEvent(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return makeError(ErrorCode::kInvalidArgument, "a check state event is a JSON object");
  }
  CheckTransitionEvent e;
  try {
    e.check = j.at("check").get<std::string>();
    e.at = fromUnixMillis(j.at("at_ms").get<std::int64_t>());
    e.from = j.value("from", std::string());
    e.to = j.at("to").get<std::string>();
    e.reason = j.value("reason", std::string());
    e.maintenance = j.value("maintenance", false);
    std::vector<Label> labels;
    if (auto it = j.find("labels"); it != j.end() && it->is_object()) {
      for (const auto& [k, v] : it->items()) {
        if (v.is_string()) labels.push_back({k, v.get<std::string>()});
      }
    }
    e.labels = Labels::fromUnsorted(std::move(labels));
  } catch (const nlohmann::json::exception& ex) {
    return makeError(ErrorCode::kInvalidArgument,
                     std::string("not a check state event: ") + ex.what());
  }
  if (e.check.empty()) return makeError(ErrorCode::kInvalidArgument, "event without a check");
  if (!e.labels.has("check")) e.labels = e.labels.with("check", e.check);
  return e;
}

CheckStateView toCheckStateView(const CheckTransitionEvent& e) {
  return CheckStateView{e.check, e.labels, e.to == "down", e.maintenance, e.reason, e.at};
}

}  // namespace pharos::alarms
