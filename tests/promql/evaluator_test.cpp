#include "promql/evaluator.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <map>
#include <random>

#include "eval_test_util.h"

namespace pharos::promql {
namespace {

constexpr std::int64_t kS = 1000;
constexpr std::int64_t kM = 60 * kS;

std::vector<Sample> every15s(std::int64_t from, std::int64_t to, double start, double step) {
  std::vector<Sample> out;
  double v = start;
  for (std::int64_t t = from; t <= to; t += 15 * kS, v += step)
    out.push_back({t, v});
  return out;
}

class EvaluatorTest : public ::testing::Test {
 protected:
  fakes::MemoryQueryable db;
};

TEST_F(EvaluatorTest, InstantSelectorLooksBackFiveMinutesInclusive) {
  db.add(Labels{{"__name__", "x"}}, {{0, 1}});
  EXPECT_EQ(show(instantQuery(db, "x", 5 * kM)), "x{} => 1");  // exactly t - 5m
  EXPECT_EQ(show(instantQuery(db, "x", 5 * kM + 1)), "");
  EXPECT_EQ(show(instantQuery(db, "x", -1)), "");  // the sample is in the future
  EvalOptions shortLookback;
  shortLookback.lookbackDeltaMs = kM;
  EXPECT_EQ(show(instantQuery(db, "x", 2 * kM, shortLookback)), "");
}

TEST_F(EvaluatorTest, InstantSelectorTakesTheLatestSampleAtOrBeforeT) {
  db.add(Labels{{"__name__", "x"}}, {{0, 1}, {10 * kS, 2}, {20 * kS, 3}});
  EXPECT_EQ(show(instantQuery(db, "x", 10 * kS)), "x{} => 2");
  EXPECT_EQ(show(instantQuery(db, "x", 19 * kS)), "x{} => 2");
  EXPECT_EQ(show(instantQuery(db, "x offset 10s", 20 * kS)), "x{} => 2");
  EXPECT_EQ(show(instantQuery(db, "x offset -10s", 10 * kS)), "x{} => 3");
}

TEST_F(EvaluatorTest, StaleMarkersEndASeries) {
  double stale = std::bit_cast<double>(0x7ff0000000000002ull);
  db.add(Labels{{"__name__", "x"}}, {{0, 1}, {10 * kS, stale}});
  EXPECT_EQ(show(instantQuery(db, "x", 5 * kS)), "x{} => 1");
  EXPECT_EQ(show(instantQuery(db, "x", 15 * kS)), "");
  EXPECT_EQ(show(instantQuery(db, "count_over_time(x[1m])", 15 * kS)), "{} => 1");
}

TEST_F(EvaluatorTest, RangeWindowsAreClosedAtBothEnds) {
  db.add(Labels{{"__name__", "x"}}, every15s(0, 2 * kM, 1, 1));
  EXPECT_EQ(show(instantQuery(db, "count_over_time(x[1m])", kM)), "{} => 5");
  EXPECT_EQ(show(instantQuery(db, "count_over_time(x[1m])", kM + 1)), "{} => 4");
  EXPECT_EQ(show(instantQuery(db, "sum_over_time(x[1m] offset 1m)", 2 * kM)), "{} => 15");
  EXPECT_EQ(show(instantQuery(db, "last_over_time(x[1m])", 100 * kS)), "x{} => 7");
}

TEST_F(EvaluatorTest, RateWithResetsAndExtrapolation) {
  db.add(Labels{{"__name__", "req_total"}, {"job", "api"}},
         {{0, 5}, {15 * kS, 10}, {30 * kS, 2}, {45 * kS, 6}, {60 * kS, 9}});
  EXPECT_EQ(show(instantQuery(db, "increase(req_total[1m])", kM)), "{job=\"api\"} => 14");
  EXPECT_EQ(show(instantQuery(db, "rate(req_total[1m])", kM)), "{job=\"api\"} => 0.2333333333");
  EXPECT_EQ(show(instantQuery(db, "delta(req_total[1m])", kM)), "{job=\"api\"} => 4");
  EXPECT_EQ(show(instantQuery(db, "irate(req_total[1m])", kM)), "{job=\"api\"} => 0.2");
  // Window [15 s, 75 s]: 10, 2, 6, 9 -> 9 - 10 + 10 = 9 over 45 s sampled; the start gap is 0,
  // the end gap 15 s < 16.5 s, so extrapolated to 60 s: 9 * 60/45 = 12.
  EXPECT_EQ(show(instantQuery(db, "increase(req_total[1m])", 75 * kS)), "{job=\"api\"} => 12");
  // Only one sample in the window: no result.
  EXPECT_EQ(show(instantQuery(db, "rate(req_total[10s])", kM)), "");
}

TEST_F(EvaluatorTest, CounterZeroClampingInTheEvaluator) {
  db.add(Labels{{"__name__", "c"}}, {{30 * kS, 1}, {45 * kS, 11}, {60 * kS, 21}});
  EXPECT_EQ(show(instantQuery(db, "increase(c[1m])", kM)), "{} => 21");
  EXPECT_EQ(show(instantQuery(db, "delta(c[1m])", kM)), "{} => 25");
}

TEST_F(EvaluatorTest, OverTimeFunctions) {
  db.add(Labels{{"__name__", "g"}}, {{0, 4}, {15 * kS, 1}, {30 * kS, 3}, {45 * kS, 2}});
  EXPECT_EQ(show(instantQuery(db, "avg_over_time(g[1m])", 45 * kS)), "{} => 2.5");
  EXPECT_EQ(show(instantQuery(db, "min_over_time(g[1m])", 45 * kS)), "{} => 1");
  EXPECT_EQ(show(instantQuery(db, "max_over_time(g[1m])", 45 * kS)), "{} => 4");
  EXPECT_EQ(show(instantQuery(db, "quantile_over_time(0.5, g[1m])", 45 * kS)), "{} => 2.5");
  EXPECT_EQ(show(instantQuery(db, "quantile_over_time(0.25, g[1m])", 45 * kS)), "{} => 1.75");
  EXPECT_EQ(show(instantQuery(db, "quantile_over_time(2, g[1m])", 45 * kS)), "{} => inf");
}

TEST_F(EvaluatorTest, HistogramQuantile) {
  auto bucket = [&](const char* le, double v) {
    db.add(Labels{{"__name__", "lat_bucket"}, {"job", "api"}, {"le", le}}, {{0, v}});
  };
  bucket("0.1", 10);
  bucket("0.5", 30);
  bucket("1", 40);
  bucket("+Inf", 50);
  EXPECT_EQ(show(instantQuery(db, "histogram_quantile(0.5, lat_bucket)", 0)),
            "{job=\"api\"} => 0.4");
  EXPECT_EQ(show(instantQuery(db, "histogram_quantile(0.99, lat_bucket)", 0)),
            "{job=\"api\"} => 1");
  EXPECT_EQ(show(instantQuery(db, "histogram_quantile(0.5, sum by (le) (lat_bucket))", 0)),
            "{} => 0.4");
  // Without a +Inf bucket the answer is NaN; a series without `le` is ignored.
  db.add(Labels{{"__name__", "lat_bucket"}, {"job", "web"}, {"le", "1"}}, {{0, 3}});
  db.add(Labels{{"__name__", "lat_bucket"}, {"job", "db"}}, {{0, 3}});
  EXPECT_EQ(show(instantQuery(db, "histogram_quantile(0.5, lat_bucket)", 0)),
            "{job=\"api\"} => 0.4; {job=\"web\"} => nan");
}

TEST_F(EvaluatorTest, Aggregations) {
  db.add(Labels{{"__name__", "x"}, {"job", "a"}, {"inst", "1"}}, {{0, 1}});
  db.add(Labels{{"__name__", "x"}, {"job", "a"}, {"inst", "2"}}, {{0, 2}});
  db.add(Labels{{"__name__", "x"}, {"job", "b"}, {"inst", "3"}}, {{0, 5}});
  EXPECT_EQ(show(instantQuery(db, "sum by (job) (x)", 0)), "{job=\"a\"} => 3; {job=\"b\"} => 5");
  EXPECT_EQ(show(instantQuery(db, "sum(x) by (job)", 0)), "{job=\"a\"} => 3; {job=\"b\"} => 5");
  EXPECT_EQ(show(instantQuery(db, "avg by (job) (x)", 0)), "{job=\"a\"} => 1.5; {job=\"b\"} => 5");
  EXPECT_EQ(show(instantQuery(db, "count without (inst) (x)", 0)),
            "{job=\"a\"} => 2; {job=\"b\"} => 1");
  EXPECT_EQ(show(instantQuery(db, "min(x)", 0)), "{} => 1");
  EXPECT_EQ(show(instantQuery(db, "max(x)", 0)), "{} => 5");
  EXPECT_EQ(show(instantQuery(db, "sum(x)", 0)), "{} => 8");
  EXPECT_EQ(show(instantQuery(db, "sum by (__name__) (x)", 0)), "x{} => 8");
  EXPECT_EQ(show(instantQuery(db, "sum by (nope) (x)", 0)), "{} => 8");
  EXPECT_EQ(show(instantQuery(db, "sum(nothing)", 0)), "");
}

TEST_F(EvaluatorTest, AvgDoesNotOverflow) {
  db.add(Labels{{"__name__", "x"}, {"i", "1"}}, {{0, 1e308}});
  db.add(Labels{{"__name__", "x"}, {"i", "2"}}, {{0, 1e308}});
  EXPECT_EQ(show(instantQuery(db, "avg(x)", 0)), "{} => 1e+308");
  EXPECT_EQ(show(instantQuery(db, "sum(x)", 0)), "{} => inf");
}

TEST_F(EvaluatorTest, ScalarAndVectorArithmetic) {
  db.add(Labels{{"__name__", "x"}, {"job", "a"}}, {{0, 2}});
  db.add(Labels{{"__name__", "x"}, {"job", "b"}}, {{0, 7}});
  EXPECT_EQ(show(instantQuery(db, "x * 2", 0)), "{job=\"a\"} => 4; {job=\"b\"} => 14");
  EXPECT_EQ(show(instantQuery(db, "10 - x", 0)), "{job=\"a\"} => 8; {job=\"b\"} => 3");
  EXPECT_EQ(show(instantQuery(db, "x % 4", 0)), "{job=\"a\"} => 2; {job=\"b\"} => 3");
  EXPECT_EQ(show(instantQuery(db, "2 ^ 3 ^ 2", 0)), "{} => 512");
  EXPECT_EQ(show(instantQuery(db, "-x", 0)), "{job=\"a\"} => -2; {job=\"b\"} => -7");
  // Comparisons filter and keep the name; the vector's value passes even from the right.
  EXPECT_EQ(show(instantQuery(db, "x > 5", 0)), "x{job=\"b\"} => 7");
  EXPECT_EQ(show(instantQuery(db, "5 > x", 0)), "x{job=\"a\"} => 2");
  EXPECT_EQ(show(instantQuery(db, "x > bool 5", 0)), "{job=\"a\"} => 0; {job=\"b\"} => 1");
  auto scalar = instantQuery(db, "1 < bool 2", 0);
  ASSERT_TRUE(scalar.ok());
  EXPECT_EQ(scalar->type, QueryResult::Type::kScalar);
  EXPECT_EQ(show(scalar), "{} => 1");
  EXPECT_EQ(show(instantQuery(db, "x / 0", 0)), "{job=\"a\"} => inf; {job=\"b\"} => inf");
}

TEST_F(EvaluatorTest, OneToOneVectorMatching) {
  db.add(Labels{{"__name__", "err"}, {"job", "a"}, {"code", "500"}}, {{0, 2}});
  db.add(Labels{{"__name__", "err"}, {"job", "b"}, {"code", "500"}}, {{0, 3}});
  db.add(Labels{{"__name__", "req"}, {"job", "a"}, {"code", "500"}}, {{0, 10}});
  db.add(Labels{{"__name__", "req"}, {"job", "c"}, {"code", "500"}}, {{0, 30}});
  db.add(Labels{{"__name__", "tot"}, {"job", "a"}}, {{0, 100}});
  db.add(Labels{{"__name__", "tot"}, {"job", "b"}}, {{0, 200}});
  EXPECT_EQ(show(instantQuery(db, "err / req", 0)), "{code=\"500\",job=\"a\"} => 0.2");
  EXPECT_EQ(show(instantQuery(db, "err / on(job) tot", 0)),
            "{job=\"a\"} => 0.02; {job=\"b\"} => 0.015");
  EXPECT_EQ(show(instantQuery(db, "err / ignoring(code) tot", 0)),
            "{job=\"a\"} => 0.02; {job=\"b\"} => 0.015");
  // A comparison keeps the left side's labels, name included.
  EXPECT_EQ(show(instantQuery(db, "err < ignoring(code) tot", 0)),
            "err{job=\"a\"} => 2; err{job=\"b\"} => 3");
  EXPECT_EQ(show(instantQuery(db, "err == bool ignoring(code) tot", 0)),
            "{job=\"a\"} => 0; {job=\"b\"} => 0");
  // Two right-hand series for one match group: many-to-many.
  auto dup = instantQuery(db, "tot / on(code) err", 0);
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("many-to-many matching not allowed"), std::string::npos)
      << dup.error().message;
  // Two left-hand series matching one right-hand one: must be group_left in Prometheus.
  db.add(Labels{{"__name__", "one"}, {"code", "500"}}, {{0, 1}});
  auto many = instantQuery(db, "err / on(code) one", 0);
  ASSERT_FALSE(many.ok());
  EXPECT_NE(many.error().message.find("multiple matches for labels"), std::string::npos);
}

TEST_F(EvaluatorTest, SetOperators) {
  db.add(Labels{{"__name__", "a"}, {"job", "1"}}, {{0, 1}});
  db.add(Labels{{"__name__", "a"}, {"job", "2"}}, {{0, 2}});
  db.add(Labels{{"__name__", "b"}, {"job", "2"}}, {{0, 20}});
  db.add(Labels{{"__name__", "b"}, {"job", "3"}}, {{0, 30}});
  EXPECT_EQ(show(instantQuery(db, "a and b", 0)), "a{job=\"2\"} => 2");
  EXPECT_EQ(show(instantQuery(db, "a unless b", 0)), "a{job=\"1\"} => 1");
  EXPECT_EQ(show(instantQuery(db, "a or b", 0)),
            "a{job=\"1\"} => 1; a{job=\"2\"} => 2; b{job=\"3\"} => 30");
  EXPECT_EQ(show(instantQuery(db, "a and on() b", 0)), "a{job=\"1\"} => 1; a{job=\"2\"} => 2");
  EXPECT_EQ(show(instantQuery(db, "a unless ignoring(job) b", 0)), "");
}

TEST_F(EvaluatorTest, DuplicateLabelsetsAfterDroppingTheNameAreAnError) {
  db.add(Labels{{"__name__", "a"}, {"job", "1"}}, {{0, 1}, {15 * kS, 2}});
  db.add(Labels{{"__name__", "b"}, {"job", "1"}}, {{0, 1}, {15 * kS, 2}});
  auto r = instantQuery(db, "rate({__name__=~\"a|b\"}[1m])", 15 * kS);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "vector cannot contain metrics with the same labelset");
  EXPECT_FALSE(instantQuery(db, "abs({job=\"1\"})", 0).ok());
  EXPECT_EQ(show(instantQuery(db, "last_over_time({job=\"1\"}[1m])", 15 * kS)),
            "a{job=\"1\"} => 2; b{job=\"1\"} => 2");
}

