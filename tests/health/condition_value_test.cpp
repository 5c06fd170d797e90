#include "health/condition_value.h"

#include <gtest/gtest.h>

#include <string>

#include <fmt/format.h>

namespace pharos::health {
namespace {

TEST(ConditionValueTest, NumbersAreStrictDecimals) {
  EXPECT_EQ(parseNumber("200")->integer, 200);
  EXPECT_EQ(parseNumber("-1.5")->value, -1.5);
  EXPECT_FALSE(parseNumber("-1.5")->integer);
  EXPECT_EQ(parseNumber("1e3")->value, 1000);
  for (const char* text : {"", "-", "+1", "1.", ".5", "inf", "nan", "0x10", "1e", "1e400",
                           "127.0.0.1", "12abc", " 1"}) {
    EXPECT_FALSE(parseNumber(text)) << text;
  }
}

TEST(ConditionValueTest, WordsAreNumbersDurationsOrText) {
  Value n = classifyWord("42");
  EXPECT_EQ(n.kind, Value::Kind::kNumber);
  EXPECT_EQ(n.number.integer, 42);
  Value d = classifyWord("168h");
  EXPECT_EQ(d.kind, Value::Kind::kNumber);
  EXPECT_EQ(d.number.integer, 168 * 3'600'000);
  EXPECT_EQ(d.text, "168h");
  EXPECT_EQ(classifyWord("1m30s").number.integer, 90'000);
  EXPECT_EQ(classifyWord("127.0.0.1").kind, Value::Kind::kText);
  EXPECT_EQ(classifyWord("NOERROR").kind, Value::Kind::kText);
  EXPECT_EQ(classifyWord("7x").kind, Value::Kind::kText);
}

TEST(ConditionValueTest, EqualityIsNumericOnlyBetweenNumbers) {
  EXPECT_TRUE(valuesEqual(classifyWord("42"), classifyWord("42.0")));
  // Versions stay text: "1.10" is not the number 1.1 when the other side is text.
  EXPECT_FALSE(valuesEqual(Value::ofText("1.1"), classifyWord("1.10")));
  EXPECT_TRUE(valuesEqual(Value::ofText("42"), Value::ofInteger(42)));
  EXPECT_TRUE(valuesEqual(Value::ofBool(true), Value::ofText("true")));
}

TEST(ConditionValueTest, LargeIntegersCompareExactly) {
  Number a = *parseNumber("9007199254740993");
  Number b = *parseNumber("9007199254740992");
  EXPECT_EQ(compareNumbers(a, b), 1);
  EXPECT_EQ(compareNumbers(b, a), -1);
  EXPECT_EQ(compareNumbers(a, a), 0);
  EXPECT_EQ(compareNumbers(*parseNumber("1.5"), *parseNumber("2")), -1);
}

TEST(ConditionValueTest, OnlyNumbersAndNumericTextOrder) {
  EXPECT_EQ(orderable(Value::ofText("10"))->integer, 10);
  EXPECT_FALSE(orderable(Value::ofText("ten")));
  EXPECT_FALSE(orderable(Value::ofBool(true)));
}

TEST(ConditionValueTest, RenderingQuotesTextAndCutsAt64Bytes) {
  EXPECT_EQ(renderValue(Value::ofText("a\"b\n")), "\"a\\\"b\\n\"");
  EXPECT_EQ(renderValue(Value::ofInteger(503)), "503");
  EXPECT_EQ(renderValue(Value::ofText(std::string(100, 'x'))),
            fmt::format("\"{}...\"", std::string(64, 'x')));
  // A two-byte character straddling byte 64 is dropped whole, not split.
  std::string text = fmt::format("{}\xc3\xa9tail", std::string(63, 'x'));
  EXPECT_EQ(renderValue(Value::ofText(text)), fmt::format("\"{}...\"", std::string(63, 'x')));
}

}  // namespace
}  // namespace pharos::health
