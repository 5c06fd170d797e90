// logfmt and access-log lines from any client: never crash, never report a pair after
// refusing a line, and every view stays inside the line (or the scratch buffer).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "logs/access_log.h"
#include "logs/logfmt.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  std::string scratch;
  std::size_t pairs = 0;
  bool ok =
      pharos::logs::parseLogfmt(line, scratch, [&](std::string_view key, std::string_view value) {
        if (key.empty()) std::abort();
        if (value.size() > line.size()) std::abort();
        ++pairs;
      });
  if (!ok && pairs != 0) std::abort();
  if (ok && pairs < 2) std::abort();

  pharos::logs::AccessLogLine access;
  if (pharos::logs::parseAccessLog(line, access)) {
    if (access.status < 100 || access.status > 999) std::abort();
    for (std::string_view field : {access.client, access.method, access.path, access.protocol,
                                   access.referer, access.userAgent}) {
      if (!field.empty() &&
          (field.data() < line.data() || field.data() + field.size() > line.data() + line.size())) {
        std::abort();
      }
    }
  }
  return 0;
}
