#include "alarms/silence_store.h"

#include <gtest/gtest.h>

#include "alarms/silence_json.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"
#include "promql/api_params.h"
#include "route_test_util.h"

namespace pharos::alarms {
namespace {

using testing::jsonNode;

class SilenceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(reopen()); }

  void reopen() {
    silences_.reset();
    store_.reset();
    auto store = pharos::testing::openTestStore(dir_.file("pharos.db"));
    ASSERT_TRUE(store.ok()) << store.error().toString();
    store_ = std::move(store).value();
    auto silences = SilenceStore::open(*store_, clock_);
    ASSERT_TRUE(silences.ok()) << silences.error().toString();
    silences_ = std::move(silences).value();
  }

  Silence fromJson(std::string_view json) {
    auto parsed = parseSilence(jsonNode(json), "", clock_.now());
    if (auto* p = std::get_if<std::vector<config::FieldProblem>>(&parsed)) {
      ADD_FAILURE() << (p->empty() ? "?" : p->front().message);
      return {};
    }
    return std::get<Silence>(std::move(parsed));
  }

  pharos::testing::TempDir dir_;
  pharos::testing::ManualClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<SilenceStore> silences_;
};

TEST_F(SilenceStoreTest, CreatedSilencesSurviveAReopen) {
  auto made = silences_->create(fromJson(R"({"matchers": ["alertname=Disk"],
      "ends_at": "2099-01-01T00:00:00Z", "created_by": "ana", "comment": "swap"})"));
  ASSERT_TRUE(made.ok()) << made.error().toString();
  EXPECT_EQ(made->id.size(), 26u);
  EXPECT_EQ(made->createdAt, clock_.now());
  Labels disk{{"alertname", "Disk"}};
  EXPECT_TRUE(silences_->snapshot()->isSilenced(disk, clock_.now()));

  ASSERT_NO_FATAL_FAILURE(reopen());
  auto got = silences_->get(made->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->createdBy, "ana");
  EXPECT_EQ(got->comment, "swap");
  EXPECT_EQ(silenceSpecJson(*got), silenceSpecJson(*made));
  EXPECT_TRUE(silences_->snapshot()->isSilenced(disk, clock_.now()));
}

