#include "dashboard/status_page.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/config/node_json.h"

namespace pharos::dashboard {
namespace {

std::vector<StatusPageSpec> read(const std::string& json,
                                 std::vector<config::FieldProblem>& problems) {
  return readStatusPages(config::nodeFromJson(nlohmann::json::parse(json)), problems);
}

TEST(StatusPagesConfigTest, ReadsPagesWithTheirSelectorAndPrivateByDefault) {
  std::vector<config::FieldProblem> problems;
  auto pages = read(R"([{"name": "shop", "title": "Shop status", "labels": "team=\"shop\"",
                         "public": true},
                        {"name": "internal", "labels": "{team=~\"data|db\"}"}])",
                    problems);
  ASSERT_TRUE(problems.empty()) << problems.front().message;
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_TRUE(pages[0].isPublic);
  EXPECT_EQ(pages[0].title, "Shop status");
  ASSERT_EQ(pages[0].selector.size(), 1u);
  EXPECT_EQ(pages[0].selector[0].name, "team");
  EXPECT_FALSE(pages[1].isPublic);
  EXPECT_EQ(pages[1].title, "internal");
  EXPECT_TRUE(pages[1].selector[0].matches("db"));
}

TEST(StatusPagesConfigTest, NamesEveryWrongField) {
  std::vector<config::FieldProblem> problems;
  read(R"([{"name": "a", "labels": "team=", "publik": true},
           {"title": "no name"},
           {"name": "a"},
           {"name": "b c"}])",
       problems);
  std::vector<std::string> fields;
  for (const auto& p : problems)
    fields.push_back(p.field);
  EXPECT_NE(std::find(fields.begin(), fields.end(), "status_pages[0].labels"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "status_pages[0].publik"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "status_pages[1].name"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "status_pages[2].name"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "status_pages[3].name"), fields.end());
}

TEST(StatusPagesConfigTest, NoSectionMeansNoPages) {
  std::vector<config::FieldProblem> problems;
  EXPECT_TRUE(readStatusPages(config::Node{}, problems).empty());
  EXPECT_TRUE(problems.empty());
}

}  // namespace
}  // namespace pharos::dashboard
