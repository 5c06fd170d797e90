// SLO definitions from API bodies (the config's YAML reaches the same parser as a tree): never
// crash, and whatever parses reads back from its own JSON to the same definition, since the
// store keeps API-made SLOs as that JSON.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "core/config/node_json.h"
#include "slo/slo_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  nlohmann::json body = nlohmann::json::parse(text, nullptr, false);
  if (body.is_discarded()) return 0;
  pharos::slo::ParsedSlo parsed = pharos::slo::parseSloSpec(pharos::config::nodeFromJson(body));
  auto* spec = std::get_if<pharos::slo::SloSpec>(&parsed);
  if (spec == nullptr) {
    // Every refusal says why.
    if (std::get<std::vector<pharos::slo::SpecProblem>>(parsed).empty()) std::abort();
    return 0;
  }
  nlohmann::json shown = pharos::slo::sloSpecToJson(*spec);
  pharos::slo::ParsedSlo again = pharos::slo::parseSloSpec(pharos::config::nodeFromJson(shown));
  auto* same = std::get_if<pharos::slo::SloSpec>(&again);
  if (same == nullptr || pharos::slo::sloSpecToJson(*same) != shown) std::abort();
  return 0;
}
