#include "alarms/silence.h"

#include <algorithm>

#include <fmt/format.h>

namespace pharos::alarms {
namespace {

constexpr Millis kLongestDuration = std::chrono::days(366);

// WallTime + d without overflowing past the end of time.
WallTime plus(WallTime t, Millis d) {
  if (d.count() >= toUnixMillis(WallTime::max()) - toUnixMillis(t)) return WallTime::max();
  return t + d;
}

// The occurrence of a recurring silence running at `t` (the latest started, which ends
// last), as [start, end).
std::optional<std::pair<WallTime, WallTime>> occurrenceAt(const Silence& s, WallTime t) {
  auto start = s.every->lastAtOrBefore(t, s.duration);
  if (!start) return std::nullopt;
  WallTime end = plus(*start, s.duration);
  if (end <= t) return std::nullopt;
  return std::pair{*start, end};
}

}  // namespace

std::string_view silenceStatusName(SilenceStatus status) {
  switch (status) {
    case SilenceStatus::kPending:
      return "pending";
    case SilenceStatus::kActive:
      return "active";
    case SilenceStatus::kExpired:
      return "expired";
  }
  return "unknown";
}

std::optional<WallTime> Silence::activeUntil(WallTime t) const {
  if (t < startsAt) return std::nullopt;
  if (!recurring()) {
    if (!endsAt || t >= *endsAt) return std::nullopt;
    return endsAt;
  }
  if (until && t >= *until) return std::nullopt;
  auto occurrence = occurrenceAt(*this, t);
  if (!occurrence) return std::nullopt;
  WallTime end = occurrence->second;
  if (until && *until < end) end = *until;
  return end;
}

bool Silence::activeAt(WallTime t) const {
  return activeUntil(t).has_value();
}

SilenceStatus Silence::statusAt(WallTime t) const {
  if (auto end = finalEnd(); end && t >= *end) return SilenceStatus::kExpired;
  if (recurring() && !every->nextAfter(t) && !activeAt(t)) return SilenceStatus::kExpired;
  return activeAt(t) ? SilenceStatus::kActive : SilenceStatus::kPending;
}

std::optional<WallTime> Silence::finalEnd() const {
  return recurring() ? until : endsAt;
}

Status validateSilence(const Silence& s) {
  auto invalid = [](std::string_view what) {
    return makeError(ErrorCode::kInvalidArgument, std::string(what));
  };
  if (s.matchers.empty()) return invalid("a silence needs at least one matcher");
  if (std::all_of(s.matchers.begin(), s.matchers.end(),
                  [](const AlertMatcher& m) { return m.matches(""); })) {
    return invalid(
        "at least one matcher must not match the empty string, or the silence would also "
        "mute every alert without that label");
  }
  if (s.recurring()) {
    if (s.endsAt) return invalid("give either ends_at, or every and duration, not both");
    if (s.duration <= Millis(0) || s.duration > kLongestDuration) {
      return invalid("a recurring silence needs a duration between 1ms and 366d");
    }
    if (s.until && *s.until <= s.startsAt) return invalid("until must be after starts_at");
    if (!s.every->nextAfter(s.startsAt) && !s.activeAt(s.startsAt)) {
      return invalid(fmt::format("the schedule '{}' never matches", s.every->text()));
    }
    return okStatus();
  }
  if (s.duration != Millis(0) || s.until) {
    return invalid("duration and until belong to a recurring silence (with every)");
  }
  if (!s.endsAt) return invalid("a silence needs ends_at (or every and duration)");
  if (*s.endsAt <= s.startsAt) return invalid("ends_at must be after starts_at");
  return okStatus();
}

SilenceSet::SilenceSet(std::vector<Silence> silences, WallTime builtAt)
    : all_(std::move(silences)) {
  for (std::size_t i = 0; i < all_.size(); ++i) {
    if (all_[i].statusAt(builtAt) != SilenceStatus::kExpired) live_.push_back(i);
  }
}

SilenceSet::Active SilenceSet::activeAt(WallTime t) const {
  std::vector<const Silence*> active;
  for (std::size_t i : live_) {
    if (all_[i].activeAt(t)) active.push_back(&all_[i]);
  }
  return Active(std::move(active));
}

namespace {

std::string pairKey(std::string_view name, std::string_view value) {
  std::string key;
  key.reserve(name.size() + value.size() + 1);
  key.append(name).push_back('\0');
  key.append(value);
  return key;
}

}  // namespace

SilenceSet::Active::Active(std::vector<const Silence*> silences) : size_(silences.size()) {
  for (const Silence* s : silences) {
    auto eq = std::find_if(s->matchers.begin(), s->matchers.end(), [](const AlertMatcher& m) {
      return m.type == AlertMatcher::Type::kEqual && !m.value.empty();
    });
    if (eq == s->matchers.end()) {
      unindexed_.push_back(s);
    } else {
      byPair_[pairKey(eq->name, eq->value)].push_back(s);
    }
  }
}

const Silence* SilenceSet::Active::firstMatching(const Labels& labels) const {
  if (size_ == 0) return nullptr;
  // The earliest in the set's order, so the answer does not depend on the index.
  const Silence* first = nullptr;
  auto consider = [&](const Silence* s) {
    if ((first == nullptr || s < first) && s->matches(labels)) first = s;
  };
  if (!byPair_.empty()) {
    std::string key;
    for (const Label& l : labels) {
      key.assign(l.name).push_back('\0');
      key.append(l.value);
      auto it = byPair_.find(key);
      if (it == byPair_.end()) continue;
      for (const Silence* s : it->second)
        consider(s);
    }
  }
  for (const Silence* s : unindexed_)
    consider(s);
  return first;
}

const Silence* SilenceSet::silencing(const Labels& labels, WallTime t) const {
  for (std::size_t i : live_) {
    const Silence& s = all_[i];
    if (s.activeAt(t) && s.matches(labels)) return &s;
  }
  return nullptr;
}

}  // namespace pharos::alarms
