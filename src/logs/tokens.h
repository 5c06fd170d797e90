#pragma once

#include <array>
#include <charconv>
#include <span>
#include <string>
#include <string_view>

#include "logs/record.h"

namespace pharos::logs {

// The one definition of a "token" that search and the full-text index share, so a query term
// and an indexed line always split the same way: a run of ASCII letters, digits and '_', and
// of bytes >= 0x80 (a UTF-8 letter does not split a word: it stays inside its token).
constexpr bool isTokenByteSlow(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c >= 0x80;
}
// The same as a table: every byte of every indexed line goes through it.
inline constexpr auto kTokenBytes = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c)
    table[static_cast<std::size_t>(c)] = isTokenByteSlow(static_cast<unsigned char>(c));
  return table;
}();
constexpr bool isTokenByte(unsigned char c) {
  return kTokenBytes[c];
}

// Calls `callback(std::string_view token)` for each token of `text`, in order.
template <typename Callback>
void forEachToken(std::string_view text, Callback&& callback) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    while (i < n && !isTokenByte(static_cast<unsigned char>(text[i])))
      ++i;
    std::size_t start = i;
    while (i < n && isTokenByte(static_cast<unsigned char>(text[i])))
      ++i;
    if (i > start) callback(text.substr(start, i - start));
  }
}

// `out` = `text` with ASCII letters lowercased; other bytes (UTF-8 included) unchanged. Search
// folds case this way only: locale-aware folding would differ between machines.
void lowercaseAscii(std::string_view text, std::string& out);

// The fields whose values the index writes as field tokens (`service_api`, `level_error`,
// `status_503`, `host_web`, `trace_id_4bf9`), so `service:api` can narrow a search through the
// index. Attributes are not among them: their keys are unbounded.
bool isIndexedField(std::string_view name);

// Calls `callback(std::string_view token)` with each field token of `value` for field `name`:
// name + '_' + each lowercased token of the value ("host", "Web-1" -> "host_web", "host_1").
// The view is valid during the call only.
template <typename Callback>
void forEachFieldToken(std::string_view name, std::string_view value, Callback&& callback) {
  std::string token;
  forEachToken(value, [&](std::string_view t) {
    token.assign(name);
    token += '_';
    std::size_t at = token.size();
    token.append(t);
    for (std::size_t i = at; i < token.size(); ++i) {
      if (token[i] >= 'A' && token[i] <= 'Z') token[i] = static_cast<char>(token[i] - 'A' + 'a');
    }
    callback(std::string_view(token));
  });
}

// The field-token name of an indexed attribute: "attr_" and the key with every byte that is
// not a token byte made '_' ("k8s.pod" -> "attr_k8s_pod"), so the tokenizer keeps it whole
// and it cannot collide with a built-in field.
std::string attributeTokenName(std::string_view key);

// The field tokens of a record's index document, the part of forEachIndexToken() after the
// message's tokens.
template <typename Callback>
void forEachIndexFieldToken(const Record& record, std::span<const std::string> indexedAttributes,
                            Callback&& callback) {
  auto field = [&](std::string_view name, std::string_view value) {
    forEachToken(value, [&](std::string_view t) { callback(name, t); });
  };
  field("service", record.service);
  if (record.level != Level::kUnknown) field("level", levelName(record.level));
  if (record.httpStatus != 0) {
    char digits[16];
    auto end = std::to_chars(digits, digits + sizeof digits, record.httpStatus).ptr;
    field("status", std::string_view(digits, static_cast<std::size_t>(end - digits)));
  }
  field("host", record.host);
  field("trace_id", record.traceId);
  for (const auto& attribute : record.attributes) {
    for (const auto& indexed : indexedAttributes) {
      if (attribute.key == indexed) {
        field(attributeTokenName(indexed), attribute.value);
        break;
      }
    }
  }
}

// Calls `callback(std::string_view field, std::string_view token)` for each token of a
// record's index document, tokens as they are in the record (not lowercased): the tokens of
// its message, in order, with an empty `field`; then its field tokens (for the fields
// isIndexedField() names; `level` only when known), `field` naming the field ("service").
// `indexedAttributes` (logs.indexed_attributes) adds the tokens of those attributes' values,
// `field` being attributeTokenName() of the key. The views are valid during the call only.
template <typename Callback>
void forEachIndexToken(const Record& record, std::span<const std::string> indexedAttributes,
                       Callback&& callback) {
  forEachToken(record.message, [&](std::string_view t) { callback(std::string_view(), t); });
  forEachIndexFieldToken(record, indexedAttributes, callback);
}

// Appends the index document of one record to `doc`, space separated: the lowercased tokens
// of forEachIndexToken(), a field token written `field_token` ("service_api"). Message tokens
// come in order (phrase queries rely on the order). This is the document ftsExpression()
// (query_fts.h) is written against; index it with FTS5's tokenizer `ascii tokenchars '_'`,
// which splits exactly where forEachToken() does.
void appendIndexDocument(const Record& record, std::string& doc,
                         std::span<const std::string> indexedAttributes = {});

}  // namespace pharos::logs
