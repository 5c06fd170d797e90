#include "promql/evaluator.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <span>
#include <unordered_map>

#include "core/error.h"
#include "promql/range_functions.h"
#include "promql/step_values.h"

namespace pharos::promql {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr const char* kDuplicateLabelset = "vector cannot contain metrics with the same labelset";

// Prometheus marks the end of a series with this NaN; selectors never return it.
bool isStaleMarker(double v) {
  return std::bit_cast<std::uint64_t>(v) == 0x7ff0000000000002ull;
}

bool isRangeFunction(Function f) {
  switch (f) {
    case Function::kRate:
    case Function::kIncrease:
    case Function::kIrate:
    case Function::kDelta:
    case Function::kAvgOverTime:
    case Function::kSumOverTime:
    case Function::kMinOverTime:
    case Function::kMaxOverTime:
    case Function::kCountOverTime:
    case Function::kLastOverTime:
    case Function::kQuantileOverTime:
      return true;
    default:
      return false;
  }
}

// The range functions a rollup bucket's summary can answer: all but the two that need the
// last samples themselves.
bool rollupCanAnswer(Function f) {
  return isRangeFunction(f) && f != Function::kIrate && f != Function::kDelta;
}

// How far before a step a selector reaches back (range or lookback, plus offset).
std::int64_t maxReach(const Expr& e, std::int64_t lookback) {
  std::int64_t reach = 0;
  if (e.kind == Expr::Kind::kVectorSelector) reach = lookback + e.offsetMs;
  if (e.kind == Expr::Kind::kMatrixSelector) reach = e.rangeMs + e.offsetMs;
  for (const auto& a : e.args)
    reach = std::max(reach, maxReach(*a, lookback));
  return reach;
}

bool hasValues(const StepSeries& s) {
  return std::any_of(s.has.begin(), s.has.end(), [](std::uint8_t h) { return h != 0; });
}

class Evaluator {
 public:
  Evaluator(Queryable& queryable, const EvalOptions& options, std::vector<std::int64_t> steps)
      : q_(queryable), options_(options), ts_(std::move(steps)) {}

  void chooseResolution(const Expr& root, std::int64_t step) {
    std::int64_t minT = ts_.front() - maxReach(root, options_.lookbackDeltaMs);
    auto r = q_.rollupResolution(minT, ts_.back(), step);
    if (r && *r > 0) rollup_ = *r;
  }

  std::vector<std::string> warnings() const {
    std::vector<std::string> out;
    if (usedRollups_) {
      out.push_back("answered from " + formatPromDuration(*rollup_) +
                    " rollups: windows are rounded to whole buckets");
    }
    return out;
  }

  Result<StepValue> eval(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::kNumber: {
        StepValue out;
        out.scalar.assign(ts_.size(), e.number);
        return out;
      }
      case Expr::Kind::kString: {
        StepValue out;
        out.type = ValueType::kString;
        out.text = e.text;
        return out;
      }
      case Expr::Kind::kParen:
        return eval(*e.args[0]);
      case Expr::Kind::kUnary:
        return evalUnary(e);
      case Expr::Kind::kVectorSelector:
        return rollup_ ? selectVectorRollup(e) : selectVector(e);
      case Expr::Kind::kMatrixSelector:
        return makeError(ErrorCode::kInternal, "range selector outside a function");
      case Expr::Kind::kCall:
        return evalCall(e);
      case Expr::Kind::kAggregate:
        return evalAggregate(e);
      case Expr::Kind::kBinary: {
        PHAROS_ASSIGN_OR_RETURN(StepValue lhs, eval(*e.args[0]));
        PHAROS_ASSIGN_OR_RETURN(StepValue rhs, eval(*e.args[1]));
        return evalBinary(e, std::move(lhs), std::move(rhs), ts_.size());
      }
    }
    return makeError(ErrorCode::kInternal, "unknown expression kind");
  }

  // The raw samples of a range selector evaluated at the single step (an instant query).
  Result<std::vector<SeriesSamples>> rawRange(const Expr& sel) {
    std::int64_t end = ts_.front() - sel.offsetMs;
    PHAROS_ASSIGN_OR_RETURN(auto data, selectRaw(sel, end - sel.rangeMs, end));
    std::vector<SeriesSamples> out;
    for (auto& s : data) {
      std::erase_if(s.samples, [&](const Sample& x) {
        return x.t < end - sel.rangeMs || x.t > end || isStaleMarker(x.v);
      });
      if (!s.samples.empty()) out.push_back(std::move(s));
    }
    return out;
  }

