#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <limits>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "bus/embedded/embedded_bus.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"
#include "health/condition.h"
#include "health/recorder.h"
#include "metrics/metrics_store.h"
#include "promql/matcher.h"

namespace pharos::health::testing {

inline promql::Matcher eq(std::string name, std::string value) {
  return promql::Matcher::make(promql::Matcher::Type::kEqual, std::move(name), std::move(value))
      .value();
}

// Conditions for a check, each of which must parse.
inline std::vector<Condition> conditions(std::initializer_list<const char*> texts) {
  std::vector<Condition> out;
  for (const char* text : texts) {
    auto parsed = Condition::parse(text);
    EXPECT_TRUE(std::holds_alternative<Condition>(parsed)) << text;
    if (auto* c = std::get_if<Condition>(&parsed)) out.push_back(*c);
  }
  return out;
}

// What results are written to, real and on disk in a temp dir: the SQLite store, the metrics
// store in it, an embedded bus with a queue ("state") subscribed to the state topic, and the
// recorder over them. open() again after close() is a restart.
class HealthStores {
 public:
  explicit HealthStores(Clock& clock) : clock_(clock) {}
  ~HealthStores() { close(); }

  // Use with ASSERT_NO_FATAL_FAILURE.
  void open(metrics::MetricsOptions options = {}) {
    auto store = pharos::testing::openTestStore(dir_.file("pharos.db"));
    ASSERT_TRUE(store.ok()) << store.error().toString();
    store_ = std::move(store).value();
    options.walDir = dir_.file("wal");
    auto metrics = metrics::MetricsStore::open(*store_, options, clock_);
    ASSERT_TRUE(metrics.ok()) << metrics.error().toString();
    metrics_ = std::move(metrics).value();
    auto bus = bus::EmbeddedBus::open(dir_.file("bus.db"), clock_);
    ASSERT_TRUE(bus.ok()) << bus.error().toString();
    bus_ = std::move(bus).value();
    ASSERT_TRUE(bus_->declareQueue("state", {}).ok());
    ASSERT_TRUE(bus_->subscribe(kStateTopic, "state").ok());
    auto recorder = ResultRecorder::open(*store_, *metrics_, bus_.get());
    ASSERT_TRUE(recorder.ok()) << recorder.error().toString();
    recorder_ = std::move(recorder).value();
  }
  void close() {
    recorder_.reset();
    bus_.reset();
    metrics_.reset();
    store_.reset();
  }

  // The samples of the one series `matchers` select (fails the test on more than one).
  std::vector<Sample> samples(const std::vector<promql::Matcher>& matchers) {
    auto got = metrics_->select(matchers, 0, std::numeric_limits<std::int64_t>::max());
    EXPECT_TRUE(got.ok()) << got.error().toString();
    if (!got.ok() || got->empty()) return {};
    EXPECT_EQ(got->size(), 1u);
    return got->front().samples;
  }
  std::vector<promql::SeriesSamples> series(const std::vector<promql::Matcher>& matchers) {
    auto got = metrics_->select(matchers, 0, std::numeric_limits<std::int64_t>::max());
    EXPECT_TRUE(got.ok()) << got.error().toString();
    return got.ok() ? std::move(got).value() : std::vector<promql::SeriesSamples>{};
  }

  // Every state event published so far, as JSON texts in order.
  std::vector<std::string> stateEvents() {
    std::vector<std::string> out;
    for (;;) {
      auto got = bus_->receive("state", 100, Millis(0));
      EXPECT_TRUE(got.ok()) << got.error().toString();
      if (!got.ok() || got->empty()) return out;
      for (bus::Message& m : *got) {
        out.push_back(m.body);
        EXPECT_TRUE(bus_->ack(m.receipt).ok());
      }
    }
  }

  pharos::testing::TempDir& dir() { return dir_; }
  store::Store& store() { return *store_; }
  metrics::MetricsStore& metrics() { return *metrics_; }
  ResultRecorder& recorder() { return *recorder_; }

 private:
  Clock& clock_;
  pharos::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<metrics::MetricsStore> metrics_;
  std::unique_ptr<bus::EmbeddedBus> bus_;
  std::unique_ptr<ResultRecorder> recorder_;
};

}  // namespace pharos::health::testing
