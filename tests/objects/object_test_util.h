#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "objects/object_store.h"

namespace pharos::objects::testing {

// The error code of a Result, or nullopt when it holds a value, so a test that expects an
// error fails with a message instead of aborting on error() of a success.
template <typename T>
std::optional<ErrorCode> errorCode(const Result<T>& result) {
  if (result.ok()) return std::nullopt;
  return result.error().code;
}

inline std::string randomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (char& c : out)
    c = static_cast<char>(rng());
  return out;
}

// Text that compresses well, like log lines.
inline std::string logLines(size_t n) {
  std::string out;
  for (int i = 0; out.size() < n; ++i)
    out += "{\"level\":\"info\",\"service\":\"api\",\"msg\":\"request served\",\"n\":" +
           std::to_string(i) + "}\n";
  out.resize(n);
  return out;
}

inline std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void writeFile(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Every path under `dir`, relative to it, sorted.
inline std::vector<std::string> tree(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir))
    out.push_back(std::filesystem::relative(entry.path(), dir).generic_string());
  std::sort(out.begin(), out.end());
  return out;
}

inline std::vector<std::string> keysOf(const Result<std::vector<ObjectInfo>>& infos) {
  std::vector<std::string> keys;
  if (!infos.ok()) return {"<error: " + infos.error().toString() + ">"};
  for (const ObjectInfo& info : *infos)
    keys.push_back(info.key);
  return keys;
}

}  // namespace pharos::objects::testing
