#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pharos {

// Consistent hashing: which of a set of members owns a key. Each member stands at
// `pointsPerMember` places on a ring of 64-bit positions; a key belongs to the first member
// at or after its own position. Adding or removing one member moves only the keys of the
// arcs it takes or gives back (about 1/n of them), and every process that knows the same
// members computes the same owners, with no talk between them.
class HashRing {
 public:
  static constexpr int kDefaultPoints = 160;

  explicit HashRing(std::vector<std::string> members, int pointsPerMember = kDefaultPoints);

  // The member owning `key`; empty when the ring has no members.
  const std::string& owner(std::string_view key) const;
  const std::vector<std::string>& members() const { return members_; }
  bool empty() const { return members_.empty(); }

  // The 64-bit place of a text on the ring: FNV-1a, then a finaliser so that near-equal
  // texts ("web-1", "web-2") land far apart.
  static std::uint64_t position(std::string_view text);

 private:
  std::vector<std::string> members_;                   // sorted, distinct
  std::vector<std::pair<std::uint64_t, int>> points_;  // position -> index in members_
};

}  // namespace pharos
