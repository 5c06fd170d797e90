#include "objects/key_context.h"

#include <fmt/format.h>

namespace pharos::objects {

std::string keyContext(std::string_view key) {
  constexpr size_t kShown = 120;
  std::string out = "key=";
  for (size_t i = 0; i < key.size() && i < kShown; ++i) {
    auto c = static_cast<unsigned char>(key[i]);
    if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (key.size() > kShown) out += fmt::format("...({} bytes)", key.size());
  return out;
}

}  // namespace pharos::objects
