#pragma once

#include <nlohmann/json.hpp>

#include "core/config/node.h"

namespace pharos::config {

// A JSON body as a Node tree, so one parser reads a definition from the config file and from
// the API (no positions; strings are quoted scalars; numbers and booleans their JSON text, as
// YAML would give them).
Node nodeFromJson(const nlohmann::json& value);

}  // namespace pharos::config
