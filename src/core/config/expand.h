#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/result.h"

namespace pharos::config {

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The real process environment.
std::optional<std::string> processEnv(const std::string& name);

// Replaces each ${VAR} in `raw` with its value. kInvalidArgument for an unterminated
// reference or an unset variable (naming the variable, never a value).
Result<std::string> expandEnv(const std::string& raw, const EnvLookup& lookup);

// `message` with every occurrence of raw's expansion put back as the raw ${VAR} text, so an
// error about a value taken from the environment cannot leak that value.
std::string hideExpansion(std::string message, const std::string& raw, const EnvLookup& lookup);

}  // namespace pharos::config
