#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alarms/silence.h"
#include "core/clock.h"
#include "core/result.h"
#include "store/store.h"

namespace pharos::alarms {

// Where silences come from: the config file (`silences:`, replaced as a whole on reload,
// read-only through the API) and the API (kept in the store's alarm_silences table, so they
// survive restarts). Publishes the union as an immutable SilenceSet after every change, which
// the dispatcher holds, so checking an alert never takes this class's lock. Thread-safe.
class SilenceStore {
 public:
  static Result<std::unique_ptr<SilenceStore>> open(store::Store& store, const Clock& clock);

  // Called after every change with the new set (not under this class's lock). The current
  // set is passed once right away, so the listener never misses the loaded silences.
  void onChange(std::function<void(SilenceSetPtr)> listener);
  SilenceSetPtr snapshot() const;

  // Replaces the config's silences. Their ids are "config-" and a hash of their definition
  // (starts_at aside, which defaults to the load time), so they stay put across reloads.
  void setConfigSilences(std::vector<Silence> silences);

  // API writes. create: validates, gives a new id and the creation times, stores it, and
  // returns it as stored. expire: ends it now (a one-off that has not started ends before it
  // starts; a recurring one stops recurring, its running occurrence included); expiring an
  // expired silence changes nothing. Both refuse a config silence (kFailedPrecondition) and
  // an unknown id (kNotFound). remove: deletes it, expired or not (same refusals).
  Result<Silence> create(Silence silence);
  Result<Silence> expire(std::string_view id);
  Status remove(std::string_view id);

  Result<Silence> get(std::string_view id) const;
  // The config's silences, then the API's by creation (ULID order); only those with
  // `status` at the clock's now when given.
  std::vector<Silence> list(std::optional<SilenceStatus> status = std::nullopt) const;

  // Deletes the API silences that expired more than `age` ago, as Alertmanager keeps expired
  // silences for its retention (5 days) and then forgets them; returns how many.
  Result<std::int64_t> purgeExpired(Millis age);

 private:
  SilenceStore(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}
  Status load();
  Status save(const Silence& silence);  // insert or update, under mutex_
  SilenceSetPtr rebuildLocked();        // publishes a new set from config_ and api_
  void publish(SilenceSetPtr set);      // calls the listener outside mutex_
  Result<Silence*> findApiLocked(std::string_view id, std::string_view verb);

  store::Store& store_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::vector<Silence> config_;
  std::map<std::string, Silence, std::less<>> api_;  // by id: ULIDs sort by creation
  SilenceSetPtr current_;
  std::function<void(SilenceSetPtr)> listener_;
};

}  // namespace pharos::alarms
