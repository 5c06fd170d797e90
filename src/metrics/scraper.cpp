#include "metrics/scraper.h"

#include <algorithm>

#include "core/log.h"

namespace pharos::metrics {
namespace {

// What Prometheus 2.42 asks for: OpenMetrics first, then the text format.
constexpr std::string_view kAccept =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
    "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
constexpr std::size_t kMaxScrapeBytes = 64 << 20;

const logging::Logger& log() {
  static const logging::Logger logger("metrics");
  return logger;
}

}  // namespace

std::vector<IncomingSample> toIncoming(Exposition&& exposition, const Labels& targetLabels,
                                       std::int64_t scrapeMs) {
  std::vector<IncomingSample> out;
  out.reserve(exposition.samples.size());
  for (auto& s : exposition.samples) {
    Labels labels = std::move(s.labels);
    for (const auto& target : targetLabels) {
      std::string_view scraped = labels.get(target.name);
      if (!scraped.empty() && scraped != target.value) {
        labels = labels.with("exported_" + target.name, scraped);
      }
      labels = labels.with(target.name, target.value);
    }
    out.push_back({std::move(labels), {s.timestampMs.value_or(scrapeMs), s.value}});
  }
  return out;
}

Scraper::Scraper(MetricsStore& store, net::OutboundClient* client, const Clock& clock,
                 std::vector<ScrapeTarget> targets)
    : store_(store), client_(client), clock_(clock), targets_(std::move(targets)) {
  for (const auto& t : targets_) {
    TargetStatus s;
    s.job = t.job;
    s.instance = t.instance;
    s.url = t.url.empty() ? "internal:" + t.instance : t.url;
    status_.push_back(std::move(s));
  }
}

Scraper::~Scraper() {
  stop();
}

void Scraper::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || targets_.empty()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void Scraper::stop() {
  {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
    // Fetches in flight call back into this object: wait for them.
    wake_.wait(lock, [this] { return inFlight_ == 0; });
  }
  if (thread_.joinable()) thread_.join();
}

void Scraper::launch(std::size_t target, std::int64_t startMs) {
  const ScrapeTarget& t = targets_[target];
  MonoTime startMono = clock_.monotonic();
  if (t.source || client_ == nullptr) {
    Completed done{target, startMs, startMono,
                   t.source ? Result<std::pair<std::string, std::string>>(
                                  std::pair<std::string, std::string>{"text/plain", t.source()})
                            : makeError(ErrorCode::kFailedPrecondition, "no outbound client")};
    std::lock_guard lock(mutex_);
    completed_.push_back(std::move(done));
    wake_.notify_all();
    return;
  }
  net::OutboundRequest request;
  request.url = t.url;
  request.purpose = net::OutboundPurpose::kScrapes;
  request.timeout = t.timeout;
  request.maxBodyBytes = kMaxScrapeBytes;
  request.headers = {{"Accept", std::string(kAccept)},
                     {"Accept-Encoding", "gzip"},
                     {"X-Prometheus-Scrape-Timeout-Seconds",
                      std::to_string(static_cast<double>(t.timeout.count()) / 1000)}};
  {
    std::lock_guard lock(mutex_);
    ++inFlight_;
  }
  client_->fetchAsync(std::move(request), [this, target, startMs,
                                           startMono](Result<net::OutboundResponse> response) {
    Result<std::pair<std::string, std::string>> body =
        makeError(ErrorCode::kInternal, "unreachable");
    if (!response.ok()) {
      body = response.error();
    } else if (response->status != 200) {
      body = makeError(ErrorCode::kUnavailable,
                       "server returned HTTP status " + std::to_string(response->status));
    } else if (response->truncated) {
      body = makeError(ErrorCode::kResourceExhausted,
                       "body size limit exceeded (" + std::to_string(kMaxScrapeBytes) + " bytes)");
    } else {
      body = std::pair<std::string, std::string>{std::string(response->header("Content-Type")),
                                                 std::move(response->body)};
    }
    std::lock_guard lock(mutex_);
    completed_.push_back(Completed{target, startMs, startMono, std::move(body)});
    --inFlight_;
    wake_.notify_all();
  });
}

void Scraper::record(Completed c) {
  const ScrapeTarget& t = targets_[c.target];
  std::string error;
  std::size_t scraped = 0;
  std::size_t added = 0;
  if (c.body.ok()) {
    ExpositionLimits limits;
    limits.maxSamples = t.sampleLimit;
    auto parsed = parseExposition(c.body->second, formatFromContentType(c.body->first), limits);
    if (!parsed.ok()) {
      error = parsed.error().message;
    } else {
      scraped = parsed->samples.size();
      auto appended = store_.append(toIncoming(std::move(*parsed), t.labels, c.startMs));
      if (!appended.ok()) {
        error = "cannot store samples: " + appended.error().message;
      } else {
        added = appended->createdSeries;
      }
    }
  } else {
    error = c.body.error().message;
  }
  double seconds = std::chrono::duration<double>(clock_.monotonic() - c.startMono).count();
  auto synthetic = [&](std::string name, double value) {
    return IncomingSample{t.labels.with(Labels::kMetricName, name), {c.startMs, value}};
  };
  std::vector<IncomingSample> report{
      synthetic("up", error.empty() ? 1 : 0),
      synthetic("scrape_duration_seconds", seconds),
      synthetic("scrape_samples_scraped", static_cast<double>(scraped)),
      synthetic("scrape_series_added", static_cast<double>(added)),
  };
  if (auto r = store_.append(report); !r.ok()) {
    log().warn("cannot record scrape health", {{"job", t.job}, {"error", r.error().message}});
  }
  std::lock_guard lock(mutex_);
  TargetStatus& s = status_[c.target];
  if (!error.empty() && s.health != "down") {
    log().warn("scrape failed", {{"job", t.job}, {"instance", t.instance}, {"error", error}});
  }
  s.health = error.empty() ? "up" : "down";
  s.lastError = error;
  s.lastScrapeMs = c.startMs;
  s.lastDurationSeconds = seconds;
  s.lastSamples = scraped;
}

void Scraper::run() {
  // Each target scrapes at a fixed offset inside its interval, so a thousand targets with the
  // same interval do not all fire in the same millisecond.
  std::vector<std::int64_t> next(targets_.size());
  std::int64_t now = toUnixMillis(clock_.now());
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    std::int64_t interval = targets_[i].interval.count();
    std::int64_t offset =
        static_cast<std::int64_t>(targets_[i].labels.hash() % static_cast<std::uint64_t>(interval));
    std::int64_t base = now - now % interval + offset;
    next[i] = base < now ? base + interval : base;
  }
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    while (!completed_.empty()) {
      Completed c = std::move(completed_.front());
      completed_.pop_front();
      lock.unlock();
      record(std::move(c));
      lock.lock();
    }
    now = toUnixMillis(clock_.now());
    std::int64_t earliest = now + 60'000;
    for (std::size_t i = 0; i < targets_.size(); ++i) {
      if (next[i] <= now) {
        std::int64_t interval = targets_[i].interval.count();
        // After a stall, skip the missed slots rather than scrape in a burst.
        while (next[i] <= now)
          next[i] += interval;
        // Samples carry the slot's time, not the moment the timer fired: exactly one
        // interval apart, timestamps cost one bit each in a chunk instead of sixteen
        // (Prometheus gets close with its 2 ms timestamp tolerance).
        std::int64_t slot = next[i] - interval;
        lock.unlock();
        launch(i, slot);
        lock.lock();
      }
      earliest = std::min(earliest, next[i]);
    }
    if (!completed_.empty()) continue;
    wake_.wait_for(lock, Millis(std::max<std::int64_t>(1, earliest - now)));
  }
}

// Only while the scheduler thread is not running: both would take from completed_.
void Scraper::scrapeAllOnce() {
  std::int64_t now = toUnixMillis(clock_.now());
  for (std::size_t i = 0; i < targets_.size(); ++i)
    launch(i, now);
  std::size_t done = 0;
  std::unique_lock lock(mutex_);
  while (done < targets_.size()) {
    wake_.wait(lock, [this] { return !completed_.empty(); });
    Completed c = std::move(completed_.front());
    completed_.pop_front();
    lock.unlock();
    record(std::move(c));
    ++done;
    lock.lock();
  }
}

std::vector<TargetStatus> Scraper::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

}  // namespace pharos::metrics