 private:
  Status account(std::uint64_t loaded) {
    loaded_ += loaded;
    if (loaded_ > options_.maxSamples) {
      return makeError(ErrorCode::kResourceExhausted,
                       "query processing would load too many samples into memory in query "
                       "execution (limit " +
                           std::to_string(options_.maxSamples) + ")");
    }
    return okStatus();
  }

  Result<std::vector<SeriesSamples>> selectRaw(const Expr& sel, std::int64_t minT,
                                               std::int64_t maxT) {
    PHAROS_ASSIGN_OR_RETURN(auto data, q_.select(sel.matchers, minT, maxT));
    std::uint64_t n = 0;
    for (const auto& s : data)
      n += s.samples.size();
    PHAROS_TRY(account(n));
    std::sort(data.begin(), data.end(),
              [](const SeriesSamples& a, const SeriesSamples& b) { return a.labels < b.labels; });
    return data;
  }

  Result<std::vector<RollupSeries>> selectRollups(const Expr& sel, std::int64_t minT,
                                                  std::int64_t maxT) {
    PHAROS_ASSIGN_OR_RETURN(auto data, q_.selectRollups(sel.matchers, minT, maxT, *rollup_));
    std::uint64_t n = 0;
    for (const auto& s : data)
      n += s.points.size();
    PHAROS_TRY(account(n));
    std::sort(data.begin(), data.end(),
              [](const RollupSeries& a, const RollupSeries& b) { return a.labels < b.labels; });
    usedRollups_ = true;
    return data;
  }

  StepSeries emptySeries(Labels labels) const {
    StepSeries s;
    s.labels = std::move(labels);
    s.v.assign(ts_.size(), 0);
    s.has.assign(ts_.size(), 0);
    return s;
  }

  // Instant selector: the latest sample in [t - offset - lookback, t - offset].
  Result<StepValue> selectVector(const Expr& e) {
    std::int64_t lookback = options_.lookbackDeltaMs;
    PHAROS_ASSIGN_OR_RETURN(
        auto data, selectRaw(e, ts_.front() - e.offsetMs - lookback, ts_.back() - e.offsetMs));
    StepValue out;
    out.type = ValueType::kVector;
    for (auto& series : data) {
      const auto& samples = series.samples;
      StepSeries s = emptySeries(std::move(series.labels));
      std::size_t j = 0;
      for (std::size_t i = 0; i < ts_.size(); ++i) {
        std::int64_t ref = ts_[i] - e.offsetMs;
        while (j < samples.size() && samples[j].t <= ref)
          ++j;
        if (j == 0) continue;
        const Sample& latest = samples[j - 1];
        if (latest.t < ref - lookback || isStaleMarker(latest.v)) continue;
        s.v[i] = latest.v;
        s.has[i] = 1;
      }
      std::vector<Sample>().swap(series.samples);
      if (hasValues(s)) out.series.push_back(std::move(s));
    }
    return out;
  }

  // Instant selector from rollups: `last` of the latest complete bucket that ended within
  // max(lookback, resolution) before the step.
  Result<StepValue> selectVectorRollup(const Expr& e) {
    std::int64_t r = *rollup_;
    std::int64_t reach = std::max(options_.lookbackDeltaMs, r);
    PHAROS_ASSIGN_OR_RETURN(auto data, selectRollups(e, ts_.front() - e.offsetMs - reach - r,
                                                     ts_.back() - e.offsetMs - r));
    StepValue out;
    out.type = ValueType::kVector;
    for (auto& series : data) {
      const auto& points = series.points;
      StepSeries s = emptySeries(std::move(series.labels));
      std::size_t j = 0;
      for (std::size_t i = 0; i < ts_.size(); ++i) {
        std::int64_t ref = ts_[i] - e.offsetMs;
        while (j < points.size() && points[j].t + r <= ref)
          ++j;
        for (std::size_t k = j; k > 0; --k) {
          const RollupPoint& p = points[k - 1];
          if (p.t + r < ref - reach) break;
          if (p.count == 0) continue;
          s.v[i] = p.last;
          s.has[i] = 1;
          break;
        }
      }
      if (hasValues(s)) out.series.push_back(std::move(s));
    }
    return out;
  }

