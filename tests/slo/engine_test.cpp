#include "slo/engine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "fakes/memory_queryable.h"
#include "promql/api_params.h"
#include "slo_test_util.h"

namespace pharos::slo {
namespace {

using testing::MetricsFixture;
using testing::sloFromJson;

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 86'400'000;

std::int64_t at(const char* rfc3339) {
  return promql::parseTimeParam(rfc3339).value();
}

metrics::IncomingSample sample(Labels labels, std::int64_t t, double v) {
  return {std::move(labels), Sample{t, v}};
}

Labels checkUp(std::string check) {
  return Labels{{"__name__", "pharos_check_up"}, {"check", std::move(check)}, {"type", "http"}};
}

TEST(SloEngineTest, BudgetAndBurnRatesFromKnownData) {
  std::int64_t now = at("2026-03-10T12:00:30Z");
  MetricsFixture f(now);
  // One run a minute for two days; the last ten are down.
  std::vector<metrics::IncomingSample> batch;
  for (std::int64_t t = at("2026-03-08T12:01:00Z"); t <= at("2026-03-10T12:00:00Z"); t += kMinute)
    batch.push_back(sample(checkUp("api"), t, t > at("2026-03-10T11:50:00Z") ? 0 : 1));
  ASSERT_NO_FATAL_FAILURE(f.append(batch));
  ASSERT_NO_FATAL_FAILURE(f.flush());  // older chunks come from the store's tables

  SloEngine engine(*f.metrics, nullptr, f.clock);
  engine.setSlos({sloFromJson(R"({"name":"api","objective":99,"check":"api"})")});
  ASSERT_TRUE(engine.evaluate().ok());
  std::optional<SloStatus> s = engine.status("api");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->problem, "");
  EXPECT_EQ(s->events.total, 2880);
  EXPECT_EQ(s->events.good, 2870);
  EXPECT_EQ(s->bad, 10);
  EXPECT_NEAR(s->allowedBad, 28.8, 1e-9);
  EXPECT_NEAR(s->budgetRemaining, 1 - 10 / 28.8, 1e-12);
  EXPECT_NEAR(*s->sliRatio, 2870.0 / 2880, 1e-12);
  // The last hour from 11:00:30 counts its whole first minute: 61 runs, 10 down.
  double burn1h = 10.0 / 61 / 0.01;
  EXPECT_NEAR(s->burnRate1h, burn1h, 1e-9);
  ASSERT_EQ(s->burnRates.size(), 4u);
  EXPECT_NEAR(s->burnRates[0].longBurn, burn1h, 1e-9);
  EXPECT_NEAR(s->burnRates[0].shortBurn, 100, 1e-9);  // 11:55 .. 12:00, all down
  EXPECT_TRUE(s->burnRates[0].breaching);
  EXPECT_EQ(s->burnRates[0].severity, Severity::kPage);
  EXPECT_NEAR(s->burnRates[1].longBurn, 10.0 / 361 / 0.01, 1e-9);  // 6h: 2.77, under 6
  EXPECT_FALSE(s->burnRates[1].breaching);
  EXPECT_NEAR(s->burnRates[3].longBurn, 10.0 / 2880 / 0.01, 1e-9);
  ASSERT_TRUE(s->timeToExhaustion.has_value());
  EXPECT_NEAR(static_cast<double>(s->timeToExhaustion->count()),
              (1 - 10 / 28.8) * 30.0 * kDay / burn1h, 1.0);

  // The next round reads only what came since.
  f.clock.advance(Millis(30 * kSecond));
  ASSERT_NO_FATAL_FAILURE(f.append({sample(checkUp("api"), at("2026-03-10T12:01:00Z"), 1)}));
  ASSERT_TRUE(engine.evaluate().ok());
  EXPECT_EQ(engine.status("api")->events.total, 2881);

