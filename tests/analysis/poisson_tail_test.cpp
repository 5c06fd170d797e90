#include "analysis/poisson_tail.h"

#include <gtest/gtest.h>

namespace pharos::analysis {
namespace {

TEST(PoissonTailTest, MatchesTheExactSums) {
  // log10 P(X >= x), from sum_{k >= x} e^-l l^k / k! in double precision.
  EXPECT_NEAR(poissonUpperTailLog10(3, 1), -1.0952768988667825, 1e-9);
  EXPECT_NEAR(poissonUpperTailLog10(10, 2), -4.332565026178538, 1e-9);
  EXPECT_NEAR(poissonUpperTailLog10(20, 0.1), -38.427481507996305, 1e-9);
  EXPECT_NEAR(poissonUpperTailLog10(1000, 600), -49.63375265317328, 1e-7);
}

TEST(PoissonTailTest, OnlyTheUpperTail) {
  EXPECT_EQ(poissonUpperTailLog10(5, 5), 0);
  EXPECT_EQ(poissonUpperTailLog10(1, 30), 0);
  EXPECT_EQ(poissonUpperTailLog10(0, 0), 0);
}

TEST(PoissonTailTest, FractionalCountsAreMonotone) {
  double a = poissonUpperTailLog10(4.0, 0.5);
  double b = poissonUpperTailLog10(4.5, 0.5);
  double c = poissonUpperTailLog10(5.0, 0.5);
  EXPECT_GT(a, b);
  EXPECT_GT(b, c);
  // A zero rate still gives a finite, tiny probability.
  EXPECT_LT(poissonUpperTailLog10(3, 0), -20);
}

}  // namespace
}  // namespace pharos::analysis
