#include "logs/query_fts.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "logs/query_matcher.h"
#include "logs/query_parser.h"
#include "logs/tokens.h"

namespace pharos::logs {
namespace {

std::string fts(std::string_view text) {
  auto q = parseLogQuery(text);
  EXPECT_TRUE(q.ok()) << text << ": " << (q.ok() ? "" : q.error().message);
  if (!q.ok()) return "ERROR";
  return ftsExpression(*q);
}

TEST(QueryFtsTest, Terms) {
  EXPECT_EQ(fts("timeout"), R"("timeout")");
  EXPECT_EQ(fts("TimeOut"), R"("timeout")");
  EXPECT_EQ(fts("conn*"), R"("conn"*)");
  // The index has no positions (a block's set of tokens): a phrase is its words, ANDed.
  EXPECT_EQ(fts("\"connection refused\""), R"("connection" AND "refused")");
  EXPECT_EQ(fts("\"connection ref\"*"), R"("connection" AND "ref"*)");
  EXPECT_EQ(fts("10.0.0.5"), R"("10")");  // single digits are too short to be worth it
  EXPECT_EQ(fts("192.168.10.20"), R"("192" AND "168" AND "10" AND "20")");
  EXPECT_EQ(fts("user@example.com"), R"("user" AND "example" AND "com")");
  EXPECT_EQ(fts("\"error 5 times\""), R"("error" AND "times")");
  EXPECT_EQ(fts("web-*"), R"("web")");  // ends in punctuation: a whole token
  EXPECT_EQ(fts("x"), "");
  EXPECT_EQ(fts("c*"), "");
  EXPECT_EQ(fts(""), "");
  EXPECT_EQ(fts("| stats count()"), "");
}

TEST(QueryFtsTest, Fields) {
  EXPECT_EQ(fts("service:api"), R"("service_api")");
  EXPECT_EQ(fts("service:API*"), R"("service_api"*)");
  EXPECT_EQ(fts("host:web-1"), R"("host_web" AND "host_1")");
  EXPECT_EQ(fts("host:web-1*"), R"("host_web" AND "host_1"*)");
  EXPECT_EQ(fts("host:web-*"), R"("host_web")");
  EXPECT_EQ(fts("status:503"), R"("status_503")");
  EXPECT_EQ(fts("trace_id:4BF9"), R"("trace_id_4bf9")");
  EXPECT_EQ(fts("level:warning"), R"("level_warn")");
  EXPECT_EQ(fts("level>=warn"), R"(("level_warn" OR "level_error" OR "level_fatal"))");
  EXPECT_EQ(fts("level<debug"), R"("level_trace")");
  EXPECT_EQ(fts("level>fatal"), "");
  EXPECT_EQ(fts("level:unknown"), "");  // not in the document
  EXPECT_EQ(fts("level:err*"), "");
  EXPECT_EQ(fts("message:\"Connection refused\""), R"("connection" AND "refused")");
  // Not indexed: attributes, existence, other comparisons, values without tokens.
  EXPECT_EQ(fts("pod:web-1"), "");
  EXPECT_EQ(fts("attr.service:api"), "");
  EXPECT_EQ(fts("service:*"), "");
  EXPECT_EQ(fts("status>=500"), "");
  EXPECT_EQ(fts("latency_ms>250"), "");
  EXPECT_EQ(fts("service:\"--\""), "");
}

TEST(QueryFtsTest, Booleans) {
  EXPECT_EQ(fts("timeout service:api"), R"("timeout" AND "service_api")");
  EXPECT_EQ(fts("timeout OR refused"), R"("timeout" OR "refused")");
  EXPECT_EQ(fts("timeout OR status>=500"), "");  // one branch could be anything
  EXPECT_EQ(fts("timeout (refused OR reset)"), R"("timeout" AND ("refused" OR "reset"))");
  EXPECT_EQ(fts("timeout -debug"), R"("timeout")");
  EXPECT_EQ(fts("-debug"), "");
  EXPECT_EQ(fts("NOT (a OR timeout)"), "");
  EXPECT_EQ(fts("status>=500 x"), "");
  EXPECT_EQ(fts("a timeout OR b refused"), R"("timeout" OR "refused")");
  EXPECT_EQ(fts("a timeout OR b"), "");
  EXPECT_EQ(fts("\"a b\" OR host:web-1"), "");
  EXPECT_EQ(fts("timeout OR host:web-1"), R"("timeout" OR ("host_web" AND "host_1"))");
  EXPECT_EQ(fts("level>=error (timeout OR refused)"),
            R"((("level_error" OR "level_fatal")) AND ("timeout" OR "refused"))");
}

// An in-memory FTS5 index with one document per record, built as tokens.h describes.
class FtsIndex {
 public:
  FtsIndex() {
    EXPECT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    exec(
        "CREATE VIRTUAL TABLE docs USING fts5(body, detail=none, tokenize = \"ascii tokenchars "
        "'_'\")");
  }
  ~FtsIndex() { sqlite3_close(db_); }

  void add(std::int64_t id, const Record& record) {
    std::string doc;
    appendIndexDocument(record, doc);
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(
        sqlite3_prepare_v2(db_, "INSERT INTO docs(rowid, body) VALUES (?, ?)", -1, &stmt, nullptr),
        SQLITE_OK);
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_text(stmt, 2, doc.data(), static_cast<int>(doc.size()), SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(stmt), SQLITE_DONE);
    sqlite3_finalize(stmt);
  }

