#include "notify/outbox.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "bus/embedded/embedded_bus.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"
#include "fakes/webhook_receiver.h"
#include "net/outbound_client.h"
#include "notify_test_util.h"

namespace pharos::notify {
namespace {

using testing::notification;
using testing::receiver;

// Scripted outcomes per receiver: fails while `down` holds the receiver's name.
class ScriptedSender final : public Sender {
 public:
  Attempt send(const ReceiverSpec& spec, const Notification& n) override {
    std::lock_guard lock(mutex_);
    calls[spec.name]++;
    keys[spec.name].push_back(n.idempotencyKey);
    Attempt a;
    a.answered = true;
    if (down.contains(spec.name)) {
      a.status = 503;
      a.error = "the receiver answered HTTP 503";
    } else {
      a.status = 200;
      a.delivered = true;
    }
    return a;
  }
  std::mutex mutex_;
  std::set<std::string> down;
  std::map<std::string, int> calls;
  std::map<std::string, std::vector<std::string>> keys;
};

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = pharos::testing::openTestStore(dir_.file("store.db"));
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
    bus::EmbeddedBusOptions bo;
    bo.synchronousFull = false;
    auto b = bus::EmbeddedBus::open(dir_.file("bus.db"), clock_, bo);
    ASSERT_TRUE(b.ok());
    bus_ = std::move(b).value();
  }

