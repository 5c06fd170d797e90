#include "sqlite/connection.h"

#include <gtest/gtest.h>

#include <fstream>

#include "fakes/temp_dir.h"

namespace pharos::sqlite {
namespace {

TEST(ConnectionTest, PreparedStatementsAreCachedAndReset) {
  testing::TempDir dir;
  auto conn = Connection::open(dir.file("a.db"));
  ASSERT_TRUE(conn.ok()) << conn.error().toString();
  ASSERT_TRUE((*conn)->exec("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, data BLOB)").ok());
  for (int i = 0; i < 3; ++i) {
    auto st = (*conn)->prepare("INSERT INTO t(name, data) VALUES ($1, $2)");
    ASSERT_TRUE(st.ok());
    st->bind(1, std::string_view("n" + std::to_string(i))).bindBlob(2, std::string_view("\0x", 2));
    ASSERT_TRUE(st->run().ok());
  }
  auto q = (*conn)->prepare("SELECT name, data FROM t ORDER BY id");
  ASSERT_TRUE(q.ok());
  std::vector<std::string> names;
  while (*q->step()) {
    names.emplace_back(q->text(0));
    EXPECT_EQ(q->blob(1), std::string_view("\0x", 2));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"n0", "n1", "n2"}));
}

TEST(ConnectionTest, ErrorsMapToCodes) {
  testing::TempDir dir;
  auto conn = Connection::open(dir.file("a.db"));
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE((*conn)->exec("CREATE TABLE t(k TEXT PRIMARY KEY)").ok());
  ASSERT_TRUE((*conn)->exec("INSERT INTO t VALUES ('a')").ok());
  Status dup = (*conn)->exec("INSERT INTO t VALUES ('a')");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);
  auto bad = (*conn)->prepare("SELEC nonsense");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

TEST(ConnectionTest, GarbageFileIsDataLoss) {
  testing::TempDir dir;
  std::ofstream(dir.file("junk.db")) << std::string(8192, 'x');
  auto conn = Connection::open(dir.file("junk.db"));
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.error().code, ErrorCode::kDataLoss) << conn.error().toString();
}

TEST(ConnectionTest, RollbackDiscardsWrites) {
  testing::TempDir dir;
  auto conn = Connection::open(dir.file("a.db"));
  ASSERT_TRUE(conn.ok());
  Connection& c = **conn;
  ASSERT_TRUE(c.exec("CREATE TABLE t(v INTEGER)").ok());
  ASSERT_TRUE(c.begin().ok());
  ASSERT_TRUE(c.exec("INSERT INTO t VALUES (1)").ok());
  ASSERT_TRUE(c.rollback().ok());
  auto q = c.prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(*q->step());
  EXPECT_EQ(q->int64(0), 0);
}

}  // namespace
}  // namespace pharos::sqlite
