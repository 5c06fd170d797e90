#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "alarms/route_matchers.h"
#include "core/clock.h"
#include "core/cron.h"
#include "core/labels.h"
#include "core/result.h"

namespace pharos::alarms {

enum class SilenceStatus { kPending, kActive, kExpired };
std::string_view silenceStatusName(SilenceStatus status);  // "pending", "active", "expired"

// Mutes the alerts whose labels match every matcher, either once, [startsAt, endsAt), or on
// a schedule: [match, match + duration) for each match of `every` (UTC) from startsAt on,
// until `until` (when set): "every night from 22:00 for 8h", which Alertmanager cannot say.
// An occurrence may run past midnight; one already running at startsAt counts from startsAt.
struct Silence {
  std::string id;  // a ULID for one made through the API; "config-<hash>" for the config's
  std::vector<AlertMatcher> matchers;
  WallTime startsAt;
  std::optional<WallTime> endsAt;  // one-off: required
  std::optional<CronSchedule> every;
  Millis duration{0};
  std::optional<WallTime> until;  // recurring: stops recurring here (expiring sets it)
  std::string createdBy;
  std::string comment;
  WallTime createdAt;
  WallTime updatedAt;
  bool fromConfig = false;

  bool recurring() const { return every.has_value(); }
  bool matches(const Labels& labels) const { return matchesAll(matchers, labels); }
  // Whether it mutes matching alerts at `t`.
  bool activeAt(WallTime t) const;
  // Expired: over for good (endsAt or until passed). Pending: not yet, or between two
  // occurrences of a recurring one.
  SilenceStatus statusAt(WallTime t) const;
  // The end of the time it mutes from `t` on: endsAt, or the end of the occurrence running at
  // `t`; nullopt when not active at `t`.
  std::optional<WallTime> activeUntil(WallTime t) const;
  // When it stops having any effect: endsAt, `until`, or nullopt for a recurring silence
  // without one (for the store's purge of long-expired silences).
  std::optional<WallTime> finalEnd() const;
};

// What a silence must satisfy, whoever made it: at least one matcher, and at least one that
// does not match the empty string (else it would mute alerts that lack the label too, a
// likely mistake: Alertmanager refuses it); either endsAt after startsAt, or every with a
// positive duration of at most 366 days (not both); `until` after startsAt; a schedule that
// can match. Errors are kInvalidArgument.
Status validateSilence(const Silence& silence);

// An immutable set of silences that answers "is this alert silenced?", the question the
// dispatcher asks per alert at every group flush. Silences already expired when the set is
// built are left out of the answers; the rest are checked time first (a comparison or two
// cron jumps), matchers second. Safe to share between threads.
class SilenceSet {
 public:
  SilenceSet() = default;
  SilenceSet(std::vector<Silence> silences, WallTime builtAt);

  // The first silence muting `labels` at `t`, or nullptr.
  const Silence* silencing(const Labels& labels, WallTime t) const;
  bool isSilenced(const Labels& labels, WallTime t) const {
    return silencing(labels, t) != nullptr;
  }

  // The silences active at `t`: the time half of the question answered once for many alerts
  // (a flush checks every alert of its groups at the same instant). Valid while this set lives.
  class Active;
  Active activeAt(WallTime t) const;

  const std::vector<Silence>& all() const { return all_; }

 private:
  std::vector<Silence> all_;
  std::vector<std::size_t> live_;  // indices into all_ of those not expired at build time
};

// The silences active at one instant, indexed by one `name="value"` matcher each (most
// silences have one: alertname, instance), so an alert is checked against the few silences
// that share one of its label pairs plus those without such a matcher, not against all.
class SilenceSet::Active {
 public:
  Active() = default;
  explicit Active(std::vector<const Silence*> silences);

  // The first silence (in the set's order) whose matchers all match, or nullptr.
  const Silence* firstMatching(const Labels& labels) const;
  std::size_t size() const { return size_; }

 private:
  std::unordered_map<std::string, std::vector<const Silence*>> byPair_;  // "name\0value"
  std::vector<const Silence*> unindexed_;
  std::size_t size_ = 0;
};

using SilenceSetPtr = std::shared_ptr<const SilenceSet>;

}  // namespace pharos::alarms
