#include "bus/embedded/embedded_bus.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bus/backoff.h"
#include "bus_fixture.h"
#include "sqlite/connection.h"

namespace pharos::bus {
namespace {

using std::chrono::steady_clock;

TEST_F(EmbeddedBusTest, SendReceiveAck) {
  declare("orders");
  auto id = bus_->send("orders", "hello");
  ASSERT_TRUE(id.ok()) << id.error().toString();

  auto got = receiveNow("orders");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, *id);
  EXPECT_EQ(got[0].queue, "orders");
  EXPECT_EQ(got[0].body, "hello");
  EXPECT_EQ(got[0].receiveCount, 1);
  EXPECT_EQ(got[0].enqueuedAt, clock_.now());
  EXPECT_EQ(statsOf("orders").inFlight, 1);

  EXPECT_TRUE(receiveNow("orders").empty()) << "in flight: invisible to other consumers";
  ASSERT_TRUE(bus_->ack(got[0].receipt).ok());
  clock_.advance(Millis(3'600'000));
  EXPECT_TRUE(receiveNow("orders").empty()) << "acked messages never come back";
  QueueStats s = statsOf("orders");
  EXPECT_EQ(s.ready + s.inFlight + s.delayed + s.dead, 0);
}

TEST_F(EmbeddedBusTest, BinaryBodiesAndFifoOrder) {
  declare("q");
  std::vector<std::string> bodies = {std::string("a\0b", 3), std::string(), "third"};
  ASSERT_TRUE(bus_->sendBatch("q", bodies).ok());
  auto got = receiveNow("q", 10);
  ASSERT_EQ(got.size(), 3u);
  for (size_t i = 0; i < 3; ++i)
    EXPECT_EQ(got[i].body, bodies[i]);
  EXPECT_LT(got[0].id, got[1].id);
  EXPECT_LT(got[1].id, got[2].id);
}

TEST_F(EmbeddedBusTest, ReceiveHonoursMax) {
  declare("q");
  std::vector<std::string> bodies(5, "x");
  ASSERT_TRUE(bus_->sendBatch("q", bodies).ok());
  EXPECT_EQ(receiveNow("q", 2).size(), 2u);
  EXPECT_EQ(receiveNow("q", 10).size(), 3u);
}

TEST_F(EmbeddedBusTest, VisibilityTimeoutExpiryRedelivers) {
  QueueOptions o;
  o.visibilityTimeout = Millis(30'000);
  declare("q", o);
  ASSERT_TRUE(bus_->send("q", "work").ok());
  auto first = receiveNow("q");
  ASSERT_EQ(first.size(), 1u);

  clock_.advance(Millis(29'999));
  EXPECT_TRUE(receiveNow("q").empty());
  clock_.advance(Millis(1));
  auto second = receiveNow("q");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].id, first[0].id);
  EXPECT_EQ(second[0].receiveCount, 2);
  EXPECT_NE(second[0].receipt, first[0].receipt);

  Status stale = bus_->ack(first[0].receipt);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(bus_->ack(second[0].receipt).ok());
}

TEST_F(EmbeddedBusTest, BatchAckWithOneStaleReceiptAcksTheOthers) {
  QueueOptions o;
  o.visibilityTimeout = Millis(1'000);
  declare("q", o);
  ASSERT_TRUE(bus_->sendBatch("q", std::vector<std::string>{"a", "b"}).ok());
  auto got = receiveNow("q");
  ASSERT_EQ(got.size(), 2u);
  clock_.advance(Millis(1'000));
  ASSERT_TRUE(bus_->send("q", "c").ok());
  auto again = receiveNow("q", 1);  // redelivers "a": its first receipt is now stale
  ASSERT_EQ(again.size(), 1u);
  ASSERT_EQ(again[0].id, got[0].id);

  std::vector<std::string> receipts = {got[0].receipt, got[1].receipt};
  Status s = bus_->ack(receipts);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kNotFound);
  EXPECT_NE(s.error().message.find("1 of 2"), std::string::npos) << s.error().message;
  clock_.advance(Millis(5'000));
  auto rest = receiveNow("q");
  std::vector<std::string> left;
  for (auto& m : rest)
    left.push_back(m.body);
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"a", "c"})) << "b was acked";
}

TEST_F(EmbeddedBusTest, PoisonMessageLandsInDeadLettersAndRedriveBringsItBack) {
  QueueOptions o;
  o.maxReceives = 3;
  o.backoffBase = Millis(10);
  o.backoffMax = Millis(100);
  declare("jobs", o);
  auto id = bus_->send("jobs", "poison");
  ASSERT_TRUE(id.ok());

  for (int attempt = 1; attempt <= 3; ++attempt) {
    clock_.advance(Millis(1'000));
    auto got = receiveNow("jobs");
    ASSERT_EQ(got.size(), 1u) << "attempt " << attempt;
    EXPECT_EQ(got[0].receiveCount, attempt);
    ASSERT_TRUE(bus_->nack(got[0].receipt, "parse error #" + std::to_string(attempt)).ok());
  }
  clock_.advance(Millis(3'600'000));
  EXPECT_TRUE(receiveNow("jobs").empty()) << "dead letters are not delivered";
  EXPECT_EQ(statsOf("jobs").dead, 1);

  auto dead = bus_->deadLetters("jobs", 10);
  ASSERT_TRUE(dead.ok()) << dead.error().toString();
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].id, *id);
  EXPECT_EQ((*dead)[0].body, "poison");
  EXPECT_EQ((*dead)[0].receiveCount, 3);
  EXPECT_EQ((*dead)[0].lastError, "parse error #3");

  auto moved = bus_->redrive("jobs", 10);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(*moved, 1u);
  EXPECT_TRUE(bus_->deadLetters("jobs", 10)->empty());
  auto back = receiveNow("jobs");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].id, *id);
  EXPECT_EQ(back[0].receiveCount, 1) << "redrive gives a fresh receive count";
  EXPECT_TRUE(bus_->ack(back[0].receipt).ok());
}

TEST_F(EmbeddedBusTest, VisibilityExpiryAfterMaxReceivesDeadLetters) {
  QueueOptions o;
  o.maxReceives = 2;
  o.visibilityTimeout = Millis(1'000);
  declare("q", o);
  ASSERT_TRUE(bus_->send("q", "crashes consumer").ok());
  for (int i = 0; i < 2; ++i) {
    auto got = receiveNow("q");
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].body, "crashes consumer");
    clock_.advance(Millis(1'000));  // the consumer died: no ack, no nack
  }
  ASSERT_TRUE(bus_->send("q", "fine").ok());
  auto next = receiveNow("q");
  ASSERT_EQ(next.size(), 1u) << "the poison message is skipped, the next one delivered";
  EXPECT_EQ(next[0].body, "fine");
  auto dead = bus_->deadLetters("q", 10);
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].body, "crashes consumer");
  EXPECT_EQ((*dead)[0].receiveCount, 2);
  EXPECT_EQ((*dead)[0].lastError, "") << "never nacked: no reason";
}

