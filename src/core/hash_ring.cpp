#include "core/hash_ring.h"

#include <algorithm>

#include "core/stable_hash.h"

namespace pharos {

HashRing::HashRing(std::vector<std::string> members, int pointsPerMember)
    : members_(std::move(members)) {
  std::sort(members_.begin(), members_.end());
  members_.erase(std::unique(members_.begin(), members_.end()), members_.end());
  points_.reserve(members_.size() * static_cast<size_t>(std::max(pointsPerMember, 1)));
  for (size_t m = 0; m < members_.size(); ++m) {
    for (int p = 0; p < std::max(pointsPerMember, 1); ++p) {
      points_.emplace_back(position(members_[m] + "#" + std::to_string(p)), static_cast<int>(m));
    }
  }
  // Ties (vanishingly rare) go to the smaller member name, the same in every process.
  std::sort(points_.begin(), points_.end());
}

const std::string& HashRing::owner(std::string_view key) const {
  static const std::string kNone;
  if (points_.empty()) return kNone;
  std::uint64_t at = position(key);
  auto it = std::lower_bound(points_.begin(), points_.end(), std::make_pair(at, 0));
  if (it == points_.end()) it = points_.begin();  // past the last point: wrap around
  return members_[static_cast<size_t>(it->second)];
}

std::uint64_t HashRing::position(std::string_view text) {
  // splitmix64's finaliser over FNV-1a: FNV alone leaves similar texts on nearby positions.
  std::uint64_t z = stableHash(text);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace pharos
