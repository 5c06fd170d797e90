#pragma once

#include <memory>
#include <optional>

#include "cli/command_line.h"
#include "core/config/config.h"
#include "core/log.h"
#include "core/result.h"
#include "core/secret.h"
#include "crypto/keyring.h"
#include "crypto/master_key.h"
#include "store/store.h"

namespace pharos::app {

// The master key for this config: `crypto.master_key_file` when it is set (the file wins, so a
// stray PHAROS_MASTER_KEY in a shell cannot silently replace the configured key), otherwise
// the value of PHAROS_MASTER_KEY, which main reads and passes as `envValue`, otherwise, in dev
// only, the key the server made for itself in <data_dir>/master.key. None:
// kFailedPrecondition naming the first two and `pharos keys init-master`.
Result<crypto::MasterKey> loadMasterKey(const config::Config& config,
                                        const std::optional<Secret>& envValue);

// Where a dev server keeps the master key it generates on first start.
std::string devMasterKeyPath(const config::Config& config);

// The master key the server runs with, for the server and for the commands that must seal as
// it does (`pharos keys create`): loadMasterKey, and in dev, when there is none, a new key
// written to devMasterKeyPath (with a warning on `log`). Otherwise loadMasterKey's error with
// the context "<env> needs a master key".
Result<crypto::MasterKey> openServerMasterKey(const config::Config& config,
                                              const std::optional<Secret>& envMasterKey,
                                              const logging::Logger& log);

// A data directory's store (<data_dir>/pharos.db) and the keyring in it, for one command.
// The keyring is declared last so it is destroyed before the store it refers to.
struct DataKeyring {
  store::StorePtr store;
  crypto::KeyringPtr keyring;
};

// Opens them; kNotFound when the data directory has no pharos.db (a mistyped --data must not
// create a database), the crypto module's errors for a wrong or unreadable master key.
Result<DataKeyring> openDataKeyring(const config::Config& config,
                                    const std::optional<Secret>& envValue);

// `pharos keys init-master FILE`: needs no config and no data directory.
int runInitMasterCommand(const cli::Invocation& inv);

// `pharos keys rotate-master|rotate-data|data-list` on the config's data directory. The two
// rotations take the data directory's lock: a running server caches the unwrapped keys and
// would keep sealing with the old data key (or fail to open the keyring after restarting with
// the old master key), so they refuse while it runs. data-list only reads and takes no lock.
// Returns the process exit code.
int runCryptoKeysCommand(const cli::Invocation& inv, const config::Config& config,
                         const std::optional<Secret>& envMasterKey);

}  // namespace pharos::app
