#include "logs/query_parser.h"

#include <gtest/gtest.h>

#include <string>

#include "logs/query_render.h"

namespace pharos::logs {
namespace {

std::string canonical(std::string_view text) {
  auto q = parseLogQuery(text);
  if (!q.ok()) return "ERROR " + q.error().message;
  return renderLogQuery(*q);
}

std::string errorOf(std::string_view text) {
  auto q = parseLogQuery(text);
  if (q.ok()) return "parsed: " + renderLogQuery(*q);
  EXPECT_EQ(q.error().code, ErrorCode::kInvalidArgument);
  return q.error().message;
}

TEST(QueryParserTest, EmptyQueryMatchesEverything) {
  auto q = parseLogQuery("   ");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->root, nullptr);
  EXPECT_FALSE(q->hasStats);
}

TEST(QueryParserTest, Terms) {
  auto q = parseLogQuery("timeout");
  ASSERT_TRUE(q.ok());
  ASSERT_NE(q->root, nullptr);
  EXPECT_EQ(q->root->op, QueryOp::kTerm);
  EXPECT_EQ(q->root->text, "timeout");
  EXPECT_FALSE(q->root->prefix);

  q = parseLogQuery("conn*");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->root->text, "conn");
  EXPECT_TRUE(q->root->prefix);

  q = parseLogQuery(R"("connection \"refused\"")");
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->root->quoted);
  EXPECT_EQ(q->root->text, "connection \"refused\"");

  EXPECT_EQ(canonical("10.0.0.5"), "10.0.0.5");
  EXPECT_EQ(canonical("user@x"), "user@x");
  EXPECT_EQ(canonical(R"("connection ref"*)"), R"("connection ref"*)");
  EXPECT_EQ(canonical("and"), "and");  // lower-case keywords are words
}

TEST(QueryParserTest, Fields) {
  auto q = parseLogQuery("service:api");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->root->op, QueryOp::kField);
  EXPECT_EQ(q->root->field, "service");
  EXPECT_EQ(q->root->text, "api");
  EXPECT_EQ(q->root->compare, FieldCompare::kEquals);

  EXPECT_EQ(canonical("host:web-1"), "host:web-1");
  EXPECT_EQ(canonical("trace_id:abc"), "trace_id:abc");
  EXPECT_EQ(canonical("attr.key:value"), "attr.key:value");
  EXPECT_EQ(canonical("pod:web-1"), "pod:web-1");
  EXPECT_EQ(canonical(R"(path:"/a b")"), R"(path:"/a b")");
  EXPECT_EQ(canonical("service:api*"), "service:api*");
  EXPECT_EQ(canonical(R"(path:"/api/"*)"), R"(path:"/api/"*)");
  EXPECT_EQ(canonical("pod:*"), "pod:*");
  EXPECT_EQ(canonical(R"(pod:""*)"), "pod:*");
  EXPECT_EQ(canonical(R"(path:"*")"), R"(path:"*")");  // a quoted star is literal
  EXPECT_EQ(canonical("service : api"), "service:api");

  q = parseLogQuery("pod:*");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->root->compare, FieldCompare::kExists);
  q = parseLogQuery("service:api*");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->root->compare, FieldCompare::kPrefix);
  EXPECT_EQ(q->root->text, "api");
}

TEST(QueryParserTest, Comparisons) {
  struct Case {
    const char* text;
    FieldCompare compare;
  };
  for (Case c :
       {Case{"status>=500", FieldCompare::kGreaterEqual},
        Case{"latency_ms>250", FieldCompare::kGreater}, Case{"status<400", FieldCompare::kLess},
        Case{"status<=399", FieldCompare::kLessEqual}}) {
    auto q = parseLogQuery(c.text);
    ASSERT_TRUE(q.ok()) << c.text;
    EXPECT_EQ(q->root->compare, c.compare) << c.text;
    EXPECT_EQ(renderLogQuery(*q), c.text);
  }
  EXPECT_EQ(canonical("latency_ms > -5"), "latency_ms>-5");
  EXPECT_EQ(canonical("version>=\"1.2 beta\""), "version>=\"1.2 beta\"");
}

