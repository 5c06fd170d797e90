// Cheap rules over every source file, in the spirit of RocksDB's check-sources.sh: things a
// compiler accepts but a reviewer should never have to point out.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> sources(std::initializer_list<const char*> dirs = {"src", "tests", "bench",
                                                                         "fuzz"}) {
  std::vector<fs::path> out;
  for (const char* dir : dirs) {
    fs::path root = fs::path(PHAROS_SOURCE_DIR) / dir;
    if (!fs::exists(root)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      auto ext = e.path().extension();
      if (e.is_regular_file() && (ext == ".h" || ext == ".cpp")) out.push_back(e.path());
    }
  }
  return out;
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(SourceRulesTest, HeadersUsePragmaOnceAndNoUsingNamespace) {
  std::string problems;
  for (const fs::path& p : sources()) {
    if (p.extension() != ".h") continue;
    std::string text = read(p);
    if (text.find("#pragma once") == std::string::npos)
      problems += p.string() + ": no #pragma once\n";
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind("using namespace", 0) == 0)
        problems += p.string() + ": using namespace in a header\n";
    }
  }
  EXPECT_TRUE(problems.empty()) << problems;
}

// Production code only: tests may well feed UTF-8 through a parser.
TEST(SourceRulesTest, NoNonAsciiNoCommitMarkers) {
  std::string problems;
  for (const fs::path& p : sources({"src", "bench", "fuzz"})) {
    std::string text = read(p);
    if (text.find("nocommit") != std::string::npos && p.filename() != "source_rules_test.cpp") {
      problems += p.string() + ": nocommit marker\n";
    }
    for (size_t i = 0; i < text.size(); ++i) {
      if (static_cast<unsigned char>(text[i]) >= 0x80) {
        // Typographic characters in comments are fine; control flow never needs them.
        size_t lineStart = text.rfind('\n', i);
        std::string_view before(text.data() + (lineStart == std::string::npos ? 0 : lineStart + 1),
                                i - (lineStart == std::string::npos ? 0 : lineStart + 1));
        if (before.find("//") == std::string_view::npos &&
            before.find('*') == std::string_view::npos) {
          problems += p.string() + ": non-ASCII outside a comment\n";
          break;
        }
      }
    }
  }
  EXPECT_TRUE(problems.empty()) << problems;
}

}  // namespace
