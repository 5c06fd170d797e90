// The bus on a three-node NATS JetStream cluster with replicas 3 (issue 11): one node is
// killed while a producer keeps sending; every send the cluster acknowledged is received
// afterwards, and the killed node comes back into the cluster and serves the queue again.
#ifdef PHAROS_HAVE_NATS

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bus/nats/nats_bus.h"
#include "bus/nats_server.h"
#include "fakes/free_port.h"

namespace pharos::bus {
namespace {

using std::chrono::steady_clock;

class NatsClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::array<uint16_t, 3> routes{};
    for (uint16_t& p : routes)
      p = testing::freeLoopbackPort();
    for (size_t i = 0; i < routes.size(); ++i) {
      testing::NatsServer::ClusterNode node{"n" + std::to_string(i + 1), routes[i], {}};
      for (size_t j = 0; j < routes.size(); ++j)
        if (j != i) node.routePorts.push_back(routes[j]);
      nodes_.push_back(std::make_unique<testing::NatsServer>(node));
    }
    for (auto& n : nodes_)
      n->start();
  }

  // A bus on `urls` with streams of 3 replicas, once the cluster has a JetStream leader (a
  // new cluster takes a few seconds to elect one) and the queue is declared.
  NatsBusPtr openBus(std::vector<std::string> urls, const std::string& queue) {
    NatsBusOptions o;
    o.servers = std::move(urls);
    o.replicas = 3;
    o.connectTimeout = Millis(2'000);
    std::string last;
    const auto deadline = steady_clock::now() + std::chrono::seconds(30);
    while (steady_clock::now() < deadline) {
      auto opened = NatsBus::open(o, systemClock());
      if (opened.ok()) {
        Status declared = (*opened)->declareQueue(queue, QueueOptions{});
        if (declared.ok()) return std::move(opened).value();
        last = declared.error().toString();
      } else {
        last = opened.error().toString();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    ADD_FAILURE() << "the cluster never served the queue: " << last;
    return nullptr;
  }

  std::vector<std::string> urls() const {
    std::vector<std::string> out;
    for (const auto& n : nodes_)
      out.push_back(n->url());
    return out;
  }

  std::vector<std::unique_ptr<testing::NatsServer>> nodes_;
};

TEST_F(NatsClusterTest, SlowAKilledNodeLosesNothingAcknowledgedAndRejoins) {
  for (auto& n : nodes_)
    ASSERT_TRUE(n->available());
  NatsBusPtr bus = openBus(urls(), "orders");
  ASSERT_NE(bus, nullptr);

  std::atomic<bool> stop{false};
  std::mutex mu;
  std::set<std::string> acknowledged;
  std::atomic<int> refused{0};
  std::thread producer([&] {
    for (int i = 0; !stop; ++i) {
      std::string body = "order-" + std::to_string(i);
      if (bus->send("orders", body).ok()) {
        std::lock_guard lock(mu);
        acknowledged.insert(body);
      } else {
        ++refused;  // not acknowledged: the producer would retry it; nothing is promised
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  });
  auto sentSoFar = [&] {
    std::lock_guard lock(mu);
    return acknowledged.size();
  };

  std::this_thread::sleep_for(std::chrono::seconds(1));
  const size_t beforeKill = sentSoFar();
  // The first node: most likely the one the client is connected to, so the client must also
  // fail over to another.
  nodes_[0]->stop(SIGKILL);
  // The other two elect new leaders (a few seconds; longer on a loaded machine) and take
  // sends again: wait for that, up to 30 s, then a little longer so sends keep flowing.
  const auto electionDeadline = steady_clock::now() + std::chrono::seconds(30);
  while (sentSoFar() <= beforeKill + 10 && steady_clock::now() < electionDeadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const size_t duringOutage = sentSoFar() - beforeKill;
  nodes_[0]->start();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  stop = true;
  producer.join();
  ASSERT_GT(beforeKill, 0u);
  EXPECT_GT(duringOutage, 0u) << "sends stopped while two of three nodes were up";

  // Everything acknowledged is there, exactly the acknowledged set at least.
  std::set<std::string> received;
  auto deadline = steady_clock::now() + std::chrono::seconds(30);
  while (steady_clock::now() < deadline) {
    auto got = bus->receive("orders", 256, Millis(500));
    if (!got.ok()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    if (got->empty() && received.size() >= acknowledged.size()) break;
    std::vector<std::string> receipts;
    for (const Message& m : *got) {
      received.insert(m.body);
      receipts.push_back(m.receipt);
    }
    ASSERT_TRUE(bus->ack(receipts).ok());
  }
  size_t lost = 0;
  for (const std::string& body : acknowledged)
    lost += received.count(body) == 0 ? 1 : 0;
  EXPECT_EQ(lost, 0u) << "of " << acknowledged.size() << " acknowledged sends";

  // The killed node rejoined: through it alone, the replicated queue takes and gives again.
  NatsBusPtr viaRestarted = openBus({nodes_[0]->url()}, "orders");
  ASSERT_NE(viaRestarted, nullptr);
  ASSERT_TRUE(viaRestarted->send("orders", "after-rejoin").ok());
  bool seen = false;
  deadline = steady_clock::now() + std::chrono::seconds(10);
  while (!seen && steady_clock::now() < deadline) {
    auto got = viaRestarted->receive("orders", 10, Millis(500));
    if (!got.ok()) continue;
    for (const Message& m : *got) {
      seen = seen || m.body == "after-rejoin";
      ASSERT_TRUE(viaRestarted->ack(m.receipt).ok());
    }
  }
  EXPECT_TRUE(seen);
  std::printf("cluster: %zu sends acknowledged (%zu during the outage), %d refused, %zu received\n",
              acknowledged.size(), duringOutage, refused.load(), received.size());
}

}  // namespace
}  // namespace pharos::bus

#endif  // PHAROS_HAVE_NATS
