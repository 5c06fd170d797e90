#include "app/cli_output.h"

#include <time.h>

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "core/log.h"

namespace pharos::app {

std::string formatUtc(WallTime t) {
  time_t seconds = static_cast<time_t>(toUnixMillis(t) / 1000);
  tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 32> buf{};
  size_t n = strftime(buf.data(), buf.size(), "%Y-%m-%d %H:%M:%SZ", &utc);
  return std::string(buf.data(), n);
}

void printTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i)
      width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(width[i] - row[i].size() + 2, ' ');
    }
    fmt::print("{}\n", line);
  }
}

void quietLogging(const config::Config& c) {
  logging::Settings s;
  s.level = std::max(c.log.level, logging::Level::kWarn);
  s.format = c.log.format;
  logging::configure(s);
}

}  // namespace pharos::app