  Result<StepValue> evalUnary(const Expr& e) {
    PHAROS_ASSIGN_OR_RETURN(StepValue v, eval(*e.args[0]));
    if (v.type == ValueType::kScalar) {
      for (double& x : v.scalar)
        x = -x;
      return v;
    }
    for (auto& s : v.series) {
      for (double& x : s.v)
        x = -x;
      s.labels = s.labels.without(Labels::kMetricName);
    }
    PHAROS_ASSIGN_OR_RETURN(v.series, mergeSameLabels(std::move(v.series), kDuplicateLabelset));
    return v;
  }

  Result<StepValue> evalCall(const Expr& e) {
    Function f = e.function->function;
    StepValue out;
    if (f == Function::kTime) {
      for (auto t : ts_)
        out.scalar.push_back(static_cast<double>(t) / 1000);
      return out;
    }
    if (isRangeFunction(f)) return evalRangeFunction(e);
    if (f == Function::kHistogramQuantile) return evalHistogramQuantile(e);
    // The remaining functions take one evaluated argument and maybe a scalar.
    PHAROS_ASSIGN_OR_RETURN(StepValue arg, eval(*e.args[0]));
    if (f == Function::kVector) {
      out.type = ValueType::kVector;
      StepSeries s = emptySeries(Labels());
      s.v = arg.scalar;
      s.has.assign(ts_.size(), 1);
      out.series.push_back(std::move(s));
      return out;
    }
    if (f == Function::kScalar) {
      out.scalar.assign(ts_.size(), kNaN);
      for (std::size_t i = 0; i < ts_.size(); ++i) {
        int present = 0;
        for (const auto& s : arg.series) {
          if (!s.has[i]) continue;
          ++present;
          out.scalar[i] = s.v[i];
        }
        if (present != 1) out.scalar[i] = kNaN;
      }
      return out;
    }
    std::vector<double> param;
    if (e.args.size() > 1) {
      PHAROS_ASSIGN_OR_RETURN(StepValue p, eval(*e.args[1]));
      param = std::move(p.scalar);
    } else {
      param.assign(ts_.size(), 1);  // round's default: to the nearest integer
    }
    for (auto& s : arg.series) {
      for (std::size_t i = 0; i < ts_.size(); ++i) {
        if (!s.has[i]) continue;
        double& x = s.v[i];
        switch (f) {
          case Function::kAbs:
            x = std::fabs(x);
            break;
          case Function::kCeil:
            x = std::ceil(x);
            break;
          case Function::kFloor:
            x = std::floor(x);
            break;
          case Function::kRound: {
            double inverse = 1.0 / param[i];
            x = std::floor(x * inverse + 0.5) / inverse;
            break;
          }
          case Function::kClampMin:
            x = goMax(x, param[i]);
            break;
          case Function::kClampMax:
            x = goMin(x, param[i]);
            break;
          default:
            break;
        }
      }
      s.labels = s.labels.without(Labels::kMetricName);
    }
    PHAROS_ASSIGN_OR_RETURN(arg.series, mergeSameLabels(std::move(arg.series), kDuplicateLabelset));
    return arg;
  }

  Result<StepValue> evalHistogramQuantile(const Expr& e) {
    PHAROS_ASSIGN_OR_RETURN(StepValue phi, eval(*e.args[0]));
    PHAROS_ASSIGN_OR_RETURN(StepValue in, eval(*e.args[1]));
    // Buckets group by every label but `le` (the metric name included, as in 2.42); the
    // output drops `le` and the name.
    std::unordered_map<Labels, std::size_t, LabelsHash> groupOf;
    std::vector<Labels> groupLabels;
    std::vector<std::pair<std::size_t, double>> members;  // (group, upper bound) per series
    std::vector<std::size_t> memberSeries;
    for (std::size_t k = 0; k < in.series.size(); ++k) {
      const Labels& labels = in.series[k].labels;
      std::string_view le = labels.get("le");
      auto bound = parseGoFloat(le);
      if (!bound) continue;  // no or malformed `le`: skipped, like Prometheus
      auto [it, inserted] = groupOf.try_emplace(labels.without("le"), groupLabels.size());
      if (inserted) groupLabels.push_back(labels.without("le").without(Labels::kMetricName));
      members.emplace_back(it->second, *bound);
      memberSeries.push_back(k);
    }
    StepValue out;
    out.type = ValueType::kVector;
    for (auto& labels : groupLabels)
      out.series.push_back(emptySeries(labels));
    std::vector<std::vector<Bucket>> buckets(groupLabels.size());
    for (std::size_t i = 0; i < ts_.size(); ++i) {
      for (auto& b : buckets)
        b.clear();
      for (std::size_t m = 0; m < members.size(); ++m) {
        const StepSeries& s = in.series[memberSeries[m]];
        if (s.has[i]) buckets[members[m].first].push_back(Bucket{members[m].second, s.v[i]});
      }
      for (std::size_t g = 0; g < buckets.size(); ++g) {
        if (buckets[g].empty()) continue;
        out.series[g].v[i] = bucketQuantile(phi.scalar[i], buckets[g]);
        out.series[g].has[i] = 1;
      }
    }
    PHAROS_ASSIGN_OR_RETURN(out.series, mergeSameLabels(std::move(out.series), kDuplicateLabelset));
    return out;
  }

