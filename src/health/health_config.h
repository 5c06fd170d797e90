#pragma once

#include <memory>
#include <variant>
#include <vector>

#include "core/config/config.h"
#include "core/config/loader.h"
#include "health/check_spec.h"
#include "health/maintenance.h"

namespace pharos::health {

// The health section of a config file, read: every check and maintenance window, or every
// problem found, located in the file like the loader's own diagnostics.
struct HealthDefinitions {
  std::vector<CheckSpec> checks;
  std::vector<MaintenanceWindow> maintenance;
};

std::variant<HealthDefinitions, std::vector<config::Diagnostic>> readHealthConfig(
    const config::HealthConfig& config);

// One maintenance window from a tree (the config's, or a JSON body's).
std::variant<MaintenanceWindow, std::vector<SpecProblem>> parseMaintenanceWindow(
    const config::Node& node, std::string_view path);

}  // namespace pharos::health
