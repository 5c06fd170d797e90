#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace pharos::logs::testing {

// The bytes of tests/logs/data/<name>: wire captures used as fixtures.
inline std::string readTestData(const std::string& name) {
  std::filesystem::path path = std::filesystem::path(__FILE__).parent_path() / "data" / name;
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace pharos::logs::testing
