#include "analysis/anomaly_event.h"

#include <array>
#include <utility>

namespace pharos::analysis {
namespace {

constexpr std::array<std::pair<AnomalyKind, std::string_view>, 5> kKindNames{{
    {AnomalyKind::kMetric, "metric"},
    {AnomalyKind::kNewTemplate, "new_template"},
    {AnomalyKind::kTemplateRate, "template_rate"},
    {AnomalyKind::kErrorShare, "error_share"},
    {AnomalyKind::kCheckFailure, "check_failure"},
}};

Error badField(std::string_view field, std::string_view want) {
  return makeError(ErrorCode::kInvalidArgument,
                   "anomaly event: '" + std::string(field) + "' must be " + std::string(want));
}

}  // namespace

std::string_view anomalyKindName(AnomalyKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "metric";
}

std::optional<AnomalyKind> parseAnomalyKind(std::string_view name) {
  for (const auto& [k, n] : kKindNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

nlohmann::json toJson(const AnomalyEvent& e) {
  nlohmann::json j{
      {"id", e.id},         {"kind", anomalyKindName(e.kind)}, {"service", e.service},
      {"signal", e.signal}, {"start_ms", e.startMs},           {"end_ms", e.endMs},
      {"score", e.score},   {"baseline", e.baseline},          {"observed", e.observed},
      {"unit", e.unit}};
  if (!e.templateText.empty()) j["template"] = e.templateText;
  if (!e.examples.empty()) j["examples"] = e.examples;
  if (!e.labels.empty()) j["labels"] = e.labels;
  return j;
}

Result<AnomalyEvent> anomalyEventFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return badField("(event)", "an object");
  AnomalyEvent e;
  // Only the checked accessors below are used, so nothing here throws.
  auto text = [&](const char* key, std::string& out, bool required) -> Status {
    auto it = j.find(key);
    if (it == j.end()) return required ? Status(badField(key, "present")) : okStatus();
    if (!it->is_string()) return badField(key, "a string");
    out = it->get_ref<const std::string&>();
    return okStatus();
  };
  auto integer = [&](const char* key, int64_t& out) -> Status {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer()) return badField(key, "an integer");
    out = it->get<int64_t>();
    return okStatus();
  };
  auto number = [&](const char* key, double& out) -> Status {
    auto it = j.find(key);
    if (it == j.end()) return okStatus();
    if (!it->is_number()) return badField(key, "a number");
    out = it->get<double>();
    return okStatus();
  };
  std::string kind;
  PHAROS_TRY(text("id", e.id, false));
  PHAROS_TRY(text("kind", kind, true));
  auto parsed = parseAnomalyKind(kind);
  if (!parsed) return badField("kind", "a known kind");
  e.kind = *parsed;
  PHAROS_TRY(text("service", e.service, false));
  PHAROS_TRY(text("signal", e.signal, false));
  PHAROS_TRY(integer("start_ms", e.startMs));
  PHAROS_TRY(integer("end_ms", e.endMs));
  PHAROS_TRY(number("score", e.score));
  PHAROS_TRY(number("baseline", e.baseline));
  PHAROS_TRY(number("observed", e.observed));
  PHAROS_TRY(text("unit", e.unit, false));
  PHAROS_TRY(text("template", e.templateText, false));
  if (auto it = j.find("examples"); it != j.end()) {
    if (!it->is_array()) return badField("examples", "an array of strings");
    for (const auto& x : *it) {
      if (!x.is_string()) return badField("examples", "an array of strings");
      e.examples.push_back(x.get<std::string>());
    }
  }
  if (auto it = j.find("labels"); it != j.end()) {
    if (!it->is_object()) return badField("labels", "an object of strings");
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) return badField("labels", "an object of strings");
      e.labels.emplace(k, v.get<std::string>());
    }
  }
  return e;
}

}  // namespace pharos::analysis
