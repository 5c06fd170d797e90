#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pharos {

// ASCII-only case folding: for protocol tokens (header names, codings, schemes), where
// locale-aware folding would be wrong.
constexpr char asciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
bool iequals(std::string_view a, std::string_view b);
bool istartsWith(std::string_view s, std::string_view prefix);

// Without leading and trailing spaces and tabs (HTTP's optional white space).
std::string_view trimSpaces(std::string_view s);

// The pieces of `s` between `sep`s, empty ones included ("a,,b" gives three); views into s.
std::vector<std::string_view> splitString(std::string_view s, char sep);

// The value of a hexadecimal digit (either case), or -1 for any other character.
int hexDigitValue(char c);

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool isValidUtf8(std::string_view s);

// Appends `s` as a JSON string literal: quotes, escapes, and invalid UTF-8 replaced by
// U+FFFD, so the output is valid JSON whatever bytes a client sent.
void appendJsonString(std::string& out, std::string_view s);

// `s` with the five characters HTML gives meaning to (< > & " ') as entities, safe in text
// and in quoted attributes (Go's html/template and text/template `html` do the same).
std::string htmlEscape(std::string_view s);

// A name for a definition (check, SLO, receiver): 1 to 128 of letters, digits, '.', '_', '-',
// so it can sit in a URL path, a label value and a file name unescaped.
bool isValidDefinitionName(std::string_view name);

}  // namespace pharos
