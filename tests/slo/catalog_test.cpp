#include "slo/catalog.h"

#include <gtest/gtest.h>

#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"
#include "slo_test_util.h"

namespace pharos::slo {
namespace {

using testing::sloFromJson;

class SloCatalogTest : public ::testing::Test {
 protected:
  void open() {
    catalog_.reset();
    store_.reset();
    auto s = pharos::testing::openTestStore(dir_.file("pharos.db"));
    ASSERT_TRUE(s.ok()) << s.error().toString();
    store_ = std::move(s).value();
    auto c = SloCatalog::open(*store_, clock_);
    ASSERT_TRUE(c.ok()) << c.error().toString();
    catalog_ = std::move(c).value();
  }

  pharos::testing::TempDir dir_;
  pharos::testing::ManualClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<SloCatalog> catalog_;
};

TEST_F(SloCatalogTest, KeepsApiSlosAcrossRestartsAndLetsTheConfigWin) {
  ASSERT_NO_FATAL_FAILURE(open());
  std::vector<std::string> seen;
  catalog_->onChange([&](std::vector<SloSpec> slos) {
    seen.clear();
    for (const SloSpec& s : slos)
      seen.push_back(s.name);
  });
  ASSERT_TRUE(catalog_->create(sloFromJson(R"({"name":"a","objective":99,"check":"api"})")).ok());
  ASSERT_TRUE(catalog_->create(sloFromJson(R"({"name":"b","objective":99,"gauge":"up"})")).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(
      catalog_->create(sloFromJson(R"({"name":"a","objective":98,"check":"x"})")).error().code,
      ErrorCode::kAlreadyExists);

  SloSpec changed = sloFromJson(R"({"name":"b","objective":99.5,"window":"month","gauge":"up"})");
  ASSERT_TRUE(catalog_->replace(changed).ok());
  EXPECT_EQ(
      catalog_->replace(sloFromJson(R"({"name":"zz","objective":99,"gauge":"up"})")).error().code,
      ErrorCode::kNotFound);

  catalog_->setConfigSlos({sloFromJson(R"({"name":"a","objective":95,"check":"cfg"})")});
  auto a = catalog_->find("a");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->owner, SloOwner::kConfig);
  EXPECT_EQ(a->spec.check, "cfg");
  EXPECT_EQ(catalog_->remove("a").error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(
      catalog_->replace(sloFromJson(R"({"name":"a","objective":99,"check":"api"})")).error().code,
      ErrorCode::kFailedPrecondition);

  ASSERT_NO_FATAL_FAILURE(open());
  auto all = catalog_->all();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].spec.check, "api");  // the API's a, no config loaded yet
  EXPECT_EQ(all[1].owner, SloOwner::kApi);
  EXPECT_DOUBLE_EQ(all[1].spec.objective, 99.5);
  EXPECT_EQ(all[1].spec.window.kind, WindowKind::kMonth);
  ASSERT_TRUE(catalog_->remove("b").ok());
  EXPECT_EQ(catalog_->remove("b").error().code, ErrorCode::kNotFound);
  ASSERT_NO_FATAL_FAILURE(open());
  EXPECT_EQ(catalog_->merged().size(), 1u);
}

}  // namespace
}  // namespace pharos::slo