  nlohmann::json j = sloStatusToJson(*engine.status("api"));
  EXPECT_EQ(j["sli"], "availability");
  EXPECT_EQ(j["window"], "30d");
  EXPECT_EQ(j["events"]["total"], 2881);
  EXPECT_EQ(j["burn_rates"][0]["long_window"], "1h");
  EXPECT_EQ(j["burn_rates"][0]["short_window"], "5m");
  EXPECT_EQ(j["burn_rates"][0]["severity"], "page");
  EXPECT_EQ(j["budget"]["overspent"], false);
  EXPECT_TRUE(j["problem"].is_null());
}

TEST(SloEngineTest, AnOverspentBudgetExplainsByHowMuch) {
  std::int64_t now = at("2026-03-10T12:00:00Z");
  EventHistory history(SloWindow{}, now - 30 * kDay, now - 3 * kDay);
  history.add(now - kDay, {97, 100});
  history.advanceTo(now);
  SloSpec spec = sloFromJson(R"({"name":"x","objective":99,"gauge":"up"})");
  SloStatus s = computeStatus(spec, history, now);
  EXPECT_NEAR(s.budgetRemaining, -2, 1e-9);
  EXPECT_NEAR(s.budgetConsumed, 3, 1e-9);
  EXPECT_EQ(s.explanation(),
            "overspent by 200.0% of the budget: 2 bad events more than the objective allows "
            "(3 bad of 100, 1 allowed)");
  EXPECT_FALSE(s.timeToExhaustion.has_value());
  nlohmann::json j = sloStatusToJson(s);
  EXPECT_EQ(j["budget"]["overspent"], true);
  EXPECT_TRUE(j["budget"]["time_to_exhaustion_seconds"].is_null());
  EXPECT_NEAR(j["budget"]["remaining_ratio"].get<double>(), -2, 1e-9);

  EventHistory fine(SloWindow{}, now - 30 * kDay, now - 3 * kDay);
  fine.add(now - kDay, {999, 1000});
  fine.advanceTo(now);
  EXPECT_EQ(computeStatus(spec, fine, now).explanation(),
            "90.0% of the budget left: 9 more bad events allowed");
  EventHistory empty(SloWindow{}, now - 30 * kDay, now - 3 * kDay);
  SloStatus none = computeStatus(spec, empty, now);
  EXPECT_EQ(none.budgetRemaining, 1);
  EXPECT_FALSE(none.sliRatio.has_value());
}

// The expected figures, counted sample by sample.
struct Expected {
  double good = 0;
  double total = 0;
};

bool excluded(const std::vector<std::pair<std::int64_t, std::int64_t>>& ex, std::int64_t t) {
  for (const auto& [a, b] : ex)
    if (t >= a && t < b) return true;
  return false;
}

TEST(SloEngineTest, ExclusionsRemoveExactlyTheirEventsFromGoodAndTotal) {
  std::int64_t now = at("2026-03-10T12:00:00Z");
  MetricsFixture f(now);
  // Every 10 s: two hours on the last day, and two hours five days back (read hourly); one in
  // three down.
  std::vector<metrics::IncomingSample> batch;
  std::vector<Sample> written;
  for (std::int64_t base : {at("2026-03-05T09:00:00Z"), at("2026-03-10T10:00:00Z")}) {
    for (std::int64_t t = base; t < base + 2 * kHour; t += 10 * kSecond) {
      double v = (t / (10 * kSecond)) % 3 == 0 ? 0 : 1;
      batch.push_back(sample(checkUp("api"), t, v));
      written.push_back({t, v});
    }
  }
  ASSERT_NO_FATAL_FAILURE(f.append(batch));
  ASSERT_NO_FATAL_FAILURE(f.flush());

  // Own exclusions not on minute boundaries, on both days; the check's maintenance daily at
  // 11:00 for 90 s, and a window for another check that must not apply.
  std::vector<std::pair<std::int64_t, std::int64_t>> ex = {
      {at("2026-03-05T09:10:25Z"), at("2026-03-05T09:17:35Z")},
      {at("2026-03-10T10:00:25Z"), at("2026-03-10T10:07:35Z")},
      {at("2026-03-05T10:00:00Z"), at("2026-03-05T10:01:30Z")},
      {at("2026-03-10T11:00:00Z"), at("2026-03-10T11:01:30Z")}};
  health::MaintenanceWindow mine;
  mine.name = "deploys";
  mine.every = CronSchedule::parse("0 10,11 * * *").value();
  mine.duration = Millis(90 * kSecond);
  mine.checks = {"api"};
  health::MaintenanceWindow other = mine;
  other.name = "other";
  other.checks = {"db"};
  other.every = CronSchedule::parse("30 10 * * *").value();
  auto calendar = std::make_shared<const health::MaintenanceCalendar>(
      std::vector<health::MaintenanceWindow>{mine, other});
  // 10:00 on the first day is also in the maintenance window (10,11): add the second day's.
  ex.push_back({at("2026-03-10T10:00:00Z"), at("2026-03-10T10:01:30Z")});
  ex.push_back({at("2026-03-05T11:00:00Z"), at("2026-03-05T11:01:30Z")});  // no data then

  Expected expected, expectedFine;
  for (const Sample& s : written) {
    if (excluded(ex, s.t)) continue;
    expected.total += 1;
    expected.good += s.v;
    if (s.t >= now - kDay) {
      expectedFine.total += 1;
      expectedFine.good += s.v;
    }
  }
  SloSpec spec = sloFromJson(
      R"({"name":"api","objective":99,"check":"api","exclude":[
          {"start":"2026-03-05T09:10:25Z","end":"2026-03-05T09:17:35Z"},
          {"start":"2026-03-10T10:00:25Z","end":"2026-03-10T10:07:35Z"}]})");

  // From the history (rollups, with the excluded buckets read again raw) ...
  SloEngine engine(*f.metrics, calendar, f.clock);
  engine.setSlos({spec});
  ASSERT_TRUE(engine.evaluate().ok());
  SloStatus s = *engine.status("api");
  EXPECT_EQ(s.events.total, expected.total);
  EXPECT_EQ(s.events.good, expected.good);
  // The 1-day burn window reads the 5-minute tier.
  EXPECT_NEAR(s.burnRates[2].longBurn, (1 - expectedFine.good / expectedFine.total) / 0.01, 1e-9);

  // ... and round by round from raw samples, the same.
  MetricsFixture g(at("2026-03-05T08:00:00Z"));
  SloEngine rounds(*g.metrics, calendar, g.clock);
  rounds.setSlos({spec});
  ASSERT_TRUE(rounds.evaluate().ok());
  std::size_t next = 0;
  while (g.now() < now) {
    g.clock.advance(Millis(45 * kSecond));
    std::vector<metrics::IncomingSample> due;
    while (next < batch.size() && batch[next].sample.t <= g.now())
      due.push_back(batch[next++]);
    ASSERT_NO_FATAL_FAILURE(g.append(due));
    ASSERT_TRUE(rounds.evaluate().ok());
  }
  g.advanceTo(now);
  ASSERT_TRUE(rounds.evaluate().ok());
  EXPECT_EQ(rounds.status("api")->events.total, expected.total);
  EXPECT_EQ(rounds.status("api")->events.good, expected.good);
}

