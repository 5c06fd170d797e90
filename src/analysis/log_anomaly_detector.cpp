#include "analysis/log_anomaly_detector.h"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>

#include "analysis/poisson_tail.h"
#include "core/clock.h"
#include "core/ids.h"

namespace pharos::analysis {
namespace {

constexpr int64_t kMinuteMs = 60'000;
// A template or service that never moved still has a rate; without a floor a first burst
// after a silent baseline would test against an expected count of zero.
constexpr double kMinLambda = 0.1;
constexpr double kMinShare = 0.001;
// Past this the dispersion estimate is mostly burstiness we cannot model anyway.
constexpr double kMaxDispersion = 50;

int64_t minuteOf(int64_t ms) {
  return ms >= 0 ? ms / kMinuteMs : -((-ms + kMinuteMs - 1) / kMinuteMs);
}

std::string clipped(std::string_view s, std::size_t max) {
  if (s.size() <= max) return std::string(s);
  // Do not cut a UTF-8 sequence in half: back up to a lead byte.
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
    --n;
  return std::string(s.substr(0, n)) + "...";
}

// An EWMA of the mean and variance that starts as a plain average, so the first minutes are
// not dominated by the very first one.
struct Baseline {
  double mean = 0;
  double var = 0;
  uint32_t history = 0;  // minutes learned