  // Go's strconv.ParseFloat for `le` values: decimal, "+Inf", "-Inf", "Inf", "NaN"
  // (any case).
  static std::optional<double> parseGoFloat(std::string_view s) {
    if (s.empty()) return std::nullopt;
    std::string_view body = s;
    bool negative = false;
    if (body[0] == '+' || body[0] == '-') {
      negative = body[0] == '-';
      body.remove_prefix(1);
    }
    std::string lower;
    for (char c : body)
      lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    double v = 0;
    if (lower == "inf" || lower == "infinity") {
      v = std::numeric_limits<double>::infinity();
    } else if (lower == "nan") {
      v = kNaN;
    } else {
      if (body.empty() || body[0] == '+' || body[0] == '-') return std::nullopt;
      auto r = std::from_chars(body.data(), body.data() + body.size(), v);
      if (r.ec != std::errc() || r.ptr != body.data() + body.size()) return std::nullopt;
      if (lower.find("inf") != std::string::npos || lower.find("nan") != std::string::npos) {
        return std::nullopt;
      }
    }
    return negative ? -v : v;
  }

  Result<StepValue> evalRangeFunction(const Expr& e) {
    Function f = e.function->function;
    const Expr& sel = *e.args.back();
    std::vector<double> phi;
    if (f == Function::kQuantileOverTime) {
      PHAROS_ASSIGN_OR_RETURN(StepValue p, eval(*e.args[0]));
      phi = std::move(p.scalar);
    }
    StepValue out;
    out.type = ValueType::kVector;
    if (rollup_ && rollupCanAnswer(f) && sel.rangeMs % *rollup_ == 0) {
      PHAROS_ASSIGN_OR_RETURN(out.series, rangeFromRollups(f, sel, phi));
    } else {
      PHAROS_ASSIGN_OR_RETURN(out.series, rangeFromRaw(f, sel, phi));
    }
    if (f != Function::kLastOverTime) {
      for (auto& s : out.series)
        s.labels = s.labels.without(Labels::kMetricName);
    }
    PHAROS_ASSIGN_OR_RETURN(out.series, mergeSameLabels(std::move(out.series), kDuplicateLabelset));
    return out;
  }

  // Windows [t - offset - range, t - offset], both ends closed as in Prometheus 2.x, walked
  // with two indices so each series costs O(samples + steps).
  Result<std::vector<StepSeries>> rangeFromRaw(Function f, const Expr& sel,
                                               const std::vector<double>& phi) {
    std::int64_t range = sel.rangeMs;
    PHAROS_ASSIGN_OR_RETURN(
        auto data, selectRaw(sel, ts_.front() - sel.offsetMs - range, ts_.back() - sel.offsetMs));
    bool counter = f == Function::kRate || f == Function::kIncrease;
    bool extrapolated = counter || f == Function::kDelta;
    std::vector<StepSeries> out;
    std::vector<std::size_t> resets;
    std::vector<double> scratch;
    for (auto& series : data) {
      auto& samples = series.samples;
      std::erase_if(samples, [](const Sample& s) { return isStaleMarker(s.v); });
      resets.clear();
      if (counter) {
        for (std::size_t k = 1; k < samples.size(); ++k) {
          if (samples[k].v < samples[k - 1].v) resets.push_back(k);
        }
      }
      StepSeries s = emptySeries(std::move(series.labels));
      std::size_t lo = 0;
      std::size_t hi = 0;
      std::size_t resetFrom = 0;
      for (std::size_t i = 0; i < ts_.size(); ++i) {
        std::int64_t end = ts_[i] - sel.offsetMs;
        std::int64_t start = end - range;
        while (hi < samples.size() && samples[hi].t <= end)
          ++hi;
        while (lo < hi && samples[lo].t < start)
          ++lo;
        if (lo >= hi) continue;
        std::span<const Sample> window(samples.data() + lo, hi - lo);
        std::optional<double> v;
        if (extrapolated) {
          if (window.size() < 2) continue;
          double delta = window.back().v - window.front().v;
          if (counter) {
            while (resetFrom < resets.size() && resets[resetFrom] <= lo)
              ++resetFrom;
            for (std::size_t k = resetFrom; k < resets.size() && resets[k] < hi; ++k)
              delta += samples[resets[k] - 1].v;
          }
          v = extrapolate(delta, window.front(), window.back(), window.size(), start, end, range,
                          counter, f == Function::kRate);
        } else {
          v = reduceWindow(f, window, phi.empty() ? 0 : phi[i], scratch);
        }
        if (!v) continue;
        s.v[i] = *v;
        s.has[i] = 1;
      }
      // Freed as we go, so the next series' step values reuse the memory instead of
      // faulting in fresh pages.
      std::vector<Sample>().swap(samples);
      if (hasValues(s)) out.push_back(std::move(s));
    }
    return out;
  }

