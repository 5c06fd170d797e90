#include "objects/local/temp_names.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <climits>

#include <fmt/format.h>

#include "core/ids.h"

namespace pharos::objects::local {
namespace {

constexpr std::string_view kPrefix = "~tmp-";

const std::string& processToken() {
  static const std::string token = randomHex(4);
  return token;
}

}  // namespace

std::string newTempName() {
  static std::atomic<uint64_t> counter{0};
  return fmt::format("{}{}-{}-{}", kPrefix, ::getpid(), processToken(), counter.fetch_add(1));
}

bool isTempName(std::string_view name) {
  return name.substr(0, kPrefix.size()) == kPrefix;
}

bool isStaleTemp(std::string_view name) {
  if (!isTempName(name)) return false;
  std::string_view rest = name.substr(kPrefix.size());
  size_t dash = rest.find('-');
  if (dash == std::string_view::npos) return true;
  long pid = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + dash, pid);
  if (ec != std::errc() || end != rest.data() + dash || pid <= 0 || pid > INT_MAX) return true;
  std::string_view token = rest.substr(dash + 1, rest.find('-', dash + 1) - dash - 1);
  if (pid == ::getpid()) return token != processToken();
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

}  // namespace pharos::objects::local