  void learn(double x, double alpha, bool anomalous) {
    if (history == 0) {
      mean = x;
      var = 0;
    } else {
      double a = std::max(alpha, 1.0 / (history + 1.0));
      if (anomalous) a = alpha / 4;  // a change must last to become normal
      double diff = x - mean;
      double incr = a * diff;
      mean += incr;
      var = (1 - a) * (var + diff * incr);
    }
    if (history < UINT32_MAX) ++history;
  }
};

// 0..1 from a tail probability: 0.5 at the reporting threshold, 1 at its square.
double scoreOf(double log10p, double pValue) {
  double threshold = -std::log10(pValue);
  return std::clamp(-log10p / (2 * threshold), 0.0, 1.0);
}

}  // namespace

struct LogAnomalyDetector::Template {
  uint32_t count = 0;  // lines in the open minute
  uint32_t errors = 0;
  Baseline rate;
  int64_t lastSeenMs = 0;
  bool isNew = false;      // first seen, after warm-up, in the open minute
  bool anomalous = false;  // the last judged minute was anomalous
  std::string text;
  std::vector<std::string> examples;  // of the open minute: 1, or up to 3 for a new one
};

struct LogAnomalyDetector::Service {
  std::string name;
  int64_t firstSeenMs = 0;
  int64_t lastSeenMs = 0;
  int64_t openMinute = 0;
  uint32_t lines = 0;  // in the open minute
  uint32_t errors = 0;
  std::vector<std::string> errorExamples;
  Baseline share;
  bool shareAnomalous = false;
  std::unordered_map<uint64_t, Template> templates;
  uint64_t lastTemplateId = 0;
  Template* lastTemplate = nullptr;  // nodes of unordered_map stay put on rehash
};

LogAnomalyDetector::LogAnomalyDetector(LogAnomalyOptions options) : options_(options) {}
LogAnomalyDetector::~LogAnomalyDetector() = default;

LogAnomalyDetector::Service& LogAnomalyDetector::serviceFor(std::string_view name, int64_t tsMs) {
  if (last_ != nullptr && last_->name == name) return *last_;
  auto it = services_.find(name);
  if (it == services_.end()) {
    if (services_.size() >= options_.maxServices && !services_.empty()) {
      auto oldest = std::min_element(services_.begin(), services_.end(), [](auto& a, auto& b) {
        return a.second->lastSeenMs < b.second->lastSeenMs;
      });
      templateCount_ -= oldest->second->templates.size();
      services_.erase(oldest);
    }
    auto s = std::make_unique<Service>();
    s->name = std::string(name);
    s->firstSeenMs = s->lastSeenMs = tsMs;
    s->openMinute = minuteOf(tsMs);
    it = services_.emplace(s->name, std::move(s)).first;
  }
  last_ = it->second.get();
  return *last_;
}

void LogAnomalyDetector::observe(int64_t tsMs, std::string_view serviceName, uint64_t templateId,
                                 std::string_view templateText, bool isError,
                                 std::string_view message) {
  Service& s = serviceFor(serviceName, tsMs);
  int64_t minute = minuteOf(tsMs);
  if (minute > s.openMinute) {
    if (s.lines > 0) closeMinute(s);
    s.openMinute = minute;
  }
  s.lastSeenMs = std::max(s.lastSeenMs, tsMs);
  ++s.lines;
  if (isError) {
    ++s.errors;
    if (s.errorExamples.size() < AnomalyEvent::kMaxExamples)
      s.errorExamples.push_back(clipped(message, options_.maxExampleBytes));
  }

  Template* t = s.lastTemplate;
  if (t == nullptr || s.lastTemplateId != templateId) {
    auto it = s.templates.find(templateId);
    if (it == s.templates.end()) {
      if (s.templates.size() >= options_.maxTemplatesPerService) {
        evictTemplates(s);
      } else if (templateCount_ >= options_.maxTemplates) {
        auto largest = std::max_element(services_.begin(), services_.end(), [](auto& a, auto& b) {
          return a.second->templates.size() < b.second->templates.size();
        });
        evictTemplates(*largest->second);
      }
      it = s.templates.emplace(templateId, Template{}).first;
      ++templateCount_;
      it->second.text = clipped(templateText, options_.maxTemplateText);
      it->second.isNew = tsMs - s.firstSeenMs >= options_.warmupMs;
    }
    t = &it->second;
    s.lastTemplate = t;
    s.lastTemplateId = templateId;
  }
  ++t->count;
  if (isError) ++t->errors;
  t->lastSeenMs = std::max(t->lastSeenMs, tsMs);
  if (t->examples.size() < (t->isNew ? AnomalyEvent::kMaxExamples : 1))
    t->examples.push_back(clipped(message, options_.maxExampleBytes));
}

void LogAnomalyDetector::evictTemplates(Service& s) {
  if (s.templates.empty()) return;
  std::vector<std::pair<int64_t, uint64_t>> byAge;
  byAge.reserve(s.templates.size());
  for (const auto& [id, t] : s.templates)
    byAge.emplace_back(t.lastSeenMs, id);
  std::size_t n = std::max<std::size_t>(1, byAge.size() / 10);
  std::nth_element(byAge.begin(), byAge.begin() + static_cast<std::ptrdiff_t>(n - 1), byAge.end());
  for (std::size_t i = 0; i < n; ++i)
    s.templates.erase(byAge[i].second);
  templateCount_ -= n;
  s.lastTemplate = nullptr;
}

void LogAnomalyDetector::closeMinute(Service& s) {
  const int64_t startMs = s.openMinute * kMinuteMs;
  const int64_t endMs = startMs + kMinuteMs;
  auto event = [&](AnomalyKind kind) {
    AnomalyEvent e;
    e.id = newId(fromUnixMillis(startMs));
    e.kind = kind;
    e.service = s.name;
    e.startMs = startMs;
    e.endMs = endMs;
    return e;
  };

  // Error share: only minutes with enough lines say anything about it.
  if (s.lines >= static_cast<uint32_t>(options_.minLines)) {
    const double n = s.lines;
    const double share = s.errors / n;
    bool anomalous = false;
    if (s.share.history >= static_cast<uint32_t>(options_.minHistoryMinutes)) {
      const double p0 = std::max(s.share.mean, kMinShare);
      // Dispersion: the minute-to-minute variance of the share beyond the binomial's.
      const double binomialVar = p0 * (1 - p0) / n;
      const double phi = std::clamp(s.share.var / binomialVar, 1.0, kMaxDispersion);
      const double log10p = poissonUpperTailLog10(s.errors / phi, n * p0 / phi);
      anomalous = s.errors >= static_cast<uint32_t>(options_.minErrors) &&
                  share >= options_.shareFactor * s.share.mean &&
                  share - s.share.mean >= options_.minShareRise &&
                  log10p < std::log10(options_.pValue);
      if (anomalous && !s.shareAnomalous) {
        AnomalyEvent e = event(AnomalyKind::kErrorShare);
        e.signal = "error_share";
        e.score = scoreOf(log10p, options_.pValue);
        e.baseline = s.share.mean;
        e.observed = share;
        e.unit = "ratio";
        e.examples = s.errorExamples;
        e.labels = {{"lines", std::to_string(s.lines)}, {"errors", std::to_string(s.errors)}};
        pending_.push_back(std::move(e));
      }
    }
    s.share.learn(share, options_.alpha, anomalous);
    s.shareAnomalous = anomalous;
  }

  // Templates: every known template learns this minute's count, zero included.
  std::vector<std::pair<uint64_t, Template*>> fresh;
  for (auto& [id, t] : s.templates) {
    if (t.isNew) {
      fresh.emplace_back(id, &t);
      continue;
    }
    const double x = t.count;
    bool anomalous = false;
    if (t.rate.history >= static_cast<uint32_t>(options_.minHistoryMinutes) &&
        t.count >= static_cast<uint32_t>(options_.minRateCount) &&
        x >= options_.rateFactor * t.rate.mean) {
      // Quasi-Poisson: a template that is bursty by nature (variance above its mean) needs a
      // larger jump, in proportion.
      const double mean = std::max(t.rate.mean, kMinLambda);
      const double phi = std::clamp(t.rate.var / mean, 1.0, kMaxDispersion);
      const double log10p = poissonUpperTailLog10(x / phi, mean / phi);
      anomalous = log10p < std::log10(options_.pValue);
      if (anomalous && !t.anomalous) {
        AnomalyEvent e = event(AnomalyKind::kTemplateRate);
        e.signal = std::to_string(id);
        e.score = scoreOf(log10p, options_.pValue);
        e.baseline = t.rate.mean;
        e.observed = x;
        e.unit = "lines/min";
        e.templateText = t.text;
        e.examples = t.examples;
        e.labels = {{"errors", std::to_string(t.errors)}};
        pending_.push_back(std::move(e));
      }
    }
    t.rate.learn(x, options_.alpha, anomalous);
    t.anomalous = anomalous;
    t.count = t.errors = 0;
    t.examples.clear();
  }

  // New templates, the busiest first; past the per-minute cap they are only counted.
  std::sort(fresh.begin(), fresh.end(), [](const auto& a, const auto& b) {
    return std::tie(b.second->count, a.first) < std::tie(a.second->count, b.first);
  });
  const std::size_t reported = std::min(fresh.size(), std::size_t(options_.maxNewPerMinute));
  for (std::size_t i = 0; i < fresh.size(); ++i) {
    Template& t = *fresh[i].second;
    if (i < reported) {
      AnomalyEvent e = event(AnomalyKind::kNewTemplate);
      e.signal = std::to_string(fresh[i].first);
      // A new template is news by itself; error lines and volume make it more so.
      e.score =
          std::min(1.0, 0.6 + (t.errors > 0 ? 0.3 : 0.0) + 0.1 * std::min(1.0, t.count / 50.0));
      e.baseline = 0;
      e.observed = t.count;
      e.unit = "lines/min";
      e.templateText = t.text;
      e.examples = std::move(t.examples);
      e.labels = {{"errors", std::to_string(t.errors)}};
      if (i + 1 == reported && fresh.size() > reported)
        e.labels["suppressed"] = std::to_string(fresh.size() - reported);
      pending_.push_back(std::move(e));
    }
    t.isNew = false;
    t.rate.learn(t.count, options_.alpha, false);
    t.count = t.errors = 0;
    t.examples.clear();
  }

  s.lines = s.errors = 0;
  s.errorExamples.clear();
}

std::vector<AnomalyEvent> LogAnomalyDetector::poll(int64_t nowMs) {
  const int64_t nowMinute = minuteOf(nowMs);
  for (auto& [name, s] : services_) {
    if (s->openMinute < nowMinute) {
      if (s->lines > 0) closeMinute(*s);
      // Lines still to come for the closed minute count in the next one.
      s->openMinute = nowMinute;
    }
  }
  std::vector<AnomalyEvent> out = std::move(pending_);
  pending_.clear();
  std::sort(out.begin(), out.end(), [](const AnomalyEvent& a, const AnomalyEvent& b) {
    return std::tie(a.startMs, a.service, a.kind, a.signal) <
           std::tie(b.startMs, b.service, b.kind, b.signal);
  });
  return out;
}

std::size_t LogAnomalyDetector::serviceCount() const {
  return services_.size();
}

std::size_t LogAnomalyDetector::templateCount() const {
  return templateCount_;
}

}  // namespace pharos::analysis
