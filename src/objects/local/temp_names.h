#pragma once

#include <string>
#include <string_view>

namespace pharos::objects::local {

// Names of the temporary files a put writes before renaming them over their target:
// "~tmp-<pid>-<process token>-<counter>". Keys may not contain '~', so a temporary file can
// never be listed as an object nor collide with one, and its name stays short whatever the
// key (file names are limited to 255 bytes).
std::string newTempName();
bool isTempName(std::string_view name);

// True when the process that created temp file `name` is gone, so the file is a leftover of a
// crash that nobody will rename: its pid no longer runs, or the pid is ours but the token is
// not (a restart that got the same pid, as pid 1 in a container does). Temp files of other
// live processes sharing the directory (a CLI next to the server) are left alone. A name that
// does not parse counts as stale.
bool isStaleTemp(std::string_view name);

}  // namespace pharos::objects::local