// A store whose raw samples have expired: only rollups (of the resolution asked) answer.
class RollupsOnly : public promql::Queryable {
 public:
  void add(Labels labels, std::vector<Sample> samples) {
    series_.push_back({std::move(labels), std::move(samples)});
  }
  Result<std::vector<promql::SeriesSamples>> select(const std::vector<promql::Matcher>&,
                                                    std::int64_t, std::int64_t) override {
    return std::vector<promql::SeriesSamples>{};
  }
  std::optional<std::int64_t> rollupResolution(std::int64_t, std::int64_t, std::int64_t) override {
    return std::nullopt;
  }
  Result<std::vector<promql::RollupSeries>> selectRollups(
      const std::vector<promql::Matcher>& matchers, std::int64_t minT, std::int64_t maxT,
      std::int64_t resolution) override {
    std::vector<promql::RollupSeries> out;
    for (const auto& s : series_) {
      bool match = std::all_of(matchers.begin(), matchers.end(), [&](const promql::Matcher& m) {
        return m.matches(s.labels.get(m.name));
      });
      if (!match) continue;
      promql::RollupSeries r{s.labels, {}};
      for (auto& p : fakes::MemoryQueryable::rollup(s.samples, resolution)) {
        if (p.t >= minT && p.t <= maxT) r.points.push_back(p);
      }
      out.push_back(std::move(r));
    }
    return out;
  }

 private:
  std::vector<promql::SeriesSamples> series_;
};

