#pragma once

#include <map>
#include <string>
#include <string_view>

#include "bus/bus.h"
#include "core/clock.h"
#include "core/config/config.h"
#include "core/result.h"
#include "objects/object_store.h"
#include "store/store.h"

namespace pharos::app {

// Which of the installation's stores: the main one (keys, checks, alarms, …) or the metrics
// chunks. On SQLite they are two files, so sample writes never wait on the main store; on
// PostgreSQL they are one database reached through two pools, for the same reason.
enum class StoreRole { kMain, kMetrics };

enum class StoreOpen {
  kCreate,    // the server: a missing SQLite file is created
  kExisting,  // a command: a missing SQLite file is kNotFound ("is --data right?")
};

// The store the config names (store.backend), opened and checked. In prod, a PostgreSQL server
// reached over the network must be reached with TLS (sslmode=require or verify-*).
// `node` (DATA/node.id) names the metrics' own schema on PostgreSQL (kMetrics only).
Result<store::StorePtr> openConfiguredStore(const config::Config& config, StoreRole role,
                                            StoreOpen mode, std::string_view node = {});

// Where the store lives, for logs and messages: "DATA/pharos.db" or "postgres
// user@host:port/db" (never a password).
std::string describeStore(const config::Config& config, StoreRole role);

// Whether processed log lines go to the index every process shares, in the store (on
// PostgreSQL), or to the data directory's own (DATA/logs/index.db): `pharos serve` writes and
// `pharos logs` reads the same one.
bool logIndexIsShared(const config::Config& config);

// The bus the config names (bus.backend): DATA/bus.db or NATS JetStream. `clock` must be the
// system clock for NATS, whose timers run on the server.
Result<bus::BusPtr> openConfiguredBus(const config::Config& config, Clock& clock);

// The object store the config names (objects.backend): DATA/objects or an S3 bucket.
Result<objects::ObjectStorePtr> openConfiguredObjects(const config::Config& config, Clock& clock);

// "DATA/objects", "s3 http://host:9000/bucket/prefix", "nats nats://a:4222,…": for logs.
std::string describeBus(const config::Config& config);
// {"store": "sqlite"|"postgres", "bus": "embedded"|"nats", "objects": "local"|"s3"}.
std::map<std::string, std::string> backendKinds(const config::Config& config);
std::string describeObjects(const config::Config& config);

}  // namespace pharos::app
