#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

#include "core/result.h"

namespace pharos::app {

// Runs a command that reads a file (or standard input for "-") and writes standard output:
// `pharos patterns` and `pharos anomalies`. Prints "COMMAND: reason" on failure; returns the
// process's exit code.
int runFileFilter(std::string_view command, const std::string& file,
                  const std::function<Status(std::istream&, std::ostream&)>& run);

}  // namespace pharos::app