TEST_F(EmbeddedBusTest, NackBackoffGrowsExponentiallyWithinJitterBounds) {
  QueueOptions o;
  o.maxReceives = 100;
  o.visibilityTimeout = Millis(3'600'000);
  o.backoffBase = Millis(10);
  o.backoffMax = Millis(80);
  declare("q", o);
  constexpr size_t kMessages = 40;
  ASSERT_TRUE(bus_->sendBatch("q", std::vector<std::string>(kMessages, "m")).ok());
  auto inFlight = receiveNow("q", kMessages);
  ASSERT_EQ(inFlight.size(), kMessages);

  for (int attempt = 1; attempt <= 5; ++attempt) {
    const int64_t cap = backoffCap(o, attempt).count();
    for (const Message& m : inFlight)
      ASSERT_TRUE(bus_->nack(m.receipt, "retry").ok());
    // Step the clock one millisecond at a time and see when each message reappears.
    std::vector<int64_t> delays;
    inFlight.clear();
    for (int64_t waited = 0; waited <= cap && inFlight.size() < kMessages; ++waited) {
      for (Message& m : receiveNow("q", kMessages)) {
        EXPECT_EQ(m.receiveCount, attempt + 1);
        delays.push_back(waited);
        inFlight.push_back(std::move(m));
      }
      clock_.advance(Millis(1));
    }
    ASSERT_EQ(inFlight.size(), kMessages) << "every delay is at most the cap " << cap;
    double mean = 0;
    for (int64_t d : delays)
      mean += static_cast<double>(d);
    mean /= kMessages;
    // Full jitter: uniform over [0, cap], so the mean is cap/2 (40 samples: sd ~ cap/22).
    EXPECT_GT(mean, 0.25 * static_cast<double>(cap)) << "attempt " << attempt;
    EXPECT_LT(mean, 0.75 * static_cast<double>(cap)) << "attempt " << attempt;
  }
}