TEST_F(EvaluatorTest, MathFunctionsDropTheName) {
  db.add(Labels{{"__name__", "x"}, {"k", "1"}}, {{0, -2.5}});
  db.add(Labels{{"__name__", "x"}, {"k", "2"}}, {{0, 3.7}});
  EXPECT_EQ(show(instantQuery(db, "abs(x)", 0)), "{k=\"1\"} => 2.5; {k=\"2\"} => 3.7");
  EXPECT_EQ(show(instantQuery(db, "ceil(x)", 0)), "{k=\"1\"} => -2; {k=\"2\"} => 4");
  EXPECT_EQ(show(instantQuery(db, "floor(x)", 0)), "{k=\"1\"} => -3; {k=\"2\"} => 3");
  EXPECT_EQ(show(instantQuery(db, "round(x)", 0)), "{k=\"1\"} => -2; {k=\"2\"} => 4");
  EXPECT_EQ(show(instantQuery(db, "round(x, 0.5)", 0)), "{k=\"1\"} => -2.5; {k=\"2\"} => 3.5");
  EXPECT_EQ(show(instantQuery(db, "clamp_min(x, 0)", 0)), "{k=\"1\"} => 0; {k=\"2\"} => 3.7");
  EXPECT_EQ(show(instantQuery(db, "clamp_max(x, 0)", 0)), "{k=\"1\"} => -2.5; {k=\"2\"} => 0");
  EXPECT_EQ(show(instantQuery(db, "scalar(x)", 0)), "{} => nan");  // two series
  EXPECT_EQ(show(instantQuery(db, "scalar(x{k=\"2\"})", 0)), "{} => 3.7");
  EXPECT_EQ(show(instantQuery(db, "vector(time())", 90 * kS)), "{} => 90");
}

