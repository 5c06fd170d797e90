#pragma once

#include <memory>
#include <variant>
#include <vector>

#include "core/config/config.h"
#include "core/config/loader.h"
#include "core/config/node_reader.h"
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

// Reads one of a window's timing fields (`start`, `end`, `every`, `duration`) into `w`;
// false, with a problem, when it is wrong. SLO exclusions are windows too and read the same.
bool readWindowTiming(config::NodeReader& r, std::string_view key, const config::Node& v,
                      const std::string& field, MaintenanceWindow& w);

// One maintenance window from a tree (the config's, or a JSON body's).
std::variant<MaintenanceWindow, std::vector<SpecProblem>> parseMaintenanceWindow(
    const config::Node& node, std::string_view path);

}  // namespace pharos::health