TEST(SloEngineTest, RawSamplesGoneExclusionsApplyByMinute) {
  // An hour touched by an exclusion is read again in 1-minute buckets, each judged by its
  // start when its raw samples are gone too.
  std::int64_t now = at("2026-03-10T12:00:00Z");
  RollupsOnly source;
  std::vector<Sample> samples;
  for (std::int64_t t = at("2026-03-05T09:00:00Z"); t < at("2026-03-05T11:00:00Z");
       t += 10 * kSecond)
    samples.push_back({t, 1});
  source.add(checkUp("api"), samples);
  SloSpec spec = sloFromJson(
      R"({"name":"api","objective":99,"check":"api","exclude":[
          {"start":"2026-03-05T09:10:00Z","end":"2026-03-05T09:19:30Z"}]})");
  testing::ManualClock clock(fromUnixMillis(now));
  SloEngine engine(source, nullptr, clock);
  engine.setSlos({spec});
  ASSERT_TRUE(engine.evaluate().ok());
  // Two hours of six runs a minute, less the ten minutes starting in the exclusion.
  EXPECT_EQ(engine.status("api")->events.total, (120 - 10) * 6);
}

TEST(SloEngineTest, RatioSumsCounterIncreasesAcrossResetsAndSeries) {
  std::int64_t now = at("2026-03-10T12:00:00Z");
  MetricsFixture f(now - 2 * kHour);
  Labels ok1{{"__name__", "http_total"}, {"code", "200"}, {"pod", "a"}};
  Labels ok2{{"__name__", "http_total"}, {"code", "200"}, {"pod", "b"}};
  Labels err{{"__name__", "http_total"}, {"code", "500"}, {"pod", "a"}};
  std::vector<metrics::IncomingSample> batch;
  std::int64_t t0 = now - 2 * kHour;
  // pod a: 0, 100, 200, reset to 50, 150; pod b: 10, 20; errors: 0, 5, 9.
  for (auto [i, v] :
       std::vector<std::pair<int, double>>{{0, 0}, {1, 100}, {2, 200}, {3, 50}, {4, 150}})
    batch.push_back(sample(ok1, t0 + i * 15 * kMinute, v));
  batch.push_back(sample(ok2, t0 + 20 * kMinute, 10));
  batch.push_back(sample(ok2, t0 + 80 * kMinute, 20));
  for (auto [i, v] : std::vector<std::pair<int, double>>{{0, 0}, {1, 5}, {4, 9}})
    batch.push_back(sample(err, t0 + i * 15 * kMinute, v));
  f.advanceTo(now);
  ASSERT_NO_FATAL_FAILURE(f.append(batch));
  SloSpec spec = sloFromJson(
      R"({"name":"http","objective":90,"good":"http_total{code!~\"5..\"}","total":"http_total"})");
  SloEngine engine(*f.metrics, nullptr, f.clock);
  engine.setSlos({spec});
  ASSERT_TRUE(engine.evaluate().ok());
  SloStatus s = *engine.status("http");
  // good: 100 + 100 + 50 (reset) + 100 = 350 on a, 10 on b; errors 9.
  EXPECT_EQ(s.events.good, 360);
  EXPECT_EQ(s.events.total, 369);
  EXPECT_EQ(s.problem, "");
}

TEST(SloEngineTest, LatencyCountsTheThresholdBucketAndNamesTheBoundsWhenItIsNotOne) {
  std::int64_t now = at("2026-03-10T12:00:00Z");
  MetricsFixture f(now);
  auto h = [](std::string name, std::string le) {
    Labels l{{"__name__", std::move(name)}, {"service", "x"}};
    return le.empty() ? l : l.with("le", le);
  };
  std::vector<metrics::IncomingSample> batch;
  for (int i = 0; i < 4; ++i) {
    std::int64_t t = now - (4 - i) * kMinute;
    batch.push_back(sample(h("lat_seconds_bucket", "0.1"), t, 10.0 * i));
    batch.push_back(sample(h("lat_seconds_bucket", "0.5"), t, 18.0 * i));
    batch.push_back(sample(h("lat_seconds_bucket", "+Inf"), t, 20.0 * i));
    batch.push_back(sample(h("lat_seconds_count", ""), t, 20.0 * i));
  }
  ASSERT_NO_FATAL_FAILURE(f.append(batch));
  SloEngine engine(*f.metrics, nullptr, f.clock);
  engine.setSlos(
      {sloFromJson(
           R"({"name":"ok","objective":90,"histogram":"lat_seconds{service=\"x\"}","threshold":0.5})"),
       sloFromJson(R"({"name":"bad","objective":90,"histogram":"lat_seconds","threshold":0.3})")});
  ASSERT_TRUE(engine.evaluate().ok());
  SloStatus ok = *engine.status("ok");
  EXPECT_EQ(ok.events.good, 54);
  EXPECT_EQ(ok.events.total, 60);
  EXPECT_EQ(ok.problem, "");
  SloStatus bad = *engine.status("bad");
  EXPECT_EQ(bad.events.good, 0);
  EXPECT_NE(bad.problem.find("threshold 0.3 is not a bucket bound of lat_seconds_bucket{}: the "
                             "threshold must be one of the histogram's le values (found: 0.1, "
                             "0.5, +Inf)"),
            std::string::npos)
      << bad.problem;
}

