#include "logs/tail_hub.h"

#include <gtest/gtest.h>

namespace pharos::logs {
namespace {

std::vector<Record> oneRecord(std::string message) {
  std::vector<Record> records(1);
  records[0].message = std::move(message);
  return records;
}

TEST(TailHubTest, DeliversMatchingRecordsToEachSubscriber) {
  TailHub hub;
  std::vector<std::string> a, b;
  hub.subscribe([](const Record&) { return true; },
                [&](const Record& r) {
                  a.push_back(r.message);
                  return true;
                });
  hub.subscribe([](const Record& r) { return r.message == "two"; },
                [&](const Record& r) {
                  b.push_back(r.message);
                  return true;
                });
  hub.publish(oneRecord("one"));
  hub.publish(oneRecord("two"));
  EXPECT_EQ(a, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(b, (std::vector<std::string>{"two"}));
}

TEST(TailHubTest, ASubscriberThatRefusesALineIsDropped) {
  TailHub hub;
  int delivered = 0;
  hub.subscribe([](const Record&) { return true; },
                [&](const Record&) {
                  ++delivered;
                  return false;
                });
  hub.publish(oneRecord("one"));
  hub.publish(oneRecord("two"));
  EXPECT_EQ(delivered, 1);
  EXPECT_EQ(hub.subscribers(), 0u);
}

// The defect this guards against: a client that left while no line matched kept its place,
// so 64 abandoned tails on a quiet filter locked everyone else out.
TEST(TailHubTest, AGoneClientFreesItsPlaceWithoutWaitingForALine) {
  TailHub hub;
  bool alive = true;
  hub.subscribe([](const Record&) { return false; }, [](const Record&) { return true; },
                [&] { return alive; });
  EXPECT_EQ(hub.liveSubscribers(), 1u);
  alive = false;
  EXPECT_EQ(hub.liveSubscribers(), 0u);
  EXPECT_EQ(hub.subscribers(), 0u);
}

TEST(TailHubTest, PublishSkipsAndDropsGoneClients) {
  TailHub hub;
  bool alive = false;
  int delivered = 0;
  hub.subscribe([](const Record&) { return true; },
                [&](const Record&) {
                  ++delivered;
                  return true;
                },
                [&] { return alive; });
  hub.publish(oneRecord("one"));
  EXPECT_EQ(delivered, 0);
  EXPECT_EQ(hub.subscribers(), 0u);
}

TEST(TailHubTest, UnsubscribeRemovesById) {
  TailHub hub;
  auto id = hub.subscribe([](const Record&) { return true; }, [](const Record&) { return true; });
  hub.subscribe([](const Record&) { return true; }, [](const Record&) { return true; });
  hub.unsubscribe(id);
  EXPECT_EQ(hub.subscribers(), 1u);
}

}  // namespace
}  // namespace pharos::logs
