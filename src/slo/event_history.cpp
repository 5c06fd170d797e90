#include "slo/event_history.h"

#include <algorithm>

namespace pharos::slo {
namespace {

constexpr std::int64_t kMinuteMs = 60'000;
constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kDayMs = 86'400'000;
// Hourly buckets reach back this far at most; a longer window adds a daily tier.
constexpr std::int64_t kLongestHourly = 92 * kDayMs;

std::int64_t floorDiv(std::int64_t t, std::int64_t r) {
  return t >= 0 ? t / r : -((-t + r - 1) / r);
}

// How far back the window can start: a calendar window's longest period.
std::int64_t windowSpan(const SloWindow& window) {
  switch (window.kind) {
    case WindowKind::kMonth:
      return 31 * kDayMs;
    case WindowKind::kQuarter:
      return 92 * kDayMs;
    case WindowKind::kRolling:
      break;
  }
  return window.length.count();
}

// Buckets of `resolution` to answer from any time within `span` of the newest: one for the
// partial newest bucket, one for the prefix before the oldest.
std::size_t capacityFor(std::int64_t span, std::int64_t resolution) {
  return static_cast<std::size_t>((span + resolution - 1) / resolution + 2);
}

}  // namespace

BucketRing::BucketRing(std::int64_t resolutionMs, std::size_t capacity, std::int64_t validFromMs)
    : resolution_(resolutionMs),
      validFrom_(floorDiv(validFromMs, resolutionMs)),
      head_(validFrom_ - 1),
      slots_(std::max<std::size_t>(capacity, 2)) {}

void BucketRing::advanceTo(std::int64_t t) {
  std::int64_t k = floorDiv(t, resolution_);
  if (k <= head_) return;
  EventCounts carry = head_ >= validFrom_ ? slot(head_) : EventCounts{};
  std::int64_t steps = std::min<std::int64_t>(k - head_, static_cast<std::int64_t>(slots_.size()));
  for (std::int64_t j = k - steps + 1; j <= k; ++j)
    slot(j) = carry;
  head_ = k;
}

void BucketRing::add(std::int64_t t, const EventCounts& events) {
  std::int64_t k = floorDiv(t, resolution_);
  if (k < validFrom_) return;
  if (k > head_) advanceTo(t);
  // A bucket that has left the ring: every slot still held is newer, so adding the events to
  // all of them would change no difference between two of them.
  k = std::max(k, head_ - static_cast<std::int64_t>(slots_.size()) + 1);
  for (std::int64_t j = k; j <= head_; ++j)
    slot(j) += events;
}

std::optional<EventCounts> BucketRing::cumulative(std::int64_t index) const {
  if (index < validFrom_ || head_ < validFrom_) return EventCounts{};
  index = std::min(index, head_);
  if (index <= head_ - static_cast<std::int64_t>(slots_.size())) return std::nullopt;
  return slot(index);
}

std::optional<EventCounts> BucketRing::since(std::int64_t from, bool clamp) const {
  std::int64_t k = floorDiv(from, resolution_);
  if (k < validFrom_ && !clamp) return std::nullopt;
  auto before = cumulative(k - 1);
  if (!before) return std::nullopt;
  return *cumulative(head_) - *before;
}

EventHistory::EventHistory(const SloWindow& window, std::int64_t validFromMs,
                           std::int64_t fineFromMs) {
  std::int64_t span = windowSpan(window);
  tiers_.emplace_back(kMinuteMs, capacityFor(6 * kHourMs, kMinuteMs), fineFromMs);
  tiers_.emplace_back(5 * kMinuteMs, capacityFor(3 * kDayMs, 5 * kMinuteMs), fineFromMs);
  tiers_.emplace_back(kHourMs, capacityFor(std::min(span, kLongestHourly), kHourMs), validFromMs);
  if (span > kLongestHourly) tiers_.emplace_back(kDayMs, capacityFor(span, kDayMs), validFromMs);
  newest_ = validFromMs;
}

void EventHistory::add(std::int64_t t, const EventCounts& events, std::int64_t precisionMs) {
  for (BucketRing& tier : tiers_) {
    if (tier.resolution() >= precisionMs) tier.add(t, events);
  }
}

void EventHistory::advanceTo(std::int64_t t) {
  for (BucketRing& tier : tiers_)
    tier.advanceTo(t);
  newest_ = std::max(newest_, t);
}

EventCounts EventHistory::since(std::int64_t from) const {
  for (std::size_t i = 0; i + 1 < tiers_.size(); ++i) {
    if (auto events = tiers_[i].since(from, false)) return *events;
  }
  return tiers_.back().since(from, true).value_or(EventCounts{});
}

std::vector<EventHistory::Point> EventHistory::cumulativeSince(std::int64_t from,
                                                               std::int64_t stepMs) const {
  // The hourly tier, unless it does not reach back to `from` (a window longer than it holds).
  const BucketRing* tier = &tiers_.back();
  if (tiers_.size() > 3 && tiers_[2].since(from, false)) tier = &tiers_[2];
  if (tiers_.size() == 3) tier = &tiers_[2];
  std::int64_t res = tier->resolution();
  std::int64_t stride = std::max<std::int64_t>(1, stepMs / res);
  std::int64_t first = floorDiv(from, res);
  std::int64_t head = floorDiv(newest_, res);
  std::vector<Point> out;
  auto base = tier->cumulative(first - 1);
  if (!base) return out;
  for (std::int64_t k = first + stride - 1;; k += stride) {
    std::int64_t at = std::min(k, head);
    auto c = tier->cumulative(at);
    if (!c) break;
    out.push_back({std::min((at + 1) * res, newest_), *c - *base});
    if (at == head) break;
  }
  return out;
}

std::size_t EventHistory::memoryBytes() const {
  std::size_t bytes = sizeof(*this) + tiers_.capacity() * sizeof(BucketRing);
  for (const BucketRing& tier : tiers_)
    bytes += tier.memoryBytes();
  return bytes;
}

}  // namespace pharos::slo
