#include "core/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace pharos {
namespace {

Result<int> parsePositive(int x) {
  if (x <= 0) return makeError(ErrorCode::kInvalidArgument, "not positive", "x");
  return x;
}

Result<int> doubled(int x) {
  PHAROS_ASSIGN_OR_RETURN(int v, parsePositive(x));
  return v * 2;
}

Status check(int x) {
  PHAROS_TRY(parsePositive(x));
  return okStatus();
}

TEST(ResultTest, CarriesValueOrError) {
  Result<int> good = parsePositive(3);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 3);
  Result<int> bad = parsePositive(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.valueOr(7), 7);
}

TEST(ResultTest, MacrosPropagateErrors) {
  EXPECT_EQ(*doubled(4), 8);
  EXPECT_EQ(doubled(0).error().message, "not positive");
  EXPECT_TRUE(check(1).ok());
  EXPECT_EQ(check(-5).error().context, "x");
}

TEST(ResultTest, HoldsMoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(5);
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 5);
}

TEST(ErrorTest, ContextNestsOutermostFirst) {
  Error e = makeError(ErrorCode::kNotFound, "no such queue", "orders");
  Error wrapped = std::move(e).withContext("bus");
  EXPECT_EQ(wrapped.toString(), "not_found: no such queue (bus: orders)");
  EXPECT_FALSE(wrapped.retryable);
  EXPECT_TRUE(retryableError(ErrorCode::kUnavailable, "busy").retryable);
}

}  // namespace
}  // namespace pharos