  static std::optional<double> reduceWindow(Function f, std::span<const Sample> window, double phi,
                                            std::vector<double>& scratch) {
    switch (f) {
      case Function::kIrate:
        return instantRate(window);
      case Function::kAvgOverTime:
        return avgOverTime(window);
      case Function::kSumOverTime:
        return sumOverTime(window);
      case Function::kMinOverTime:
        return minOverTime(window);
      case Function::kMaxOverTime:
        return maxOverTime(window);
      case Function::kCountOverTime:
        return static_cast<double>(window.size());
      case Function::kLastOverTime:
        return window.back().v;
      case Function::kQuantileOverTime:
        scratch.clear();
        for (const auto& x : window)
          scratch.push_back(x.v);
        return quantile(phi, scratch);
      default:
        return std::nullopt;
    }
  }

  // Windows of whole buckets: those starting at or after t - offset - range whose end is at
  // or before t - offset.
  Result<std::vector<StepSeries>> rangeFromRollups(Function f, const Expr& sel,
                                                   const std::vector<double>& phi) {
    std::int64_t r = *rollup_;
    std::int64_t range = sel.rangeMs;
    PHAROS_ASSIGN_OR_RETURN(auto data, selectRollups(sel, ts_.front() - sel.offsetMs - range,
                                                     ts_.back() - sel.offsetMs - r));
    std::vector<StepSeries> out;
    for (auto& series : data) {
      const auto& points = series.points;
      StepSeries s = emptySeries(std::move(series.labels));
      std::size_t lo = 0;
      std::size_t hi = 0;
      for (std::size_t i = 0; i < ts_.size(); ++i) {
        std::int64_t end = ts_[i] - sel.offsetMs;
        while (hi < points.size() && points[hi].t + r <= end)
          ++hi;
        while (lo < hi && points[lo].t < end - range)
          ++lo;
        if (lo >= hi) continue;
        auto v = reduceBuckets(f, std::span<const RollupPoint>(points.data() + lo, hi - lo), range,
                               phi.empty() ? 0 : phi[i]);
        if (!v) continue;
        s.v[i] = *v;
        s.has[i] = 1;
      }
      if (hasValues(s)) out.push_back(std::move(s));
    }
    return out;
  }

  static std::optional<double> reduceBuckets(Function f, std::span<const RollupPoint> buckets,
                                             std::int64_t range, double phi) {
    std::uint64_t count = 0;
    double sum = 0;
    double increase = 0;
    double min = kNaN;
    double max = kNaN;
    const RollupPoint* last = nullptr;
    QuantileSketch sketch;
    for (const auto& b : buckets) {
      if (b.count == 0) continue;
      count += b.count;
      sum += b.sum;
      increase += b.increase;
      if (std::isnan(min) || b.min < min) min = b.min;
      if (std::isnan(max) || b.max > max) max = b.max;
      last = &b;
      if (f == Function::kQuantileOverTime) sketch.merge(b.sketch);
    }
    if (count == 0) return std::nullopt;
    switch (f) {
      case Function::kRate:
        return increase / (static_cast<double>(range) / 1000);
      case Function::kIncrease:
        return increase;
      case Function::kAvgOverTime:
        return sum / static_cast<double>(count);
      case Function::kSumOverTime:
        return sum;
      case Function::kMinOverTime:
        return min;
      case Function::kMaxOverTime:
        return max;
      case Function::kCountOverTime:
        return static_cast<double>(count);
      case Function::kLastOverTime:
        return last->last;
      case Function::kQuantileOverTime:
        return sketch.quantile(phi);
      default:
        return std::nullopt;
    }
  }

