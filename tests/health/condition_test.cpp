#include "health/condition.h"

#include <gtest/gtest.h>

#include <string>

#include <fmt/format.h>

#include "health/condition_body.h"

namespace pharos::health {
namespace {

constexpr std::string_view kJsonBody = R"({
  "status": "ok", "ok": true, "version": "1.2.3",
  "data": [{"id": 42, "name": "a"}, {"id": 43}],
  "items": [{"name": "x"}, {"name": "y"}],
  "count": "10", "empty": [], "nested": {"a": {"b": null}},
  "big": 9007199254740993, "ratio": 0.5, "word": "hello"
})";

ProbeObservation httpObservation() {
  ProbeObservation o;
  o.checkType = "http";
  o.status = 200;
  o.responseTimeMs = 123.5;
  o.body = kJsonBody;
  o.connected = true;
  o.certExpiresInMs = int64_t{200} * 3'600'000;  // 200h
  o.ip = "127.0.0.1";
  o.headers = {
      {"Content-Type", "application/json; charset=utf-8"}, {"X-Multi", "a"}, {"x-multi", "b"}};
  return o;
}

ProbeObservation tcpObservation() {
  ProbeObservation o;
  o.checkType = "tcp";
  o.connected = true;
  o.responseTimeMs = 4;
  o.ip = "10.0.0.1";
  return o;
}

ConditionOutcome evaluate(std::string_view text, const ProbeObservation& o) {
  auto parsed = Condition::parse(text);
  if (const auto* e = std::get_if<ConditionSyntaxError>(&parsed)) {
    ADD_FAILURE() << text << ": " << e->message;
    return {false, "syntax error"};
  }
  return std::get<Condition>(parsed).evaluate(o);
}

ConditionSyntaxError syntaxError(std::string_view text) {
  auto parsed = Condition::parse(text);
  if (std::holds_alternative<Condition>(parsed)) {
    ADD_FAILURE() << text << " parsed, expected a syntax error";
    return {};
  }
  return std::get<ConditionSyntaxError>(parsed);
}

struct Case {
  const char* condition;
  bool success;
};

// Every example of the language against one HTTP observation, true and false.
TEST(ConditionTest, ExamplesAgainstHttpObservation) {
  const Case cases[] = {
      {"[STATUS] == 200", true},
      {"[STATUS] == 201", false},
      {"[STATUS] != 500", true},
      {"[STATUS] < 300", true},
      {"[STATUS] < 200", false},
      {"[STATUS] <= 200", true},
      {"[STATUS] > 199", true},
      {"[STATUS] >= 201", false},
      {"[RESPONSE_TIME] < 300", true},
      {"[RESPONSE_TIME] < 100", false},
      {"[RESPONSE_TIME] > 123", true},
      {"[RESPONSE_TIME] < 1s", true},
      {"[BODY].status == \"ok\"", true},
      {"[BODY].status == ok", true},
      {"[BODY].status == \"degraded\"", false},
      {"[BODY].status != ok", false},
      {"[BODY].data[0].id == 42", true},
      {"[BODY].data[1].id == 42", false},
      {"[BODY].data[0].id == \"42\"", true},  // a number equals its spelling
      {"[BODY].items[1].name != \"x\"", true},
      {"[BODY].items[0].name != \"x\"", false},
      {"len([BODY].items) > 0", true},
      {"len([BODY].items) == 2", true},
      {"len([BODY].empty) > 0", false},
      {"len([BODY].word) == 5", true},
      {"len([BODY]) < 1000", true},
      {"[BODY].version == pat(1.*)", true},
      {"[BODY].version == pat(2.*)", false},
      {"[BODY].version == pat(1.?.3)", true},
      {"[BODY].version != pat(1.*)", false},
      {"[BODY].status == any(ok, healthy)", true},
      {"[BODY].status == any(healthy, \"fine\")", false},
      {"[STATUS] == any(200, 204)", true},
      {"[CERT_EXPIRES_IN] > 168h", true},
      {"[CERT_EXPIRES_IN] > 9d", false},
      {"[CERTIFICATE_EXPIRATION] > 7d", true},
      {"[CERT_EXPIRES_IN] == 720000000", true},  // 200h in ms
      {"[CONNECTED] == true", true},
      {"[CONNECTED] == false", false},
      {"[IP] == 127.0.0.1", true},
      {"[IP] == 127.0.0.2", false},
      {"[HEADER].content-type == pat(*json*)", true},
      {"[HEADER].CONTENT-TYPE == pat(*xml*)", false},
      {"[HEADER].x-multi == \"a, b\"", true},
      {"[STATUS] == 200 && [RESPONSE_TIME] < 500", true},
      {"[STATUS] == 200 && [RESPONSE_TIME] < 100", false},
      {"([STATUS] == 200 || [STATUS] == 204) && [BODY].ok == true", true},
      {"([STATUS] == 201 || [STATUS] == 204) && [BODY].ok == true", false},
      {"[BODY].count > 5", true},  // numeric text orders as a number, as in Gatus
      {"[BODY].count < \"9\"", false},
      {"[BODY].big == 9007199254740993", true},  // beyond a double's exact integers
      {"[BODY].big != 9007199254740992", true},
      {"[BODY].ratio == 0.5", true},
      {"[BODY].ratio < 1", true},
      {"[BODY].nested.a.b == null", true},
      {"has([BODY].nested.a) == true", true},
      {"has([BODY].nope) == false", true},
      {"has([BODY].data[5]) == true", false},
      {"has([HEADER].x-missing) == false", true},
      {"pat(1.*) == [BODY].version", true},
      {"200 == [STATUS]", true},
      {"[STATUS]==200&&[BODY].status==ok", true},
  };
  ProbeObservation o = httpObservation();
  for (const Case& c : cases) {
    ConditionOutcome outcome = evaluate(c.condition, o);
    EXPECT_EQ(outcome.success, c.success) << c.condition << " -> " << outcome.explanation;
  }
}

