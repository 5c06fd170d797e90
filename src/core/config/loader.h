#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.h"
#include "core/result.h"

namespace pharos::config {

// One problem found in a config, located like a compiler error.
struct Diagnostic {
  std::string file;
  int line = 0;  // 1-based; 0 when the problem has no place in the file (a command-line flag)
  int column = 0;
  std::string message;

  // "pharos.yaml:12:5: unknown key 'listn' in server (did you mean 'listen'?)"
  std::string toString() const;
};

// What the command line and the process environment add to a config file.
struct LoadOptions {
  std::optional<Environment> env;      // --env: beats PHAROS_ENV, which beats the file's `env:`
  std::optional<std::string> dataDir;  // --data
  std::optional<std::string> listen;   // --listen (serve)
  std::optional<std::string> syslogListen;          // --syslog (serve)
  std::optional<std::vector<std::string>> modules;  // --modules (serve)
  // Looks up ${VAR} references and PHAROS_ENV; the real environment when empty.
  std::function<std::optional<std::string>(const std::string&)> lookupEnv;
};

struct LoadOutcome {
  Config config;
  std::vector<Diagnostic> diagnostics;  // empty when the config is valid
  bool ok() const { return diagnostics.empty(); }
};

// Reads, validates and applies defaults. Every problem is reported, not just the first.
// Secret values never appear in diagnostics.
LoadOutcome loadConfigFile(const std::string& path, const LoadOptions& options);
LoadOutcome loadConfigString(std::string_view yaml, std::string_view fileName,
                             const LoadOptions& options);
// No file: the environment's built-in defaults plus the options.
LoadOutcome loadDefaultConfig(const LoadOptions& options);

// kInvalidArgument whose message lists every diagnostic, one per line.
Result<Config> toResult(LoadOutcome outcome);

}  // namespace pharos::config