TEST_F(SilenceStoreTest, ListsByStatus) {
  ASSERT_TRUE(
      silences_->create(fromJson(R"({"matchers": ["a=1"], "ends_at": "2099-01-01T00:00:00Z"})"))
          .ok());
  ASSERT_TRUE(silences_
                  ->create(fromJson(R"({"matchers": ["a=2"], "starts_at": "2098-01-01T00:00:00Z",
                      "ends_at": "2099-01-01T00:00:00Z"})"))
                  .ok());
  auto short_ =
      silences_->create(fromJson(R"({"matchers": ["a=3"], "ends_at": ")" +
                                 formatSilenceTime(clock_.now() + Millis(60'000)) + R"("})"));
  ASSERT_TRUE(short_.ok());
  clock_.advance(Millis(61'000));
  EXPECT_EQ(silences_->list().size(), 3u);
  EXPECT_EQ(silences_->list(SilenceStatus::kActive).size(), 1u);
  EXPECT_EQ(silences_->list(SilenceStatus::kPending).size(), 1u);
  ASSERT_EQ(silences_->list(SilenceStatus::kExpired).size(), 1u);
  EXPECT_EQ(silences_->list(SilenceStatus::kExpired)[0].id, short_->id);
}

TEST_F(SilenceStoreTest, ExpireEndsItNowAndSurvivesAReopen) {
  auto made =
      silences_->create(fromJson(R"({"matchers": ["a=1"], "ends_at": "2099-01-01T00:00:00Z"})"));
  auto pending = silences_->create(fromJson(R"({"matchers": ["a=2"],
      "starts_at": "2098-01-01T00:00:00Z", "ends_at": "2099-01-01T00:00:00Z"})"));
  auto recurring = silences_->create(fromJson(R"({"matchers": ["a=3"], "every": "* * * * *",
      "duration": "1h"})"));
  ASSERT_TRUE(made.ok() && pending.ok() && recurring.ok());
  clock_.advance(Millis(5'000));
  for (const Silence* s : {&*made, &*pending, &*recurring}) {
    auto expired = silences_->expire(s->id);
    ASSERT_TRUE(expired.ok()) << expired.error().toString();
    EXPECT_EQ(expired->statusAt(clock_.now()), SilenceStatus::kExpired);
    EXPECT_EQ(expired->updatedAt, clock_.now());
  }
  EXPECT_FALSE(silences_->snapshot()->isSilenced(Labels{{"a", "1"}}, clock_.now()));
  EXPECT_FALSE(silences_->snapshot()->isSilenced(Labels{{"a", "3"}}, clock_.now()));
  // Expiring again is harmless.
  EXPECT_TRUE(silences_->expire(made->id).ok());
  ASSERT_NO_FATAL_FAILURE(reopen());
  EXPECT_EQ(silences_->list(SilenceStatus::kExpired).size(), 3u);
}

TEST_F(SilenceStoreTest, RemoveAndUnknownIds) {
  auto made =
      silences_->create(fromJson(R"({"matchers": ["a=1"], "ends_at": "2099-01-01T00:00:00Z"})"));
  ASSERT_TRUE(made.ok());
  ASSERT_TRUE(silences_->remove(made->id).ok());
  EXPECT_EQ(silences_->get(made->id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(silences_->remove(made->id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(silences_->expire("nope").error().code, ErrorCode::kNotFound);
  ASSERT_NO_FATAL_FAILURE(reopen());
  EXPECT_TRUE(silences_->list().empty());
}

TEST_F(SilenceStoreTest, CreateValidates) {
  Silence bad = fromJson(R"({"matchers": ["a=1"], "ends_at": "2099-01-01T00:00:00Z"})");
  bad.matchers.clear();
  EXPECT_EQ(silences_->create(bad).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(SilenceStoreTest, ConfigSilencesAreReadOnlyWithStableIds) {
  std::vector<SilenceSetPtr> published;
  silences_->onChange([&](SilenceSetPtr set) { published.push_back(std::move(set)); });
  ASSERT_EQ(published.size(), 1u);  // the current set, right away
  silences_->setConfigSilences({fromJson(R"({"matchers": ["team=db"], "every": "0 22 * * *",
      "duration": "8h"})")});
  ASSERT_EQ(published.size(), 2u);
  auto listed = silences_->list();
  ASSERT_EQ(listed.size(), 1u);
  std::string id = listed[0].id;
  EXPECT_EQ(id.rfind("config-", 0), 0u);
  EXPECT_TRUE(listed[0].fromConfig);
  EXPECT_EQ(silences_->expire(id).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(silences_->remove(id).error().code, ErrorCode::kFailedPrecondition);
  // Reloaded later, with starts_at defaulting to a later time: the same id.
  clock_.advance(Millis(3'600'000));
  silences_->setConfigSilences({fromJson(R"({"matchers": ["team=db"], "every": "0 22 * * *",
      "duration": "8h"})")});
  EXPECT_EQ(silences_->list()[0].id, id);
  EXPECT_EQ(silenceToJson(silences_->list()[0], clock_.now())["source"], "config");
}

TEST_F(SilenceStoreTest, PurgeForgetsLongExpiredSilences) {
  auto old = silences_->create(fromJson(R"({"matchers": ["a=1"], "ends_at": ")" +
                                        formatSilenceTime(clock_.now() + Millis(1000)) + R"("})"));
  auto live =
      silences_->create(fromJson(R"({"matchers": ["a=2"], "ends_at": "2099-01-01T00:00:00Z"})"));
  auto forever = silences_->create(fromJson(R"({"matchers": ["a=3"], "every": "@daily",
      "duration": "1h"})"));
  ASSERT_TRUE(old.ok() && live.ok() && forever.ok());
  clock_.advance(std::chrono::days(6));
  auto purged = silences_->purgeExpired(std::chrono::days(5));
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1);
  EXPECT_EQ(silences_->list().size(), 2u);
  ASSERT_NO_FATAL_FAILURE(reopen());
  EXPECT_EQ(silences_->list().size(), 2u);
  EXPECT_EQ(silences_->get(old->id).error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace pharos::alarms