TEST_F(EvaluatorTest, ResultTypes) {
  db.add(Labels{{"__name__", "x"}}, every15s(0, kM, 1, 1));
  auto m = instantQuery(db, "x[30s]", kM);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->type, QueryResult::Type::kMatrix);
  EXPECT_EQ(show(m), "x{} => 3 4 5");
  EXPECT_EQ(m->series[0].points[0].t, 30 * kS);
  auto s = instantQuery(db, "\"hello\"", kM);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->type, QueryResult::Type::kString);
  EXPECT_EQ(s->text, "hello");
  auto scalarRange = rangeQuery(db, "time()", 0, 30 * kS, 15 * kS);
  ASSERT_TRUE(scalarRange.ok());
  EXPECT_EQ(scalarRange->type, QueryResult::Type::kMatrix);
  EXPECT_EQ(show(scalarRange), "{} => 0 15 30");
  auto bad = rangeQuery(db, "x[1m]", 0, kM, 15 * kS);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("invalid expression type \"range vector\""),
            std::string::npos);
}

TEST_F(EvaluatorTest, ResultsAreSortedByLabels) {
  for (const char* job : {"c", "a", "b"})
    db.add(Labels{{"__name__", "x"}, {"job", job}}, {{0, 1}});
  EXPECT_EQ(show(instantQuery(db, "x", 0)),
            "x{job=\"a\"} => 1; x{job=\"b\"} => 1; "
            "x{job=\"c\"} => 1");
}

