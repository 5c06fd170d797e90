#include "api/system_routes.h"

#include <gtest/gtest.h>

#include "bus/embedded/embedded_bus.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"

namespace pharos::api {
namespace {

// A real bus whose ping fails, to see /readyz turn 503: the failure is the point of the test.
class UnreachableBus final : public bus::Bus {
 public:
  explicit UnreachableBus(bus::Bus& real) : real_(real) {}
  Status declareQueue(std::string_view q, const bus::QueueOptions& o) override {
    return real_.declareQueue(q, o);
  }
  Status subscribe(std::string_view t, std::string_view q) override {
    return real_.subscribe(t, q);
  }
  Result<int64_t> send(std::string_view q, std::string_view b, Millis d) override {
    return real_.send(q, b, d);
  }
  Status sendBatch(std::string_view q, std::span<const std::string> b) override {
    return real_.sendBatch(q, b);
  }
  Result<size_t> publish(std::string_view t, std::string_view b) override {
    return real_.publish(t, b);
  }
  Result<std::vector<bus::Message>> receive(std::string_view q, size_t m, Millis w) override {
    return real_.receive(q, m, w);
  }
  using Bus::ack;
  Status ack(std::span<const std::string> r) override { return real_.ack(r); }
  Status nack(const std::string& r, std::string_view why) override { return real_.nack(r, why); }
  Result<std::vector<bus::DeadLetter>> deadLetters(std::string_view q, size_t l) override {
    return real_.deadLetters(q, l);
  }
  Result<size_t> redrive(std::string_view q, size_t l) override { return real_.redrive(q, l); }
  Result<std::vector<bus::QueueStats>> stats() override { return real_.stats(); }
  Status ping() override { return retryableError(ErrorCode::kUnavailable, "disk on fire"); }

 private:
  bus::Bus& real_;
};

class SystemRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(pharos::testing::openTestStore(dir_.file("pharos.db"))).value();
    bus_ = std::move(bus::EmbeddedBus::open(dir_.file("bus.db"), clock_)).value();
  }

  net::HttpResponse get(net::Router& router, const std::string& path) {
    net::HttpRequest req;
    req.method = "GET";
    req.target = path;
    req.path = path;
    return router.dispatch(req);
  }

  SystemRoutesDeps deps(bus::Bus& bus) {
    return SystemRoutesDeps{*store_, bus, clock_, startedAt_, "1.2.3", "abc", [] {
                              net::ServerStats s;
                              s.activeConnections = 3;
                              s.requestsTotal = 42;
                              return s;
                            }};
  }

  testing::TempDir dir_;
  testing::ManualClock clock_;
  MonoTime startedAt_ = clock_.monotonic();
  store::StorePtr store_;
  bus::BusPtr bus_;
};

TEST_F(SystemRoutesTest, HealthAndReadinessAnswerWhenEverythingIsUp) {
  net::Router router;
  addSystemRoutes(router, deps(*bus_));
  net::HttpResponse health = get(router, "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"status":"ok"})");
  net::HttpResponse ready = get(router, "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, R"({"status":"ready"})");
}

TEST_F(SystemRoutesTest, ReadinessNamesTheBackendKindsAndTheLeasesHeld) {
  net::Router router;
  SystemRoutesDeps d = deps(*bus_);
  d.backends = {{"store", "postgres"}, {"bus", "nats"}, {"objects", "s3"}};
  d.leases = [] { return std::map<std::string, int64_t>{{"retention.audit", 3}}; };
  addSystemRoutes(router, std::move(d));
  net::HttpResponse ready = get(router, "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, R"({"backends":{"bus":"nats","objects":"s3","store":"postgres"},)"
                        R"("leases":{"retention.audit":3},"status":"ready"})");
}

TEST_F(SystemRoutesTest, ReadinessFailsWithRetryAfterNamingTheCulprit) {
  UnreachableBus down(*bus_);
  net::Router router;
  addSystemRoutes(router, deps(down));
  net::HttpResponse ready = get(router, "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("\"code\":\"not_ready\""), std::string::npos) << ready.body;
  EXPECT_NE(ready.body.find("bus: unavailable: disk on fire"), std::string::npos) << ready.body;
  bool retryAfter = false;
  for (const auto& [k, v] : ready.headers)
    retryAfter = retryAfter || (k == "Retry-After" && v == "1");
  EXPECT_TRUE(retryAfter);
  EXPECT_EQ(get(router, "/healthz").status, 200);  // liveness does not depend on the bus
}

TEST_F(SystemRoutesTest, MetricsExposeProcessServerAndQueueDepths) {
  ASSERT_TRUE(bus_->declareQueue("logs.batch", {}).ok());
  std::vector<std::string> bodies{"a", "b", "c"};
  ASSERT_TRUE(bus_->sendBatch("logs.batch", bodies).ok());
  ASSERT_TRUE(bus_->receive("logs.batch", 1, Millis(0)).ok());
  clock_.advance(Millis(5'000));

  net::Router router;
  addSystemRoutes(router, deps(*bus_));
  net::HttpResponse m = get(router, "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.contentType, "text/plain; version=0.0.4; charset=utf-8");
  for (const char* expected :
       {"# TYPE process_resident_memory_bytes gauge", "process_open_fds ",
        "process_cpu_seconds_total ", "pharos_uptime_seconds 5\n",
        "pharos_build_info{version=\"1.2.3\",commit=\"abc\"} 1\n",
        "pharos_http_connections_active 3\n", "pharos_http_requests_total 42\n",
        "pharos_bus_queue_messages{queue=\"logs.batch\",state=\"ready\"} 2\n",
        "pharos_bus_queue_messages{queue=\"logs.batch\",state=\"in_flight\"} 1\n"}) {
    EXPECT_NE(m.body.find(expected), std::string::npos) << "missing: " << expected << "\n"
                                                        << m.body;
  }
}

}  // namespace
}  // namespace pharos::api
