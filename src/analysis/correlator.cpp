#include "analysis/correlator.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "analysis/finding_summary.h"
#include "core/clock.h"
#include "core/ids.h"

namespace pharos::analysis {
namespace {

constexpr std::size_t kCorroborating = 4;
constexpr double kCorroborationWeight = 0.3;

bool ranksBefore(const AnomalyEvent& a, const AnomalyEvent& b) {
  return std::tie(a.startMs, b.score, a.kind, a.service, a.signal, a.id) <
         std::tie(b.startMs, a.score, b.kind, b.service, b.signal, b.id);
}

}  // namespace

double findingStrength(const std::vector<AnomalyEvent>& events) {
  std::vector<double> scores;
  scores.reserve(events.size());
  for (const AnomalyEvent& e : events)
    scores.push_back(std::clamp(e.score, 0.0, 1.0));
  std::sort(scores.begin(), scores.end(), std::greater<>());
  if (scores.empty()) return 0;
  double rest = 1 - scores[0];
  for (std::size_t i = 1; i < scores.size() && i <= kCorroborating; ++i)
    rest *= 1 - kCorroborationWeight * scores[i];
  return 1 - rest;
}

void rankFindings(std::vector<Finding>& findings) {
  std::sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return std::tie(b.strength, a.startMs, a.id) < std::tie(a.strength, b.startMs, b.id);
  });
}

Correlator::Correlator(CorrelatorOptions options) : options_(options) {}

void Correlator::refresh(Finding& f) const {
  std::sort(f.events.begin(), f.events.end(), ranksBefore);
  while (f.events.size() > std::max<std::size_t>(options_.maxEventsPerFinding, 1)) {
    // The weakest goes; the first onset stays whatever its score, it may be the cause.
    auto weakest = std::min_element(
        f.events.begin() + 1, f.events.end(), [](const AnomalyEvent& a, const AnomalyEvent& b) {
          return std::tie(a.score, b.startMs) < std::tie(b.score, a.startMs);
        });
    f.events.erase(weakest);
    ++f.droppedEvents;
  }
  f.startMs = f.events.front().startMs;
  f.endMs = f.events.front().endMs;
  for (const AnomalyEvent& e : f.events)
    f.endMs = std::max(f.endMs, e.endMs);
  f.strength = findingStrength(f.events);
  f.summary = summarizeFinding(f);
}

FindingUpdate Correlator::add(AnomalyEvent event) {
  event.endMs = std::max(event.endMs, event.startMs);
  if (event.id.empty()) event.id = newId(fromUnixMillis(event.startMs));
  const int64_t gap = options_.gapMs;

  std::vector<std::size_t> near;
  for (std::size_t i = 0; i < open_.size(); ++i) {
    const Finding& f = open_[i];
    if (event.startMs <= f.endMs + gap && event.endMs + gap >= f.startMs) near.push_back(i);
  }

  FindingUpdate update;
  std::size_t into;
  if (near.empty()) {
    if (open_.size() >= std::max<std::size_t>(options_.maxOpenFindings, 1)) {
      auto first = std::min_element(open_.begin(), open_.end(), [](const auto& a, const auto& b) {
        return std::tie(a.endMs, a.id) < std::tie(b.endMs, b.id);
      });
      closedEarly_.push_back(std::move(*first));
      open_.erase(first);
    }
    Finding f;
    f.id = newId(fromUnixMillis(event.startMs));
    open_.push_back(std::move(f));
    into = open_.size() - 1;
  } else {
    // The oldest of the findings the event touches absorbs the others.
    into = *std::min_element(near.begin(), near.end(), [&](std::size_t a, std::size_t b) {
      return std::tie(open_[a].startMs, open_[a].id) < std::tie(open_[b].startMs, open_[b].id);
    });
    for (std::size_t i : near) {
      if (i == into) continue;
      Finding& other = open_[i];
      update.mergedIds.push_back(other.id);
      for (AnomalyEvent& e : other.events)
        open_[into].events.push_back(std::move(e));
      open_[into].droppedEvents += other.droppedEvents;
    }
    // Erase from the back so the indexes still to erase stay valid.
    std::sort(near.begin(), near.end(), std::greater<>());
    Finding kept = std::move(open_[into]);
    for (std::size_t i : near)
      open_.erase(open_.begin() + static_cast<std::ptrdiff_t>(i));
    open_.push_back(std::move(kept));
    into = open_.size() - 1;
  }

  Finding& f = open_[into];
  // The same event again (a detector re-sending an update) replaces the earlier copy.
  auto same = std::find_if(f.events.begin(), f.events.end(),
                           [&](const AnomalyEvent& e) { return e.id == event.id; });
  if (same != f.events.end()) {
    *same = std::move(event);
  } else {
    f.events.push_back(std::move(event));
  }
  refresh(f);
  std::sort(update.mergedIds.begin(), update.mergedIds.end());
  update.finding = f;
  return update;
}

std::vector<Finding> Correlator::closeIdle(int64_t nowMs) {
  std::vector<Finding> out = std::move(closedEarly_);
  closedEarly_.clear();
  auto idle = [&](const Finding& f) { return nowMs > f.endMs + options_.gapMs; };
  for (Finding& f : open_) {
    if (idle(f)) out.push_back(std::move(f));
  }
  std::erase_if(open_, idle);
  rankFindings(out);
  return out;
}

std::vector<Finding> Correlator::openFindings() const {
  std::vector<Finding> out = open_;
  rankFindings(out);
  return out;
}

nlohmann::json toJson(const Finding& f) {
  nlohmann::json events = nlohmann::json::array();
  for (const AnomalyEvent& e : f.events)
    events.push_back(toJson(e));
  return {{"id", f.id},
          {"start_ms", f.startMs},
          {"end_ms", f.endMs},
          {"strength", f.strength},
          {"summary", f.summary},
          {"dropped_events", f.droppedEvents},
          {"events", std::move(events)}};
}

Result<Finding> findingFromJson(const nlohmann::json& j) {
  auto bad = [](std::string_view field) {
    return makeError(ErrorCode::kInvalidArgument,
                     "finding: '" + std::string(field) + "' is missing or of the wrong type");
  };
  if (!j.is_object()) return bad("(finding)");
  Finding f;
  auto id = j.find("id");
  auto start = j.find("start_ms");
  auto end = j.find("end_ms");
  auto strength = j.find("strength");
  auto summary = j.find("summary");
  auto dropped = j.find("dropped_events");
  auto events = j.find("events");
  if (id == j.end() || !id->is_string()) return bad("id");
  if (start == j.end() || !start->is_number_integer()) return bad("start_ms");
  if (end == j.end() || !end->is_number_integer()) return bad("end_ms");
  if (strength == j.end() || !strength->is_number()) return bad("strength");
  if (summary == j.end() || !summary->is_string()) return bad("summary");
  if (events == j.end() || !events->is_array()) return bad("events");
  f.id = id->get<std::string>();
  f.startMs = start->get<int64_t>();
  f.endMs = end->get<int64_t>();
  f.strength = strength->get<double>();
  f.summary = summary->get<std::string>();
  if (dropped != j.end() && dropped->is_number_unsigned())
    f.droppedEvents = dropped->get<std::size_t>();
  for (const auto& e : *events) {
    PHAROS_ASSIGN_OR_RETURN(AnomalyEvent event, anomalyEventFromJson(e));
    f.events.push_back(std::move(event));
  }
  return f;
}

}  // namespace pharos::analysis
