#pragma once

#include <string_view>
#include <vector>

namespace pharos::dashboard {

// One file of the dashboard as the build bundled it (web/build.mjs generates the list).
struct Asset {
  std::string_view path;         // "/ui/assets/app-3f2a….js", or "/ui/" for the page
  std::string_view contentType;  // "text/javascript; charset=utf-8"
  std::string_view plain;
  std::string_view gzip;  // the same bytes gzipped at level 9
  std::string_view etag;  // quoted, from the content's hash
  bool immutable;         // the name carries the content's hash: cache it for a year
};

// Every bundled file; empty when the binary was built without the dashboard.
const std::vector<Asset>& assets();

}  // namespace pharos::dashboard
