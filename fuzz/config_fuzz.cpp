// Any bytes as a config file: the loader must answer with a config or diagnostics, never
// crash, hang or leak; and diagnostics must always carry the file name.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/config/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view yaml(reinterpret_cast<const char*>(data), size);
  pharos::config::LoadOptions options;
  options.lookupEnv = [](const std::string& name) -> std::optional<std::string> {
    if (name == "SET") return std::string("value");
    return std::nullopt;
  };
  pharos::config::LoadOutcome out = pharos::config::loadConfigString(yaml, "fuzz.yaml", options);
  for (const auto& d : out.diagnostics) {
    if (d.file != "fuzz.yaml" && d.file.rfind("--", 0) != 0 && d.file != "PHAROS_ENV") std::abort();
    if (d.message.empty()) std::abort();
  }
  return 0;
}