  Result<StepValue> evalAggregate(const Expr& e) {
    PHAROS_ASSIGN_OR_RETURN(StepValue in, eval(*e.args[0]));
    struct Group {
      StepSeries series;  // v: the running value
      std::vector<double> mean;
      std::vector<double> count;
    };
    std::unordered_map<Labels, std::size_t, LabelsHash> groupOf;
    std::vector<Group> groups;
    std::size_t n = ts_.size();
    AggregateOp op = e.aggregateOp;
    for (auto& s : in.series) {
      Labels key = e.without ? s.labels.dropping(e.grouping) : s.labels.keepOnly(e.grouping);
      auto [it, inserted] = groupOf.try_emplace(key, groups.size());
      if (inserted) {
        Group g;
        g.series = emptySeries(std::move(key));
        g.mean.assign(n, 0);
        g.count.assign(n, 0);
        groups.push_back(std::move(g));
      }
      Group& g = groups[it->second];
      for (std::size_t i = 0; i < n; ++i) {
        if (!s.has[i]) continue;
        double v = s.v[i];
        double& value = g.series.v[i];
        if (!g.series.has[i]) {
          g.series.has[i] = 1;
          value = v;
          g.mean[i] = v;
          g.count[i] = 1;
          continue;
        }
        g.count[i] += 1;
        switch (op) {
          case AggregateOp::kSum:
            value += v;
            break;
          case AggregateOp::kAvg: {
            double& mean = g.mean[i];
            if (std::isinf(mean)) {
              if (std::isinf(v) && (mean > 0) == (v > 0)) break;
              if (!std::isinf(v) && !std::isnan(v)) break;
            }
            // Dividing each term first avoids overflowing float64, as Prometheus does.
            mean += v / g.count[i] - mean / g.count[i];
            break;
          }
          case AggregateOp::kMax:
            if (value < v || std::isnan(value)) value = v;
            break;
          case AggregateOp::kMin:
            if (value > v || std::isnan(value)) value = v;
            break;
          case AggregateOp::kCount:
            break;
        }
      }
      std::vector<double>().swap(s.v);  // as in rangeFromRaw: let later series reuse it
      std::vector<std::uint8_t>().swap(s.has);
    }
    StepValue out;
    out.type = ValueType::kVector;
    for (auto& g : groups) {
      if (op == AggregateOp::kAvg) g.series.v = g.mean;
      if (op == AggregateOp::kCount) g.series.v = g.count;
      out.series.push_back(std::move(g.series));
    }
    return out;
  }

  Queryable& q_;
  EvalOptions options_;
  std::vector<std::int64_t> ts_;
  std::optional<std::int64_t> rollup_;
  bool usedRollups_ = false;
  std::uint64_t loaded_ = 0;
};

const Expr& unwrapParens(const Expr& e) {
  const Expr* p = &e;
  while (p->kind == Expr::Kind::kParen)
    p = p->args[0].get();
  return *p;
}

void sortSeries(std::vector<ResultSeries>& series) {
  std::sort(series.begin(), series.end(),
            [](const ResultSeries& a, const ResultSeries& b) { return a.labels < b.labels; });
}

// Query times and the lookback are bounded so that, with the parser's bound on ranges and
// offsets, no time arithmetic can overflow.
constexpr std::int64_t kMaxAbsTimeMs = std::int64_t{1} << 60;

Status checkTimes(std::int64_t a, std::int64_t b, const EvalOptions& options) {
  auto out = [](std::int64_t t) { return t > kMaxAbsTimeMs || t < -kMaxAbsTimeMs; };
  if (out(a) || out(b) || options.lookbackDeltaMs < 0 || out(options.lookbackDeltaMs)) {
    return makeError(ErrorCode::kInvalidArgument, "query time or lookback delta out of range");
  }
  return okStatus();
}

}  // namespace