TEST_F(EvaluatorTest, LimitsAreErrors) {
  db.add(Labels{{"__name__", "x"}}, every15s(0, 10 * kM, 1, 1));
  EvalOptions tight;
  tight.maxSamples = 10;
  auto r = instantQuery(db, "sum_over_time(x[10m])", 10 * kM, tight);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kResourceExhausted);
  EXPECT_NE(r.error().message.find("too many samples"), std::string::npos);
  auto steps = rangeQuery(db, "x", 0, 11001 * kS, kS);
  ASSERT_FALSE(steps.ok());
  EXPECT_EQ(steps.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(steps.error().message.find("11000 points"), std::string::npos);
  EXPECT_TRUE(rangeQuery(db, "x", 0, 11000 * kS, kS).ok());
  EXPECT_FALSE(rangeQuery(db, "x", 0, kM, 0).ok());
  EXPECT_FALSE(instantQuery(db, "x", INT64_MAX).ok());
  EXPECT_FALSE(rangeQuery(db, "x", INT64_MIN, INT64_MAX, kS).ok());
  EXPECT_FALSE(rangeQuery(db, "x", kM, 0, kS).ok());
}

TEST_F(EvaluatorTest, RangeQuerySelectsEachSelectorOnce) {
  db.add(Labels{{"__name__", "x"}}, every15s(0, 60 * kM, 0, 1));
  auto r = rangeQuery(db, "sum(rate(x[5m])) + sum(x)", 10 * kM, 60 * kM, 15 * kS);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(db.selectCalls, 2);
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_EQ(r->series[0].points.size(), 201u);
}

