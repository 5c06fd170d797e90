#include "analysis/finding_summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <vector>

namespace pharos::analysis {
namespace {

constexpr std::size_t kMaxTemplateInSummary = 80;
constexpr std::size_t kMaxServicesNamed = 3;

std::string printf1(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// "7.50" -> "7.5", "7.0" -> "7": fixed decimals without the noise.
std::string stripZeros(std::string s) {
  if (s.find('.') == std::string::npos) return s;
  while (!s.empty() && s.back() == '0')
    s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// Two significant figures below 1, at most `maxDecimals` decimals.
std::string small(double v, int maxDecimals) {
  int decimals = std::clamp(static_cast<int>(std::ceil(-std::log10(v))) + 1, 1, maxDecimals);
  char format[16];
  std::snprintf(format, sizeof format, "%%.%df", decimals);
  return stripZeros(printf1(format, v));
}

std::string quoted(const std::string& text) {
  std::string t = text;
  if (t.size() > kMaxTemplateInSummary) {
    std::size_t n = kMaxTemplateInSummary;
    while (n > 0 && (static_cast<unsigned char>(t[n]) & 0xC0) == 0x80)
      --n;
    t = t.substr(0, n) + "...";
  }
  return "`" + t + "`";
}

// Scores of different detectors saturate at 1, so ties are common: prefer what users feel.
int symptomRank(AnomalyKind kind) {
  switch (kind) {
    case AnomalyKind::kErrorShare:
      return 0;
    case AnomalyKind::kCheckFailure:
      return 1;
    case AnomalyKind::kMetric:
      return 2;
    case AnomalyKind::kTemplateRate:
      return 3;
    case AnomalyKind::kNewTemplate:
      return 4;
  }
  return 5;
}

bool rose(const AnomalyEvent& e) {
  return e.observed >= e.baseline;
}

std::string subject(const AnomalyEvent& e) {
  return e.service.empty() ? std::string() : e.service + ": ";
}

std::string templateName(const AnomalyEvent& e) {
  return e.templateText.empty() ? "#" + e.signal : quoted(e.templateText);
}

// The event as the finding's headline: what moved, from what to what, when.
std::string headline(const AnomalyEvent& e) {
  const std::string at = " at " + formatClockUtc(e.startMs);
  const char* verb = rose(e) ? " rose from " : " fell from ";
  switch (e.kind) {
    case AnomalyKind::kErrorShare:
      return subject(e) + "error ratio" + verb + formatPercent(e.baseline) + " to " +
             formatPercent(e.observed) + at;
    case AnomalyKind::kTemplateRate:
      return subject(e) + "log template " + templateName(e) + verb +
             formatValue(e.baseline, e.unit) + " to " + formatValue(e.observed, e.unit) + at;
    case AnomalyKind::kNewTemplate:
      return subject(e) + "a new log template " + templateName(e) + " appeared" + at + " (" +
             formatValue(e.observed, e.unit) + ")";
    case AnomalyKind::kCheckFailure:
      return subject(e) + "check `" + e.signal + "` started failing" + at;
    case AnomalyKind::kMetric:
      break;
  }
  return subject(e) + e.signal + verb + formatValue(e.baseline, e.unit) + " to " +
         formatValue(e.observed, e.unit) + at;
}

std::string where(const AnomalyEvent& e) {
  return e.service.empty() ? std::string() : " in " + e.service;
}

// The event as the cause clause: "... after <this>".
std::string cause(const AnomalyEvent& e) {
  const char* verb = rose(e) ? " rose to " : " fell to ";
  switch (e.kind) {
    case AnomalyKind::kNewTemplate:
      return "a new log template " + templateName(e) + " appeared" + where(e);
    case AnomalyKind::kTemplateRate:
      return "log template " + templateName(e) + where(e) + verb + formatValue(e.observed, e.unit);
    case AnomalyKind::kErrorShare:
      return (e.service.empty() ? std::string("the error ratio")
                                : "the error ratio of " + e.service) +
             verb + formatPercent(e.observed);
    case AnomalyKind::kCheckFailure:
      return "check `" + e.signal + "` started failing";
    case AnomalyKind::kMetric:
      break;
  }
  return e.signal + where(e) + verb + formatValue(e.observed, e.unit);
}

}  // namespace

std::string formatPercent(double ratio) {
  if (!std::isfinite(ratio)) return "?%";
  double v = ratio * 100;
  double a = std::fabs(v);
  if (a == 0) return "0%";
  if (a < 0.0001) return v < 0 ? "-0.0001%" : "<0.0001%";
  std::string digits = a >= 10  ? printf1("%.0f", a)
                       : a >= 1 ? stripZeros(printf1("%.1f", a))
                                : small(a, 4);
  return (v < 0 ? "-" : "") + digits + "%";
}

std::string formatNumber(double v) {
  if (!std::isfinite(v)) return std::isnan(v) ? "NaN" : (v < 0 ? "-Inf" : "+Inf");
  double a = std::fabs(v);
  std::string sign = v < 0 ? "-" : "";
  if (a == 0) return "0";
  if (a >= 1e9) return sign + stripZeros(printf1("%.1f", a / 1e9)) + "G";
  if (a >= 1e6) return sign + stripZeros(printf1("%.1f", a / 1e6)) + "M";
  if (a >= 1e4) return sign + stripZeros(printf1("%.1f", a / 1e3)) + "k";
  if (a >= 100) return sign + printf1("%.0f", a);
  if (a >= 10) return sign + stripZeros(printf1("%.1f", a));
  if (a >= 1) return sign + stripZeros(printf1("%.2f", a));
  if (a < 1e-6) return sign + printf1("%.2g", a);
  return sign + small(a, 7);
}

std::string formatValue(double v, const std::string& unit) {
  if (unit == "ratio") return formatPercent(v);
  if (unit.empty()) return formatNumber(v);
  return formatNumber(v) + " " + unit;
}

std::string formatClockUtc(int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", tm.tm_hour % 24, tm.tm_min % 60);
  return buf;
}

std::string formatDuration(int64_t ms) {
  int64_t s = std::max<int64_t>(ms, 0) / 1000;
  if (s < 60) return std::to_string(s) + " s";
  int64_t minutes = s / 60;
  if (minutes < 60) return std::to_string(minutes) + " min";
  std::string out = std::to_string(minutes / 60) + " h";
  if (minutes % 60 != 0) out += " " + std::to_string(minutes % 60) + " min";
  return out;
}

std::string summarizeFinding(const Finding& f) {
  if (f.events.empty()) return "no anomalies";
  // Headline: the strongest; among equals the symptom a user feels most directly, then the
  // earliest (events are ranked by onset).
  std::size_t head = 0;
  for (std::size_t i = 1; i < f.events.size(); ++i) {
    const AnomalyEvent& e = f.events[i];
    const AnomalyEvent& best = f.events[head];
    if (e.score > best.score ||
        (e.score == best.score && symptomRank(e.kind) < symptomRank(best.kind)))
      head = i;
  }
  const AnomalyEvent& h = f.events[head];
  std::string out = headline(h);

  // The cause: the first onset, when it came before the headline.
  std::size_t first = 0;
  bool hasCause = head != first && f.events[first].startMs < h.startMs;
  if (hasCause) {
    out += ", " + formatDuration(h.startMs - f.events[first].startMs) + " after " +
           cause(f.events[first]);
  }

  std::vector<std::string> services;
  std::size_t others = 0;
  for (std::size_t i = 0; i < f.events.size(); ++i) {
    if (i == head || (hasCause && i == first)) continue;
    ++others;
    const std::string& s = f.events[i].service;
    if (!s.empty() && std::find(services.begin(), services.end(), s) == services.end())
      services.push_back(s);
  }
  others += f.droppedEvents;
  if (others > 0) {
    out += "; " + std::to_string(others) + (others == 1 ? " other signal" : " other signals") +
           " moved";
    if (!services.empty()) {
      out += " in ";
      for (std::size_t i = 0; i < services.size() && i < kMaxServicesNamed; ++i)
        out += (i == 0 ? "" : ", ") + services[i];
      if (services.size() > kMaxServicesNamed)
        out += " and " + std::to_string(services.size() - kMaxServicesNamed) + " more";
    }
  }
  return out;
}

}  // namespace pharos::analysis
