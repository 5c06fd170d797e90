#pragma once

// The full-text pieces of the shared (PostgreSQL) log index: how a block's token set becomes
// a tsvector and an FTS5 expression (query_fts.h) a tsquery, with the same limits on both
// sides so a query term always meets its indexed token.

#include <optional>
#include <string>
#include <string_view>

namespace pharos::logs {

// PostgreSQL refuses lexemes of 2 KiB or more: longer tokens are cut to this many bytes (at a
// UTF-8 boundary) in the index, and searched as a prefix of the cut.
inline constexpr std::size_t kMaxLexemeBytes = 2000;
// A tsvector holds at most 1 MiB of lexemes; a block whose document is larger is stored
// without one and read by every search (the matcher still decides).
inline constexpr std::size_t kMaxTsvectorDocBytes = 1'000'000;

// `doc` (space-separated tokens) with long tokens cut, or nullopt when the block cannot have a
// tsvector: too large, or not UTF-8 (PostgreSQL text must be).
std::optional<std::string> lexemeDocument(std::string_view doc);

// The tsquery of an FTS5 expression from ftsExpression(): quoted tokens, `*` prefixes, AND,
// OR and parentheses, which is all it writes. nullopt when a token is not UTF-8: the search
// then reads blocks by time only, and the matcher decides.
std::optional<std::string> tsqueryFromFts(std::string_view fts);

}  // namespace pharos::logs
