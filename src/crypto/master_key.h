#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "core/secret.h"
#include "crypto/key_bytes.h"

namespace pharos::crypto {

// The key-encryption key (KEK): it never encrypts data, only the data keys of the keyring, so
// replacing it (rotateMaster) re-wraps a handful of keys instead of re-encrypting everything.
//
// Text format, for the key file and for PHAROS_MASTER_KEY alike: exactly 64 hexadecimal digits
// (either case), optionally followed by one newline ("\n" or "\r\n"). Nothing else: a file with
// anything more is refused rather than guessed at.
//
// The key's bytes live in locked, read-only memory (KeyBytes) and are wiped on destruction;
// no error message of this class ever contains them.
class MasterKey {
 public:
  // Reads the key file at `path`. Refused (kPermissionDenied) if group or others have any
  // permission bit: the message gives the mode and the fix, `chmod 600 FILE`. The mode is
  // checked on the opened descriptor, so the file checked is the file read.
  static Result<MasterKey> fromFile(const std::string& path);

  // The value of the environment variable PHAROS_MASTER_KEY, read by the caller (this module
  // does not read the environment, so tests and embedders choose the source).
  static Result<MasterKey> fromEnvironmentValue(const Secret& value);

  // A new random key (for tests, and for generateMasterKeyFile).
  static Result<MasterKey> generate();

  // Public and stable: the first 8 bytes of BLAKE2b-256(key) as 16 lowercase hex digits. It
  // names the key in the keyring so a wrong key is recognised as wrong, not used.
  const std::string& id() const { return id_; }
  KeyView view() const { return bytes_.view(); }

  // The key in the text format above (64 lowercase hex digits, no newline).
  Secret toText() const;

 private:
  explicit MasterKey(KeyBytes bytes);
  static Result<MasterKey> parseText(std::string_view text, std::string_view source);

  KeyBytes bytes_;
  std::string id_;
};

// Writes a new random master key to `path` in the text format, with mode 0600, and returns it.
// Never overwrites: an existing file is kAlreadyExists (O_EXCL). The file and its directory
// entry are fsynced before this returns, so a key that was handed out is on disk.
Result<MasterKey> generateMasterKeyFile(const std::string& path);

}  // namespace pharos::crypto
