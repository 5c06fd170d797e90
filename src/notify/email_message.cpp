#include "notify/email_message.h"

#include <ctime>

#include <fmt/format.h>

#include "core/text.h"

namespace pharos::notify {
namespace {

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::string_view in) {
  std::string out;
  size_t i = 0;
  while (i + 2 < in.size()) {
    uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                 static_cast<uint8_t>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6)
      out += kBase64[(v >> s) & 63];
    i += 3;
  }
  if (i < in.size()) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<uint8_t>(in[i + 1]) << 8;
    out += kBase64[(v >> 18) & 63];
    out += kBase64[(v >> 12) & 63];
    out += i + 1 < in.size() ? kBase64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// A header value: ASCII as is; otherwise RFC 2047 encoded words of at most 45 bytes each
// (75 characters encoded), split on character boundaries and folded. Line breaks become
// spaces: a header cannot carry one (and a template must not be able to add a header).
std::string encodeHeader(std::string_view value) {
  std::string flat;
  bool ascii = true;
  for (char c : value) {
    if (c == '\r' || c == '\n') c = ' ';
    if (static_cast<unsigned char>(c) >= 0x80) ascii = false;
    flat += c;
  }
  if (ascii && flat.size() <= 900) return flat;
  std::string out;
  size_t i = 0;
  while (i < flat.size()) {
    size_t n = std::min<size_t>(45, flat.size() - i);
    while (i + n < flat.size() && n > 0 && (static_cast<unsigned char>(flat[i + n]) & 0xC0) == 0x80)
      --n;
    if (n == 0) n = std::min<size_t>(45, flat.size() - i);
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(flat.substr(i, n)) + "?=";
    i += n;
  }
  return out;
}

std::string headerList(const std::vector<std::string>& addresses) {
  std::string out;
  for (const std::string& a : addresses)
    out += (out.empty() ? "" : ", ") + encodeHeader(a);
  return out;
}

}  // namespace

std::string emailAddress(std::string_view mailbox) {
  size_t open = mailbox.rfind('<');
  size_t close = mailbox.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
    return std::string(trimSpaces(mailbox.substr(open + 1, close - open - 1)));
  }
  return std::string(trimSpaces(mailbox));
}

std::string quotedPrintable(std::string_view text) {
  std::string out;
  size_t lineLength = 0;
  auto put = [&](std::string_view piece) {
    // Soft line break: a line is at most 76 characters, "=" included.
    if (lineLength + piece.size() > 75) {
      out += "=\r\n";
      lineLength = 0;
    }
    out += piece;
    lineLength += piece.size();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    if (c == '\n' || c == '\r') {
      out += "\r\n";
      lineLength = 0;
      continue;
    }
    bool endOfLine = i + 1 == text.size() || text[i + 1] == '\n' || text[i + 1] == '\r';
    bool plain = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !endOfLine);
    // A leading '.' is escaped too, for SMTP servers that mishandle dot-stuffing.
    if (c == '.' && lineLength == 0) plain = false;
    put(plain ? std::string(1, static_cast<char>(c)) : fmt::format("={:02X}", c));
  }
  return out;
}

std::string rfc5322Date(WallTime t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t tt = static_cast<std::time_t>(toUnixMillis(t) / 1000);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000", kDays[tm.tm_wday], tm.tm_mday,
                     kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string buildEmailMessage(const ReceiverSpec& spec, const Notification& n,
                              const RenderedMessage& m, WallTime now) {
  std::string from = emailAddress(spec.from);
  size_t at = from.rfind('@');
  std::string domain = at == std::string::npos ? "pharos.local" : from.substr(at + 1);
  std::string key = n.idempotencyKey.empty() ? n.id : n.idempotencyKey;
  std::string boundary = "pharos-" + stableHex(key + spec.name);
  std::string msg;
  auto header = [&](std::string_view name, std::string_view value) {
    msg += fmt::format("{}: {}\r\n", name, value);
  };
  header("From", encodeHeader(spec.from));
  header("To", headerList(spec.to));
  header("Subject", encodeHeader(m.title));
  header("Date", rfc5322Date(now));
  header("Message-ID", fmt::format("<{}.{}@{}>", stableHex(key), stableHex(spec.name), domain));
  if (!n.idempotencyKey.empty()) header("X-Pharos-Idempotency-Key", encodeHeader(n.idempotencyKey));
  header("Auto-Submitted", "auto-generated");
  header("MIME-Version", "1.0");
  header("Content-Type", fmt::format("multipart/alternative; boundary=\"{}\"", boundary));
  msg += "\r\n";
  auto part = [&](std::string_view type, std::string_view body) {
    msg += fmt::format("--{}\r\n", boundary);
    msg += fmt::format("Content-Type: {}; charset=utf-8\r\n", type);
    msg += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    msg += quotedPrintable(body);
    msg += "\r\n";
  };
  part("text/plain", m.text);
  part("text/html", m.html);
  msg += fmt::format("--{}--\r\n", boundary);
  return msg;
}

}  // namespace pharos::notify
