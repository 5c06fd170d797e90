#include "logs/access_log.h"

#include <charconv>

#include "logs/timestamp_parse.h"

namespace pharos::logs {
namespace {

std::string_view dashToEmpty(std::string_view field) {
  return field == "-" ? std::string_view() : field;
}

// A space-free token at `pos`, non-empty; advances past it and exactly one space (or to end).
bool takeToken(std::string_view line, std::size_t& pos, std::string_view& token) {
  std::size_t start = pos;
  while (pos < line.size() && line[pos] != ' ')
    ++pos;
  if (pos == start) return false;
  token = line.substr(start, pos - start);
  if (pos < line.size()) ++pos;
  return true;
}

// A "quoted" field at `pos` (backslash escapes skipped over); advances past it and one space.
bool takeQuoted(std::string_view line, std::size_t& pos, std::string_view& field) {
  if (pos >= line.size() || line[pos] != '"') return false;
  std::size_t start = ++pos;
  while (pos < line.size() && line[pos] != '"') {
    if (line[pos] == '\\') ++pos;
    ++pos;
  }
  if (pos >= line.size()) return false;
  field = line.substr(start, pos - start);
  ++pos;
  if (pos < line.size()) {
    if (line[pos] != ' ') return false;
    ++pos;
  }
  return true;
}

bool parseUnsigned(std::string_view text, std::int64_t& value) {
  if (text.empty() || text.size() > 18) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && ptr == text.data() + text.size() && value >= 0;
}

void splitRequest(AccessLogLine& out) {
  std::string_view request = out.request;
  std::size_t first = request.find(' ');
  if (first == std::string_view::npos) return;
  std::size_t second = request.find(' ', first + 1);
  if (second == std::string_view::npos || request.find(' ', second + 1) != std::string_view::npos)
    return;
  out.method = request.substr(0, first);
  out.path = request.substr(first + 1, second - first - 1);
  out.protocol = request.substr(second + 1);
}

}  // namespace

bool parseAccessLog(std::string_view line, AccessLogLine& out) {
  out = AccessLogLine{};
  // Cheap refusals first: most lines that reach here are prose, JSON or logfmt.
  if (line.size() < 30 || line[0] == '{' || line[0] == ' ' || line[0] == '"') return false;
  std::size_t pos = 0;
  std::string_view ident, user;
  if (!takeToken(line, pos, out.client) || !takeToken(line, pos, ident) ||
      !takeToken(line, pos, user)) {
    return false;
  }
  if (out.client.find_first_of("[\"=") != std::string_view::npos) return false;
  out.ident = dashToEmpty(ident);
  out.user = dashToEmpty(user);
  if (pos >= line.size() || line[pos] != '[') return false;
  std::size_t close = line.find(']', pos);
  if (close == std::string_view::npos ||
      !parseCommonLogTime(line.substr(pos + 1, close - pos - 1), out.timeNs)) {
    return false;
  }
  pos = close + 1;
  if (pos >= line.size() || line[pos] != ' ') return false;
  ++pos;
  if (!takeQuoted(line, pos, out.request)) return false;
  splitRequest(out);
  std::string_view status, bytes;
  std::int64_t statusValue = 0;
  if (!takeToken(line, pos, status) || status.size() != 3 || !parseUnsigned(status, statusValue) ||
      statusValue < 100) {
    return false;
  }
  out.status = static_cast<int>(statusValue);
  if (!takeToken(line, pos, bytes)) return false;
  if (bytes != "-" && !parseUnsigned(bytes, out.bytes)) return false;
  // Combined format: referer and user agent.
  std::string_view referer, agent;
  std::size_t mark = pos;
  if (takeQuoted(line, pos, referer) && takeQuoted(line, pos, agent)) {
    out.referer = dashToEmpty(referer);
    out.userAgent = dashToEmpty(agent);
  } else {
    pos = mark;
  }
  // Extra quoted fields (e.g. "$http_x_forwarded_for") are skipped; a last unquoted token with
  // a '.' is the request time in seconds.
  std::string_view extra;
  for (std::size_t next = pos; takeQuoted(line, next, extra);)
    pos = next;
  std::string_view last;
  while (pos < line.size() && takeToken(line, pos, last)) {
  }
  if (!last.empty() && last.find('.') != std::string_view::npos) {
    double seconds = 0;
    auto [ptr, ec] = std::from_chars(last.data(), last.data() + last.size(), seconds);
    if (ec == std::errc() && ptr == last.data() + last.size() && seconds >= 0) {
      out.requestTimeSeconds = seconds;
    }
  }
  return true;
}

}  // namespace pharos::logs
