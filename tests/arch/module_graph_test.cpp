#include "arch/module_graph.h"

#include <gtest/gtest.h>

#include <fstream>

#include "fakes/temp_dir.h"

namespace pharos::arch {
namespace {

namespace fs = std::filesystem;

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines)
    out += l + "\n";
  return out;
}

TEST(ModuleGraphTest, TheRealTreeIsLayeredAndAcyclic) {
  fs::path src = fs::path(PHAROS_SOURCE_DIR) / "src";
  ModuleGraph g = readModuleGraph(src);
  ASSERT_TRUE(g.modules.contains("core"));
  ASSERT_TRUE(g.modules.contains("app"));
  EXPECT_GT(g.modules.size(), 5u);
  std::vector<std::string> problems = checkModuleGraph(g, src);
  EXPECT_TRUE(problems.empty()) << joined(problems);
}

// The checker itself must catch what it is there to catch.
class SyntheticTree : public ::testing::Test {
 protected:
  void module(const std::string& name, const std::string& layer, const std::string& deps,
              const std::string& source = "") {
    fs::create_directories(dir_.path() / name);
    std::ofstream(dir_.path() / name / "CMakeLists.txt")
        << "pharos_module(" << name << " LAYER " << layer << "\n  SOURCES a.cpp\n  DEPS " << deps
        << ")\n";
    std::ofstream(dir_.path() / name / "a.cpp") << source;
  }
  std::vector<std::string> check() {
    return checkModuleGraph(readModuleGraph(dir_.path()), dir_.path());
  }
  testing::TempDir dir_;
};

TEST_F(SyntheticTree, CatchesAnUpwardDependency) {
  module("core", "1", "");
  module("store", "2", "core api");
  module("api", "4", "core store");
  std::vector<std::string> p = check();
  EXPECT_NE(joined(p).find(
                "store (layer 2.000000) depends on api (layer 4.000000), which is not below it"),
            std::string::npos)
      << joined(p);
  EXPECT_NE(joined(p).find("dependency cycle: api -> store -> api"), std::string::npos)
      << joined(p);
}

TEST_F(SyntheticTree, CatchesAnUndeclaredInclude) {
  module("core", "1", "");
  module("bus", "2", "core");
  module("store", "2", "core", "#include \"bus/bus.h\"\n");
  std::vector<std::string> p = check();
  ASSERT_EQ(p.size(), 1u) << joined(p);
  EXPECT_EQ(p[0], "store/a.cpp includes bus/ but store does not declare DEPS bus");
}

TEST_F(SyntheticTree, CatchesAFolderWithoutDeclaration) {
  module("core", "1", "");
  fs::create_directories(dir_.path() / "rogue");
  std::ofstream(dir_.path() / "rogue" / "x.cpp") << "int x;";
  std::vector<std::string> p = check();
  ASSERT_EQ(p.size(), 1u) << joined(p);
  EXPECT_EQ(p[0], "src/rogue has sources but no pharos_module() declaration");
}

TEST_F(SyntheticTree, AcceptsAProperTree) {
  module("core", "1", "");
  module("store", "2", "core", "#include \"core/result.h\"\n");
  module("app", "5", "core store", "#include \"store/store.h\"\n");
  EXPECT_TRUE(check().empty()) << joined(check());
}

}  // namespace
}  // namespace pharos::arch
