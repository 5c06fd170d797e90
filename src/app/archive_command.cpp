#include "app/archive_command.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <iostream>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "app/cli_output.h"
#include "app/crypto_keys_command.h"
#include "core/file_io.h"
#include "crypto/envelope.h"
#include "logs/archive_lines.h"
#include "objects/local/object_file.h"

namespace pharos::app {
namespace {

constexpr std::string_view kCommand = "pharos logs archive cat";

// The object a file holds.
Result<std::string> readObject(const std::string& path) {
  PHAROS_ASSIGN_OR_RETURN(FileDescriptor fd, openFile(path.c_str(), O_RDONLY, 0, {}));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return ioError(errno, "stat", {});
  if (!S_ISREG(st.st_mode)) return makeError(ErrorCode::kInvalidArgument, "not a file");
  std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
  PHAROS_ASSIGN_OR_RETURN(std::size_t n, readAt(fd.get(), bytes.data(), bytes.size(), 0, {}));
  bytes.resize(n);
  // A file of the local object store (DATA/objects) holds the object behind a header of its
  // own; one copied from a bucket is the object itself.
  if (objects::local::hasObjectFileMagic(bytes)) return objects::local::decodeObjectFile(bytes);
  return bytes;
}

// The `archive` keys of the data directory that wrote the objects, opened at the first sealed
// one and kept (or its error, reported for each sealed object).
class ArchiveKeys {
 public:
  ArchiveKeys(const std::function<std::optional<config::Config>()>& loadConfig,
              const std::optional<Secret>& envMasterKey)
      : loadConfig_(loadConfig), envMasterKey_(envMasterKey) {}

  Result<std::string> open(std::string_view sealed) {
    if (!opened_) opened_ = openKeyring();
    if (!opened_->ok()) return opened_->error();
    return (*opened_)->keyring->open(crypto::Purpose::kArchive, sealed);
  }

 private:
  Result<DataKeyring> openKeyring() {
    std::optional<config::Config> config = loadConfig_();
    if (!config) return makeError(ErrorCode::kInvalidArgument, "the config is invalid (above)");
    quietLogging(*config);
    return openDataKeyring(*config, envMasterKey_);
  }

  const std::function<std::optional<config::Config>()>& loadConfig_;
  const std::optional<Secret>& envMasterKey_;
  std::optional<Result<DataKeyring>> opened_;
};

// Reads, opens and prints one object; false (having said why) when it fails.
bool catObject(const std::string& path, logs::ArchiveLinesFormat format, ArchiveKeys& keys,
               logs::ArchiveLinesCounts& total) {
  auto fail = [&](std::string_view why) {
    std::cout.flush();
    fmt::print(stderr, "{}: {}: {}\n", kCommand, path, why);
    return false;
  };
  Result<std::string> bytes = readObject(path);
  if (!bytes.ok()) return fail(bytes.error().toString());
  // The name says it (crypto.encrypt_archive), and so do the bytes of one renamed since.
  if (std::string_view(path).ends_with(".sealed") || bytes->starts_with(crypto::envelope::kMagic)) {
    Result<std::string> opened = keys.open(*bytes);
    if (!opened.ok()) {
      return fail(fmt::format(
          "sealed with the archive key, it opens only with the keyring of the data directory "
          "that wrote it: its store (--data, or --config for the store it names) and its "
          "master key (crypto.master_key_file or PHAROS_MASTER_KEY): {}",
          opened.error().toString()));
    }
    bytes = std::move(opened);
  }
  Result<logs::ArchiveLinesCounts> counts =
      logs::writeArchiveObjectLines(*bytes, format, std::cout);
  if (!counts.ok()) return fail("not a readable archive object: " + counts.error().toString());
  total.lines += counts->lines;
  total.skippedRecords += counts->skippedRecords;
  total.tornTailBytes += counts->tornTailBytes;
  return true;
}

}  // namespace

int runArchiveCatCommand(const cli::Invocation& inv,
                         const std::function<std::optional<config::Config>()>& loadConfig,
                         const std::optional<Secret>& envMasterKey) {
  std::ios::sync_with_stdio(false);
  logs::ArchiveLinesFormat format = inv.archiveFormat == "json" ? logs::ArchiveLinesFormat::kJson
                                                                : logs::ArchiveLinesFormat::kRaw;
  ArchiveKeys keys(loadConfig, envMasterKey);
  logs::ArchiveLinesCounts total;
  bool ok = true;
  for (const std::string& path : inv.archiveObjects)
    ok = catObject(path, format, keys, total) && ok;
  std::cout.flush();
  if (total.skippedRecords > 0) {
    fmt::print(stderr, "{}: warning: skipped {} record(s) that are not readable log batches\n",
               kCommand, total.skippedRecords);
  }
  if (total.tornTailBytes > 0) {
    fmt::print(stderr, "{}: warning: skipped {} byte(s) of torn tail (a segment cut by a crash)\n",
               kCommand, total.tornTailBytes);
  }
  return ok ? 0 : 1;
}

}  // namespace pharos::app
