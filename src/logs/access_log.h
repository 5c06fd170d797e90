#pragma once

#include <cstdint>
#include <string_view>

namespace pharos::logs {

// One line of the NCSA Common or Combined Log Format, as nginx and Apache write it:
//   client ident user [10/Oct/2000:13:55:36 -0700] "GET /path HTTP/1.1" status bytes
//   ["referer" "user agent"] [more "quoted" fields] [request time]
// Views point into the line; quoted fields are as written (nginx's \x22 and Apache's \"
// escapes are not undone).
struct AccessLogLine {
  std::string_view client;
  std::string_view ident;  // "" for "-"
  std::string_view user;   // "" for "-"
  std::int64_t timeNs = 0;
  std::string_view request;  // the whole request line
  std::string_view method;   // "" when the request line is not "METHOD PATH PROTOCOL"
  std::string_view path;
  std::string_view protocol;
  int status = 0;
  std::int64_t bytes = -1;     // -1 for "-"
  std::string_view referer;    // "" for "-" or absent (common format)
  std::string_view userAgent;  // "" for "-" or absent
  // The request time in seconds from a trailing number with a '.', as nginx' $request_time
  // writes it ("0.123"); < 0 when absent. A trailing integer is ignored: Apache's %D
  // (microseconds) and %T (seconds) cannot be told apart from it.
  double requestTimeSeconds = -1;
};

// False when the line is not in that format (then `out` is unspecified).
bool parseAccessLog(std::string_view line, AccessLogLine& out);

}  // namespace pharos::logs
