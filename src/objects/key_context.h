#pragma once

#include <string>
#include <string_view>

namespace pharos::objects {

// The `context` of an error about an object: "key=archive/2026/x". A key that failed
// validation may hold control bytes or be very long, and it ends up in log lines and HTTP
// responses, so non-printable bytes are escaped and the key is cut at 120 bytes.
std::string keyContext(std::string_view key);

}  // namespace pharos::objects
