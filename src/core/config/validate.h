#pragma once

#include <string>
#include <string_view>
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

// A host pattern of an outbound rule: a DNS name ("status.example.com") or "*." and a name
// ("*.corp.example": any name below corp.example, not corp.example itself). Letters, digits,
// '-' and '_' in labels of 1-63 characters; the last label may not be all digits, so that a
// mistyped address ("10.0.0.300") is not taken for a name.
bool isValidHostPattern(std::string_view pattern);

// One entry of outbound.<purpose>.allow/deny: a CIDR range, a bare address or a host
// pattern. kInvalidArgument saying which it is not.
Status checkOutboundEntry(const std::string& entry);

}  // namespace pharos::config
