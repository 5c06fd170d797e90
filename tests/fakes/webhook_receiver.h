#pragma once

// A real HTTP receiver on 127.0.0.1 for notification tests (net::HttpServer; link pharos_net):
// it can be told to fail (500), hang past the sender's timeout, or answer 200; it counts by
// Idempotency-Key the requests it answered with 200 and keeps their bodies and arrival times.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/http_server.h"

namespace pharos::testing {

class WebhookReceiver {
 public:
  enum class Mode { kOk, kFail, kHang };

  explicit WebhookReceiver(Millis hangFor = Millis(1'500)) : hangFor_(hangFor) {
    auto router = std::make_shared<net::Router>();
    router->add("POST", "/hook", [this](net::HttpRequest& r) { return handle(r); });
    net::ServerOptions options;
    options.port = 0;
    options.threads = 4;
    auto started = net::HttpServer::start(options, router);
    if (!started.ok()) {
      ADD_FAILURE() << started.error().toString();
      return;
    }
    server_ = std::move(started).value();
  }
  ~WebhookReceiver() {
    if (server_) server_->stop(Millis(2'000));
  }

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/hook";
  }
  void setMode(Mode m) { mode_ = m; }
  int requests() const { return requests_; }
  struct Received {
    std::string body;
    std::chrono::system_clock::time_point at;
  };
  // The requests answered with 200, in arrival order.
  std::vector<Received> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }
  // Waits until `n` requests were answered with 200; false at the timeout.
  bool waitForReceived(std::size_t n, std::chrono::milliseconds timeout) const {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      if (received().size() >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
  // Keys answered with 200, and how often.
  std::map<std::string, int> okByKey() const {
    std::lock_guard lock(mutex_);
    return ok_;
  }

 private:
  net::HttpResponse handle(net::HttpRequest& r) {
    ++requests_;
    Mode m = mode_;
    if (m == Mode::kFail) return net::HttpResponse::json(500, R"({"error":"down"})");
    if (m == Mode::kHang) std::this_thread::sleep_for(hangFor_);
    std::lock_guard lock(mutex_);
    ok_[std::string(r.header("Idempotency-Key"))]++;
    received_.push_back({r.body, std::chrono::system_clock::now()});
    return net::HttpResponse::json(200, "{}");
  }

  Millis hangFor_;
  std::atomic<Mode> mode_{Mode::kOk};
  std::atomic<int> requests_{0};
  mutable std::mutex mutex_;
  std::map<std::string, int> ok_;
  std::vector<Received> received_;
  net::HttpServerPtr server_;
};

}  // namespace pharos::testing