// && binds tighter than ||: read the other way round each of these flips.
TEST(ConditionTest, AndBindsTighterThanOr) {
  ProbeObservation o = httpObservation();
  EXPECT_TRUE(evaluate("[STATUS] == 500 && [STATUS] == 200 || [STATUS] == 200", o).success);
  EXPECT_TRUE(evaluate("[STATUS] == 200 || [STATUS] == 500 && [STATUS] == 501", o).success);
  EXPECT_FALSE(evaluate("([STATUS] == 200 || [STATUS] == 500) && [STATUS] == 501", o).success);
  EXPECT_FALSE(evaluate("[STATUS] == 500 && ([STATUS] == 200 || [STATUS] == 200)", o).success);
}

TEST(ConditionTest, PatternsMatchTheWholeTextBody) {
  ProbeObservation o;
  o.body = "service is healthy";
  EXPECT_TRUE(evaluate("[BODY] == pat(*healthy*)", o).success);
  EXPECT_TRUE(evaluate("[BODY] == pat(service*)", o).success);
  EXPECT_FALSE(evaluate("[BODY] == pat(healthy*)", o).success);  // not a substring search
  EXPECT_TRUE(evaluate("[BODY] == \"service is healthy\"", o).success);
  EXPECT_TRUE(evaluate("[BODY] == pat(\"*is heal?hy\")", o).success);
  EXPECT_TRUE(evaluate("[BODY] == any(down, service is healthy)", o).success);
  EXPECT_TRUE(evaluate("len([BODY]) == 18", o).success);  // not JSON: its bytes
}

TEST(ConditionTest, LengthOfAJsonArrayBodyCountsElements) {
  ProbeObservation o;
  o.body = R"([1, 2, 3])";
  EXPECT_TRUE(evaluate("len([BODY]) == 3", o).success);
  EXPECT_TRUE(evaluate("[BODY][1] == 2", o).success);
  o.body = R"("abc")";
  EXPECT_TRUE(evaluate("len([BODY]) == 3", o).success);
}

TEST(ConditionTest, ExplanationsShowActualValues) {
  ProbeObservation o = httpObservation();
  o.status = 503;
  EXPECT_EQ(evaluate("[STATUS] == 200", o).explanation, "[STATUS] (503) == 200");

  o.body = R"({"status": "degraded"})";
  EXPECT_EQ(evaluate("[BODY].status == \"ok\"", o).explanation,
            "[BODY].status (\"degraded\") == \"ok\"");

  o = httpObservation();
  o.responseTimeMs = 812.5;
  EXPECT_EQ(evaluate("[STATUS] == 200 && [RESPONSE_TIME] < 500", o).explanation,
            "[STATUS] (200) == 200 && [RESPONSE_TIME] (812.5) < 500");

  o.status = 204;
  EXPECT_EQ(evaluate("([STATUS] == 200 || [STATUS] == 204) && [BODY].ok == true", o).explanation,
            "([STATUS] (204) == 200 || [STATUS] (204) == 204) && [BODY].ok (true) == true");
  EXPECT_EQ(evaluate("len([BODY].items) > 0", o).explanation, "len([BODY].items) (2) > 0");
  EXPECT_EQ(evaluate("[CERT_EXPIRES_IN] > 168h", o).explanation, "[CERT_EXPIRES_IN] (200h) > 168h");
  EXPECT_EQ(evaluate("[BODY].version == pat(2.*)", o).explanation,
            "[BODY].version (\"1.2.3\") == pat(2.*)");
  EXPECT_EQ(evaluate("[CONNECTED] == false", o).explanation, "[CONNECTED] (true) == false");
}

