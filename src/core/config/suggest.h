#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace pharos::config {

// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo
// (at most a third of the word's length, and at least 1 edit away). For "did you mean" hints.
std::optional<std::string> closestMatch(std::string_view word,
                                        std::span<const std::string_view> candidates);

}  // namespace pharos::config
