#include "net/client_address.h"

#include <optional>
#include <vector>

namespace pharos::net {
namespace {

bool isForwardedFor(std::string_view name) {
  static constexpr std::string_view kName = "x-forwarded-for";
  if (name.size() != kName.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kName[i]) return false;
  }
  return true;
}

}  // namespace

std::string resolveClientAddress(std::string_view peer, const Headers& headers,
                                 const CidrMatcher& trustedProxies) {
  std::string client(peer);
  if (trustedProxies.empty() || !trustedProxies.contains(peer)) return client;

  // Every entry of every X-Forwarded-For field, left to right.
  std::vector<std::string_view> hops;
  for (const auto& [name, value] : headers) {
    if (!isForwardedFor(name)) continue;
    std::string_view rest = value;
    for (;;) {
      size_t comma = rest.find(',');
      hops.push_back(rest.substr(0, comma));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    std::optional<IpAddress> hop = IpAddress::parse(*it);
    if (!hop) break;
    client = hop->toString();
    if (!trustedProxies.contains(*hop)) break;
  }
  return client;
}

}  // namespace pharos::net
