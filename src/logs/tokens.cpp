#include "logs/tokens.h"

#include <string>

#include "core/text.h"

namespace pharos::logs {

void lowercaseAscii(std::string_view text, std::string& out) {
  out.resize(text.size());
  for (std::size_t i = 0; i < text.size(); ++i)
    out[i] = asciiLower(text[i]);
}

bool isIndexedField(std::string_view name) {
  return name == "service" || name == "level" || name == "status" || name == "host" ||
         name == "trace_id";
}

std::string attributeTokenName(std::string_view key) {
  std::string name = "attr_";
  for (char c : key)
    name.push_back(isTokenByte(static_cast<unsigned char>(c)) ? c : '_');
  return name;
}

void appendIndexDocument(const Record& record, std::string& doc,
                         std::span<const std::string> indexedAttributes) {
  forEachIndexToken(record, indexedAttributes, [&doc](std::string_view field, std::string_view t) {
    if (!doc.empty()) doc += ' ';
    if (!field.empty()) doc.append(field).push_back('_');
    std::size_t at = doc.size();
    doc.append(t);
    for (std::size_t i = at; i < doc.size(); ++i)
      doc[i] = asciiLower(doc[i]);
  });
}

}  // namespace pharos::logs
