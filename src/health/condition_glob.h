#pragma once

#include <string_view>

namespace pharos::health {

// Whether all of `text` matches `pattern`, where '*' is any run of bytes (also none) and '?'
// is one byte; every other byte stands for itself. Runs the pattern as a bit-parallel NFA:
// time O(|text| * |pattern| / 64) whatever the input, with no backtracking or recursion.
bool globMatch(std::string_view pattern, std::string_view text);

}  // namespace pharos::health
