#include "logs/query_stats.h"

#include <gtest/gtest.h>

#include <string>

#include "logs/query_parser.h"

namespace pharos::logs {
namespace {

LogQuery parsed(std::string_view text) {
  auto q = parseLogQuery(text);
  EXPECT_TRUE(q.ok()) << text;
  return q.ok() ? std::move(q).value() : LogQuery{};
}

Record rec(std::string service, Level level, std::string pod = "") {
  Record r;
  r.service = std::move(service);
  r.level = level;
  if (!pod.empty()) r.attributes.push_back({"pod", std::move(pod)});
  return r;
}

TEST(QueryStatsTest, CountWithoutGroups) {
  StatsAccumulator stats(parsed("| stats count()"));
  EXPECT_EQ(stats.toJson().dump(), R"([{"count":0}])");
  for (int i = 0; i < 3; ++i)
    stats.add(rec("api", Level::kInfo));
  EXPECT_EQ(stats.toJson().dump(), R"([{"count":3}])");
}

TEST(QueryStatsTest, GroupsSortedByCountThenValues) {
  StatsAccumulator stats(parsed("x | stats count() by (service, level)"));
  EXPECT_EQ(stats.toJson().dump(), "[]");
  stats.add(rec("web", Level::kInfo));
  stats.add(rec("api", Level::kError));
  stats.add(rec("api", Level::kError));
  stats.add(rec("api", Level::kInfo));
  stats.add(rec("", Level::kWarn));
  stats.add(rec("api", Level::kError));
  EXPECT_EQ(stats.toJson().dump(), R"([{"count":3,"level":"error","service":"api"},)"
                                   R"({"count":1,"level":"warn","service":null},)"
                                   R"({"count":1,"level":"info","service":"api"},)"
                                   R"({"count":1,"level":"info","service":"web"}])");
  EXPECT_EQ(stats.groupCount(), 4u);
}

TEST(QueryStatsTest, AttributesAndUnknownLevel) {
  StatsAccumulator stats(parsed("| stats count() by (attr.pod, level)"));
  stats.add(rec("api", Level::kUnknown, "p1"));
  stats.add(rec("api", Level::kUnknown));
  auto json = stats.toJson();
  ASSERT_EQ(json.size(), 2u);
  EXPECT_TRUE(json[0]["attr.pod"].is_null());
  EXPECT_EQ(json[0]["level"], "unknown");
  EXPECT_EQ(json[1]["attr.pod"], "p1");
}

TEST(QueryStatsTest, KeysDoNotCollide) {
  // ("a", "bc") and ("ab", "c") concatenate alike; they are two groups.
  StatsAccumulator stats(parsed("| stats count() by (service, pod)"));
  stats.add(rec("a", Level::kInfo, "bc"));
  stats.add(rec("ab", Level::kInfo, "c"));
  stats.add(rec("ab", Level::kInfo));
  stats.add(rec("", Level::kInfo, "ab"));
  EXPECT_EQ(stats.groupCount(), 4u);
}

TEST(QueryStatsTest, GroupsAreBoundedWithAnOtherGroup) {
  StatsAccumulator stats(parsed("| stats count() by (pod)"));
  const std::size_t n = StatsAccumulator::kMaxGroups + 250;
  for (std::size_t i = 0; i < n; ++i)
    stats.add(rec("api", Level::kInfo, "pod-" + std::to_string(i)));
  stats.add(rec("api", Level::kInfo, "pod-0"));  // an existing group still counts
  stats.add(rec("api", Level::kInfo, "pod-0"));
  EXPECT_EQ(stats.groupCount(), StatsAccumulator::kMaxGroups);
  EXPECT_EQ(stats.otherCount(), 250u);
  auto json = stats.toJson();
  ASSERT_EQ(json.size(), StatsAccumulator::kMaxGroups + 1);
  EXPECT_EQ(json[0]["pod"], "pod-0");
  EXPECT_EQ(json[0]["count"], 3);
  EXPECT_EQ(json.back().dump(), R"({"count":250,"other":true})");
  std::uint64_t total = 0;
  for (const auto& row : json)
    total += row["count"].get<std::uint64_t>();
  EXPECT_EQ(total, n + 2);
}

}  // namespace
}  // namespace pharos::logs
