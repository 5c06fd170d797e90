#include "logs/query_matcher.h"

#include <gtest/gtest.h>

#include <string>

#include "logs/query_parser.h"

namespace pharos::logs {
namespace {

Record sample() {
  Record r;
  r.service = "api";
  r.level = Level::kError;
  r.message = "Connection refused to 10.0.0.5: dial tcp timeout after 3s (user@example.com)";
  r.httpStatus = 503;
  r.latencyMs = 250.5;
  r.traceId = "4bf92f3577b34da6";
  r.host = "web-1";
  r.attributes = {{"pod", "web-1-abc"},
                  {"service", "shadowed"},
                  {"version", "1.10.2"},
                  {"empty", ""},
                  {"region", "EU-West"}};
  return r;
}

bool matches(std::string_view query, const Record& record = sample()) {
  auto q = parseLogQuery(query);
  EXPECT_TRUE(q.ok()) << query << ": " << (q.ok() ? "" : q.error().message);
  if (!q.ok()) return false;
  return QueryMatcher(*q).matches(record);
}

TEST(QueryMatcherTest, EmptyQueryMatchesAll) {
  EXPECT_TRUE(matches(""));
  EXPECT_TRUE(matches("| stats count()"));
}

TEST(QueryMatcherTest, TermsAreWholeTokensIgnoringCase) {
  EXPECT_TRUE(matches("timeout"));
  EXPECT_TRUE(matches("TIMEOUT"));
  EXPECT_TRUE(matches("connection"));
  EXPECT_FALSE(matches("connect"));    // not a whole token
  EXPECT_FALSE(matches("onnection"));  // not at a token start
  EXPECT_TRUE(matches("3s"));
  EXPECT_FALSE(matches("missing"));
  Record r = sample();
  r.message = "Café crème and more";
  EXPECT_TRUE(matches("and", r));  // lower case: the word, not the operator
  EXPECT_TRUE(matches("café", r));
  EXPECT_TRUE(matches("CAFé", r));
  EXPECT_FALSE(matches("CAFÉ", r));  // only ASCII folds
}

TEST(QueryMatcherTest, PunctuatedTermsArePhrases) {
  EXPECT_TRUE(matches("10.0.0.5"));
  EXPECT_TRUE(matches("10-0-0-5"));  // punctuation is not compared, only the tokens
  EXPECT_FALSE(matches("10.0.0.6"));
  EXPECT_FALSE(matches("0.0.5.1"));
  EXPECT_TRUE(matches("user@example.com"));
  EXPECT_TRUE(matches("example.com"));
  EXPECT_FALSE(matches("user@example.org"));
}

TEST(QueryMatcherTest, Phrases) {
  EXPECT_TRUE(matches("\"connection refused\""));
  EXPECT_TRUE(matches("\"CONNECTION   Refused\""));
  EXPECT_FALSE(matches("\"refused connection\""));
  EXPECT_FALSE(matches("\"connection to\""));  // not consecutive
  EXPECT_TRUE(matches("\"refused to 10\""));
  EXPECT_TRUE(matches("\"5: dial\""));
  Record r = sample();
  r.message = "conn conn refused";  // the first candidate fails, a later one matches
  EXPECT_TRUE(matches("\"conn refused\"", r));
}

TEST(QueryMatcherTest, Prefixes) {
  EXPECT_TRUE(matches("conn*"));
  EXPECT_TRUE(matches("CONN*"));
  EXPECT_FALSE(matches("nnection*"));
  EXPECT_TRUE(matches("\"connection ref\"*"));
  EXPECT_FALSE(matches("\"connection ref\""));
  EXPECT_TRUE(matches("10.0.0*"));
  EXPECT_TRUE(matches("time*"));
  EXPECT_TRUE(matches("timeout*"));
  EXPECT_FALSE(matches("timeouts*"));
}

TEST(QueryMatcherTest, FieldEqualityIgnoresCase) {
  EXPECT_TRUE(matches("service:api"));
  EXPECT_TRUE(matches("service:API"));
  EXPECT_FALSE(matches("service:ap"));
  EXPECT_TRUE(matches("host:web-1"));
  EXPECT_TRUE(matches("trace_id:4bf92f3577b34da6"));
  EXPECT_TRUE(matches("status:503"));
  EXPECT_FALSE(matches("status:50"));
  EXPECT_TRUE(matches("latency_ms:250.5"));
  EXPECT_TRUE(matches("pod:web-1-abc"));
  EXPECT_TRUE(matches("region:eu-west"));
  EXPECT_TRUE(matches("attr.service:shadowed"));  // attr. reaches a shadowed attribute
  EXPECT_FALSE(matches("service:shadowed"));
  EXPECT_FALSE(matches("nosuch:x"));
  EXPECT_TRUE(matches("message:\"" + sample().message + "\""));
}

TEST(QueryMatcherTest, FieldPrefixAndExists) {
  EXPECT_TRUE(matches("service:a*"));
  EXPECT_TRUE(matches("pod:WEB-1*"));
  EXPECT_FALSE(matches("pod:web-2*"));
  EXPECT_TRUE(matches("status:5*"));
  EXPECT_TRUE(matches("pod:*"));
  EXPECT_FALSE(matches("empty:*"));  // present but empty counts as absent
  EXPECT_FALSE(matches("nosuch:*"));
  EXPECT_TRUE(matches("-nosuch:*"));
  Record bare;
  EXPECT_FALSE(matches("service:*", bare));
  EXPECT_FALSE(matches("status:*", bare));
  EXPECT_FALSE(matches("latency_ms:*", bare));
  EXPECT_FALSE(matches("level:*", bare));
  EXPECT_TRUE(matches("level:*"));
}

TEST(QueryMatcherTest, NumericComparisons) {
  EXPECT_TRUE(matches("status>=500"));
  EXPECT_TRUE(matches("status>500"));
  EXPECT_FALSE(matches("status>503"));
  EXPECT_TRUE(matches("status<=503"));
  EXPECT_FALSE(matches("status<503"));
  EXPECT_TRUE(matches("latency_ms>250"));
  EXPECT_FALSE(matches("latency_ms>250.5"));
  EXPECT_TRUE(matches("latency_ms>2.5e2"));
  EXPECT_TRUE(matches("latency_ms>-1"));
  // Numeric, not textual: "503" < "60" as text, but 503 > 60.
  EXPECT_TRUE(matches("status>60"));
  Record bare;
  EXPECT_FALSE(matches("status<600", bare));  // absent is on neither side
  EXPECT_FALSE(matches("latency_ms<1000", bare));
  // A number never compares with a word.
  Record r = sample();
  r.attributes.push_back({"size", "n/a"});
  EXPECT_FALSE(matches("size>0", r));
  EXPECT_FALSE(matches("size<=0", r));
}

TEST(QueryMatcherTest, StringComparisons) {
  // "1.10.2" is not a number: compared as text, ignoring case.
  EXPECT_TRUE(matches("version>=1.10.0"));
  EXPECT_TRUE(matches("version<1.9.0"));  // text order: '1' < '9'
  // A number in the query only compares with numbers: "1.10" is one, "1.10.2" is not.
  EXPECT_FALSE(matches("version>=1.10"));
  EXPECT_TRUE(matches("region>eu"));
  EXPECT_TRUE(matches("region>=EU-WEST"));
  EXPECT_FALSE(matches("region>eu-west"));
}

TEST(QueryMatcherTest, LevelsCompareBySeverity) {
  EXPECT_TRUE(matches("level:error"));
  EXPECT_TRUE(matches("level:ERR"));
  EXPECT_FALSE(matches("level:warn"));
  EXPECT_TRUE(matches("level>=warn"));
  EXPECT_TRUE(matches("level>=error"));
  EXPECT_FALSE(matches("level>error"));
  EXPECT_TRUE(matches("level<fatal"));
  EXPECT_FALSE(matches("level<=info"));
  EXPECT_TRUE(matches("level:er*"));
  // "warn" > "error" as text, but not by severity.
  Record r = sample();
  r.level = Level::kWarn;
  EXPECT_FALSE(matches("level>=error", r));
  EXPECT_TRUE(matches("level>info", r));
  r.level = Level::kUnknown;
  EXPECT_FALSE(matches("level<=fatal", r));
  EXPECT_FALSE(matches("level>=trace", r));
  EXPECT_TRUE(matches("level:unknown", r));
  EXPECT_FALSE(matches("level:*", r));
}

TEST(QueryMatcherTest, BooleanOperators) {
  EXPECT_TRUE(matches("timeout refused"));
  EXPECT_FALSE(matches("timeout missing"));
  EXPECT_TRUE(matches("timeout AND service:api"));
  EXPECT_TRUE(matches("missing OR timeout"));
  EXPECT_FALSE(matches("missing OR nothing"));
  EXPECT_FALSE(matches("NOT timeout"));
  EXPECT_TRUE(matches("-missing"));
  EXPECT_FALSE(matches("-service:api"));
  EXPECT_TRUE(matches("NOT NOT timeout"));
  // NOT > AND > OR.
  EXPECT_TRUE(matches("missing timeout OR refused"));  // (missing AND timeout) OR refused
  EXPECT_FALSE(matches("missing (timeout OR refused)"));
  EXPECT_TRUE(matches("NOT missing timeout"));  // (NOT missing) AND timeout
  EXPECT_FALSE(matches("NOT (missing OR timeout)"));
  EXPECT_TRUE(matches("(level>=error OR status>=500) -service:web"));
}

TEST(QueryMatcherTest, ReusesAcrossRecordsAndMatchers) {
  auto a = parseLogQuery("timeout");
  auto b = parseLogQuery("healthy");
  ASSERT_TRUE(a.ok() && b.ok());
  QueryMatcher ma(*a);
  QueryMatcher mb(*b);
  Record r1 = sample();
  Record r2;
  r2.message = "all HEALTHY";
  EXPECT_TRUE(ma.matches(r1));
  EXPECT_FALSE(mb.matches(r1));
  EXPECT_FALSE(ma.matches(r2));
  EXPECT_TRUE(mb.matches(r2));
  EXPECT_TRUE(ma.matches(r1));
}

TEST(QueryMatcherTest, ParseQueryNumber) {
  double d = 0;
  EXPECT_TRUE(parseQueryNumber("503", d));
  EXPECT_EQ(d, 503);
  EXPECT_TRUE(parseQueryNumber("-1.5e1", d));
  EXPECT_EQ(d, -15);
  EXPECT_FALSE(parseQueryNumber("", d));
  EXPECT_FALSE(parseQueryNumber("1.2.3", d));
  EXPECT_FALSE(parseQueryNumber("inf", d));
  EXPECT_FALSE(parseQueryNumber("nan", d));
  EXPECT_FALSE(parseQueryNumber("12ms", d));
}

}  // namespace
}  // namespace pharos::logs