TEST(SloEngineTest, AGaugeCountsOnesAsGood) {
  std::int64_t now = at("2026-03-10T12:00:00Z");
  MetricsFixture f(now);
  Labels up{{"__name__", "up"}, {"job", "x"}};
  std::vector<metrics::IncomingSample> batch;
  for (int i = 0; i < 10; ++i)
    batch.push_back(sample(up, now - (10 - i) * 15 * kSecond, i == 3 ? 0 : 1));
  ASSERT_NO_FATAL_FAILURE(f.append(batch));
  SloEngine engine(*f.metrics, nullptr, f.clock);
  engine.setSlos({sloFromJson(R"({"name":"up","objective":99,"gauge":"up{job=\"x\"}"})"),
                  sloFromJson(R"({"name":"none","objective":99,"gauge":"up{job=\"y\"}"})")});
  ASSERT_TRUE(engine.evaluate().ok());
  EXPECT_EQ(engine.status("up")->events.good, 9);
  EXPECT_EQ(engine.status("up")->events.total, 10);
  EXPECT_EQ(engine.status("none")->problem, R"(no data: no series match up{job="y"})");
}

TEST(SloEngineTest, AMonthWindowStartsOnTheFirst) {
  std::int64_t now = at("2026-03-01T00:30:00Z");
  MetricsFixture f(now);
  std::vector<metrics::IncomingSample> batch;
  for (std::int64_t t = at("2026-02-28T23:00:00Z"); t <= now; t += kMinute)
    batch.push_back(sample(checkUp("api"), t, t < at("2026-03-01T00:00:00Z") ? 0 : 1));
  ASSERT_NO_FATAL_FAILURE(f.append(batch));
  SloEngine engine(*f.metrics, nullptr, f.clock);
  engine.setSlos({sloFromJson(R"({"name":"api","objective":99,"window":"month","check":"api"})")});
  ASSERT_TRUE(engine.evaluate().ok());
  SloStatus s = *engine.status("api");
  EXPECT_EQ(s.windowStart, at("2026-03-01T00:00:00Z"));
  EXPECT_EQ(s.windowEnd, at("2026-04-01T00:00:00Z"));
  EXPECT_EQ(s.events.total, 31);
  EXPECT_EQ(s.events.good, 31);
  // The burn windows reach back into February.
  EXPECT_NEAR(s.burnRate1h, 30.0 / 61 / 0.01, 1e-9);
  auto series = engine.budgetSeries("api");
  ASSERT_TRUE(series.has_value());
  EXPECT_EQ(series->step, Millis(kHour));
  ASSERT_EQ(series->points.size(), 1u);
  EXPECT_EQ(series->points[0].events.total, 31);
  EXPECT_EQ(series->points[0].t, now);
}

TEST(SloEngineTest, BudgetSeriesBurnsDownHourByHour) {
  std::int64_t now = at("2026-03-10T12:00:00Z");
  MetricsFixture f(now);
  std::vector<metrics::IncomingSample> batch;
  // 100 runs an hour for 3 hours from 09:00; 1 down in the second hour, 3 in the third.
  for (int hour = 0; hour < 3; ++hour) {
    for (int i = 0; i < 100; ++i) {
      std::int64_t t = at("2026-03-10T09:00:00Z") + hour * kHour + i * 36 * kSecond;
      bool down = (hour == 1 && i == 0) || (hour == 2 && i < 3);
      batch.push_back(sample(checkUp("api"), t, down ? 0 : 1));
    }
  }
  ASSERT_NO_FATAL_FAILURE(f.append(batch));
  SloEngine engine(*f.metrics, nullptr, f.clock);
  engine.setSlos({sloFromJson(R"({"name":"api","objective":99,"window":"1d","check":"api"})")});
  ASSERT_TRUE(engine.evaluate().ok());
  auto series = engine.budgetSeries("api");
  ASSERT_TRUE(series.has_value());
  // From 12:00 the day before: hourly points, empty until 09:00.
  ASSERT_EQ(series->points.size(), 25u);
  EXPECT_EQ(series->points[20].t, at("2026-03-10T09:00:00Z"));
  EXPECT_EQ(series->points[20].remaining, 1);
  EXPECT_NEAR(series->points[21].remaining, 1, 1e-12);
  EXPECT_NEAR(series->points[22].remaining, 1 - 1 / 2.0, 1e-12);
  EXPECT_NEAR(series->points[23].remaining, 1 - 4 / 3.0, 1e-12);
  nlohmann::json j = budgetSeriesToJson(*series);
  EXPECT_EQ(j["step"], "1h");
  EXPECT_EQ(j["points"][21]["t"], "2026-03-10T10:00:00Z");
}

TEST(SloEngineTest, UnchangedSlosKeepTheirHistory) {
  std::int64_t now = at("2026-03-10T12:00:00Z");
  fakes::MemoryQueryable source;
  source.add(checkUp("api"), {{now - kMinute, 1}});
  testing::ManualClock clock(fromUnixMillis(now));
  SloEngine engine(source, nullptr, clock);
  SloSpec a = sloFromJson(R"({"name":"a","objective":99,"check":"api"})");
  engine.setSlos({a});
  EXPECT_EQ(engine.status("a")->problem, "not evaluated yet");
  ASSERT_TRUE(engine.evaluate().ok());
  int rollups = source.rollupCalls;
  EXPECT_GT(rollups, 0);
  clock.advance(Millis(30 * kSecond));
  engine.setSlos({a, sloFromJson(R"({"name":"b","objective":99,"check":"api"})")});
  ASSERT_TRUE(engine.evaluate().ok());
  EXPECT_EQ(source.rollupCalls, 2 * rollups);  // b's history only
  SloSpec changed = a;
  changed.objective = 99.5;
  engine.setSlos({changed});
  ASSERT_TRUE(engine.evaluate().ok());
  EXPECT_EQ(source.rollupCalls, 3 * rollups);
  EXPECT_FALSE(engine.status("b").has_value());
  EXPECT_EQ(engine.statuses().size(), 1u);
  EXPECT_LT(engine.memoryBytes(), 64u * 1024);
}

// Round by round from raw samples gives what one read of the history gives, over random
// data: late samples, counter resets, exclusions, rollups from memory and from disk.
void expectIncrementalEqualsFull(unsigned seed) {
  {
    SCOPED_TRACE(seed);
    std::mt19937_64 rng(seed);
    std::int64_t start = at("2026-03-01T07:13:17Z");
    MetricsFixture f(start);
    health::MaintenanceWindow w;
    w.name = "m";
    w.every = CronSchedule::parse("17 */5 * * *").value();
    w.duration = Millis(23 * kMinute + 7 * kSecond);
    w.labels = {promql::Matcher::make(promql::Matcher::Type::kEqual, "check", "api").value()};
    auto calendar = std::make_shared<const health::MaintenanceCalendar>(
        std::vector<health::MaintenanceWindow>{w});
    std::vector<SloSpec> specs = {
        sloFromJson(R"({"name":"avail","objective":99,"checks":"type=\"http\"",
            "exclude":[{"start":"2026-03-02T03:03:03Z","end":"2026-03-02T05:04:05Z"}]})"),
        sloFromJson(
            R"({"name":"ratio","objective":95,"window":"month","good":"req_total{code=\"200\"}",
            "total":"req_total","exclude":[{"every":"*/50 * * * *","duration":"7m30s"}]})"),
        sloFromJson(R"({"name":"gauge","objective":99.5,"window":"2d","gauge":"up"})")};
    SloEngine incremental(*f.metrics, calendar, f.clock);
    incremental.setSlos(specs);

    struct Series {
      Labels labels;
      bool counter;
      std::int64_t next = 0;  // the next sample's time, drawn once
      double value = 0;
      std::int64_t lag = 0;  // appended this late
    };
    std::vector<Series> series = {
        {checkUp("api"), false, 0, 0, 0},
        {checkUp("web"), false, 0, 0, 70 * kSecond},
        {Labels{{"__name__", "req_total"}, {"code", "200"}}, true, 0, 0, 0},
        {Labels{{"__name__", "req_total"}, {"code", "500"}}, true, 0, 0, 90 * kSecond},
        {Labels{{"__name__", "up"}, {"job", "a"}}, false, 0, 0, 0}};
    std::int64_t end = start + 3 * kDay + 7 * kHour;
    std::uniform_int_distribution<std::int64_t> roundMs(5 * kSecond, 20 * kMinute);
    std::uniform_int_distribution<std::int64_t> gapMs(1 * kSecond, 3 * kMinute);
    std::uniform_real_distribution<double> unit(0, 1);
    ASSERT_TRUE(incremental.evaluate().ok());
    int rounds = 0;

    while (f.now() < end) {
      f.clock.advance(Millis(roundMs(rng)));
      std::vector<metrics::IncomingSample> batch;
      for (Series& s : series) {
        for (;;) {
          if (s.next == 0) s.next = start + gapMs(rng);
          std::int64_t t = s.next;
          if (t > f.now() - s.lag) break;
          s.next = t + gapMs(rng);
          double v;
          if (s.counter) {
            s.value =
                unit(rng) < 0.02 ? std::floor(unit(rng) * 5) : s.value + std::floor(unit(rng) * 20);
            v = s.value;
          } else {
            v = unit(rng) < 0.1 ? 0 : 1;
          }
          batch.push_back(sample(s.labels, t, v));
        }
      }
      ASSERT_NO_FATAL_FAILURE(f.append(batch));
      if (unit(rng) < 0.05) {
        ASSERT_NO_FATAL_FAILURE(f.flush());
      }
      ASSERT_TRUE(incremental.evaluate().ok());
      ++rounds;
    }
    // The lagging series are complete up to `end - lag`; read both after the last late sample.
    f.clock.advance(Millis(3 * kMinute));
    ASSERT_TRUE(incremental.evaluate().ok());
    SloEngine full(*f.metrics, calendar, f.clock);
    full.setSlos(specs);
    ASSERT_TRUE(full.evaluate().ok());
    EXPECT_GT(rounds, 300);
    for (const SloSpec& spec : specs) {
      SCOPED_TRACE(spec.name);
      SloStatus a = *incremental.status(spec.name);
      SloStatus b = *full.status(spec.name);
      EXPECT_GT(a.events.total, 100);
      EXPECT_EQ(a.events.good, b.events.good);
      EXPECT_EQ(a.events.total, b.events.total);
      ASSERT_EQ(a.burnRates.size(), b.burnRates.size());
      for (std::size_t i = 0; i < a.burnRates.size(); ++i) {
        EXPECT_NEAR(a.burnRates[i].longBurn, b.burnRates[i].longBurn, 1e-9) << i;
        EXPECT_NEAR(a.burnRates[i].shortBurn, b.burnRates[i].shortBurn, 1e-9) << i;
      }
      auto sa = incremental.budgetSeries(spec.name);
      auto sb = full.budgetSeries(spec.name);
      ASSERT_TRUE(sa && sb);
      ASSERT_EQ(sa->points.size(), sb->points.size());
      for (std::size_t i = 0; i < sa->points.size(); ++i)
        EXPECT_EQ(sa->points[i].events, sb->points[i].events) << i;
    }
  }
}

TEST(SloEngineTest, IncrementalRoundsEqualAFullRecompute) {
  expectIncrementalEqualsFull(1);
}

// More of the same (each seed is 3.4 simulated days, ~3 s of fsyncs).
TEST(SloEngineSlowTest, IncrementalRoundsEqualAFullRecomputeMoreSeeds) {
  for (unsigned seed = 2; seed <= 8; ++seed)
    expectIncrementalEqualsFull(seed);
}

}  // namespace
}  // namespace pharos::slo
