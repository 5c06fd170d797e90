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
  auto put = [&doc](std::string_view token) {
    if (!doc.empty()) doc += ' ';
    std::size_t at = doc.size();
    doc.append(token);
    for (std::size_t i = at; i < doc.size(); ++i)
      doc[i] = asciiLower(doc[i]);
  };
  forEachToken(record.message, put);
  forEachFieldToken("service", record.service, put);
  if (record.level != Level::kUnknown) forEachFieldToken("level", levelName(record.level), put);
  if (record.httpStatus != 0) forEachFieldToken("status", std::to_string(record.httpStatus), put);
  forEachFieldToken("host", record.host, put);
  forEachFieldToken("trace_id", record.traceId, put);
  for (const auto& attribute : record.attributes) {
    for (const auto& indexed : indexedAttributes) {
      if (attribute.key == indexed) {
        forEachFieldToken(attributeTokenName(indexed), attribute.value, put);
        break;
      }
    }
  }
}

}  // namespace pharos::logs
