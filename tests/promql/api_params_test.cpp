#include "promql/api_params.h"

#include <gtest/gtest.h>

namespace pharos::promql {
namespace {

TEST(ApiParamsTest, TimesAsUnixSeconds) {
  EXPECT_EQ(*parseTimeParam("1700000000"), 1700000000000);
  EXPECT_EQ(*parseTimeParam("1700000000.123"), 1700000000123);
  EXPECT_EQ(*parseTimeParam("1700000000.1237"), 1700000000124);  // rounded to the ms
  EXPECT_EQ(*parseTimeParam("1.5e9"), 1500000000000);
  EXPECT_EQ(*parseTimeParam("-1.5"), -1500);
  EXPECT_EQ(*parseTimeParam("+10"), 10000);
}

TEST(ApiParamsTest, TimesAsRfc3339) {
  EXPECT_EQ(*parseTimeParam("2023-11-14T22:13:20Z"), 1700000000000);
  EXPECT_EQ(*parseTimeParam("2023-11-14T22:13:20.123Z"), 1700000000123);
  EXPECT_EQ(*parseTimeParam("2023-11-14T22:13:20.123999999Z"), 1700000000123);
  EXPECT_EQ(*parseTimeParam("2023-11-15T00:13:20+02:00"), 1700000000000);
  EXPECT_EQ(*parseTimeParam("2023-11-14T21:13:20-01:00"), 1700000000000);
  EXPECT_EQ(*parseTimeParam("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*parseTimeParam("1969-12-31T23:59:59Z"), -1000);
  EXPECT_EQ(*parseTimeParam("2024-02-29T00:00:00Z"), 1709164800000);
}

TEST(ApiParamsTest, BadTimesAreClearErrors) {
  for (const char* bad : {"", "now", "2023-11-14", "2023-11-14T22:13:20", "2023-02-29T00:00:00Z",
                          "2023-11-14T24:00:00Z", "2023-11-14T22:13:20.Z", "NaN", "Inf", "1e300",
                          "0x10", "12abc", "2023-11-14 22:13:20Z"}) {
    auto r = parseTimeParam(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().message, "cannot parse \"" + std::string(bad) + "\" to a valid timestamp");
  }
}

TEST(ApiParamsTest, Durations) {
  EXPECT_EQ(*parseDurationParam("15"), 15000);
  EXPECT_EQ(*parseDurationParam("0.5"), 500);
  EXPECT_EQ(*parseDurationParam("15s"), 15000);
  EXPECT_EQ(*parseDurationParam("1m30s"), 90000);
  EXPECT_EQ(*parseDurationParam("1h"), 3600000);
  EXPECT_EQ(*parseDurationParam("0"), 0);
  EXPECT_FALSE(parseDurationParam("1e10").ok());  // overflows int64 nanoseconds like Go
  auto bad = parseDurationParam("5 minutes");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "cannot parse \"5 minutes\" to a valid duration");
  EXPECT_FALSE(parseDurationParam("").ok());
  EXPECT_FALSE(parseDurationParam("NaN").ok());
}

}  // namespace
}  // namespace pharos::promql