TEST(ConditionTest, LongValuesAreCutInExplanations) {
  std::string body(100'000, 'a');
  ProbeObservation o;
  o.body = body;
  ConditionOutcome outcome = evaluate("[BODY] == pat(*healthy*)", o);
  EXPECT_FALSE(outcome.success);
  EXPECT_EQ(outcome.explanation,
            fmt::format("[BODY] (\"{}...\") == pat(*healthy*)", std::string(64, 'a')));

  std::string many = "[STATUS] == 1";
  for (int i = 0; i < 200; ++i)
    many += " || [STATUS] == 1";
  outcome = evaluate(many, httpObservation());
  EXPECT_LE(outcome.explanation.size(), 1024u + 3);
  EXPECT_EQ(outcome.explanation.substr(outcome.explanation.size() - 3), "...");
}

TEST(ConditionTest, MissingValuesFailWithAReason) {
  ProbeObservation tcp = tcpObservation();
  ConditionOutcome outcome = evaluate("[CERT_EXPIRES_IN] > 168h", tcp);
  EXPECT_FALSE(outcome.success);
  EXPECT_EQ(outcome.explanation,
            "[CERT_EXPIRES_IN] (n/a) > 168h: [CERT_EXPIRES_IN] is not available for a tcp check");

  outcome = evaluate("[STATUS] == 200 && [CONNECTED] == true", tcp);
  EXPECT_FALSE(outcome.success);
  EXPECT_EQ(outcome.explanation,
            "[STATUS] (n/a) == 200 && [CONNECTED] (true) == true: "
            "[STATUS] is not available for a tcp check");

  // A missing value on the side of an || that does not decide it does not fail the condition.
  EXPECT_TRUE(evaluate("[STATUS] == 200 || [CONNECTED] == true", tcp).success);
  // != is not true of a value that is not there.
  EXPECT_FALSE(evaluate("[DNS_RCODE] != NXDOMAIN", tcp).success);

  tcp.checkType.clear();
  EXPECT_EQ(evaluate("[BODY] == ok", tcp).explanation,
            "[BODY] (n/a) == ok: [BODY] is not available for this check");
}

TEST(ConditionTest, JsonPathsThatLeadNowhereFailWithAReason) {
  ProbeObservation o = httpObservation();
  EXPECT_EQ(evaluate("[BODY].nope == 1", o).explanation,
            "[BODY].nope (n/a) == 1: [BODY].nope: [BODY] has no key \"nope\"");
  EXPECT_EQ(evaluate("[BODY].data[2].id == 1", o).explanation,
            "[BODY].data[2].id (n/a) == 1: [BODY].data[2].id: index 2 is past the end of "
            "[BODY].data (2 elements)");
  EXPECT_EQ(evaluate("[BODY].status.x == 1", o).explanation,
            "[BODY].status.x (n/a) == 1: [BODY].status.x: [BODY].status is a string, not an "
            "object");
  EXPECT_EQ(evaluate("[BODY].nested[0] == 1", o).explanation,
            "[BODY].nested[0] (n/a) == 1: [BODY].nested[0]: [BODY].nested is an object, not an "
            "array");
  EXPECT_EQ(evaluate("[HEADER].x-missing == 1", o).explanation,
            "[HEADER].x-missing (n/a) == 1: [HEADER].x-missing: the response has no x-missing "
            "header");
}

TEST(ConditionTest, NonJsonBodiesFailJsonPathsWithTheByte) {
  ProbeObservation o;
  o.checkType = "http";
  o.body = "<html>ok</html>";
  ConditionOutcome outcome = evaluate("[BODY].status == ok", o);
  EXPECT_FALSE(outcome.success);
  EXPECT_EQ(outcome.explanation,
            "[BODY].status (n/a) == ok: [BODY].status: body is not JSON at byte 1");
  EXPECT_FALSE(evaluate("has([BODY].status) == true", o).success);
  EXPECT_TRUE(evaluate("[BODY] == pat(<html>*)", o).success);  // the raw body still works

  o.body = R"({"a": 1e400})";
  EXPECT_NE(evaluate("[BODY].a == 1", o).explanation.find("out of range"), std::string::npos);

  std::string deep(100, '[');
  o.body = deep;
  EXPECT_NE(evaluate("[BODY][0] == 1", o).explanation.find("nests deeper than 64 at byte 64"),
            std::string::npos);
}

TEST(ConditionTest, OrderingAStringIsAnEvaluationFailure) {
  ProbeObservation o = httpObservation();
  ConditionOutcome outcome = evaluate("[BODY].status > 5", o);
  EXPECT_FALSE(outcome.success);
  EXPECT_EQ(outcome.explanation,
            "[BODY].status (\"ok\") > 5: [BODY].status (\"ok\") is not a number");
  EXPECT_FALSE(evaluate("[HEADER].content-type < 5", o).success);
}

TEST(ConditionTest, HeadersAreFoundByCaseInsensitiveName) {
  ProbeObservation o = httpObservation();
  EXPECT_TRUE(evaluate("[HEADER].Content-Type == \"application/json; charset=utf-8\"", o).success);
  EXPECT_TRUE(evaluate("[HEADER].CONTENT-TYPE == pat(application/*)", o).success);
  EXPECT_TRUE(evaluate("has([HEADER].content-type) == true", o).success);
  o.headers.push_back({"Content-Length", "1234"});
  EXPECT_TRUE(evaluate("[HEADER].content-length > 1000", o).success);
}

struct SyntaxCase {
  const char* condition;
  size_t offset;
  const char* message;
};

TEST(ConditionTest, SyntaxErrorsNameTheOffset) {
  const SyntaxCase cases[] = {
      {"[STATUS] == 200)", 15, "unexpected ')' at offset 15"},
      {"[STATU] == 200", 0, "unknown placeholder [STATU] at offset 0 (did you mean [STATUS]?)"},
      {"[status] == 200", 0, "unknown placeholder [status] at offset 0 (did you mean [STATUS]?)"},
      {"[DOMAIN_EXPIRATION] > 1h", 0, "unknown placeholder [DOMAIN_EXPIRATION] at offset 0"},
      {"[STATUS] = 200", 9, "unexpected '=' at offset 9 (use == to compare)"},
      {"[STATUS] ==", 11, "unexpected end of condition at offset 11 (expected a value)"},
      {"([STATUS] == 200", 16,
       "unexpected end of condition at offset 16 (the '(' at offset 0 is not closed)"},
      {"", 0, "empty condition at offset 0"},
      {"   ", 0, "empty condition at offset 0"},
      {"[CONNECTED]", 11,
       "expected == != < <= > or >= after '[CONNECTED]' at offset 11, found end of condition"},
      {"[IP] < 5", 0, "< compares numbers, but '[IP]' is never a number at offset 0"},
      {"[BODY].name < \"abc\"", 14,
       "< compares numbers, but '\"abc\"' is never a number at offset 14"},
      {"[BODY].name >= ok", 15, ">= compares numbers, but 'ok' is never a number at offset 15"},
      {"[BODY] < pat(x*)", 7, "pat() and any() work with == and != only, not < at offset 7"},
      {"pat(a) == any(b)", 7, "only one side of a comparison can be pat() or any() at offset 7"},
      {"200 == 200", 0,
       "neither side of the comparison is a placeholder at offset 0 (e.g. [STATUS] == 200)"},
      {"STATUS == 200", 0,
       "neither side of the comparison is a placeholder at offset 0 (did you mean [STATUS]?)"},
      {"[STATUS].x == 1", 8, "[STATUS] takes no path at offset 8"},
      {"[HEADER] == x", 8, "[HEADER] needs a header name at offset 8 (e.g. [HEADER].content-type)"},
      {"[BODY].data[x] == 1", 12, "expected an array index after '[' at offset 12"},
      {"[BODY].data[1 == 1", 13, "expected ']' after the array index at offset 13"},
      {"[BODY]. == 1", 7, "expected a key after '.' at offset 7"},
      {"[BODY].status == \"ok", 17, "unterminated string at offset 17"},
      {"[BODY] == \"a\\qb\"", 12,
       "unknown escape in a string at offset 12 (use \\\" \\\\ \\n \\t or \\r)"},
      {"lenn([BODY]) > 1", 0, "unknown function lenn() at offset 0 (did you mean len()?)"},
      {"len(200) > 1", 4,
       "unexpected '200' at offset 4 (len() takes a placeholder such as [BODY].items)"},
      {"len([BODY] > 1", 11, "unexpected '>' at offset 11 (len( is not closed)"},
      {"[STATUS] == 200 &&", 18, "unexpected end of condition at offset 18 (expected a value)"},
      {"[STATUS] == 200 & [STATUS] == 1", 16, "unexpected '&' at offset 16 (use && to combine)"},
      {"[STATUS] == 200 [STATUS] == 1", 16, "unexpected '[STATUS]' at offset 16"},
      {"[BODY] == pat(*x", 16, "expected ')' to close pat( at offset 16"},
      {"[BODY] == any(a,,b)", 16, "empty item in any() at offset 16"},
      {"[STATUS] == any(200", 19, "expected ')' to close any( at offset 19"},
      {"[BODY] == pat(a) == 1", 17, "unexpected '==' at offset 17"},
      {"[STATUS] == 200 ]", 16, "unexpected ']' at offset 16"},
      {"[STATUS", 7, "expected ']' to close [STATUS at offset 7"},
      {"[] == 1", 0, "expected a placeholder name after '[' at offset 0"},
  };
  for (const SyntaxCase& c : cases) {
    ConditionSyntaxError e = syntaxError(c.condition);
    EXPECT_EQ(e.offset, c.offset) << c.condition << " -> " << e.message;
    EXPECT_EQ(e.message, c.message) << c.condition;
  }
}

TEST(ConditionTest, NestingAndLengthAreBounded) {
  std::string ok = fmt::format("{:(<32}[STATUS] == 200{:)<32}", "", "");
  EXPECT_TRUE(evaluate(ok, httpObservation()).success);

  std::string deep = fmt::format("{:(<33}[STATUS] == 200{:)<33}", "", "");
  ConditionSyntaxError e = syntaxError(deep);
  EXPECT_EQ(e.offset, 32u);
  EXPECT_EQ(e.message, "parentheses nested deeper than 32 at offset 32");

  std::string huge(100'000, '(');
  EXPECT_EQ(syntaxError(huge).message, "condition longer than 4096 bytes at offset 4096");

  std::string longest =
      fmt::format("[BODY] == \"{}\"", std::string(Condition::kMaxLength - 12, 'x'));
  ASSERT_EQ(longest.size(), Condition::kMaxLength);
  EXPECT_FALSE(evaluate(longest, httpObservation()).success);
}

TEST(ConditionTest, PlaceholdersListsEachCanonicalNameOnce) {
  auto parsed = Condition::parse(
      "[STATUS] == 200 && len([BODY].x) > 1 && [CERTIFICATE_EXPIRATION] > 1h && [STATUS] < 300 "
      "|| has([HEADER].etag) == true");
  ASSERT_TRUE(std::holds_alternative<Condition>(parsed));
  const Condition& c = std::get<Condition>(parsed);
  EXPECT_EQ(c.placeholders(),
            (std::vector<std::string>{"[STATUS]", "[BODY]", "[CERT_EXPIRES_IN]", "[HEADER]"}));
  EXPECT_EQ(c.text(),
            "[STATUS] == 200 && len([BODY].x) > 1 && [CERTIFICATE_EXPIRATION] > 1h && [STATUS] "
            "< 300 || has([HEADER].etag) == true");
}

TEST(ConditionTest, AContextParsesTheBodyOnceForSeveralConditions) {
  ProbeObservation o = httpObservation();
  ConditionContext context;
  auto first = Condition::parse("[BODY].status == ok");
  auto second = Condition::parse("len([BODY].items) == 2");
  ASSERT_TRUE(std::holds_alternative<Condition>(first));
  ASSERT_TRUE(std::holds_alternative<Condition>(second));
  EXPECT_TRUE(std::get<Condition>(first).evaluate(o, context).success);
  const ParsedBody* parsed = &context.parsedBody(*o.body);
  EXPECT_TRUE(std::get<Condition>(second).evaluate(o, context).success);
  EXPECT_EQ(&context.parsedBody(*o.body), parsed);

  // The same context with another body parses that one.
  ProbeObservation other = o;
  other.body = R"({"status": "down", "items": []})";
  EXPECT_FALSE(std::get<Condition>(first).evaluate(other, context).success);
  EXPECT_FALSE(std::get<Condition>(second).evaluate(other, context).success);
}

TEST(ConditionTest, ConditionsAreCopyableValues) {
  auto parsed = Condition::parse("[STATUS] == 200");
  ASSERT_TRUE(std::holds_alternative<Condition>(parsed));
  std::vector<Condition> conditions(3, std::get<Condition>(parsed));
  for (const Condition& c : conditions)
    EXPECT_TRUE(c.evaluate(httpObservation()).success);
}

}  // namespace
}  // namespace pharos::health
