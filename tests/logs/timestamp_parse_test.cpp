#include "logs/timestamp_parse.h"

#include <gtest/gtest.h>

namespace pharos::logs {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

TEST(TimestampParseTest, Rfc3339Forms) {
  std::int64_t ns = 0;
  ASSERT_TRUE(parseRfc3339("2023-11-14T22:13:20Z", ns));
  EXPECT_EQ(ns, 1'700'000'000 * kSecond);
  ASSERT_TRUE(parseRfc3339("2023-11-14T22:13:20.123456789Z", ns));
  EXPECT_EQ(ns, 1'700'000'000 * kSecond + 123'456'789);
  ASSERT_TRUE(parseRfc3339("2023-11-14T23:13:20.5+01:00", ns));
  EXPECT_EQ(ns, 1'700'000'000 * kSecond + 500'000'000);
  ASSERT_TRUE(parseRfc3339("2023-11-14T21:13:20-0100", ns));
  EXPECT_EQ(ns, 1'700'000'000 * kSecond);
  ASSERT_TRUE(parseRfc3339("2023-11-14 22:13:20", ns));
  EXPECT_EQ(ns, 1'700'000'000 * kSecond);
  ASSERT_TRUE(parseRfc3339("2023-11-14t22:13:20.1234567891234z", ns));
  EXPECT_EQ(ns, 1'700'000'000 * kSecond + 123'456'789);
}

TEST(TimestampParseTest, Rfc3339Refusals) {
  std::int64_t ns = 0;
  EXPECT_FALSE(parseRfc3339("2023-11-14", ns));
  EXPECT_FALSE(parseRfc3339("2023-13-14T22:13:20Z", ns));
  EXPECT_FALSE(parseRfc3339("2023-02-29T22:13:20Z", ns));
  EXPECT_TRUE(parseRfc3339("2024-02-29T22:13:20Z", ns));
  EXPECT_FALSE(parseRfc3339("2023-11-14T22:13:20.Z", ns));
  EXPECT_FALSE(parseRfc3339("2023-11-14T22:13:20+1", ns));
  EXPECT_FALSE(parseRfc3339("2023-11-14T22:13:20Zjunk", ns));
  EXPECT_FALSE(parseRfc3339("9999-11-14T22:13:20Z", ns));  // beyond int64 nanoseconds
  EXPECT_FALSE(parseRfc3339("0001-01-01T00:00:00Z", ns));
}

TEST(TimestampParseTest, CommonLogTime) {
  std::int64_t ns = 0;
  ASSERT_TRUE(parseCommonLogTime("10/Oct/2000:13:55:36 -0700", ns));
  EXPECT_EQ(ns, 971'211'336 * kSecond);
  EXPECT_FALSE(parseCommonLogTime("10/Foo/2000:13:55:36 -0700", ns));
  EXPECT_FALSE(parseCommonLogTime("10/Oct/2000:13:55:36", ns));
}

TEST(TimestampParseTest, YearOfNanos) {
  EXPECT_EQ(yearOfNanos(0), 1970);
  EXPECT_EQ(yearOfNanos(-1), 1969);
  EXPECT_EQ(yearOfNanos(1'700'000'000 * kSecond), 2023);
  EXPECT_EQ(yearOfNanos(INT64_MAX), 2262);
  EXPECT_EQ(yearOfNanos(INT64_MIN), 1677);
}

}  // namespace
}  // namespace pharos::logs
