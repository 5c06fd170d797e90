#pragma once

#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/config/loader.h"

namespace YAML {
class Node;
}

namespace pharos::config {

struct ValidationContext {
  std::string file;
  const YAML::Node* root = nullptr;      // to point at the offending key; may be null
  const LoadOptions* options = nullptr;  // to blame a command-line flag instead of the file
};

// Checks that span keys or depend on the environment: addresses parse, TLS files come in
// pairs and exist, prod has TLS and auth. Appends one diagnostic per problem.
void validate(const Config& config, const ValidationContext& context, std::vector<Diagnostic>& out);

}  // namespace pharos::config
