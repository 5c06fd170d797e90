#include "arch/module_graph.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>

namespace pharos::arch {
namespace fs = std::filesystem;

namespace {

std::string readFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool isSource(const fs::path& p) {
  auto ext = p.extension().string();
  return ext == ".h" || ext == ".cpp" || ext == ".in";
}

}  // namespace

ModuleGraph readModuleGraph(const fs::path& srcDir) {
  ModuleGraph g;
  static const std::regex declRe(R"(pharos_module\(\s*(\w+)\s+LAYER\s+([0-9.]+)([^)]*)\))");
  static const std::regex includeRe(R"re(#include\s+"(\w+)/)re");
  for (const auto& entry : fs::directory_iterator(srcDir)) {
    if (!entry.is_directory()) continue;
    fs::path cml = entry.path() / "CMakeLists.txt";
    if (!fs::exists(cml)) continue;
    std::string text = readFile(cml);
    std::smatch m;
    if (!std::regex_search(text, m, declRe)) continue;
    ModuleDecl decl;
    decl.name = m[1];
    decl.layer = std::stod(m[2]);
    // The words after DEPS up to the next keyword.
    std::istringstream rest(m[3].str());
    std::string word;
    bool inDeps = false;
    while (rest >> word) {
      if (word == "DEPS") {
        inDeps = true;
      } else if (word == "SOURCES" || word == "EXTERNAL") {
        inDeps = false;
      } else if (inDeps && word[0] != '#') {
        decl.deps.insert(word);
      }
    }
    g.modules[decl.name] = decl;
  }
  for (const auto& [name, decl] : g.modules) {
    for (const auto& entry : fs::recursive_directory_iterator(srcDir / name)) {
      if (!entry.is_regular_file() || !isSource(entry.path())) continue;
      std::string text = readFile(entry.path());
      for (auto it = std::sregex_iterator(text.begin(), text.end(), includeRe);
           it != std::sregex_iterator(); ++it) {
        std::string target = (*it)[1];
        if (target == name || !g.modules.contains(target)) continue;
        g.includes[name].emplace(target, fs::relative(entry.path(), srcDir).string());
      }
    }
  }
  return g;
}

std::vector<std::string> checkModuleGraph(const ModuleGraph& g, const fs::path& srcDir) {
  std::vector<std::string> problems;
  for (const auto& entry : fs::directory_iterator(srcDir)) {
    if (!entry.is_directory()) continue;
    std::string name = entry.path().filename().string();
    bool hasSources = false;
    for (const auto& f : fs::recursive_directory_iterator(entry.path()))
      hasSources = hasSources || isSource(f.path());
    if (hasSources && !g.modules.contains(name)) {
      problems.push_back("src/" + name + " has sources but no pharos_module() declaration");
    }
  }
  std::map<std::string, std::set<std::string>> edges;
  for (const auto& [name, decl] : g.modules) {
    for (const std::string& dep : decl.deps) {
      auto it = g.modules.find(dep);
      if (it == g.modules.end()) {
        problems.push_back(name + " declares a dependency on unknown module " + dep);
        continue;
      }
      edges[name].insert(dep);
      if (it->second.layer >= decl.layer) {
        problems.push_back(name + " (layer " + std::to_string(decl.layer) + ") depends on " + dep +
                           " (layer " + std::to_string(it->second.layer) +
                           "), which is not below it");
      }
    }
  }
  for (const auto& [name, targets] : g.includes) {
    for (const auto& [target, file] : targets) {
      edges[name].insert(target);
      if (!g.modules.at(name).deps.contains(target)) {
        problems.push_back(file + " includes " + target + "/ but " + name +
                           " does not declare DEPS " + target);
      }
    }
  }
  // Cycles, reported as the path around them.
  std::map<std::string, int> state;  // 0 white, 1 grey, 2 black
  std::vector<std::string> path;
  std::function<void(const std::string&)> visit = [&](const std::string& n) {
    state[n] = 1;
    path.push_back(n);
    for (const std::string& d : edges[n]) {
      if (state[d] == 1) {
        auto from = std::find(path.begin(), path.end(), d);
        std::string cycle = "dependency cycle: ";
        for (auto it = from; it != path.end(); ++it)
          cycle += *it + " -> ";
        problems.push_back(cycle + d);
      } else if (state[d] == 0) {
        visit(d);
      }
    }
    path.pop_back();
    state[n] = 2;
  };
  for (const auto& [name, decl] : g.modules) {
    if (state[name] == 0) visit(name);
  }
  return problems;
}

}  // namespace pharos::arch