// The sliding windows of a range query must give exactly what an instant query gives at each
// step, on irregular data with resets, gaps and series that start and stop.
TEST_F(EvaluatorTest, RangeQueryEqualsInstantQueriesAtEveryStep) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> gap(1, 40);
  std::uniform_int_distribution<int> inc(0, 10);
  std::uniform_int_distribution<int> coin(0, 19);
  for (int k = 0; k < 8; ++k) {
    std::vector<Sample> samples;
    double v = 0;
    std::int64_t t = k * 37 * kS;
    std::int64_t stop = (20 + k * 5) * kM;
    while (t < stop) {
      v = coin(rng) == 0 ? inc(rng) : v + inc(rng);  // occasional resets
      samples.push_back({t, v});
      t += gap(rng) * kS * (coin(rng) == 1 ? 20 : 1);  // occasional long gaps
    }
    db.add(Labels{{"__name__", "m"}, {"job", k % 2 ? "odd" : "even"}, {"i", std::to_string(k)}},
           samples);
  }
  const char* queries[] = {
      "m",
      "m offset 3m",
      "rate(m[5m])",
      "increase(m[2m] offset 1m)",
      "irate(m[1m])",
      "delta(m[3m])",
      "avg_over_time(m[4m])",
      "max_over_time(m[90s]) - min_over_time(m[90s])",
      "count_over_time(m[5m])",
      "quantile_over_time(0.75, m[5m])",
      "last_over_time(m[1m])",
      "sum by (job) (rate(m[5m]))",
      "avg without (i) (m)",
      "count(m > 20)",
      "m / on(i) group_ignored",
      "sum by (job) (m) / on(job) count by (job) (m)",
      "m and on(job) (m > 50)",
      "m unless m > 30 or vector(1)",
      "scalar(sum(m)) * 2",
      "histogram_quantile(0.5, label_free)",
  };
  for (const char* q : queries) {
    auto expr = parse(q);
    ASSERT_TRUE(expr.ok()) << q << ": " << expr.error().message;
    auto range = evaluateRange(db, **expr, 0, 60 * kM, 20 * kS);
    ASSERT_TRUE(range.ok()) << q << ": " << range.error().message;
    std::map<std::pair<std::string, std::int64_t>, double> fromRange;
    for (const auto& s : range->series) {
      for (const auto& p : s.points)
        fromRange[{s.labels.str(), p.t}] = p.v;
    }
    std::size_t instantPoints = 0;
    for (std::int64_t t = 0; t <= 60 * kM; t += 20 * kS) {
      auto inst = evaluateInstant(db, **expr, t);
      ASSERT_TRUE(inst.ok()) << q << ": " << inst.error().message;
      for (const auto& s : inst->series) {
        ++instantPoints;
        auto it = fromRange.find({s.labels.str(), t});
        ASSERT_NE(it, fromRange.end()) << q << " at " << t << " " << s.labels.str();
        double a = it->second;
        double b = s.points[0].v;
        EXPECT_TRUE((std::isnan(a) && std::isnan(b)) || a == b) << q << " at " << t;
      }
    }
    EXPECT_EQ(instantPoints, fromRange.size()) << q;
  }
}

}  // namespace
}  // namespace pharos::promql
