#include "slo/sli_reader.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

namespace pharos::slo {
namespace {

constexpr std::int64_t kMinuteMs = 60'000;
constexpr std::int64_t kHourMs = 3'600'000;
// A series not seen for this long is forgotten (its cursor freed).
constexpr std::int64_t kForgetMs = 86'400'000;
// The pseudo-check excluded periods are kept under (see slo_spec.cpp).
constexpr std::string_view kSelf = "slo";

std::int64_t floorTo(std::int64_t t, std::int64_t r) {
  return t - ((t % r) + r) % r;
}

bool overlaps(const std::vector<Interval>& ex, std::int64_t from, std::int64_t to) {
  auto it = std::upper_bound(ex.begin(), ex.end(), from,
                             [](std::int64_t t, const Interval& i) { return t < i.second; });
  return it != ex.end() && it->first < to;
}

bool inside(const std::vector<Interval>& ex, std::int64_t t) {
  return overlaps(ex, t, t + 1);
}

// Prometheus' increase between two samples of a counter: a drop is a reset to zero.
double increaseOf(double v, double previous) {
  return v < previous ? v : v - previous;
}

std::vector<Interval> toMillis(const std::vector<std::pair<WallTime, WallTime>>& in) {
  std::vector<Interval> out;
  out.reserve(in.size());
  for (const auto& [a, b] : in)
    out.emplace_back(toUnixMillis(a), toUnixMillis(b));
  return out;
}

std::string selectorText(const std::vector<promql::Matcher>& matchers) {
  std::string name;
  std::string rest;
  for (const promql::Matcher& m : matchers) {
    if (m.name == Labels::kMetricName && m.type == promql::Matcher::Type::kEqual) {
      name = m.value;
    } else {
      rest += (rest.empty() ? "" : ", ") + m.str();
    }
  }
  return name + "{" + rest + "}";
}

}  // namespace

Exclusions::Exclusions(const SloSpec& spec, const health::MaintenanceCalendar* maintenance)
    : own_([&] {
        std::vector<health::MaintenanceWindow> windows;
        for (const ExcludedPeriod& p : spec.exclude) {
          health::MaintenanceWindow w;
          w.name = "exclude";
          w.start = p.start;
          w.end = p.end;
          w.every = p.every;
          w.duration = p.duration;
          w.checks = {std::string(kSelf)};
          windows.push_back(std::move(w));
        }
        return health::MaintenanceCalendar(std::move(windows));
      }()),
      maintenance_(spec.query.checkMaintenance && maintenance != nullptr &&
                           !maintenance->windows().empty()
                       ? maintenance
                       : nullptr) {}

std::vector<Interval> Exclusions::intervals(const Labels& labels, std::int64_t from,
                                            std::int64_t to) const {
  if (from >= to || empty()) return {};
  std::vector<Interval> out;
  if (!own_.windows().empty()) {
    out = toMillis(own_.intervals(kSelf, Labels{}, fromUnixMillis(from), fromUnixMillis(to)));
  }
  if (maintenance_ != nullptr) {
    // Checks' series carry the check's labels (check, type and its own) besides the name.
    Labels identity = labels.without(Labels::kMetricName);
    auto more = toMillis(maintenance_->intervals(identity.get("check"), identity,
                                                 fromUnixMillis(from), fromUnixMillis(to)));
    if (!more.empty()) {
      out.insert(out.end(), more.begin(), more.end());
      std::sort(out.begin(), out.end());
      std::vector<Interval> merged;
      for (const Interval& i : out) {
        if (!merged.empty() && i.first <= merged.back().second) {
          merged.back().second = std::max(merged.back().second, i.second);
        } else {
          merged.push_back(i);
        }
      }
      out = std::move(merged);
    }
  }
  return out;
}

SliReader::SliReader(std::shared_ptr<const SloSpec> spec,
                     const health::MaintenanceCalendar* maintenance)
    : spec_(std::move(spec)), exclusions_(*spec_, maintenance) {
  const SliQuery& q = spec_->query;
  if (q.mode == SliQuery::Mode::kSamples) {
    streams_.push_back({Role::kSamples, q.good, {}});
  } else {
    streams_.push_back({Role::kGoodCounter, q.good, {}});
    streams_.push_back({Role::kTotalCounter, q.total, {}});
  }
}

EventCounts SliReader::rollupEvents(const Stream& s, const promql::RollupPoint& p) const {
  switch (s.role) {
    case Role::kSamples: {
      // Samples are 0 (bad) or 1 (good), so the sum counts the good ones.
      double count = static_cast<double>(p.count);
      return {std::clamp(p.sum, 0.0, count), count};
    }
    case Role::kGoodCounter:
      return {p.increase, 0};
    case Role::kTotalCounter:
      return {0, p.increase};
  }
  return {};
}

EventCounts SliReader::sampleEvents(const Stream& s, double v, double increase) const {
  switch (s.role) {
    case Role::kSamples:
      return {std::clamp(v, 0.0, 1.0), 1};
    case Role::kGoodCounter:
      return {increase, 0};
    case Role::kTotalCounter:
      return {0, increase};
  }
  return {};
}

Status SliReader::readRollups(promql::Queryable& source, Stream& s, EventHistory& history,
                              std::int64_t from, std::int64_t to, std::int64_t resolution,
                              std::optional<std::uint64_t> only) {
  if (from >= to) return okStatus();
  PHAROS_ASSIGN_OR_RETURN(
      std::vector<promql::RollupSeries> series,
      source.selectRollupsWithoutSketches(s.matchers, from, to - resolution, resolution));
  struct Pending {
    std::size_t series;
    promql::RollupPoint point;
  };
  std::vector<Pending> pending;
  std::vector<std::uint64_t> hashes(series.size());
  for (std::size_t i = 0; i < series.size(); ++i) {
    const promql::RollupSeries& rs = series[i];
    hashes[i] = rs.labels.hash();
    if (only && hashes[i] != *only) continue;
    std::vector<Interval> ex = exclusions_.intervals(rs.labels, from, to);
    Cursor& cursor = s.cursors[hashes[i]];
    for (const promql::RollupPoint& p : rs.points) {
      if (p.t < from || p.t >= to) continue;
      if (overlaps(ex, p.t, p.t + resolution)) {
        pending.push_back({i, p});
      } else {
        history.add(p.t, rollupEvents(s, p), resolution);
      }
      cursor = {p.t + resolution - 1, p.last};
    }
  }
  // Buckets that overlap an excluded period: read them again, finer.
  std::map<std::int64_t, std::vector<const Pending*>> byBucket;
  for (const Pending& p : pending)
    byBucket[p.point.t].push_back(&p);
  for (const auto& [start, items] : byBucket) {
    std::int64_t end = start + resolution;
    PHAROS_ASSIGN_OR_RETURN(std::vector<promql::SeriesSamples> raw,
                            source.select(s.matchers, start, end - 1));
    std::unordered_map<std::uint64_t, const std::vector<Sample>*> rawBySeries;
    for (const auto& r : raw)
      rawBySeries[r.labels.hash()] = &r.samples;
    for (const Pending* item : items) {
      const promql::RollupSeries& rs = series[item->series];
      const promql::RollupPoint& p = item->point;
      std::vector<Interval> ex = exclusions_.intervals(rs.labels, start, end);
      auto it = rawBySeries.find(hashes[item->series]);
      if (it != rawBySeries.end() && it->second->size() == p.count) {
        const std::vector<Sample>& samples = *it->second;
        // The bucket's increase runs from the sample before it; the first sample's share is
        // what the others do not account for.
        double rest = 0;
        for (std::size_t k = 1; k < samples.size(); ++k)
          rest += increaseOf(samples[k].v, samples[k - 1].v);
        for (std::size_t k = 0; k < samples.size(); ++k) {
          double increase = k == 0 ? p.increase - rest : increaseOf(samples[k].v, samples[k - 1].v);
          if (!inside(ex, samples[k].t)) {
            history.add(samples[k].t, sampleEvents(s, samples[k].v, increase), 0);
          }
        }
      } else if (resolution > kMinuteMs) {
        // Raw samples expired: 1-minute buckets. The cursor stays where the coarser pass left it.
        Cursor saved = s.cursors[hashes[item->series]];
        PHAROS_TRY(readRollups(source, s, history, start, end, kMinuteMs, hashes[item->series]));
        s.cursors[hashes[item->series]] = saved;
      } else if (!inside(ex, p.t)) {
        history.add(p.t, rollupEvents(s, p), resolution);
      }
    }
  }
  return okStatus();
}

Status SliReader::backfill(promql::Queryable& source, EventHistory& history, std::int64_t from,
                           std::int64_t fineFrom, std::int64_t now) {
  std::int64_t minute = floorTo(now, kMinuteMs);
  fineFrom = std::clamp(fineFrom, from, minute);
  for (Stream& s : streams_) {
    s.cursors.clear();
    PHAROS_TRY(readRollups(source, s, history, from, fineFrom, kHourMs, std::nullopt));
    PHAROS_TRY(readRollups(source, s, history, fineFrom, minute, kMinuteMs, std::nullopt));
  }
  countedUpTo_ = minute;
  history.advanceTo(now);
  return okStatus();
}

Status SliReader::read(promql::Queryable& source, EventHistory& history, std::int64_t now) {
  if (now < countedUpTo_) return okStatus();
  std::int64_t from = countedUpTo_ - kLateMs;
  for (Stream& s : streams_) {
    PHAROS_ASSIGN_OR_RETURN(std::vector<promql::SeriesSamples> series,
                            source.select(s.matchers, from, now));
    for (const promql::SeriesSamples& rs : series) {
      auto [it, fresh] = s.cursors.try_emplace(rs.labels.hash());
      Cursor& cursor = it->second;
      bool hasPrevious = !fresh;
      std::optional<std::vector<Interval>> ex;
      // A series without a cursor has had nothing counted: the backfill gave a cursor to
      // every series it read, and a cursor is dropped only a day after its last sample.
      for (const Sample& sample : rs.samples) {
        if (hasPrevious && sample.t <= cursor.lastT) continue;
        double increase = hasPrevious ? increaseOf(sample.v, cursor.lastV) : 0;
        if (!ex) ex = exclusions_.intervals(rs.labels, from, now + 1);
        if (!inside(*ex, sample.t)) history.add(sample.t, sampleEvents(s, sample.v, increase), 0);
        cursor = {sample.t, sample.v};
        hasPrevious = true;
      }
    }
    std::erase_if(s.cursors, [&](const auto& c) { return c.second.lastT < now - kForgetMs; });
  }
  countedUpTo_ = now + 1;
  history.advanceTo(now);
  return okStatus();
}

std::string SliReader::dataProblem(promql::Queryable& source, std::int64_t now) const {
  bool anyGood = !streams_.front().cursors.empty();
  bool anyTotal = !streams_.back().cursors.empty();
  if (!anyGood && !anyTotal) {
    std::string selectors;
    for (const Stream& s : streams_)
      selectors += (selectors.empty() ? "" : " or ") + selectorText(s.matchers);
    return fmt::format("no data: no series match {}", selectors);
  }
  if (spec_->sli != SliKind::kLatency || anyGood) return {};
  // The total has data but the bucket does not: the threshold is not one of its bounds.
  std::vector<promql::Matcher> buckets;
  for (const promql::Matcher& m : streams_.front().matchers) {
    if (m.name != "le") buckets.push_back(m);
  }
  std::set<double> bounds;
  std::set<std::string> odd;
  auto found = source.select(buckets, now - kHourMs, now);
  if (found.ok()) {
    for (const auto& s : *found) {
      std::string le(s.labels.get("le"));
      char* end = nullptr;
      double v = std::strtod(le.c_str(), &end);
      if (!le.empty() && end == le.c_str() + le.size()) {
        bounds.insert(v);
      } else {
        odd.insert(le);
      }
    }
  }
  std::string list;
  for (double b : bounds)
    list += (list.empty() ? "" : ", ") +
            (std::isinf(b) ? std::string(b > 0 ? "+Inf" : "-Inf") : fmt::format("{}", b));
  for (const std::string& o : odd)
    list += (list.empty() ? "" : ", ") + o;
  return fmt::format(
      "threshold {} is not a bucket bound of {}: the threshold must be one of the histogram's "
      "le values ({})",
      spec_->threshold, selectorText(buckets),
      list.empty() ? "no _bucket series found in the last hour" : "found: " + list);
}

std::size_t SliReader::series() const {
  std::size_t n = 0;
  for (const Stream& s : streams_)
    n += s.cursors.size();
  return n;
}

std::size_t SliReader::memoryBytes() const {
  std::size_t bytes = sizeof(*this);
  for (const Stream& s : streams_) {
    // An unordered_map node: the pair, the next pointer, the cached hash; plus a bucket.
    bytes += s.cursors.size() * (sizeof(std::pair<const std::uint64_t, Cursor>) + 24) +
             s.cursors.bucket_count() * sizeof(void*);
    bytes += s.matchers.size() * sizeof(promql::Matcher);
  }
  return bytes;
}

}  // namespace pharos::slo