  // The ids whose document satisfies `expression`; false when FTS5 refuses it.
  bool search(const std::string& expression, std::set<std::int64_t>& ids) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT rowid FROM docs WHERE docs MATCH ?", -1, &stmt, nullptr) !=
        SQLITE_OK) {
      return false;
    }
    sqlite3_bind_text(stmt, 1, expression.data(), static_cast<int>(expression.size()),
                      SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
      ids.insert(sqlite3_column_int64(stmt, 0));
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE;
  }

 private:
  void exec(const char* sql) {
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql, nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
  }
  sqlite3* db_ = nullptr;
};

// Every record the matcher accepts is in the set the index selects: the FTS expression never
// hides a match. Records are drawn from a small vocabulary so the queries hit often.
TEST(QueryFtsTest, IndexNeverHidesAMatch) {
  const std::vector<std::string> words = {"connection", "refused", "timeout", "Timeout", "conn",
                                          "reset",      "a",       "10",      "0",       "5",
                                          "user@x.io",  "café",    "error",   "api",     "db_pool",
                                          "web-1",      "GET",     "/v1/x",   "-",       "..."};
  const std::vector<std::string> services = {"", "api", "API", "web", "db-main"};
  const std::vector<std::string> hosts = {"", "web-1", "web-12", "Web-2.eu"};
  std::mt19937 rng(42);
  auto pick = [&](const std::vector<std::string>& from) { return from[rng() % from.size()]; };
  std::vector<Record> records;
  FtsIndex index;
  for (int i = 0; i < 600; ++i) {
    Record r;
    int n = static_cast<int>(rng() % 8);
    for (int w = 0; w < n; ++w)
      r.message += (w ? (rng() % 3 ? " " : ", ") : "") + pick(words);
    r.service = pick(services);
    r.host = pick(hosts);
    r.level = static_cast<Level>(rng() % 7);
    r.httpStatus = rng() % 3 ? 0 : 200 + static_cast<int>(rng() % 4) * 101;
    r.traceId = rng() % 2 ? "" : "ab" + std::to_string(rng() % 5);
    if (rng() % 2) r.attributes.push_back({"pod", pick(hosts)});
    index.add(i, r);
    records.push_back(std::move(r));
  }
  int checked = 0;
  int constrained = 0;
  for (const char* text : {
           "timeout",
           "conn*",
           "connection refused",
           "\"connection refused\"",
           "\"refused timeout\"",
           "\"connection ref\"*",
           "user@x.io",
           "10.0",
           "\"10 0\"",
           "café",
           "db_pool",
           "web-1",
           "web-*",
           "/v1/x",
           "service:api",
           "service:API*",
           "service:db-main",
           "service:db*",
           "host:web-1",
           "host:web-1*",
           "host:web-*",
           "host:\"web-2.EU\"",
           "status:503",
           "status:5*",
           "trace_id:ab3",
           "level:error",
           "level>=warn",
           "level<info",
           "level<=trace",
           "timeout OR refused",
           "timeout -refused",
           "(timeout OR service:web) level>=error",
           "NOT timeout",
           "timeout OR status>=500",
           "\"timeout timeout\"",
           "message:\"connection refused\"",
           "a 0 5",
           "\"error a reset\"",
           "pod:web-1 timeout",
       }) {
    auto q = parseLogQuery(text);
    ASSERT_TRUE(q.ok()) << text << ": " << q.error().message;
    std::string expression = ftsExpression(*q);
    if (expression.empty()) continue;
    ++constrained;
    std::set<std::int64_t> selected;
    ASSERT_TRUE(index.search(expression, selected)) << text << " -> " << expression;
    QueryMatcher matcher(*q);
    int hits = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (!matcher.matches(records[i])) continue;
      ++hits;
      EXPECT_TRUE(selected.count(static_cast<std::int64_t>(i)))
          << text << " -> " << expression << " hides record " << i << ": '" << records[i].message
          << "' service=" << records[i].service << " host=" << records[i].host;
    }
    checked += hits;
  }
  EXPECT_GT(constrained, 25);
  EXPECT_GT(checked, 500);  // the vocabulary is small enough that queries do match
}

}  // namespace
}  // namespace pharos::logs

namespace pharos::logs {
namespace {

TEST(QueryFtsTest, IndexedAttributesNarrowLikeFields) {
  std::vector<std::string> indexed = {"pod", "k8s.ns"};
  auto q = parseLogQuery("pod:web-1 attr.k8s.ns:prod other:x");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(ftsExpression(*q, indexed),
            R"("attr_pod_web" AND "attr_pod_1" AND "attr_k8s_ns_prod")");
  EXPECT_EQ(ftsExpression(*q), "");  // not indexed: nothing to narrow by

  Record r;
  r.message = "m";
  r.attributes = {{"pod", "Web-1"}, {"k8s.ns", "prod"}, {"other", "x"}};
  std::string doc;
  appendIndexDocument(r, doc, indexed);
  EXPECT_NE(doc.find("attr_pod_web attr_pod_1"), std::string::npos) << doc;
  EXPECT_NE(doc.find("attr_k8s_ns_prod"), std::string::npos) << doc;
  EXPECT_EQ(doc.find("other"), std::string::npos) << doc;
}

}  // namespace
}  // namespace pharos::logs
