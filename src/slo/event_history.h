#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "slo/slo_window.h"

namespace pharos::slo {

struct EventCounts {
  double good = 0;
  double total = 0;

  EventCounts& operator+=(const EventCounts& o) {
    good += o.good;
    total += o.total;
    return *this;
  }
  friend EventCounts operator-(EventCounts a, const EventCounts& b) {
    return {a.good - b.good, a.total - b.total};
  }
  friend bool operator==(const EventCounts&, const EventCounts&) = default;
};

// Running sums of events in fixed buckets, the last `capacity` of them in a ring. Each slot
// holds the sum of every bucket from the ring's origin up to its own (a prefix sum), so the
// events of any run of buckets are one subtraction, and an event in the newest bucket (nearly
// all of them) is one addition. A late event adds to its bucket and every newer one.
class BucketRing {
 public:
  // Events before `validFromMs` are not this ring's to hold (a coarser one has them).
  BucketRing(std::int64_t resolutionMs, std::size_t capacity, std::int64_t validFromMs);

  std::int64_t resolution() const { return resolution_; }
  std::int64_t validFrom() const { return validFrom_ * resolution_; }

  // Makes the bucket holding `t` the newest (buckets in between are empty). Never moves back.
  void advanceTo(std::int64_t t);
  // Adds events at `t`; ignored before validFrom or in a bucket already dropped.
  void add(std::int64_t t, const EventCounts& events);

  // The sum from the origin to the end of bucket `index` (absolute: t / resolution); nullopt
  // when that bucket has left the ring.
  std::optional<EventCounts> cumulative(std::int64_t index) const;
  // The events in the buckets from the one holding `from` to the newest; nullopt when the
  // ring no longer reaches back that far. With `clamp`, a `from` before validFrom counts from
  // validFrom (for the coarsest ring, which holds all there is).
  std::optional<EventCounts> since(std::int64_t from, bool clamp) const;

  std::size_t memoryBytes() const { return slots_.capacity() * sizeof(EventCounts); }

 private:
  EventCounts& slot(std::int64_t index) {
    return slots_[static_cast<std::size_t>(index % static_cast<std::int64_t>(slots_.size()))];
  }
  const EventCounts& slot(std::int64_t index) const {
    return slots_[static_cast<std::size_t>(index % static_cast<std::int64_t>(slots_.size()))];
  }

  std::int64_t resolution_;
  std::int64_t validFrom_;  // bucket index
  std::int64_t head_;       // newest bucket index
  std::vector<EventCounts> slots_;
};

// An SLO's events over its window in tiers of rings: 1-minute buckets for the last 6 hours,
// 5-minute ones for the last 3 days, hourly ones for the window (at most 92 days) and, for a
// longer window, daily ones. Burn-rate windows and the whole window are each answered by the
// finest tier that reaches back far enough, in O(1). A bucket counts whole: a window from
// `from` includes the bucket holding `from` (so it covers at least the time asked, and at
// most one bucket more).
//
// Memory: 16 bytes a bucket; 31 KB for a 30-day window, at most 61 KB (a 92-day or longer
// window).
class EventHistory {
 public:
  // Holds events from `validFromMs` (the window's start when the history was made); the
  // 1- and 5-minute tiers only from `fineFromMs` (later), as older data comes in hourly.
  EventHistory(const SloWindow& window, std::int64_t validFromMs, std::int64_t fineFromMs);

  // Events at `t` whose timestamp is known to within `precisionMs` (0: a raw sample; 60'000:
  // a 1-minute rollup bucket starting at t; 3'600'000: an hourly one): only tiers whose
  // buckets are at least that coarse take them.
  void add(std::int64_t t, const EventCounts& events, std::int64_t precisionMs = 0);
  void advanceTo(std::int64_t t);

  // The events from `from` to the newest bucket.
  EventCounts since(std::int64_t from) const;

  // The events from `from` to the end of each bucket of `stepMs` (a multiple of an hour)
  // starting at from's bucket, up to the newest: what a budget-over-time chart plots.
  struct Point {
    std::int64_t t;  // end of the step (ms), at most the newest time added
    EventCounts events;
  };
  std::vector<Point> cumulativeSince(std::int64_t from, std::int64_t stepMs) const;

  std::size_t memoryBytes() const;

 private:
  std::vector<BucketRing> tiers_;  // finest first
  std::int64_t newest_ = 0;
};

}  // namespace pharos::slo
