#pragma once

#include <string>
#include <string_view>

namespace pharos::logs {

// The words of a text as search sees them: runs of ASCII letters, digits and '_' and of
// bytes >= 0x80 (so UTF-8 words stay whole); everything else separates. The index and the
// query language must split alike, so both use this.
template <typename OnToken>
void forEachToken(std::string_view text, OnToken&& onToken) {
  auto isTokenByte = [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c >= 0x80;
  };
  std::size_t i = 0, n = text.size();
  while (i < n) {
    while (i < n && !isTokenByte(static_cast<unsigned char>(text[i])))
      ++i;
    std::size_t start = i;
    while (i < n && isTokenByte(static_cast<unsigned char>(text[i])))
      ++i;
    if (i > start) onToken(text.substr(start, i - start));
  }
}

// ASCII-only lowercase copy (UTF-8 bytes unchanged), into `out`.
void lowercaseAscii(std::string_view text, std::string& out);

}  // namespace pharos::logs
