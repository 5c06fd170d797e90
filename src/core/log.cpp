#include "core/log.h"

#include "core/text.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <memory>
#include <mutex>

#include <fmt/format.h>

namespace pharos::logging {

struct ModuleState {
  std::string name;
  std::atomic<Level> level{Level::kInfo};
};

namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<ModuleState>, std::less<>> modules;
  Settings settings;
  std::atomic<Format> format{Format::kJson};
  std::shared_ptr<spdlog::logger> out =
      std::make_shared<spdlog::logger>("pharos", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  std::mutex sinkMutex;
  std::function<void(std::string_view)> testSink;

  Registry() {
    out->set_pattern("%v");
    out->set_level(spdlog::level::trace);
    out->flush_on(spdlog::level::trace);
  }

  Level levelFor(std::string_view module) const {
    auto it = settings.modules.find(module);
    return it == settings.modules.end() ? settings.level : it->second;
  }
};

Registry& registry() {
  static auto* r = new Registry();  // never destroyed: loggers outlive static destructors
  return *r;
}

void appendValue(std::string& out, const Field::Value& v, bool quoteStrings) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          if (quoteStrings) {
            appendJsonString(out, x);
          } else {
            out.append(x);
          }
        } else if constexpr (std::is_same_v<T, bool>) {
          out += x ? "true" : "false";
        } else if constexpr (std::is_same_v<T, double>) {
          if (std::isfinite(x)) {
            out += fmt::format("{}", x);
          } else {
            out += "null";
          }
        } else {
          out += fmt::format("{}", x);
        }
      },
      v);
}

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

}  // namespace

Result<Level> parseLevel(std::string_view name) {
  if (name == "trace") return Level::kTrace;
  if (name == "debug") return Level::kDebug;
  if (name == "info") return Level::kInfo;
  if (name == "warn" || name == "warning") return Level::kWarn;
  if (name == "error") return Level::kError;
  if (name == "off") return Level::kOff;
  return makeError(
      ErrorCode::kInvalidArgument,
      fmt::format("unknown log level '{}' (expected trace, debug, info, warn, error or off)",
                  name));
}

std::string_view levelName(Level level) {
  switch (level) {
    case Level::kTrace:
      return "trace";
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kOff:
      return "off";
  }
  return "info";
}

Logger::Logger(std::string_view module) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  auto it = r.modules.find(module);
  if (it == r.modules.end()) {
    auto state = std::make_unique<ModuleState>();
    state->name = std::string(module);
    state->level = r.levelFor(module);
    it = r.modules.emplace(state->name, std::move(state)).first;
  }
  state_ = it->second.get();
}

bool Logger::enabled(Level level) const {
  return level != Level::kOff && level >= state_->level.load(std::memory_order_relaxed);
}

void Logger::log(Level level, std::string_view msg, std::initializer_list<Field> fields) const {
  if (!enabled(level)) return;
  Registry& r = registry();
  std::string line;
  line.reserve(128 + msg.size());
  if (r.format.load(std::memory_order_relaxed) == Format::kJson) {
    line += "{\"ts\":\"";
    line += timestamp();
    line += "\",\"level\":\"";
    line += levelName(level);
    line += "\",\"module\":";
    appendJsonString(line, state_->name);
    line += ",\"msg\":";
    appendJsonString(line, msg);
    for (const Field& f : fields) {
      line.push_back(',');
      appendJsonString(line, f.key);
      line.push_back(':');
      appendValue(line, f.value, true);
    }
    line.push_back('}');
  } else {
    line += fmt::format("{} {:<5} {:<8} {}", timestamp(), levelName(level), state_->name, msg);
    for (const Field& f : fields) {
      line.push_back(' ');
      line.append(f.key);
      line.push_back('=');
      appendValue(line, f.value,
                  std::holds_alternative<std::string_view>(f.value) &&
                      std::get<std::string_view>(f.value).find(' ') != std::string_view::npos);
    }
  }
  {
    std::lock_guard lock(r.sinkMutex);
    if (r.testSink) {
      r.testSink(line);
      return;
    }
  }
  r.out->info("{}", line);
}

void configure(const Settings& settings) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.settings = settings;
  r.format = settings.format;
  for (auto& [name, state] : r.modules)
    state->level = r.levelFor(name);
}

void setSinkForTesting(std::function<void(std::string_view line)> sink) {
  Registry& r = registry();
  std::lock_guard lock(r.sinkMutex);
  r.testSink = std::move(sink);
}

}  // namespace pharos::logging