TEST(QueryParserTest, LevelNamesAreCanonicalised) {
  EXPECT_EQ(canonical("level:WARNING"), "level:warn");
  EXPECT_EQ(canonical("level>=Err"), "level>=error");
  EXPECT_EQ(canonical("level:critical"), "level:fatal");
  EXPECT_EQ(canonical("level:unknown"), "level:unknown");
  EXPECT_EQ(canonical("level:err*"), "level:err*");
  EXPECT_EQ(canonical("level:*"), "level:*");
  EXPECT_EQ(errorOf("level:loud"),
            "column 7: unknown level 'loud' (expected trace, debug, info, warn, error, fatal or "
            "unknown)");
}

TEST(QueryParserTest, BooleansAndPrecedence) {
  // NOT > AND > OR.
  EXPECT_EQ(canonical("a b OR c"), "a AND b OR c");
  EXPECT_EQ(canonical("a AND b OR c AND d"), "a AND b OR c AND d");
  EXPECT_EQ(canonical("a (b OR c)"), "a AND (b OR c)");
  EXPECT_EQ(canonical("NOT a b"), "NOT a AND b");
  EXPECT_EQ(canonical("-a b"), "NOT a AND b");
  EXPECT_EQ(canonical("NOT (a b)"), "NOT (a AND b)");
  EXPECT_EQ(canonical("-(a OR b)"), "NOT (a OR b)");
  EXPECT_EQ(canonical("-service:api"), "NOT service:api");
  EXPECT_EQ(canonical("-\"x y\""), "NOT \"x y\"");
  EXPECT_EQ(canonical("NOT NOT a"), "NOT NOT a");
  // Nested lists of the same operator flatten.
  EXPECT_EQ(canonical("(a b) (c d)"), "a AND b AND c AND d");
  EXPECT_EQ(canonical("(a OR b) OR c"), "a OR b OR c");
  EXPECT_EQ(canonical("((a))"), "a");
  // An inner word with a dash is a word, not a negation.
  EXPECT_EQ(canonical("web-1 -web-2"), "web-1 AND NOT web-2");

  auto q = parseLogQuery("a b OR c");
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->root->op, QueryOp::kOr);
  ASSERT_EQ(q->root->children.size(), 2u);
  EXPECT_EQ(q->root->children[0]->op, QueryOp::kAnd);
}

TEST(QueryParserTest, StatsStage) {
  auto q = parseLogQuery("level>=error | stats count() by (service, level)");
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_TRUE(q->hasStats);
  EXPECT_EQ(q->statsBy, (std::vector<std::string>{"service", "level"}));
  EXPECT_EQ(renderLogQuery(*q), "level>=error | stats count() by (service, level)");

  EXPECT_EQ(canonical("| stats count()"), "| stats count()");
  EXPECT_EQ(canonical("|stats count ( ) by(attr.pod)"), "| stats count() by (attr.pod)");
  q = parseLogQuery("| stats count()");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->root, nullptr);
  EXPECT_TRUE(q->statsBy.empty());
}

