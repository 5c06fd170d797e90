#pragma once

// A Store on each backend this build has, for tests that must mean the same on both: the
// embedded SQLite store, and with PHAROS_HAVE_POSTGRES a real PostgreSQL server started for
// the test (a fresh database each).

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "fakes/temp_dir.h"
#include "store/sqlite/sqlite_store.h"

#ifdef PHAROS_HAVE_POSTGRES
#include "fakes/postgres_server.h"
#include "store/postgres/postgres_store.h"
#endif

namespace pharos::store {

// A small component's schema for tests: items with two indexes, then a unique index.
inline MigrationSet itemsV1() {
  Table items{"items",
              {{"id", ColumnType::kText, false},
               {"owner", ColumnType::kText, false},
               {"score", ColumnType::kReal},
               {"count", ColumnType::kInteger, false, "0"},
               {"payload", ColumnType::kBlob}},
              {"id"},
              {{"items_by_owner", {"owner", "score"}}, {"items_by_count", {"count"}, false}}};
  return MigrationSet{"items", {{1, "create items", {items}, {}}}};
}

inline MigrationSet itemsV2() {
  MigrationSet set = itemsV1();
  set.migrations.push_back({2,
                            "unique owner+count",
                            {},
                            {"CREATE UNIQUE INDEX items_owner_count ON items (owner, count)"}});
  return set;
}

class StoreBackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
#ifdef PHAROS_HAVE_POSTGRES
    if (GetParam() == "postgres") {
      server_ = std::make_unique<testing::PostgresServer>();
      ASSERT_TRUE(server_->ok());
      conninfo_ = server_->createDatabase();
    }
#endif
    store_ = open();
    ASSERT_NE(store_, nullptr);
  }

  // Another handle on the same database, as a second process would have.
  std::unique_ptr<Store> open() {
#ifdef PHAROS_HAVE_POSTGRES
    if (GetParam() == "postgres") {
      PostgresStoreOptions o;
      o.conninfo = Secret(conninfo_);
      auto s = PostgresStore::open(std::move(o));
      if (!s.ok()) ADD_FAILURE() << s.error().toString();
      return s.ok() ? std::unique_ptr<Store>(std::move(s).value()) : nullptr;
    }
#endif
    auto s = SqliteStore::open(dir_.file("pharos.db"));
    if (!s.ok()) ADD_FAILURE() << s.error().toString();
    return s.ok() ? std::unique_ptr<Store>(std::move(s).value()) : nullptr;
  }

  int64_t count(const std::string& sql) {
    auto rows = store_->query(sql);
    EXPECT_TRUE(rows.ok()) << rows.error().toString();
    return rows.ok() ? rows->at(0).integer(0) : -1;
  }

  testing::TempDir dir_;
#ifdef PHAROS_HAVE_POSTGRES
  std::unique_ptr<testing::PostgresServer> server_;
  std::string conninfo_;
#endif
  std::unique_ptr<Store> store_;
};

inline const auto kStoreBackends = ::testing::Values("sqlite"
#ifdef PHAROS_HAVE_POSTGRES
                                                     ,
                                                     "postgres"
#endif
);

}  // namespace pharos::store
