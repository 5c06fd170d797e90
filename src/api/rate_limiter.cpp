#include "api/rate_limiter.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace pharos::api {
namespace {

// A year: "never" for a bucket that does not refill, without overflowing time arithmetic.
constexpr double kNeverSeconds = 365.0 * 86'400;

Millis ceilMillis(double seconds) {
  return Millis(static_cast<int64_t>(std::ceil(std::min(seconds, kNeverSeconds) * 1000.0)));
}

}  // namespace

RateLimiter::RateLimiter(Clock& clock, double ratePerSecond, int64_t burst, size_t maxBuckets)
    : clock_(clock),
      rate_(std::max(ratePerSecond, 0.0)),
      burst_(std::max<int64_t>(burst, 1)),
      maxBuckets_(std::max<size_t>(maxBuckets, 1)) {}

MonoTime RateLimiter::fullAt(const Bucket& bucket) const {
  double missing = static_cast<double>(burst_) - bucket.tokens;
  double seconds = rate_ > 0 ? missing / rate_ : kNeverSeconds;
  return bucket.updated + std::chrono::duration_cast<MonoTime::duration>(
                              std::chrono::duration<double>(std::min(seconds, kNeverSeconds)));
}

void RateLimiter::erase(Buckets::value_type* entry) {
  lru_.erase(entry->second.lru);
  byFullAt_.erase(entry->second.fullAt);
  // By iterator: erasing by a key that lives inside the erased node is asking for trouble.
  buckets_.erase(buckets_.find(entry->first));
}

void RateLimiter::evictOne(MonoTime now) {
  if (!byFullAt_.empty() && byFullAt_.begin()->first <= now) {
    erase(byFullAt_.begin()->second);
  } else if (!lru_.empty()) {
    erase(lru_.back());
  }
}

RateLimitDecision RateLimiter::take(std::string_view key) {
  std::lock_guard lock(mutex_);
  MonoTime now = clock_.monotonic();
  std::string k(key);
  auto it = buckets_.find(k);
  if (it == buckets_.end()) {
    if (buckets_.size() >= maxBuckets_) evictOne(now);
    it = buckets_.emplace(std::move(k), Bucket{}).first;
    Bucket& b = it->second;
    b.tokens = static_cast<double>(burst_);
    b.updated = now;
    lru_.push_front(&*it);
    b.lru = lru_.begin();
    b.fullAt = byFullAt_.emplace(now, &*it);
  } else {
    Bucket& b = it->second;
    // The monotonic clock never goes back, but a bucket created by another thread's reading
    // can be a hair newer than ours.
    double elapsed = std::max(0.0, std::chrono::duration<double>(now - b.updated).count());
    b.tokens = std::min(static_cast<double>(burst_), b.tokens + elapsed * rate_);
    b.updated = std::max(now, b.updated);
    lru_.splice(lru_.begin(), lru_, b.lru);
  }

  Bucket& b = it->second;
  RateLimitDecision d;
  d.limit = burst_;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
  } else {
    d.allowed = false;
    d.retryAfter = ceilMillis(rate_ > 0 ? (1.0 - b.tokens) / rate_ : kNeverSeconds);
  }
  d.remaining = static_cast<int64_t>(std::floor(b.tokens));
  double missing = static_cast<double>(burst_) - b.tokens;
  d.resetAfter = ceilMillis(rate_ > 0 ? missing / rate_ : (missing > 0 ? kNeverSeconds : 0));

  byFullAt_.erase(b.fullAt);
  b.fullAt = byFullAt_.emplace(fullAt(b), &*it);
  return d;
}

size_t RateLimiter::size() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace pharos::api
