#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "bus/embedded/embedded_bus.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"

namespace pharos::bus {

// A bus on a fresh file with a manual clock; reopen() simulates a restart.
class EmbeddedBusTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }

  void reopen(EmbeddedBusOptions opts = {}) {
    bus_.reset();
    auto opened = EmbeddedBus::open(path(), clock_, opts);
    ASSERT_TRUE(opened.ok()) << opened.error().toString();
    bus_ = std::move(opened).value();
  }

  std::string path() const { return dir_.file("bus.db"); }

  void declare(const std::string& queue, QueueOptions options = {}) {
    Status s = bus_->declareQueue(queue, options);
    ASSERT_TRUE(s.ok()) << s.error().toString();
  }

  // Receives without waiting; fails the test on an error.
  std::vector<Message> receiveNow(const std::string& queue, size_t max = 10) {
    auto got = bus_->receive(queue, max, Millis(0));
    EXPECT_TRUE(got.ok()) << got.error().toString();
    return got.ok() ? std::move(got).value() : std::vector<Message>{};
  }

  QueueStats statsOf(const std::string& queue) {
    auto all = bus_->stats();
    EXPECT_TRUE(all.ok());
    if (all.ok()) {
      for (QueueStats& s : *all)
        if (s.queue == queue) return s;
    }
    ADD_FAILURE() << "no stats for " << queue;
    return {};
  }

  testing::TempDir dir_;
  testing::ManualClock clock_;
  EmbeddedBusPtr bus_;
};

}  // namespace pharos::bus
