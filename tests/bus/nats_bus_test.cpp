// Built only with the NATS backend (PHAROS_WITH_NATS=ON defines PHAROS_HAVE_NATS).
#ifdef PHAROS_HAVE_NATS
#include "bus/nats/nats_bus.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bus/backoff.h"
#include "bus/nats/nats_names.h"
#include "bus/nats/nats_queue_description.h"
#include "nats_server.h"

namespace pharos::bus {
namespace {

using std::chrono::steady_clock;

// --- pure helpers -------------------------------------------------------------------------

TEST(NatsNamesTest, EncodingIsReversibleAndServerSafe) {
  const std::vector<std::string> names = {"orders", "a.b",  "a-b", "a_b", "a_db",   "a_d.b",
                                          ".x",     "x..y", "_",   "-._", "Q_u_d_h"};
  std::set<std::string> encoded;
  for (const std::string& n : names) {
    std::string e = nats::encodeName(n);
    EXPECT_EQ(e.find_first_of(".-*> "), std::string::npos) << n << " -> " << e;
    auto back = nats::decodeName(e);
    ASSERT_TRUE(back.has_value()) << e;
    EXPECT_EQ(*back, n);
    encoded.insert(e);
  }
  EXPECT_EQ(encoded.size(), names.size()) << "distinct names stay distinct";
  EXPECT_FALSE(nats::decodeName("a_").has_value());
  EXPECT_FALSE(nats::decodeName("a_x").has_value());
  EXPECT_FALSE(nats::decodeName("a.b").has_value());
}

TEST(NatsNamesTest, DecodeOfArbitraryTextIsSafeAndConsistent) {
  // Stream names come back from the server: any text must decode safely, and whatever decodes
  // must re-encode to the same text (one name, one stream).
  std::mt19937 rng(7);
  const std::string alphabet = "ab_udh.-xZ9";
  for (int i = 0; i < 20'000; ++i) {
    std::string text(rng() % 12, ' ');
    for (char& c : text)
      c = alphabet[rng() % alphabet.size()];
    auto decoded = nats::decodeName(text);
    if (decoded) {
      EXPECT_EQ(nats::encodeName(*decoded), text);
    }
  }
}

TEST(NatsNamesTest, StreamAndSubjectNames) {
  nats::NatsNaming n("pharos");
  EXPECT_EQ(n.queueStream("a.b-c"), "PHAROS_Q_a_db_hc");
  EXPECT_EQ(n.deadStream("jobs"), "PHAROS_D_jobs");
  EXPECT_EQ(n.topicStream("events"), "PHAROS_T_events");
  EXPECT_EQ(n.queueSubject("a.b"), "pharos.q.a_db");
  EXPECT_EQ(n.topicSubject("t"), "pharos.t.t");
  EXPECT_EQ(n.queueOfStream("PHAROS_Q_a_db_hc"), std::optional<std::string>("a.b-c"));
  EXPECT_FALSE(n.queueOfStream("PHAROS_T_a").has_value());
  EXPECT_FALSE(n.queueOfStream("OTHER_Q_a").has_value());
  EXPECT_TRUE(nats::validPrefix("pharos_test1"));
  EXPECT_FALSE(nats::validPrefix("a.b"));
  EXPECT_FALSE(nats::validPrefix(""));
}

TEST(NatsQueueDescriptionTest, RoundTripAndForeignText) {
  QueueOptions o;
  o.maxReceives = 7;
  o.backoffBase = Millis(25);
  o.backoffMax = Millis(900);
  std::string text = nats::formatQueueDescription(o);
  auto back = nats::parseQueueDescription(text, QueueOptions{});
  ASSERT_TRUE(back.has_value()) << text;
  EXPECT_EQ(back->maxReceives, 7);
  EXPECT_EQ(back->backoffBase, Millis(25));
  EXPECT_EQ(back->backoffMax, Millis(900));
  EXPECT_FALSE(nats::parseQueueDescription("", QueueOptions{}).has_value());
  EXPECT_FALSE(nats::parseQueueDescription("some consumer", QueueOptions{}).has_value());
  EXPECT_FALSE(
      nats::parseQueueDescription("pharos-queue v1 maxReceives=x", QueueOptions{}).has_value());
}

// --- against a real nats-server -----------------------------------------------------------

class NatsBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.available());
    bus_ = openBus();
    ASSERT_NE(bus_, nullptr);
  }

  NatsBusPtr openBus() {
    NatsBusOptions o;
    o.servers = {server_.url()};
    o.connectTimeout = Millis(2'000);
    auto opened = NatsBus::open(o, systemClock());
    EXPECT_TRUE(opened.ok()) << opened.error().toString();
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  void declare(const std::string& queue, QueueOptions options = {}) {
    Status s = bus_->declareQueue(queue, options);
    ASSERT_TRUE(s.ok()) << s.error().toString();
  }

  std::vector<Message> receive(const std::string& queue, size_t max = 10, Millis wait = Millis(0),
                               Bus* bus = nullptr) {
    auto got = (bus ? bus : bus_.get())->receive(queue, max, wait);
    EXPECT_TRUE(got.ok()) << got.error().toString();
    return got.ok() ? std::move(got).value() : std::vector<Message>{};
  }

  QueueStats statsOf(const std::string& queue) {
    auto all = bus_->stats();
    EXPECT_TRUE(all.ok()) << all.error().toString();
    if (all.ok()) {
      for (QueueStats& s : *all)
        if (s.queue == queue) return s;
    }
    ADD_FAILURE() << "no stats for " << queue;
    return {};
  }

  testing::NatsServer server_;
  NatsBusPtr bus_;
};

TEST_F(NatsBusTest, SendReceiveAck) {
  declare("orders.eu-1");
  const auto before = systemClock().now();
  auto id = bus_->send("orders.eu-1", "hello");
  ASSERT_TRUE(id.ok()) << id.error().toString();

  const auto t0 = steady_clock::now();
  auto got = receive("orders.eu-1", 10, Millis(2'000));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_LT(steady_clock::now() - t0, Millis(900)) << "returns once a message is there";
  EXPECT_EQ(got[0].id, *id);
  EXPECT_EQ(got[0].queue, "orders.eu-1");
  EXPECT_EQ(got[0].body, "hello");
  EXPECT_EQ(got[0].receiveCount, 1);
  EXPECT_GE(got[0].enqueuedAt, before - Millis(1'000));
  EXPECT_LE(got[0].enqueuedAt, systemClock().now() + Millis(1'000));
  EXPECT_EQ(statsOf("orders.eu-1").inFlight, 1);

  const auto t2 = steady_clock::now();
  EXPECT_TRUE(receive("orders.eu-1").empty()) << "in flight: invisible to other consumers";
  EXPECT_LT(steady_clock::now() - t2, Millis(700)) << "a zero wait does not block";
  const auto t1 = steady_clock::now();
  ASSERT_TRUE(bus_->ack(got[0].receipt).ok());
  EXPECT_TRUE(receive("orders.eu-1", 10, Millis(300)).empty()) << "acked messages never return";
  EXPECT_GE(steady_clock::now() - t1, Millis(250)) << "an empty receive waits";
  EXPECT_LT(steady_clock::now() - t1, Millis(1'500)) << "but not much past `wait`";
  QueueStats s = statsOf("orders.eu-1");
  EXPECT_EQ(s.ready + s.inFlight + s.delayed + s.dead, 0);
  EXPECT_EQ(bus_->ack(got[0].receipt).error().code, ErrorCode::kNotFound) << "used receipt";
}

TEST_F(NatsBusTest, BatchKeepsOrderAndBinaryBodies) {
  declare("q");
  std::vector<std::string> bodies = {std::string("a\0b", 3), std::string(), "third"};
  for (int i = 0; i < 50; ++i)
    bodies.push_back("m" + std::to_string(i));
  ASSERT_TRUE(bus_->sendBatch("q", bodies).ok());
  std::vector<Message> got;
  while (got.size() < bodies.size()) {
    auto more = receive("q", 100, Millis(2'000));
    ASSERT_FALSE(more.empty());
    got.insert(got.end(), more.begin(), more.end());
  }
  ASSERT_EQ(got.size(), bodies.size());
  for (size_t i = 0; i < bodies.size(); ++i) {
    EXPECT_EQ(got[i].body, bodies[i]);
    if (i > 0) {
      EXPECT_LT(got[i - 1].id, got[i].id);
    }
  }
  EXPECT_EQ(bus_->sendBatch("undeclared", bodies).error().code, ErrorCode::kNotFound);
}

TEST_F(NatsBusTest, ReceiveHonoursMax) {
  declare("q");
  ASSERT_TRUE(bus_->sendBatch("q", std::vector<std::string>(5, "x")).ok());
  EXPECT_EQ(receive("q", 2, Millis(1'000)).size(), 2u);
  size_t rest = 0;
  for (int i = 0; i < 5 && rest < 3; ++i)
    rest += receive("q", 10, Millis(500)).size();
  EXPECT_EQ(rest, 3u);
}

TEST_F(NatsBusTest, VisibilityTimeoutRedeliversAndStaleReceiptIsNotFound) {
  QueueOptions o;
  o.visibilityTimeout = Millis(1'000);
  declare("q", o);
  ASSERT_TRUE(bus_->send("q", "work").ok());
  auto first = receive("q", 10, Millis(2'000));
  ASSERT_EQ(first.size(), 1u);
  const auto t0 = steady_clock::now();
  EXPECT_TRUE(receive("q", 10, Millis(500)).empty()) << "still invisible";
  auto second = receive("q", 10, Millis(3'000));
  ASSERT_EQ(second.size(), 1u);
  EXPECT_GE(steady_clock::now() - t0, Millis(800)) << "not before the visibility timeout";
  EXPECT_EQ(second[0].id, first[0].id);
  EXPECT_EQ(second[0].receiveCount, 2);
  EXPECT_NE(second[0].receipt, first[0].receipt);

  std::vector<std::string> both = {first[0].receipt, second[0].receipt};
  Status s = bus_->ack(both);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kNotFound);
  EXPECT_NE(s.error().message.find("1 of 2"), std::string::npos) << s.error().message;
  EXPECT_TRUE(receive("q", 10, Millis(1'500)).empty()) << "the fresh receipt was acked";
}

TEST_F(NatsBusTest, NackBacksOffThenDeadLettersWithReasonAndRedriveBringsItBack) {
  QueueOptions o;
  o.maxReceives = 3;
  o.backoffBase = Millis(200);
  o.backoffMax = Millis(400);
  declare("jobs", o);
  const auto sentAt = systemClock().now();
  ASSERT_TRUE(bus_->send("jobs", "poison").ok());

  auto nackedAt = steady_clock::now();
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto got = receive("jobs", 10, Millis(2'000));
    ASSERT_EQ(got.size(), 1u) << "attempt " << attempt;
    EXPECT_EQ(got[0].receiveCount, attempt);
    if (attempt > 1) {
      // Full jitter: anywhere in [0, cap]; never much later than the cap.
      EXPECT_LE(steady_clock::now() - nackedAt, backoffCap(o, attempt - 1) + Millis(300));
    }
    nackedAt = steady_clock::now();
    ASSERT_TRUE(bus_->nack(got[0].receipt, "parse error #" + std::to_string(attempt)).ok());
  }
  EXPECT_TRUE(receive("jobs", 10, Millis(1'000)).empty()) << "dead letters are not delivered";
  EXPECT_EQ(statsOf("jobs").dead, 1);

  auto dead = bus_->deadLetters("jobs", 10);
  ASSERT_TRUE(dead.ok()) << dead.error().toString();
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].body, "poison");
  EXPECT_EQ((*dead)[0].receiveCount, 3);
  EXPECT_EQ((*dead)[0].lastError, "parse error #3");
  EXPECT_LE(std::chrono::abs((*dead)[0].enqueuedAt - sentAt), Millis(1'000));
  EXPECT_EQ(bus_->deadLetters("jobs", 10)->size(), 1u) << "reading does not remove";

  auto moved = bus_->redrive("jobs", 10);
  ASSERT_TRUE(moved.ok()) << moved.error().toString();
  EXPECT_EQ(*moved, 1u);
  EXPECT_TRUE(bus_->deadLetters("jobs", 10)->empty());
  EXPECT_EQ(statsOf("jobs").dead, 0);
  auto back = receive("jobs", 10, Millis(2'000));
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].body, "poison");
  EXPECT_EQ(back[0].receiveCount, 1) << "redrive gives a fresh receive count";
  EXPECT_EQ(back[0].enqueuedAt, (*dead)[0].enqueuedAt) << "the original enqueue time is kept";
  EXPECT_TRUE(bus_->ack(back[0].receipt).ok());
}

TEST_F(NatsBusTest, VisibilityExpiryAfterMaxReceivesDeadLetters) {
  QueueOptions o;
  o.maxReceives = 2;
  o.visibilityTimeout = Millis(1'000);
  declare("q", o);
  ASSERT_TRUE(bus_->send("q", "crashes consumer").ok());
  for (int i = 1; i <= 2; ++i) {
    auto got = receive("q", 10, Millis(3'000));
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].receiveCount, i);
    // the consumer dies: no ack, no nack
  }
  ASSERT_TRUE(bus_->send("q", "fine").ok());
  std::this_thread::sleep_for(Millis(1'100));  // the poison message's last ack wait passes
  auto next = receive("q", 10, Millis(2'000));
  ASSERT_EQ(next.size(), 1u) << "the poison message is skipped, the next one delivered";
  EXPECT_EQ(next[0].body, "fine");
  auto dead = bus_->deadLetters("q", 10);
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].body, "crashes consumer");
  EXPECT_EQ((*dead)[0].receiveCount, 3) << "the third delivery is the one that dead-letters it";
  EXPECT_EQ((*dead)[0].lastError, "visibility timeout expired");
}

TEST_F(NatsBusTest, DelayedSendIsHiddenAndItsEarlyDeliveryIsNotAReceive) {
  declare("q");
  const auto t0 = steady_clock::now();
  ASSERT_TRUE(bus_->send("q", "later", Millis(1'500)).ok());
  ASSERT_TRUE(bus_->send("q", "now").ok());
  auto first = receive("q", 10, Millis(500));
  ASSERT_EQ(first.size(), 1u) << "the delayed one is fetched early and given back";
  EXPECT_EQ(first[0].body, "now");
  ASSERT_TRUE(bus_->ack(first[0].receipt).ok());
  EXPECT_EQ(statsOf("q").delayed, 1);

  auto later = receive("q", 10, Millis(3'000));
  ASSERT_EQ(later.size(), 1u);
  EXPECT_GE(steady_clock::now() - t0, Millis(1'400));
  EXPECT_EQ(later[0].body, "later");
  EXPECT_EQ(later[0].receiveCount, 1) << "the early delivery does not count";
  EXPECT_TRUE(bus_->ack(later[0].receipt).ok());
}

TEST_F(NatsBusTest, PublishFansOutToSubscribedQueuesOnly) {
  declare("a");
  declare("b");
  declare("c");
  auto none = bus_->publish("events", "before anyone subscribed");
  ASSERT_TRUE(none.ok()) << none.error().toString();
  EXPECT_EQ(*none, 0u);
  ASSERT_TRUE(bus_->subscribe("events", "a").ok());
  Status s = bus_->subscribe("events", "b");
  ASSERT_TRUE(s.ok()) << s.error().toString();
  ASSERT_TRUE(bus_->subscribe("events", "b").ok()) << "idempotent";
  EXPECT_EQ(bus_->subscribe("events", "nosuchqueue").error().code, ErrorCode::kNotFound);

  auto n = bus_->publish("events", "deployed");
  ASSERT_TRUE(n.ok()) << n.error().toString();
  EXPECT_EQ(*n, 2u);
  for (const char* q : {"a", "b"}) {
    auto got = receive(q, 10, Millis(3'000));
    ASSERT_EQ(got.size(), 1u) << q;
    EXPECT_EQ(got[0].body, "deployed") << q;
    EXPECT_TRUE(bus_->ack(got[0].receipt).ok());
  }
  EXPECT_TRUE(receive("c", 10, Millis(500)).empty()) << "c did not subscribe";

  // Another process sees the subscriptions (from the streams' sources, not a local cache).
  NatsBusPtr other = openBus();
  ASSERT_NE(other, nullptr);
  auto m = other->publish("events", "second");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, 2u);
  EXPECT_EQ(receive("a", 10, Millis(3'000)).size(), 1u);

  // A late subscriber gets what is published from now on, not the topic's history.
  ASSERT_TRUE(other->subscribe("events", "c").ok());
  EXPECT_TRUE(receive("c", 10, Millis(700)).empty()) << "no replay of earlier messages";
  ASSERT_TRUE(bus_->publish("events", "third").ok());
  auto late = receive("c", 10, Millis(3'000));
  ASSERT_EQ(late.size(), 1u) << "delivered at once: the server copies into every source";
  EXPECT_EQ(late[0].body, "third");
  // The count comes from a cache of the stream configs: another instance's subscription shows
  // in it within kTopicCacheTtl.
  std::this_thread::sleep_for(NatsBus::kTopicCacheTtl);
  auto four = bus_->publish("events", "fourth");
  ASSERT_TRUE(four.ok());
  EXPECT_EQ(*four, 3u);
}

TEST_F(NatsBusTest, RedeclaringUpdatesTheVisibilityTimeout) {
  declare("upd");  // 30 s default
  QueueOptions shorter;
  shorter.visibilityTimeout = Millis(1'000);
  declare("upd", shorter);
  ASSERT_TRUE(bus_->send("upd", "x").ok());
  auto first = receive("upd", 1, Millis(2'000));
  ASSERT_EQ(first.size(), 1u);
  auto again = receive("upd", 1, Millis(3'000));
  ASSERT_EQ(again.size(), 1u) << "redelivered after the new 1 s timeout, not 30 s";
  EXPECT_EQ(again[0].receiveCount, 2);
  EXPECT_TRUE(bus_->ack(again[0].receipt).ok());
}

TEST_F(NatsBusTest, StatsCountReadyInFlightAndDead) {
  QueueOptions o;
  o.maxReceives = 1;
  declare("s", o);
  declare("empty");
  ASSERT_TRUE(bus_->sendBatch("s", std::vector<std::string>{"1", "2", "3", "4"}).ok());
  auto got = receive("s", 2, Millis(2'000));
  ASSERT_EQ(got.size(), 2u);
  ASSERT_TRUE(bus_->nack(got[1].receipt, "bad").ok());  // maxReceives 1: straight to dead
  QueueStats s = statsOf("s");
  EXPECT_EQ(s.ready, 2);
  EXPECT_EQ(s.inFlight, 1);
  EXPECT_EQ(s.dead, 1);
  QueueStats e = statsOf("empty");
  EXPECT_EQ(e.ready + e.inFlight + e.delayed + e.dead, 0);
  EXPECT_TRUE(bus_->ping().ok());
}

TEST_F(NatsBusTest, TwoInstancesShareAQueueWithoutDuplicates) {
  declare("shared");
  constexpr int kMessages = 300;
  std::vector<std::string> bodies;
  for (int i = 0; i < kMessages; ++i)
    bodies.push_back(std::to_string(i));
  ASSERT_TRUE(bus_->sendBatch("shared", bodies).ok());
  NatsBusPtr second = openBus();
  ASSERT_NE(second, nullptr);

  std::mutex mu;
  std::multiset<std::string> seen;
  std::atomic<int> total{0};
  std::atomic<int> perBus[2] = {0, 0};
  auto worker = [&](Bus* bus, int index) {
    const auto deadline = steady_clock::now() + std::chrono::seconds(20);
    while (total.load() < kMessages && steady_clock::now() < deadline) {
      auto got = bus->receive("shared", 7, Millis(200));
      if (!got.ok()) continue;
      for (const Message& m : *got) {
        {
          std::lock_guard lock(mu);
          seen.insert(m.body);
        }
        EXPECT_TRUE(bus->ack(m.receipt).ok());
        ++total;
        ++perBus[index];
      }
    }
  };
  std::thread t1(worker, bus_.get(), 0);
  std::thread t2(worker, second.get(), 1);
  t1.join();
  t2.join();
  EXPECT_EQ(total.load(), kMessages);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size()) << "duplicates";
  EXPECT_GT(perBus[0].load(), 0);
  EXPECT_GT(perBus[1].load(), 0);
  // No delivery was lost to a pull request that ended as the server answered it (it would sit
  // in flight until its ack wait).
  QueueStats st = statsOf("shared");
  EXPECT_EQ(st.ready, 0);
  EXPECT_EQ(st.inFlight, 0);
}

TEST_F(NatsBusTest, ThreadsOfOneInstanceReceiveConcurrently) {
  declare("mt");
  constexpr int kMessages = 200;
  std::vector<std::string> bodies;
  for (int i = 0; i < kMessages; ++i)
    bodies.push_back(std::to_string(i));
  ASSERT_TRUE(bus_->sendBatch("mt", bodies).ok());
  std::mutex mu;
  std::vector<std::string> seen;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      const auto deadline = steady_clock::now() + std::chrono::seconds(15);
      for (;;) {
        {
          std::lock_guard lock(mu);
          if (seen.size() >= kMessages || steady_clock::now() > deadline) return;
        }
        auto got = bus_->receive("mt", 5, Millis(100));
        if (!got.ok()) {
          ++errors;
          continue;
        }
        for (const Message& m : *got) {
          if (!bus_->ack(m.receipt).ok()) ++errors;
          std::lock_guard lock(mu);
          seen.push_back(m.body);
        }
      }
    });
  }
  for (std::thread& t : threads)
    t.join();
  EXPECT_EQ(errors.load(), 0);
  std::sort(seen.begin(), seen.end());
  std::sort(bodies.begin(), bodies.end());
  EXPECT_EQ(seen, bodies) << "each message exactly once";
}

TEST_F(NatsBusTest, ServerRestartLosesNothingAcknowledged) {
  declare("durable");
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(bus_->send("durable", "m" + std::to_string(i)).ok());
  auto firstFive = receive("durable", 5, Millis(2'000));
  ASSERT_EQ(firstFive.size(), 5u);
  for (const Message& m : firstFive)
    ASSERT_TRUE(bus_->ack(m.receipt).ok());

  server_.stop();
  server_.start();

  std::set<std::string> rest;
  const auto deadline = steady_clock::now() + std::chrono::seconds(15);
  while (rest.size() < 15 && steady_clock::now() < deadline) {
    auto got = bus_->receive("durable", 20, Millis(500));
    if (!got.ok()) {
      std::this_thread::sleep_for(Millis(100));  // still reconnecting
      continue;
    }
    for (const Message& m : *got) {
      rest.insert(m.body);
      ASSERT_TRUE(bus_->ack(m.receipt).ok());
    }
  }
  EXPECT_EQ(rest.size(), 15u);
  for (int i = 5; i < 20; ++i)
    EXPECT_EQ(rest.count("m" + std::to_string(i)), 1u) << i;
}

TEST_F(NatsBusTest, ServerCrashLosesNothingAcknowledged) {
  declare("crash");
  std::vector<std::string> bodies;
  for (int i = 0; i < 30; ++i)
    bodies.push_back("c" + std::to_string(i));
  ASSERT_TRUE(bus_->sendBatch("crash", bodies).ok());
  server_.stop(SIGKILL);  // no clean shutdown: what the server acknowledged must be on disk
  server_.start();
  std::set<std::string> got;
  const auto deadline = steady_clock::now() + std::chrono::seconds(15);
  while (got.size() < bodies.size() && steady_clock::now() < deadline) {
    auto batch = bus_->receive("crash", 50, Millis(500));
    if (!batch.ok()) {
      std::this_thread::sleep_for(Millis(100));  // still reconnecting
      continue;
    }
    for (const Message& m : *batch) {
      got.insert(m.body);
      ASSERT_TRUE(bus_->ack(m.receipt).ok());
    }
  }
  EXPECT_EQ(got, std::set<std::string>(bodies.begin(), bodies.end()));
}

TEST_F(NatsBusTest, ServerDownIsUnavailableWithoutHanging) {
  declare("q");
  server_.stop();
  const auto t0 = steady_clock::now();
  auto sent = bus_->send("q", "x");
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(sent.error().retryable);
  EXPECT_LT(steady_clock::now() - t0, Millis(3'000));
  EXPECT_EQ(bus_->ping().error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(bus_->sendBatch("q", std::vector<std::string>{"a", "b"}).error().code,
            ErrorCode::kUnavailable);
  EXPECT_EQ(bus_->receive("q", 1, Millis(100)).error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(bus_->stats().error().code, ErrorCode::kUnavailable);
  EXPECT_LT(steady_clock::now() - t0, Millis(6'000)) << "every call fails fast";

  NatsBusOptions o;
  o.servers = {server_.url()};
  o.connectTimeout = Millis(1'000);
  const auto t1 = steady_clock::now();
  auto opened = NatsBus::open(o, systemClock());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(opened.error().retryable);
  EXPECT_NE(opened.error().message.find(server_.url()), std::string::npos)
      << opened.error().message;
  EXPECT_LT(steady_clock::now() - t1, Millis(3'000));
}

TEST_F(NatsBusTest, RefusesOversizedBodiesAndInvalidNames) {
  declare("q");
  NatsBusOptions o;
  o.servers = {server_.url()};
  o.maxBodyBytes = 1'000;
  auto small = NatsBus::open(o, systemClock());
  ASSERT_TRUE(small.ok());
  EXPECT_TRUE((*small)->send("q", std::string(1'000, 'x')).ok());
  EXPECT_EQ((*small)->send("q", std::string(1'001, 'x')).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ((*small)
                ->sendBatch("q", std::vector<std::string>{"ok", std::string(2'000, 'x')})
                .error()
                .code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ((*small)->publish("t", std::string(1'001, 'x')).error().code,
            ErrorCode::kInvalidArgument);
  // The default 1 MiB body fits (the fixture's server allows 2 MB payloads).
  EXPECT_TRUE(bus_->send("q", std::string(1 << 20, 'y')).ok());

  for (const char* bad : {"", "a b", "a*", "a>", "a/b", "ä"}) {
    EXPECT_EQ(bus_->declareQueue(bad, {}).error().code, ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(bus_->send(bad, "x").error().code, ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(bus_->subscribe(bad, "q").error().code, ErrorCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(bus_->send("undeclared", "x").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(bus_->receive("undeclared", 1, Millis(0)).error().code, ErrorCode::kNotFound);

  o.prefix = "bad.prefix";
  EXPECT_EQ(NatsBus::open(o, systemClock()).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(NatsBusTest, AnotherInstanceReadsTheDeclaredOptions) {
  QueueOptions o;
  o.maxReceives = 1;
  o.visibilityTimeout = Millis(1'000);
  declare("opts", o);
  NatsBusPtr other = openBus();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(bus_->send("opts", "x").ok());
  auto got = receive("opts", 1, Millis(2'000), other.get());
  ASSERT_EQ(got.size(), 1u);
  // maxReceives 1 travelled through the consumer's description: the first nack dead-letters.
  ASSERT_TRUE(other->nack(got[0].receipt, "no").ok());
  auto dead = other->deadLetters("opts", 10);
  ASSERT_TRUE(dead.ok());
  EXPECT_EQ(dead->size(), 1u);

  // The visibility timeout is the consumer's AckWait: the other instance's receipt goes stale
  // after 1 s, not after the 30 s default.
  ASSERT_TRUE(bus_->send("opts", "y").ok());
  auto again = receive("opts", 1, Millis(2'000), other.get());
  ASSERT_EQ(again.size(), 1u);
  std::this_thread::sleep_for(Millis(1'100));
  EXPECT_EQ(other->ack(again[0].receipt).error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace pharos::bus

namespace pharos::bus {
namespace {

// Throughput on the loopback server, printed for the record (not asserted: the machine is
// shared). Labelled slow.
TEST_F(NatsBusTest, SlowThroughputFigures) {
  declare("perf");
  constexpr int kSync = 2'000;
  constexpr int kBatched = 10'000;
  const std::string body(200, 'p');
  auto t0 = steady_clock::now();
  for (int i = 0; i < kSync; ++i)
    ASSERT_TRUE(bus_->send("perf", body).ok());
  const double syncSecs = std::chrono::duration<double>(steady_clock::now() - t0).count();

  t0 = steady_clock::now();
  const std::vector<std::string> batch(500, body);
  for (int i = 0; i < kBatched / 500; ++i)
    ASSERT_TRUE(bus_->sendBatch("perf", batch).ok());
  const double batchSecs = std::chrono::duration<double>(steady_clock::now() - t0).count();

  t0 = steady_clock::now();
  int received = 0;
  while (received < kSync + kBatched) {
    auto got = bus_->receive("perf", 256, Millis(1'000));
    ASSERT_TRUE(got.ok()) << got.error().toString();
    ASSERT_FALSE(got->empty()) << "after " << received;
    std::vector<std::string> receipts;
    for (const Message& m : *got)
      receipts.push_back(m.receipt);
    ASSERT_TRUE(bus_->ack(receipts).ok());
    received += static_cast<int>(got->size());
  }
  const double recvSecs = std::chrono::duration<double>(steady_clock::now() - t0).count();
  std::printf(
      "NATS bus, 200-byte bodies: send %.0f msg/s, sendBatch(500) %.0f msg/s, "
      "receive(256)+ack %.0f msg/s\n",
      kSync / syncSecs, kBatched / batchSecs, received / recvSecs);
  EXPECT_EQ(received, kSync + kBatched);
}

}  // namespace
}  // namespace pharos::bus

#endif  // PHAROS_HAVE_NATS
