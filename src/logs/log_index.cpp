#include "logs/log_index.h"

#include <charconv>
#include <ctime>

#include "logs/index_blocks.h"
#include "logs/sqlite_log_index.h"

namespace pharos::logs {
Result<std::unique_ptr<LogIndex>> LogIndex::open(const std::string& path, LogIndexOptions options) {
  PHAROS_ASSIGN_OR_RETURN(auto index, SqliteLogIndex::open(path, std::move(options)));
  return std::unique_ptr<LogIndex>(std::move(index));
}

Status LogIndex::write(std::span<const Record> records, std::uint64_t processedUpTo,
                       std::string_view stateKey, std::string_view state) {
  return store(prepare(records), processedUpTo, stateKey, state);
}

std::string utcDay(std::int64_t ns) {
  std::time_t seconds = static_cast<std::time_t>(dayNumber(ns) * 86'400);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return buf;
}

std::string SearchCursor::encode() const {
  return std::to_string(timestampNs) + "." + std::to_string(block) + "." + std::to_string(index);
}

std::optional<SearchCursor> SearchCursor::decode(std::string_view text) {
  SearchCursor c;
  auto take = [&](auto& value) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc()) return false;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    return true;
  };
  if (!take(c.timestampNs) || text.empty() || text[0] != '.') return std::nullopt;
  text.remove_prefix(1);
  if (!take(c.block) || text.empty() || text[0] != '.') return std::nullopt;
  text.remove_prefix(1);
  if (!take(c.index) || !text.empty()) return std::nullopt;
  return c;
}

}  // namespace pharos::logs