TEST(QueryParserTest, ErrorsNameTheColumn) {
  EXPECT_EQ(errorOf("(a OR b"),
            "column 8: expected ')' to close the '(' at column 1, found the "
            "end of the query");
  EXPECT_EQ(errorOf("service:api AND (x"),
            "column 19: expected ')' to close the '(' at column 17, found the end of the query");
  EXPECT_EQ(errorOf("a )"), "column 3: unexpected ')'");
  EXPECT_EQ(errorOf("()"), "column 2: empty parentheses");
  EXPECT_EQ(errorOf("\"abc"), "column 1: '\"' is never closed");
  EXPECT_EQ(errorOf("a OR"),
            "column 5: expected a term, a field or '(', found the end of the "
            "query");
  EXPECT_EQ(errorOf("AND a"), "column 1: expected a term before 'AND'");
  EXPECT_EQ(errorOf("a OR OR b"), "column 6: expected a term before 'OR'");
  EXPECT_EQ(errorOf("status:"),
            "column 8: expected a value after ':', found the end of the "
            "query");
  EXPECT_EQ(errorOf("status>=(1)"), "column 9: expected a value after '>=', found '('");
  EXPECT_EQ(errorOf("status=500"),
            "column 7: unexpected '=': write field:value (or -field:value "
            "for 'not')");
  EXPECT_EQ(errorOf("co*nn"), "column 3: '*' may only end a word");
  EXPECT_EQ(errorOf("service:a*pi"), "column 10: '*' may only end a value");
  EXPECT_EQ(errorOf("status>=5*"), "column 9: a comparison takes a value without '*'");
  EXPECT_EQ(errorOf("*"), "column 1: '*' has no letter or digit to search for");
  EXPECT_EQ(errorOf("\"...\""), "column 1: '...' has no letter or digit to search for");
  EXPECT_EQ(errorOf("\"svc\":x"), "column 1: a field name cannot be quoted");
  EXPECT_EQ(errorOf("9lives:x"), "column 1: '9lives' is not a field name");
  EXPECT_EQ(errorOf("attr.:x"), "column 1: 'attr.' is not a field name");
  EXPECT_EQ(errorOf("service:\"\""),
            "column 9: empty value: write service:* for 'present', -service:* for 'absent'");
  EXPECT_EQ(errorOf("a | count()"), "column 5: expected 'stats' after '|', found 'count'");
  EXPECT_EQ(errorOf("a | stats sum()"), "column 11: expected 'count()' after 'stats', found 'sum'");
  EXPECT_EQ(errorOf("a | stats count("),
            "column 17: expected ')' after 'count(', found the end "
            "of the query");
  EXPECT_EQ(errorOf("a | stats count() by (service"),
            "column 30: expected ',' or ')' to close the '(' at column 22, found the end of the "
            "query");
  EXPECT_EQ(errorOf("a | stats count() by (service, service)"),
            "column 32: 'service' appears twice after 'by'");
  EXPECT_EQ(errorOf("a | stats count() by (count)"),
            "column 23: 'count' is a key of the stats output; write attr.count");
  EXPECT_EQ(errorOf("a | stats count() by ()"), "column 23: expected a field name, found ')'");
  EXPECT_EQ(errorOf("a | stats count() by (s!)"),
            "column 24: unexpected character '!' in the stage");
  EXPECT_EQ(errorOf("a | stats count() | stats count()"), "column 19: only one stage is supported");
  auto q = parseLogQuery("(a");
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().context, "column=3");
}

TEST(QueryParserTest, LengthAndDepthLimits) {
  std::string longest(LogQuery::kMaxLength, 'a');
  EXPECT_TRUE(parseLogQuery(longest).ok());
  EXPECT_EQ(errorOf(longest + "a"), "column 4097: the query is longer than 4096 bytes");

  std::string deep(LogQuery::kMaxDepth - 1, '(');
  deep += "a" + std::string(LogQuery::kMaxDepth - 1, ')');
  EXPECT_TRUE(parseLogQuery(deep).ok());
  std::string tooDeep(LogQuery::kMaxDepth, '(');
  tooDeep += "a" + std::string(LogQuery::kMaxDepth, ')');
  EXPECT_EQ(errorOf(tooDeep), "column 65: nested deeper than 64 levels");

  std::string nots;
  for (int i = 0; i < 100; ++i)
    nots += "NOT ";
  EXPECT_NE(errorOf(nots + "a").find("nested deeper than 64 levels"), std::string::npos);
  std::string minuses(3000, '-');
  EXPECT_NE(errorOf(minuses + "a").find("nested deeper"), std::string::npos);
  std::string parens(4000, '(');
  EXPECT_NE(errorOf(parens).find("nested deeper"), std::string::npos);
}

TEST(QueryParserTest, RenderRoundTrips) {
  for (const char* text : {
           "timeout",
           "a AND b OR NOT (c OR d:\"x \\\"y\\\" \\\\ z\")",
           "service:api* AND status>=500 AND NOT level:debug | stats count() by (service)",
           "\"conn\"* OR \"a b\" OR path:\"C:\\\\dir\"",
           "level>=warn AND latency_ms>250.5 AND pod:* AND attr.service:x",
       }) {
    std::string once = canonical(text);
    ASSERT_EQ(once.rfind("ERROR", 0), std::string::npos) << text << ": " << once;
    EXPECT_EQ(canonical(once), once) << text;
  }
}

}  // namespace
}  // namespace pharos::logs
