#include "app/lifecycle.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace pharos::app {

void Lifecycle::add(Service service) {
  services_.push_back(std::move(service));
}

Result<std::vector<std::string>> Lifecycle::startOrder() const {
  std::map<std::string, size_t, std::less<>> byName;
  for (size_t i = 0; i < services_.size(); ++i) {
    if (!byName.emplace(services_[i].name, i).second) {
      return makeError(ErrorCode::kFailedPrecondition,
                       fmt::format("module '{}' declared twice", services_[i].name));
    }
  }
  for (const Service& s : services_) {
    for (const std::string& dep : s.dependsOn) {
      if (!byName.contains(dep)) {
        return makeError(
            ErrorCode::kFailedPrecondition,
            fmt::format("module '{}' depends on '{}', which is not configured", s.name, dep));
      }
    }
  }
  // Depth-first search in declaration order: deterministic, and the grey path is the cycle.
  enum class Mark { kWhite, kGrey, kBlack };
  std::vector<Mark> marks(services_.size(), Mark::kWhite);
  std::vector<size_t> path;
  std::vector<std::string> order;
  std::optional<Error> cycle;
  std::function<void(size_t)> visit = [&](size_t i) {
    if (cycle) return;
    marks[i] = Mark::kGrey;
    path.push_back(i);
    for (const std::string& dep : services_[i].dependsOn) {
      size_t j = byName.find(dep)->second;
      if (marks[j] == Mark::kGrey) {
        auto from = std::find(path.begin(), path.end(), j);
        std::string names;
        for (auto it = from; it != path.end(); ++it)
          names += services_[*it].name + " -> ";
        names += services_[j].name;
        cycle = makeError(ErrorCode::kFailedPrecondition, "dependency cycle: " + names);
        return;
      }
      if (marks[j] == Mark::kWhite) visit(j);
      if (cycle) return;
    }
    path.pop_back();
    marks[i] = Mark::kBlack;
    order.push_back(services_[i].name);
  };
  for (size_t i = 0; i < services_.size() && !cycle; ++i) {
    if (marks[i] == Mark::kWhite) visit(i);
  }
  if (cycle) return *std::move(cycle);
  return order;
}

Status Lifecycle::startAll() {
  PHAROS_ASSIGN_OR_RETURN(std::vector<std::string> order, startOrder());
  for (const std::string& name : order) {
    auto it = std::find_if(services_.begin(), services_.end(),
                           [&](const Service& s) { return s.name == name; });
    size_t index = static_cast<size_t>(it - services_.begin());
    MonoTime began = clock_.monotonic();
    Status started = it->start ? it->start() : okStatus();
    if (!started.ok()) {
      log_.error("module failed to start",
                 {{"module", name}, {"error", started.error().toString()}});
      stopAll(Millis(5'000));
      return std::move(started).error().withContext(name);
    }
    started_.push_back(index);
    auto tookMs = std::chrono::duration_cast<Millis>(clock_.monotonic() - began).count();
    log_.debug("module started", {{"module", name}, {"ms", tookMs}});
  }
  return okStatus();
}

void Lifecycle::stopAll(Millis drain) {
  MonoTime deadline = clock_.monotonic() + drain;
  for (auto it = started_.rbegin(); it != started_.rend(); ++it) {
    Service& s = services_[*it];
    if (s.stop) s.stop(deadline);
    log_.debug("module stopped", {{"module", s.name}});
  }
  started_.clear();
}

}  // namespace pharos::app
