#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/labels.h"
#include "metrics/exposition.h"
#include "metrics/metrics_store.h"
#include "net/outbound_client.h"

namespace pharos::metrics {

// One endpoint to scrape, as Prometheus' static_configs describe it.
struct ScrapeTarget {
  std::string job;
  std::string instance;  // host:port
  std::string url;       // scheme://instance/path; empty for an in-process source
  Millis interval{15'000};
  Millis timeout{10'000};
  Labels labels;  // job, instance and the job's configured labels
  std::size_t sampleLimit = 0;
  // In-process targets (Pharos' own /metrics) give their text through this instead of HTTP.
  std::function<std::string()> source;
};

// Where a target stands, for GET /api/v1/metrics/targets (Prometheus' /api/v1/targets).
struct TargetStatus {
  std::string job;
  std::string instance;
  std::string url;
  std::string health = "unknown";  // up, down, unknown
  std::string lastError;
  std::int64_t lastScrapeMs = 0;
  double lastDurationSeconds = 0;
  std::size_t lastSamples = 0;
};

// Turns a scrape's samples into the store's input as Prometheus does with honor_labels
// false: the target's labels win, a scraped label of the same name is kept as exported_NAME;
// samples without a timestamp get the scrape's.
std::vector<IncomingSample> toIncoming(Exposition&& exposition, const Labels& targetLabels,
                                       std::int64_t scrapeMs);

// Scrapes every target on its interval, each at a fixed offset inside the interval (from a
// hash of its URL, as Prometheus spreads them), through the outbound client (purpose
// `scrapes`, so the outbound policy applies), and records the samples plus `up`,
// `scrape_duration_seconds`, `scrape_samples_scraped` and `scrape_series_added` per target.
// One scheduler thread: fetches are asynchronous, parsing and appending happen on it.
class Scraper {
 public:
  Scraper(MetricsStore& store, net::OutboundClient* client, const Clock& clock,
          std::vector<ScrapeTarget> targets);
  ~Scraper();
  Scraper(const Scraper&) = delete;
  Scraper& operator=(const Scraper&) = delete;

  void start();
  void stop();
  // Scrapes every target once now and waits for the results (tests, and `pharos` tools).
  void scrapeAllOnce();

  std::vector<TargetStatus> status() const;

 private:
  struct Completed {
    std::size_t target;
    std::int64_t startMs;
    MonoTime startMono;
    Result<std::pair<std::string, std::string>> body;  // content type, body
  };
  void run();
  void launch(std::size_t target, std::int64_t startMs);
  void record(Completed completed);

  MetricsStore& store_;
  net::OutboundClient* client_;
  const Clock& clock_;
  std::vector<ScrapeTarget> targets_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Completed> completed_;   // under mutex_
  std::vector<TargetStatus> status_;  // under mutex_
  std::size_t inFlight_ = 0;          // under mutex_
  bool stopping_ = false;             // under mutex_
  std::thread thread_;
};

}  // namespace pharos::metrics
