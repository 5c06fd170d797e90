#pragma once

#include <string>

#include "core/config/config.h"
#include "core/result.h"
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
Result<store::StorePtr> openConfiguredStore(const config::Config& config, StoreRole role,
                                            StoreOpen mode);

// Where the store lives, for logs and messages: "DATA/pharos.db" or "postgres
// user@host:port/db" (never a password).
std::string describeStore(const config::Config& config, StoreRole role);

}  // namespace pharos::app
