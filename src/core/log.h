#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <variant>

#include "core/result.h"
#include "core/secret.h"

namespace pharos::logging {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError, kOff };
enum class Format { kJson, kText };

Result<Level> parseLevel(std::string_view name);
std::string_view levelName(Level level);

// One key/value of a structured log line. A Secret is accepted and always written as
// "[redacted]", so passing one by mistake cannot leak it.
struct Field {
  using Value = std::variant<std::string_view, int64_t, uint64_t, double, bool>;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const Secret&) : key(k), value(Secret::kRedacted) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  template <typename I,
            typename = std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>>>
  Field(std::string_view k, I v)
      : key(k),
        value(std::is_signed_v<I> ? Value(static_cast<int64_t>(v))
                                  : Value(static_cast<uint64_t>(v))) {}

  std::string_view key;
  Value value;
};

struct ModuleState;

// A module's logger: cheap to copy, safe to use from any thread. Lines are one JSON object
// each: {"ts":"…","level":"info","module":"bus","msg":"…", …fields}.
class Logger {
 public:
  explicit Logger(std::string_view module);

  bool enabled(Level level) const;
  void log(Level level, std::string_view msg, std::initializer_list<Field> fields = {}) const;
  void trace(std::string_view msg, std::initializer_list<Field> fields = {}) const {
    log(Level::kTrace, msg, fields);
  }
  void debug(std::string_view msg, std::initializer_list<Field> fields = {}) const {
    log(Level::kDebug, msg, fields);
  }
  void info(std::string_view msg, std::initializer_list<Field> fields = {}) const {
    log(Level::kInfo, msg, fields);
  }
  void warn(std::string_view msg, std::initializer_list<Field> fields = {}) const {
    log(Level::kWarn, msg, fields);
  }
  void error(std::string_view msg, std::initializer_list<Field> fields = {}) const {
    log(Level::kError, msg, fields);
  }

 private:
  ModuleState* state_;
};

struct Settings {
  Level level = Level::kInfo;
  std::map<std::string, Level, std::less<>> modules;  // per-module overrides
  Format format = Format::kJson;
};

// Applies levels to every logger, existing and future. Thread-safe.
void configure(const Settings& settings);

// Sends every formatted line to `sink` instead of stderr; an empty function restores stderr.
// For tests that assert on log output.
void setSinkForTesting(std::function<void(std::string_view line)> sink);

}  // namespace pharos::logging
