#include "core/labels.h"

#include <gtest/gtest.h>

namespace pharos {
namespace {

TEST(LabelsTest, SortsDedupsAndDropsEmptyValues) {
  Labels labels = Labels::fromUnsorted(
      {{"job", "api"}, {"__name__", "up"}, {"job", "web"}, {"zone", ""}, {"a", "1"}});
  ASSERT_EQ(labels.size(), 3u);
  EXPECT_EQ(labels.items()[0].name, "__name__");
  EXPECT_EQ(labels.items()[1].name, "a");
  EXPECT_EQ(labels.get("job"), "web");  // the later duplicate wins
  EXPECT_FALSE(labels.has("zone"));
  EXPECT_EQ(labels.str(), "up{a=\"1\",job=\"web\"}");
}

TEST(LabelsTest, EqualSetsHaveEqualStringsAndHashes) {
  Labels a{{"__name__", "x"}, {"b", "2"}, {"a", "1"}};
  Labels b{{"a", "1"}, {"b", "2"}, {"__name__", "x"}};
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.hash(), b.hash());
  EXPECT_NE(Labels({{"a", "bc"}}).hash(), Labels({{"ab", "c"}}).hash());
}

TEST(LabelsTest, EscapesValuesInTheCanonicalString) {
  Labels labels{{"__name__", "m"}, {"path", "a\"b\\c\nd"}};
  EXPECT_EQ(labels.str(), "m{path=\"a\\\"b\\\\c\\nd\"}");
  EXPECT_EQ(Labels().str(), "{}");
}

TEST(LabelsTest, WithWithoutKeepOnlyAndDropping) {
  Labels labels{{"__name__", "m"}, {"job", "api"}, {"instance", "h:1"}};
  EXPECT_EQ(labels.with("env", "prod").get("env"), "prod");
  EXPECT_EQ(labels.with("job", "").has("job"), false);
  EXPECT_EQ(labels.without("job").size(), 2u);
  EXPECT_EQ(labels.keepOnly({"job"}).str(), "{job=\"api\"}");
  EXPECT_EQ(labels.dropping({"job"}).str(), "{instance=\"h:1\"}");
}

TEST(LabelsTest, ValidatesNamesAndValues) {
  EXPECT_TRUE(isValidMetricName("http:requests_total"));
  EXPECT_FALSE(isValidMetricName("9lives"));
  EXPECT_FALSE(isValidMetricName(""));
  EXPECT_TRUE(isValidLabelName("_x9"));
  EXPECT_FALSE(isValidLabelName("a:b"));
  EXPECT_FALSE(isValidLabelName("a-b"));
  EXPECT_TRUE(validateSeriesLabels(Labels{{"__name__", "m"}, {"k", "v\xc3\xa9"}}).ok());
  auto bad = validateSeriesLabels(Labels{{"__name__", "m"}, {"k", "\xff"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("\"k\""), std::string::npos);
  EXPECT_FALSE(validateSeriesLabels(Labels{{"k", "v"}}).ok());
  EXPECT_FALSE(validateSeriesLabels(Labels{{"__name__", "m"}, {"1k", "v"}}).ok());
}

}  // namespace
}  // namespace pharos