TEST_F(EmbeddedBusTest, DelayedSend) {
  declare("q");
  ASSERT_TRUE(bus_->send("q", "later", Millis(5'000)).ok());
  ASSERT_TRUE(bus_->send("q", "now").ok());
  auto got = receiveNow("q");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "now");
  EXPECT_EQ(statsOf("q").delayed, 1);
  clock_.advance(Millis(4'999));
  EXPECT_TRUE(receiveNow("q").empty());
  clock_.advance(Millis(1));
  got = receiveNow("q");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "later");
}

TEST_F(EmbeddedBusTest, TopicFansOutToEverySubscribedQueue) {
  for (const char* q : {"email", "webhook", "slack", "unrelated"})
    declare(q);
  for (const char* q : {"email", "webhook", "slack"}) {
    ASSERT_TRUE(bus_->subscribe("alerts", q).ok());
    ASSERT_TRUE(bus_->subscribe("alerts", q).ok()) << "idempotent";
  }
  auto copies = bus_->publish("alerts", "disk full");
  ASSERT_TRUE(copies.ok()) << copies.error().toString();
  EXPECT_EQ(*copies, 3u);
  for (const char* q : {"email", "webhook", "slack"}) {
    auto got = receiveNow(q);
    ASSERT_EQ(got.size(), 1u) << q;
    EXPECT_EQ(got[0].body, "disk full");
  }
  EXPECT_TRUE(receiveNow("unrelated").empty());
  auto none = bus_->publish("nobody-listens", "x");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0u);
}

TEST_F(EmbeddedBusTest, MessagesQueuesAndSubscriptionsSurviveReopen) {
  QueueOptions o;
  o.visibilityTimeout = Millis(2'000);
  o.maxReceives = 7;
  declare("q", o);
  declare("sub");
  ASSERT_TRUE(bus_->subscribe("t", "sub").ok());
  auto first = bus_->send("q", "one");
  ASSERT_TRUE(bus_->send("q", "two").ok());
  auto inFlight = receiveNow("q", 1);
  ASSERT_EQ(inFlight.size(), 1u);

  reopen();
  EXPECT_EQ(*bus_->publish("t", "fan"), 1u);
  clock_.advance(Millis(1'000));
  auto two = receiveNow("q");
  ASSERT_EQ(two.size(), 1u);
  EXPECT_EQ(two[0].body, "two");
  clock_.advance(Millis(1'000));  // the visibility timeout was kept too
  auto one = receiveNow("q");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].id, *first);
  EXPECT_EQ(one[0].receiveCount, 2);
  auto fan = receiveNow("sub");
  ASSERT_EQ(fan.size(), 1u);

  // Drain everything, so a reused rowid would start again from 1.
  ASSERT_TRUE(
      bus_->ack(std::vector<std::string>{one[0].receipt, two[0].receipt, fan[0].receipt}).ok());
  reopen();
  auto fresh = bus_->send("q", "three");
  ASSERT_TRUE(fresh.ok());
  EXPECT_GT(*fresh, fan[0].id) << "ids are never reused: consumers de-duplicate by id";
}

TEST_F(EmbeddedBusTest, BadInputIsInvalidArgumentUnknownQueueIsNotFound) {
  declare("q");
  auto expectCode = [](const auto& result, ErrorCode code, const char* what) {
    ASSERT_FALSE(result.ok()) << what;
    EXPECT_EQ(result.error().code, code) << what << ": " << result.error().toString();
    EXPECT_FALSE(result.error().message.empty()) << what;
  };
  for (std::string bad : {std::string(), std::string("a b"), std::string(129, 'x'),
                          std::string("q\n"), std::string("\xff")}) {
    expectCode(bus_->declareQueue(bad, {}), ErrorCode::kInvalidArgument, "declare");
    expectCode(bus_->send(bad, "x"), ErrorCode::kInvalidArgument, "send");
    expectCode(bus_->receive(bad, 1, Millis(0)), ErrorCode::kInvalidArgument, "receive");
    expectCode(bus_->publish(bad, "x"), ErrorCode::kInvalidArgument, "publish");
    expectCode(bus_->subscribe(bad, "q"), ErrorCode::kInvalidArgument, "subscribe topic");
    expectCode(bus_->deadLetters(bad, 1), ErrorCode::kInvalidArgument, "deadLetters");
  }
  expectCode(bus_->send("missing", "x"), ErrorCode::kNotFound, "send");
  expectCode(bus_->sendBatch("missing", std::vector<std::string>{"x"}), ErrorCode::kNotFound,
             "sendBatch");
  expectCode(bus_->receive("missing", 1, Millis(0)), ErrorCode::kNotFound, "receive");
  expectCode(bus_->subscribe("t", "missing"), ErrorCode::kNotFound, "subscribe");
  expectCode(bus_->deadLetters("missing", 1), ErrorCode::kNotFound, "deadLetters");
  expectCode(bus_->redrive("missing", 1), ErrorCode::kNotFound, "redrive");

  expectCode(bus_->send("q", "x", Millis(-1)), ErrorCode::kInvalidArgument, "negative delay");
  expectCode(bus_->receive("q", 0, Millis(0)), ErrorCode::kInvalidArgument, "max 0");
  expectCode(bus_->receive("q", 1, Millis(-5)), ErrorCode::kInvalidArgument, "negative wait");
  expectCode(bus_->ack("not-a-receipt"), ErrorCode::kInvalidArgument, "ack");
  expectCode(bus_->nack("1.zzzzzzzzzzzzzzzz", "r"), ErrorCode::kInvalidArgument, "nack");
  expectCode(bus_->nack("12345.0123456789abcdef", "r"), ErrorCode::kNotFound, "nack unknown");
  expectCode(bus_->send("q", std::string(EmbeddedBusOptions{}.maxBodyBytes + 1, 'x')),
             ErrorCode::kInvalidArgument, "huge body");
  QueueOptions badOpts;
  badOpts.maxReceives = 0;
  expectCode(bus_->declareQueue("q2", badOpts), ErrorCode::kInvalidArgument, "maxReceives");
  badOpts = {};
  badOpts.visibilityTimeout = Millis(0);
  expectCode(bus_->declareQueue("q2", badOpts), ErrorCode::kInvalidArgument, "visibility");
  badOpts = {};
  badOpts.backoffMax = Millis(1);
  expectCode(bus_->declareQueue("q2", badOpts), ErrorCode::kInvalidArgument, "backoff");
  EXPECT_TRUE(bus_->ping().ok());
}

TEST_F(EmbeddedBusTest, NewerSchemaVersionIsRefused) {
  bus_.reset();
  {
    auto conn = sqlite::Connection::open(path());
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)->exec("PRAGMA user_version=99").ok());
  }
  auto opened = EmbeddedBus::open(path(), clock_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kFailedPrecondition) << opened.error().toString();
}

TEST_F(EmbeddedBusTest, LongPollReturnsEarlyWhenAMessageIsSent) {
  declare("q");
  auto start = steady_clock::now();
  std::thread producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    ASSERT_TRUE(bus_->send("q", "wake up").ok());
  });
  auto got = bus_->receive("q", 10, Millis(10'000));
  auto elapsed = steady_clock::now() - start;
  producer.join();
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].body, "wake up");
  EXPECT_GE(elapsed, std::chrono::milliseconds(100));
  EXPECT_LT(elapsed, std::chrono::milliseconds(2'000));
}

TEST_F(EmbeddedBusTest, LongPollGivesUpAfterWait) {
  declare("q");
  auto start = steady_clock::now();
  auto got = bus_->receive("q", 10, Millis(300));
  auto elapsed = steady_clock::now() - start;
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->empty());
  EXPECT_GE(elapsed, std::chrono::milliseconds(300));
  EXPECT_LT(elapsed, std::chrono::milliseconds(1'500));
}

TEST_F(EmbeddedBusTest, LongPollSeesADelayEndingMidWait) {
  declare("q");
  ASSERT_TRUE(bus_->send("q", "delayed", Millis(60'000)).ok());
  std::thread timeMover([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    clock_.advance(Millis(60'000));
  });
  auto start = steady_clock::now();
  auto got = bus_->receive("q", 10, Millis(10'000));
  auto elapsed = steady_clock::now() - start;
  timeMover.join();
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_LT(elapsed, std::chrono::milliseconds(2'000));
}

TEST_F(EmbeddedBusTest, ConcurrentProducersAndConsumersDeliverEachMessageOnce) {
  declare("q");
  constexpr int kProducers = 2;
  constexpr int kPerProducer = 500;
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; i += 50) {
        std::vector<std::string> batch;
        for (int j = 0; j < 50; ++j)
          batch.push_back(std::to_string(p * kPerProducer + i + j));
        ASSERT_TRUE(bus_->sendBatch("q", batch).ok());
      }
    });
  }
  std::mutex seenMutex;
  std::map<std::string, int> seen;
  for (int c = 0; c < 2; ++c) {
    threads.emplace_back([&] {
      for (;;) {
        auto got = bus_->receive("q", 64, Millis(500));
        ASSERT_TRUE(got.ok());
        if (got->empty()) return;
        std::vector<std::string> receipts;
        {
          std::lock_guard lock(seenMutex);
          for (auto& m : *got) {
            ++seen[m.body];
            receipts.push_back(m.receipt);
          }
        }
        ASSERT_TRUE(bus_->ack(receipts).ok());
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(seen.size(), static_cast<size_t>(kProducers * kPerProducer));
  for (auto& [body, n] : seen)
    EXPECT_EQ(n, 1) << body;
}

}  // namespace
}  // namespace pharos::bus