  void open(OutboxOptions options, Clock* clock = nullptr) {
    auto lookup = [](const std::string& name) -> std::optional<ReceiverSpec> {
      if (name == "missing") return std::nullopt;
      return receiver(R"({"name":")" + name +
                      R"(","type":"webhook","url":"http://127.0.0.1:9/x"})");
    };
    auto o = Outbox::open(*bus_, *store_, sender_, lookup, clock ? *clock : clock_, options);
    ASSERT_TRUE(o.ok()) << o.error().toString();
    outbox_ = std::move(o).value();
  }

  // Runs rounds, moving the manual clock by `step` between them, for `rounds` rounds.
  void drive(int rounds, Millis step) {
    for (int i = 0; i < rounds; ++i) {
      while (true) {
        auto handled = outbox_->processOnce(Millis(0));
        ASSERT_TRUE(handled.ok()) << handled.error().toString();
        if (*handled == 0) break;
      }
      clock_.advance(step);
    }
  }

  NotificationRow row(const std::string& id) {
    auto r = outbox_->log().get(id);
    EXPECT_TRUE(r.ok() && r->has_value()) << id;
    return r.ok() && r->has_value() ? **r : NotificationRow{};
  }

  static OutboxOptions fastOptions() {
    OutboxOptions o;
    o.retry.maxAttempts = 3;
    o.retry.backoffBase = Millis(1'000);
    o.retry.backoffMax = Millis(4'000);
    o.breaker.failureThreshold = 100;
    return o;
  }

  pharos::testing::TempDir dir_;
  pharos::testing::ManualClock clock_;
  store::StorePtr store_;
  bus::BusPtr bus_;
  ScriptedSender sender_;
  OutboxPtr outbox_;
};

TEST_F(OutboxTest, DeliversAndRecordsTheAttempt) {
  open(fastOptions());
  ASSERT_TRUE(outbox_->enqueue(notification("n1", "ops")).ok());
  EXPECT_EQ(row("n1").status, NotificationStatus::kPending);
  drive(1, Millis(0));
  EXPECT_EQ(sender_.calls["ops"], 1);
  NotificationRow r = row("n1");
  EXPECT_EQ(r.status, NotificationStatus::kDelivered);
  EXPECT_EQ(r.attempts, 1);
  auto attempts = outbox_->log().attempts("n1");
  ASSERT_TRUE(attempts.ok());
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ((*attempts)[0].outcome, "delivered");
  EXPECT_EQ((*attempts)[0].httpStatus, 200);
  EXPECT_EQ(notificationRowToJson(r)["status"], "delivered");
}

TEST_F(OutboxTest, ARedeliveryOfADeliveredKeyIsNotSentAgain) {
  open(fastOptions());
  Notification n = notification("n1", "ops");
  ASSERT_TRUE(outbox_->enqueue(n).ok());
  drive(1, Millis(0));
  // The same message again (what a crash between send and ack redelivers), and another
  // notification that carries the same idempotency key.
  ASSERT_TRUE(outbox_->enqueue(n).ok());
  Notification same = notification("n2", "ops");
  same.idempotencyKey = n.idempotencyKey;
  ASSERT_TRUE(outbox_->enqueue(same).ok());
  drive(1, Millis(0));
  EXPECT_EQ(sender_.calls["ops"], 1);
  EXPECT_EQ(row("n2").status, NotificationStatus::kDelivered);
}

TEST_F(OutboxTest, RetriesWithBackoffThenDeadLettersAndSendsTheFallback) {
  open(fastOptions());
  sender_.down.insert("primary");
  Notification n = notification("n1", "primary");
  n.fallback = "backup";
  ASSERT_TRUE(outbox_->enqueue(n).ok());
  drive(1, Millis(0));
  EXPECT_EQ(sender_.calls["primary"], 1);
  drive(1, Millis(0));  // the nack's backoff has not passed
  EXPECT_EQ(sender_.calls["primary"], 1);
  drive(20, Millis(1'000));
  EXPECT_EQ(sender_.calls["primary"], 3);
  EXPECT_EQ(row("n1").status, NotificationStatus::kDead);
  EXPECT_EQ(row("n1").attempts, 3);
  EXPECT_EQ(row("n1").lastError, "the receiver answered HTTP 503");
  // The fallback got a copy with the same idempotency key.
  EXPECT_EQ(sender_.calls["backup"], 1);
  EXPECT_EQ(sender_.keys["backup"], std::vector<std::string>{n.idempotencyKey});
  EXPECT_EQ(row("n1-fallback").status, NotificationStatus::kDelivered);

  auto dead = outbox_->deadLetters(10);
  ASSERT_TRUE(dead.ok()) << dead.error().toString();
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].notification->id, "n1");
  EXPECT_EQ((*dead)[0].attempts, 3);
  EXPECT_EQ((*dead)[0].lastError, "the receiver answered HTTP 503");
  EXPECT_EQ(deadNotificationToJson((*dead)[0])["receiver"], "primary");

  // The receiver is back: a redrive delivers it with a fresh budget.
  sender_.down.clear();
  auto moved = outbox_->redrive(10);
  ASSERT_TRUE(moved.ok()) << moved.error().toString();
  EXPECT_EQ(*moved, 1u);
  drive(1, Millis(0));
  EXPECT_EQ(row("n1").status, NotificationStatus::kDelivered);
  EXPECT_EQ(outbox_->deadLetters(10)->size(), 0u);
  auto attempts = outbox_->log().attempts("n1");
  ASSERT_EQ(attempts->size(), 4u);
  EXPECT_EQ((*attempts)[3].seq, 4);
  EXPECT_EQ((*attempts)[3].attempt, 1);
}

TEST_F(OutboxTest, AnOpenCircuitDelaysWithoutBurningTheBudget) {
  OutboxOptions o = fastOptions();
  o.retry.maxAttempts = 3;
  o.breaker.failureThreshold = 2;
  o.breaker.cooldown = Millis(60'000);
  open(o);
  sender_.down.insert("ops");
  for (int i = 0; i < 6; ++i)
    ASSERT_TRUE(outbox_->enqueue(notification("n" + std::to_string(i), "ops")).ok());
  drive(1, Millis(0));
  // Two failures open the circuit; the other four wait instead of failing.
  EXPECT_EQ(sender_.calls["ops"], 2);
  // Ten minutes of an open circuit: one probe per cool-down, nothing dead.
  drive(600, Millis(1'000));
  int probes = sender_.calls["ops"] - 2;
  EXPECT_GE(probes, 5);
  EXPECT_LE(probes, 12);
  // A probe is a real attempt: the notifications that were probed may have run out; the
  // ones that only waited have not. With 6 notifications and 3 attempts each there are 18
  // attempts to spend; the probes spent fewer.
  EXPECT_LT(sender_.calls["ops"], 18);
  sender_.down.clear();
  drive(200, Millis(1'000));
  // Only real attempts count against a budget: each notification's attempts add up to what
  // the receiver saw, none exceeds the budget, and only those that spent it all are dead.
  // Without the breaker all six would have been dead within seconds.
  int delivered = 0;
  int dead = 0;
  int attempts = 0;
  for (int i = 0; i < 6; ++i) {
    NotificationRow r = row("n" + std::to_string(i));
    attempts += r.attempts;
    EXPECT_LE(r.attempts, 3);
    if (r.status == NotificationStatus::kDead) {
      ++dead;
      EXPECT_EQ(r.attempts, 3);
    } else {
      EXPECT_EQ(r.status, NotificationStatus::kDelivered);
      ++delivered;
    }
  }
  EXPECT_EQ(attempts, sender_.calls["ops"]);
  EXPECT_EQ(delivered + dead, 6);
  EXPECT_GE(delivered, 2);                   // at most 14 failed attempts: at most 4 spent budgets
  EXPECT_TRUE(outbox_->breakers().empty());  // closed again
}

TEST_F(OutboxTest, UnknownReceiverAndSendResolved) {
  open(fastOptions());
  ASSERT_TRUE(outbox_->enqueue(notification("n1", "missing")).ok());
  drive(20, Millis(1'000));
  EXPECT_EQ(row("n1").status, NotificationStatus::kDead);
  EXPECT_EQ(row("n1").lastError, "no receiver named 'missing'");
  EXPECT_FALSE(outbox_->enqueue(Notification{}).ok());
}

TEST_F(OutboxTest, ListsNotificationsNewestFirst) {
  open(fastOptions());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        outbox_
            ->enqueue(notification("n" + std::to_string(i), i % 2 ? "a" : "b", true, clock_.now()))
            .ok());
    clock_.advance(Millis(1'000));
  }
  auto all = outbox_->log().list({});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ((*all)[0].id, "n4");
  auto page = outbox_->log().list({std::nullopt, "b", 2, std::nullopt});
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].id, "n4");
  EXPECT_EQ((*page)[1].id, "n2");
  auto next = outbox_->log().list({std::nullopt, "b", 2, toUnixMillis((*page)[1].createdAt)});
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ((*next)[0].id, "n0");
}

// A real HTTP receiver, down then back, the outbox on its own threads with short backoffs:
// every notification ends delivered or dead, none pending, and no key is answered with a
// 200 twice (the receiver answered every request).
TEST_F(OutboxTest, RealReceiverDownThenBack) {
  pharos::testing::WebhookReceiver hook;
  hook.setMode(pharos::testing::WebhookReceiver::Mode::kFail);
  net::OutboundPolicy policy(config::Environment::kDev);
  net::OutboundClient client(policy, {});
  ChannelSender channels(client, systemClock());
  auto b = bus::EmbeddedBus::open(dir_.file("bus-real.db"), systemClock(), {});
  ASSERT_TRUE(b.ok());
  bus::BusPtr realBus = std::move(b).value();
  std::string url = hook.url();
  auto lookup = [url](const std::string& name) -> std::optional<ReceiverSpec> {
    return receiver(R"({"name":")" + name + R"(","type":"webhook","url":")" + url +
                    R"(","timeout":"500ms"})");
  };
  OutboxOptions o;
  o.retry.maxAttempts = 40;
  o.retry.backoffBase = Millis(20);
  o.retry.backoffMax = Millis(200);
  o.retry.visibilityTimeout = Millis(5'000);
  o.breaker.failureThreshold = 3;
  o.breaker.cooldown = Millis(200);
  o.workers = 2;
  o.pollWait = Millis(50);
  auto opened = Outbox::open(*realBus, *store_, channels, lookup, systemClock(), o);
  ASSERT_TRUE(opened.ok());
  OutboxPtr outbox = std::move(opened).value();
  outbox->start();
  constexpr int kCount = 30;
  for (int i = 0; i < kCount; ++i)
    ASSERT_TRUE(outbox->enqueue(notification("r" + std::to_string(i), "hook")).ok());
  std::this_thread::sleep_for(Millis(1'000));
  hook.setMode(pharos::testing::WebhookReceiver::Mode::kOk);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int pending = kCount;
  while (pending > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(Millis(100));
    auto rows = outbox->log().list({NotificationStatus::kPending, "", 1000, std::nullopt});
    ASSERT_TRUE(rows.ok());
    pending = static_cast<int>(rows->size());
  }
  outbox->stop();
  EXPECT_EQ(pending, 0);
  auto delivered = outbox->log().list({NotificationStatus::kDelivered, "", 1000, std::nullopt});
  auto dead = outbox->log().list({NotificationStatus::kDead, "", 1000, std::nullopt});
  EXPECT_EQ(delivered->size() + dead->size(), static_cast<size_t>(kCount));
  EXPECT_EQ(delivered->size(), static_cast<size_t>(kCount));
  auto ok = hook.okByKey();
  EXPECT_EQ(ok.size(), static_cast<size_t>(kCount));
  for (const auto& [key, times] : ok)
    EXPECT_EQ(times, 1) << key;
  EXPECT_GT(hook.requests(), kCount);  // the failures were retried
}

// The receiver takes longer than the sender waits: it did not answer in time, so the same key
// may arrive again; it must still end delivered, and only the unanswered keys repeat.
TEST_F(OutboxTest, RealReceiverThatHangsIsRetried) {
  pharos::testing::WebhookReceiver hook(Millis(800));
  hook.setMode(pharos::testing::WebhookReceiver::Mode::kHang);
  net::OutboundPolicy policy(config::Environment::kDev);
  net::OutboundClient client(policy, {});
  ChannelSender channels(client, systemClock());
  auto b = bus::EmbeddedBus::open(dir_.file("bus-hang.db"), systemClock(), {});
  ASSERT_TRUE(b.ok());
  bus::BusPtr realBus = std::move(b).value();
  std::string url = hook.url();
  auto lookup = [url](const std::string& name) -> std::optional<ReceiverSpec> {
    return receiver(R"({"name":")" + name + R"(","type":"webhook","url":")" + url +
                    R"(","timeout":"300ms"})");
  };
  OutboxOptions o;
  o.retry.maxAttempts = 20;
  o.retry.backoffBase = Millis(20);
  o.retry.backoffMax = Millis(100);
  o.retry.visibilityTimeout = Millis(5'000);
  o.breaker.failureThreshold = 50;
  o.pollWait = Millis(50);
  auto opened = Outbox::open(*realBus, *store_, channels, lookup, systemClock(), o);
  ASSERT_TRUE(opened.ok());
  OutboxPtr outbox = std::move(opened).value();
  outbox->start();
  ASSERT_TRUE(outbox->enqueue(notification("h1", "hook")).ok());
  // Recover only once the first request is hanging.
  auto first = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (hook.requests() == 0 && std::chrono::steady_clock::now() < first)
    std::this_thread::sleep_for(Millis(10));
  hook.setMode(pharos::testing::WebhookReceiver::Mode::kOk);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = outbox->log().get("h1");
    if (r.ok() && r->has_value() && (*r)->status != NotificationStatus::kPending) break;
    std::this_thread::sleep_for(Millis(50));
  }
  outbox->stop();
  auto r = outbox->log().get("h1");
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->status, NotificationStatus::kDelivered);
  auto attempts = outbox->log().attempts("h1");
  ASSERT_GE(attempts->size(), 2u);
  EXPECT_EQ((*attempts)[0].outcome, "failed");
  EXPECT_EQ((*attempts)[0].httpStatus, 0);  // no answer
}

}  // namespace
}  // namespace pharos::notify
