#include "logs/syslog_parse.h"

#include "logs/timestamp_parse.h"

namespace pharos::logs {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::int64_t kNsPerDay = 86'400'000'000'000;

// The token up to the next space (or the end); advances `rest` past it and one space.
std::string_view takeToken(std::string_view& rest) {
  std::size_t sp = rest.find(' ');
  std::string_view token = rest.substr(0, sp);
  rest.remove_prefix(sp == std::string_view::npos ? rest.size() : sp + 1);
  return token;
}

std::string_view nilToEmpty(std::string_view field) {
  return field == "-" ? std::string_view() : field;
}

std::string_view stripBom(std::string_view message) {
  if (message.substr(0, kBom.size()) == kBom) message.remove_prefix(kBom.size());
  return message;
}

// `<PRI>`: 1-3 digits, 0-191, no leading zero except "<0>". Advances `rest` past it.
bool readPri(std::string_view& rest, int& pri) {
  if (rest.size() < 3 || rest[0] != '<') return false;
  std::size_t i = 1;
  int value = 0;
  while (i < rest.size() && i <= 4 && rest[i] >= '0' && rest[i] <= '9') {
    value = value * 10 + (rest[i] - '0');
    ++i;
  }
  const std::size_t digits = i - 1;
  if (digits == 0 || digits > 3 || i >= rest.size() || rest[i] != '>') return false;
  if (digits > 1 && rest[1] == '0') return false;
  if (value > 191) return false;
  pri = value;
  rest.remove_prefix(i + 1);
  return true;
}

// The end of the SD elements at the start of `rest` ("[...][...]"), honouring quoted values
// and their escapes; 0 when they are not well formed.
std::size_t structuredDataLength(std::string_view rest) {
  std::size_t i = 0;
  while (i < rest.size() && rest[i] == '[') {
    ++i;
    bool quoted = false;
    bool closed = false;
    while (i < rest.size()) {
      char c = rest[i++];
      if (quoted) {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          quoted = false;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ']') {
        closed = true;
        break;
      }
    }
    if (!closed) return 0;
  }
  return i;
}

void parse5424(std::string_view rest, SyslogMessage& out) {
  std::int64_t ns = 0;
  std::string_view timestamp = takeToken(rest);
  if (timestamp != "-" && parseRfc3339(timestamp, ns)) out.timestampNs = ns;
  out.hostname = nilToEmpty(takeToken(rest));
  out.appName = nilToEmpty(takeToken(rest));
  out.procId = nilToEmpty(takeToken(rest));
  out.msgId = nilToEmpty(takeToken(rest));
  if (rest.empty()) return;
  if (rest[0] == '-') {
    rest.remove_prefix(1);
  } else if (std::size_t sd = structuredDataLength(rest); sd > 0) {
    out.structuredData = rest.substr(0, sd);
    rest.remove_prefix(sd);
  }
  // Whatever does not read as SD is the message (a sender that left SD out altogether).
  if (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
  out.message = stripBom(rest);
}

// "Mmm dd hh:mm:ss" (day space- or zero-padded, optional ".fraction"), in the year of
// receivedNs; advances `rest` past it and one space.
bool read3164Time(std::string_view& rest, std::int64_t receivedNs, std::int64_t& ns) {
  if (rest.size() < 15 || rest[3] != ' ' || rest[6] != ' ' || rest[9] != ':' || rest[12] != ':')
    return false;
  int month = monthFromAbbrev(rest.substr(0, 3));
  if (month == 0) return false;
  auto digit = [&](std::size_t i) { return rest[i] >= '0' && rest[i] <= '9'; };
  auto two = [&](std::size_t i) { return (rest[i] - '0') * 10 + (rest[i + 1] - '0'); };
  if (!(digit(5) && (digit(4) || rest[4] == ' ') && digit(7) && digit(8) && digit(10) &&
        digit(11) && digit(13) && digit(14))) {
    return false;
  }
  const unsigned day =
      rest[4] == ' ' ? static_cast<unsigned>(rest[5] - '0') : static_cast<unsigned>(two(4));
  std::size_t end = 15;
  std::int64_t fraction = 0;
  if (end < rest.size() && rest[end] == '.') {
    std::int64_t scale = 100'000'000;
    ++end;
    while (end < rest.size() && rest[end] >= '0' && rest[end] <= '9') {
      fraction += (rest[end] - '0') * scale;
      scale /= 10;
      ++end;
    }
  }
  if (end < rest.size() && rest[end] != ' ') return false;
  std::int64_t year = yearOfNanos(receivedNs);
  std::int64_t candidate = 0;
  bool ok = civilToNanos(year, static_cast<unsigned>(month), day, static_cast<unsigned>(two(7)),
                         static_cast<unsigned>(two(10)), static_cast<unsigned>(two(13)), fraction,
                         0, candidate);
  // Feb 29 may exist only in the previous year, and "the future" means the year before.
  if (!ok || (receivedNs <= INT64_MAX - kNsPerDay && candidate > receivedNs + kNsPerDay)) {
    ok = civilToNanos(year - 1, static_cast<unsigned>(month), day, static_cast<unsigned>(two(7)),
                      static_cast<unsigned>(two(10)), static_cast<unsigned>(two(13)), fraction, 0,
                      candidate);
  }
  if (!ok) return false;
  ns = candidate;
  rest.remove_prefix(end < rest.size() ? end + 1 : end);
  return true;
}

// "TAG[PID]: " or "TAG: " at the start of `rest`; advances past it. A token ending otherwise
// is not a tag (it is prose).
bool readTag(std::string_view& rest, std::string_view& tag, std::string_view& pid) {
  std::size_t i = 0;
  while (i < rest.size() && i < 64 && rest[i] != '[' && rest[i] != ':' && rest[i] != ' ')
    ++i;
  if (i == 0 || i >= rest.size()) return false;
  std::size_t after = 0;
  std::string_view foundPid;
  if (rest[i] == '[') {
    std::size_t close = rest.find(']', i + 1);
    if (close == std::string_view::npos || close - i > 32) return false;
    foundPid = rest.substr(i + 1, close - i - 1);
    after = close + 1;
    if (after < rest.size() && rest[after] == ':') ++after;
  } else if (rest[i] == ':') {
    after = i + 1;
  } else {
    return false;
  }
  if (after < rest.size() && rest[after] != ' ') return false;
  tag = rest.substr(0, i);
  pid = foundPid;
  rest.remove_prefix(after < rest.size() ? after + 1 : after);
  return true;
}

void parse3164(std::string_view rest, std::int64_t receivedNs, SyslogMessage& out) {
  std::int64_t ns = 0;
  bool hasTime = read3164Time(rest, receivedNs, ns);
  if (!hasTime) {
    // The common variant with an RFC 3339 timestamp (rsyslog's high-precision format).
    std::string_view probe = rest;
    std::string_view token = takeToken(probe);
    if (token.size() >= 19 && parseRfc3339(token, ns)) {
      hasTime = true;
      rest = probe;
    }
  }
  if (hasTime) {
    out.timestampNs = ns;
    // HOST, unless the next token is already the TAG (senders that leave HOST out).
    std::string_view probe = rest;
    std::string_view tag, pid;
    if (!readTag(probe, tag, pid)) {
      std::string_view host = takeToken(rest);
      out.hostname = host;
    }
  }
  std::string_view tag, pid;
  if (readTag(rest, tag, pid)) {
    out.appName = tag;
    out.procId = pid;
  }
  out.message = stripBom(rest);
}

}  // namespace

bool parseSyslog(std::string_view frame, std::int64_t receivedNs, SyslogMessage& out) {
  out = SyslogMessage{};
  // A datagram may end with the newline a TCP framer would have removed.
  while (!frame.empty() && (frame.back() == '\n' || frame.back() == '\r'))
    frame.remove_suffix(1);
  out.message = frame;
  if (frame.empty()) return false;
  std::string_view rest = frame;
  int pri = 0;
  if (frame[0] != '<') {
    out.facility = 1;
    out.severity = 5;
    return true;
  }
  if (!readPri(rest, pri)) return false;
  out.facility = pri / 8;
  out.severity = pri % 8;
  if (rest.size() >= 2 && rest[0] == '1' && rest[1] == ' ') {
    rest.remove_prefix(2);
    parse5424(rest, out);
  } else if (rest == "1") {
    out.message = {};
  } else {
    parse3164(rest, receivedNs, out);
  }
  return true;
}

bool forEachSdParam(
    std::string_view sd, std::string& scratch,
    FunctionRef<void(std::string_view id, std::string_view name, std::string_view value)> onParam) {
  std::size_t i = 0;
  while (i < sd.size()) {
    if (sd[i] != '[') return false;
    ++i;
    std::size_t idStart = i;
    while (i < sd.size() && sd[i] != ' ' && sd[i] != ']' && sd[i] != '=' && sd[i] != '"')
      ++i;
    std::string_view id = sd.substr(idStart, i - idStart);
    if (id.empty() || i >= sd.size()) return false;
    while (i < sd.size() && sd[i] != ']') {
      if (sd[i] != ' ') return false;
      ++i;
      std::size_t nameStart = i;
      while (i < sd.size() && sd[i] != '=' && sd[i] != ' ' && sd[i] != ']' && sd[i] != '"')
        ++i;
      std::string_view name = sd.substr(nameStart, i - nameStart);
      if (name.empty() || i + 1 >= sd.size() || sd[i] != '=' || sd[i + 1] != '"') return false;
      i += 2;
      std::size_t valueStart = i;
      bool escaped = false;
      while (i < sd.size() && sd[i] != '"') {
        if (sd[i] == '\\') {
          escaped = true;
          ++i;
        }
        ++i;
      }
      if (i >= sd.size()) return false;
      std::string_view raw = sd.substr(valueStart, i - valueStart);
      ++i;  // closing quote
      if (!escaped) {
        onParam(id, name, raw);
        continue;
      }
      // RFC 5424 6.3.3: \" \\ \] are escapes; a backslash before anything else is kept.
      scratch.clear();
      for (std::size_t k = 0; k < raw.size(); ++k) {
        if (raw[k] == '\\' && k + 1 < raw.size() &&
            (raw[k + 1] == '"' || raw[k + 1] == '\\' || raw[k + 1] == ']')) {
          ++k;
        }
        scratch.push_back(raw[k]);
      }
      onParam(id, name, scratch);
    }
    if (i >= sd.size()) return false;
    ++i;  // ']'
  }
  return true;
}

std::string_view facilityName(int facility) {
  static constexpr std::string_view kNames[] = {
      "kern",   "user",   "mail",     "daemon", "auth",   "syslog", "lpr",    "news",
      "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "audit",  "alert",  "clock",
      "local0", "local1", "local2",   "local3", "local4", "local5", "local6", "local7"};
  if (facility < 0 || facility > 23) return {};
  return kNames[facility];
}

}  // namespace pharos::logs