Result<QueryResult> evaluateInstant(Queryable& queryable, const Expr& expr, std::int64_t timeMs,
                                    const EvalOptions& options) {
  PHAROS_TRY(checkTimes(timeMs, timeMs, options));
  Evaluator ev(queryable, options, {timeMs});
  ev.chooseResolution(expr, 0);
  QueryResult result;
  result.time = timeMs;
  const Expr& root = unwrapParens(expr);
  if (root.kind == Expr::Kind::kMatrixSelector) {
    PHAROS_ASSIGN_OR_RETURN(auto data, ev.rawRange(root));
    result.type = QueryResult::Type::kMatrix;
    for (auto& s : data) {
      ResultSeries out{std::move(s.labels), {}};
      out.points.reserve(s.samples.size());
      for (const auto& x : s.samples)
        out.points.push_back(Point{x.t, x.v});
      result.series.push_back(std::move(out));
    }
    sortSeries(result.series);
    return result;
  }
  PHAROS_ASSIGN_OR_RETURN(StepValue v, ev.eval(expr));
  result.warnings = ev.warnings();
  switch (v.type) {
    case ValueType::kString:
      result.type = QueryResult::Type::kString;
      result.text = std::move(v.text);
      return result;
    case ValueType::kScalar:
      result.type = QueryResult::Type::kScalar;
      result.series.push_back(ResultSeries{Labels(), {Point{timeMs, v.scalar[0]}}});
      return result;
    case ValueType::kVector:
    case ValueType::kMatrix:
      break;
  }
  result.type = QueryResult::Type::kVector;
  for (auto& s : v.series) {
    if (s.has[0]) result.series.push_back(ResultSeries{std::move(s.labels), {{timeMs, s.v[0]}}});
  }
  sortSeries(result.series);
  return result;
}

Result<QueryResult> evaluateRange(Queryable& queryable, const Expr& expr, std::int64_t startMs,
                                  std::int64_t endMs, std::int64_t stepMs,
                                  const EvalOptions& options) {
  if (stepMs <= 0) {
    return makeError(ErrorCode::kInvalidArgument,
                     "zero or negative query resolution step widths are not accepted. Try a "
                     "positive integer");
  }
  PHAROS_TRY(checkTimes(startMs, endMs, options));
  if (endMs < startMs) {
    return makeError(ErrorCode::kInvalidArgument, "end timestamp must not be before start time");
  }
  std::int64_t span = 0;
  if (__builtin_sub_overflow(endMs, startMs, &span) || span / stepMs > options.maxSteps) {
    return makeError(ErrorCode::kInvalidArgument,
                     "exceeded maximum resolution of " + std::to_string(options.maxSteps) +
                         " points per timeseries. Try decreasing the query resolution (?step=XX)");
  }
  ValueType type = expr.type();
  if (type != ValueType::kScalar && type != ValueType::kVector) {
    return makeError(ErrorCode::kInvalidArgument,
                     "invalid expression type \"" + std::string(valueTypeName(type)) +
                         "\" for range query, must be Scalar or instant Vector");
  }
  std::vector<std::int64_t> steps;
  std::size_t count = static_cast<std::size_t>(span / stepMs) + 1;
  steps.reserve(count);
  for (std::size_t i = 0; i < count; ++i)
    steps.push_back(startMs + static_cast<std::int64_t>(i) * stepMs);
  Evaluator ev(queryable, options, std::move(steps));
  ev.chooseResolution(expr, stepMs);
  PHAROS_ASSIGN_OR_RETURN(StepValue v, ev.eval(expr));
  QueryResult result;
  result.type = QueryResult::Type::kMatrix;
  result.warnings = ev.warnings();
  auto stepTime = [&](std::size_t i) { return startMs + static_cast<std::int64_t>(i) * stepMs; };
  if (v.type == ValueType::kScalar) {
    ResultSeries s;
    for (std::size_t i = 0; i < v.scalar.size(); ++i)
      s.points.push_back(Point{stepTime(i), v.scalar[i]});
    result.series.push_back(std::move(s));
    return result;
  }
  for (auto& s : v.series) {
    ResultSeries out{std::move(s.labels), {}};
    for (std::size_t i = 0; i < s.has.size(); ++i) {
      if (s.has[i]) out.points.push_back(Point{stepTime(i), s.v[i]});
    }
    if (!out.points.empty()) result.series.push_back(std::move(out));
  }
  sortSeries(result.series);
  return result;
}

}  // namespace pharos::promql
