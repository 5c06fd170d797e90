#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace pharos::arch {

struct ModuleDecl {
  std::string name;
  double layer = 0;
  std::set<std::string> deps;  // declared with DEPS in pharos_module()
};

struct ModuleGraph {
  std::map<std::string, ModuleDecl> modules;
  // module -> modules whose headers its sources include, with one example file per edge
  std::map<std::string, std::map<std::string, std::string>> includes;
};

// Reads every src/<module>/CMakeLists.txt for its pharos_module(...) call and every source
// file for #include "<other module>/…".
ModuleGraph readModuleGraph(const std::filesystem::path& srcDir);

// Every violation, one line each: an include not declared as a dependency, an edge to the
// same or a higher layer, a cycle (named module by module), a folder with no declaration.
std::vector<std::string> checkModuleGraph(const ModuleGraph& graph,
                                          const std::filesystem::path& srcDir);

}  // namespace pharos::arch
