#include <gtest/gtest.h>
#include "promql/matcher.h"
TEST(MatcherPlaceholder, Builds) {
  EXPECT_TRUE(pharos::promql::Matcher::make(pharos::promql::Matcher::Type::kEqual, "a", "b").ok());
}
