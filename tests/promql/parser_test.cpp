#include "promql/parser.h"

#include <gtest/gtest.h>

#include <cmath>

#include "promql/lexer.h"

namespace pharos::promql {
namespace {

std::string parsed(std::string_view query) {
  auto e = parse(query);
  if (!e.ok()) return "ERROR " + e.error().message;
  return format(**e);
}

struct ValidCase {
  const char* query;
  const char* printed;
};

TEST(ParserTest, ValidExpressionsAndTheirStructure) {
  const ValidCase cases[] = {
      {"1", "1"},
      {"1.5e3", "1500"},
      {".5", "0.5"},
      {"0x1F", "31"},
      {"010", "8"},  // Go's ParseInt(s, 0, 64): octal
      {"Inf", "Inf"},
      {"-inf", "-Inf"},
      {"NaN", "NaN"},
      {"\"a\\tb\"", "\"a\\tb\""},
      {"'it\\'s'", "\"it's\""},
      {"`raw\\n`", "\"raw\\\\n\""},
      {"up", "up"},
      {"up{job=\"api\", path=~\"/v1/.*\",}", "up{job=\"api\", path=~\"/v1/.*\"}"},
      {"{__name__=\"up\"}", "{__name__=\"up\"}"},
      {"{job!~\"\", x=\"y\"}", "{job!~\"\", x=\"y\"}"},
      {"http:requests:rate5m", "http:requests:rate5m"},
      {"up[5m]", "up[5m]"},
      {"up[1h30m]", "up[1h30m]"},
      {"up offset 5m", "up offset 5m"},
      {"up[5m] offset 1w", "up[5m] offset 1w"},
      {"up offset -1h", "up offset -1h"},
      {"rate(x[5m])", "rate(x[5m])"},
      {"quantile_over_time(0.9, x[10m])", "quantile_over_time(0.9, x[10m])"},
      {"histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m])))",
       "histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m])))"},
      {"round(x)", "round(x)"},
      {"round(x, 0.5)", "round(x, 0.5)"},
      {"time()", "time()"},
      {"vector(1)", "vector(1)"},
      {"scalar(up)", "scalar(up)"},
      {"sum(x) by (job)", "sum by (job) (x)"},
      {"sum by (job, instance) (x)", "sum by (job, instance) (x)"},
      {"SUM without (instance) (x)", "sum without (instance) (x)"},
      {"count(x)", "count (x)"},
      {"1 + 2 * 3", "(1 + (2 * 3))"},
      {"1 * 2 + 3", "((1 * 2) + 3)"},
      {"2 ^ 3 ^ 2", "(2 ^ (3 ^ 2))"},  // right-associative
      {"1 - 2 - 3", "((1 - 2) - 3)"},
      {"-2 ^ 2", "-(2 ^ 2)"},
      {"-x * 2", "(-x * 2)"},
      {"- - 1", "1"},
      {"a or b and c", "(a or (b and c))"},
      {"a and b unless c", "((a and b) unless c)"},
      {"a + b > 1 and c", "(((a + b) > 1) and c)"},
      {"a > bool 1", "(a > bool 1)"},
      {"1 == bool 2", "(1 == bool 2)"},
      {"a + on(job) b", "(a + on(job) b)"},
      {"a / ignoring(code) b", "(a / ignoring(code) b)"},
      {"a and on() b", "(a and on() b)"},
      {"(1 + 2) * 3", "((1 + 2) * 3)"},
      {"sum(rate(x[5m])) / sum(rate(y[5m]))", "(sum (rate(x[5m])) / sum (rate(y[5m])))"},
      {"x # a comment\n + 1", "(x + 1)"},
      {"{on=\"x\"}", "{on=\"x\"}"},  // keywords are label names inside braces
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parsed(c.query), c.printed) << c.query;
  }
}

TEST(ParserTest, NodesCarryTheirByteOffsets) {
  auto e = parse("sum(rate(x[5m])) + 2");
  ASSERT_TRUE(e.ok());
  const Expr& bin = **e;
  EXPECT_EQ(bin.args[0]->pos, 0u);
  EXPECT_EQ(bin.args[0]->args[0]->pos, 4u);           // rate
  EXPECT_EQ(bin.args[0]->args[0]->args[0]->pos, 9u);  // x[5m]
  EXPECT_EQ(bin.args[1]->pos, 19u);                   // 2
  EXPECT_EQ(bin.args[0]->args[0]->args[0]->rangeMs, 300000);
}

TEST(ParserTest, SelectorsKeepTheirMatchers) {
  auto e = parse("up{job=\"a\",x!=\"b\"}");
  ASSERT_TRUE(e.ok());
  ASSERT_EQ((*e)->matchers.size(), 3u);
  EXPECT_EQ((*e)->matchers[0].name, "__name__");
  EXPECT_EQ((*e)->matchers[0].value, "up");
  EXPECT_EQ((*e)->matchers[2].type, Matcher::Type::kNotEqual);
  EXPECT_EQ((*e)->type(), ValueType::kVector);
}

struct ErrorCase {
  const char* query;
  const char* message;  // the full message, column included
};

TEST(ParserTest, ConstructsOutsideTheSubsetNameTheirColumn) {
  const ErrorCase cases[] = {
      {"label_replace(up, \"a\", \"b\", \"c\", \"d\")",
       "1:1: \"label_replace\" is not in Pharos' PromQL subset (see docs/PROMQL.md)"},
      {"topk(3, up)", "1:1: \"topk\" is not in Pharos' PromQL subset (see docs/PROMQL.md)"},
      {"sum(quantile(0.9, up))",
       "1:5: \"quantile\" is not in Pharos' PromQL subset (see docs/PROMQL.md)"},
      {"up @ 1700000000",
       "1:4: the \"@\" modifier is not in Pharos' PromQL subset (see docs/PROMQL.md)"},
      {"rate(up[5m])[1h:5m]",
       "1:13: a subquery is not in Pharos' PromQL subset (see docs/PROMQL.md)"},
      {"up[1h:]", "1:3: a subquery is not in Pharos' PromQL subset (see docs/PROMQL.md)"},
      {"a * on(x) group_left b",
       "1:11: \"group_left\" is not in Pharos' PromQL subset (see docs/PROMQL.md)"},
      {"a + group_right b",
       "1:5: \"group_right\" is not in Pharos' PromQL subset (see docs/PROMQL.md)"},
      {"no_such_fn(up)",
       "1:1: \"no_such_fn\" is not in Pharos' PromQL subset (see docs/PROMQL.md)"},
      {"1 +\n  stddev(up)", "2:3: \"stddev\" is not in Pharos' PromQL subset (see docs/PROMQL.md)"},
      {"a atan2 b", "1:3: \"atan2\" is not in Pharos' PromQL subset (see docs/PROMQL.md)"},
  };
  for (const auto& c : cases) {
    auto e = parse(c.query);
    ASSERT_FALSE(e.ok()) << c.query;
    EXPECT_EQ(e.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(e.error().message, c.message) << c.query;
  }
}

TEST(ParserTest, SyntaxErrorsSayWhatWasExpectedWhere) {
  const ErrorCase cases[] = {
      {"", "1:1: unexpected end of input, expected an expression"},
      {"sum(", "1:5: unexpected end of input, expected an expression"},
      {"up{job=}", "1:8: unexpected \"}\", expected a quoted label value"},
      {"up{job \"a\"}",
       "1:8: unexpected \"\"a\"\", expected a label matching operator (=, !=, =~ or !~)"},
      {"up{", "1:4: unexpected end of input, expected a label name"},
      {"(1 + 2", "1:7: unexpected end of input, expected \")\""},
      {"up[5]", "1:4: unexpected \"5\", expected a duration"},
      {"up[5m", "1:6: unexpected end of input, expected \"]\""},
      {"up offset", "1:10: unexpected end of input, expected a duration after offset"},
      {"1 2", "1:3: unexpected \"2\", expected end of the expression"},
      {"\"abc", "1:1: unterminated quoted string"},
      {"\"\\q\"", "1:2: invalid escape sequence in string"},
      {"5m", "1:1: unexpected \"5m\", expected an expression"},
      {"up[5m3]", "1:4: bad number or duration syntax: \"5m\""},
      {"sum by job (x)", "1:8: unexpected \"job\", expected \"(\""},
      {"up{a-b=\"1\"}",
       "1:5: unexpected \"-\", expected a label matching operator (=, !=, =~ or !~)"},
      {"by", "1:1: unexpected \"by\", expected an expression"},
      {"a $ b", "1:3: unexpected character '$'"},
      {"up{x=~\"a(\"}", "1:7: invalid regular expression"},  // prefix; the rest is std's
      {"up[300000000y]", "1:4: not a valid duration string: \"300000000y\""},
      {"up[100000000y]", "1:4: range is too long"},
      {"up offset 100000000y", "1:11: offset is too long"},
      {"up[0s]", "1:4: range must be greater than zero"},
  };
  for (const auto& c : cases) {
    auto e = parse(c.query);
    ASSERT_FALSE(e.ok()) << c.query;
    EXPECT_EQ(e.error().message.substr(0, std::string_view(c.message).size()), c.message)
        << c.query << " gave " << e.error().message;
  }
}

TEST(ParserTest, TypeErrorsLikePrometheus) {
  const ErrorCase cases[] = {
      {"rate(up)",
       "1:6: expected type range vector in call to function \"rate\", got instant "
       "vector"},
      {"abs(up[5m])",
       "1:5: expected type instant vector in call to function \"abs\", got range "
       "vector"},
      {"sum(up[5m])",
       "1:5: expected type instant vector in aggregation expression, got range vector"},
      {"up[5m] + 1", "1:8: binary expression must contain only scalar and instant vector types"},
      {"1 > 2", "1:3: comparisons between scalars must use BOOL modifier"},
      {"1 and up", "1:3: set operator \"and\" not allowed in binary scalar expression"},
      {"up + bool up", "1:4: bool modifier can only be used on comparison operators"},
      {"1 + on(x) up", "1:3: vector matching only allowed between instant vectors"},
      {"rate(x[5m], 1)", "1:1: expected 1 argument(s) in call to \"rate\", got 2"},
      {"round(x, 1, 2)", "1:1: expected at most 2 argument(s) in call to \"round\", got 3"},
      {"clamp_min(x)", "1:1: expected 2 argument(s) in call to \"clamp_min\", got 1"},
      {"time(1)", "1:1: expected 0 argument(s) in call to \"time\", got 1"},
      {"sum(a, b)",
       "1:4: wrong number of arguments for aggregate expression provided, expected 1, got 2"},
      {"-up[5m]",
       "1:1: unary expression only allowed on expressions of type scalar or instant vector"},
      {"(up)[5m]", "1:5: ranges only allowed for vector selectors"},
      {"sum(up) offset 5m",
       "1:9: offset modifier must be preceded by an instant vector selector or range vector "
       "selector"},
      {"up offset 5m[5m]", "1:13: no offset modifiers allowed before range"},
      {"up offset 5m offset 1m", "1:14: offset may not be set multiple times"},
      {"{}", "1:1: vector selector must contain at least one non-empty matcher"},
      {"{job=~\".*\"}", "1:1: vector selector must contain at least one non-empty matcher"},
      {"up{__name__=\"x\"}", "1:4: metric name must not be set twice: \"up\" or \"x\""},
  };
  for (const auto& c : cases) {
    auto e = parse(c.query);
    ASSERT_FALSE(e.ok()) << c.query;
    EXPECT_EQ(e.error().message, c.message) << c.query;
  }
}

TEST(ParserTest, ErrorPositionIsExposedForTheHttpLayer) {
  auto e = parse("sum(rate(x[5m])) + topk(1, x)");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(errorPosition(e.error()), std::optional<std::size_t>(19));
  EXPECT_EQ(errorPosition(makeError(ErrorCode::kInternal, "x")), std::nullopt);
}

TEST(ParserTest, DeepNestingIsAnErrorNotACrash) {
  std::string deep(5000, '(');
  deep += "1";
  deep += std::string(5000, ')');
  auto e = parse(deep);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("nests too deeply"), std::string::npos);
  std::string unary(5000, '-');
  EXPECT_FALSE(parse(unary + "1").ok());
}

TEST(ParserTest, Durations) {
  EXPECT_EQ(*parsePromDuration("1h30m"), 5400000);
  EXPECT_EQ(*parsePromDuration("500ms"), 500);
  EXPECT_EQ(*parsePromDuration("1y"), 365LL * 24 * 3600 * 1000);
  EXPECT_EQ(*parsePromDuration("2w1d"), 15LL * 24 * 3600 * 1000);
  EXPECT_FALSE(parsePromDuration("30m1h").ok());  // out of order
  EXPECT_FALSE(parsePromDuration("1m1m").ok());
  EXPECT_FALSE(parsePromDuration("5").ok());
  EXPECT_FALSE(parsePromDuration("").ok());
  EXPECT_FALSE(parsePromDuration("99999999999999999999y").ok());
  EXPECT_EQ(formatPromDuration(5400000), "1h30m");
  EXPECT_EQ(formatPromDuration(60000), "1m");
  EXPECT_EQ(formatPromDuration(1500), "1s500ms");
}

TEST(ParserTest, StringEscapes) {
  auto e = parse(R"("\x41\101\u00e9\U0001F600\\\"")");
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ((*e)->text, "AA\xc3\xa9\xf0\x9f\x98\x80\\\"");
  EXPECT_FALSE(parse(R"('\"')").ok());  // \" only inside double quotes, as in Go
  EXPECT_FALSE(parse(R"("\400")").ok());
  EXPECT_FALSE(parse(R"("\uD800")").ok());
  EXPECT_FALSE(parse("\"a\nb\"").ok());
  auto raw = parse("`a\nb`");
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ((*raw)->text, "a\nb");
}

TEST(ParserTest, KeywordsAreCaseInsensitiveFunctionsAreNot) {
  EXPECT_EQ(parsed("SUM BY (job) (x) OR y"), "(sum by (job) (x) or y)");
  EXPECT_EQ(parsed("x OFFSET 1m"), "x offset 1m");
  EXPECT_EQ(parsed("RATE(x[5m])").substr(0, 11), "ERROR 1:1: ");
}

}  // namespace
}  // namespace pharos::promql
