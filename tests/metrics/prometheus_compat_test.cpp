// The same samples in Pharos and in a real Prometheus (Debian's package, 2.42), the same
// PromQL, the same answers: Prometheus gets the data through promtool's OpenMetrics backfill,
// Pharos through its own OpenMetrics parser and store; both answer range and instant queries
// in the JSON of Prometheus' HTTP API, which is compared series by series, point by point.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmath>
#include <fstream>
#include <map>
#include <random>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "e2e/process.h"
#include "fakes/free_port.h"
#include "fakes/http_client.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"
#include "metrics/exposition.h"
#include "metrics/metrics_store.h"
#include "promql/evaluator.h"
#include "promql/parser.h"
#include "promql/render.h"

namespace pharos::metrics {
namespace {

using nlohmann::json;

constexpr std::int64_t kStep = 15'000;
constexpr int kPoints = 480;  // two hours

// Counters with a reset, gauges, a histogram, a series with a gap: what the functions under
// test are sensitive to. Timestamps on a 15 s grid plus a few ms, as scrapes land.
std::string openMetricsDataset(std::int64_t start) {
  std::mt19937_64 rng(42);
  std::string out;
  auto emit = [&](const std::string& name, const std::string& labels,
                  const std::vector<std::pair<std::int64_t, double>>& points) {
    for (const auto& [t, v] : points) {
      char line[256];
      std::snprintf(line, sizeof line, "%s{%s} %.17g %lld.%03lld\n", name.c_str(), labels.c_str(),
                    v, static_cast<long long>(t / 1000), static_cast<long long>(t % 1000));
      out += line;
    }
  };
  auto times = [&](int i) { return start + i * kStep + static_cast<std::int64_t>(rng() % 7); };
  // Counters (OpenMetrics "unknown" families keep the names as they are).
  out += "# TYPE http_requests_total unknown\n";
  for (const char* inst : {"a", "b"}) {
    for (const char* code : {"200", "500"}) {
      std::vector<std::pair<std::int64_t, double>> points;
      double v = 0;
      for (int i = 0; i < kPoints; ++i) {
        v += static_cast<double>(rng() % (code[0] == '2' ? 40 : 4));
        if (inst[0] == 'b' && i == 200) v = 3;  // a restart
        points.push_back({times(i), v});
      }
      emit("http_requests_total",
           std::string("code=\"") + code + "\",instance=\"" + inst + "\",job=\"api\"", points);
    }
  }
  out += "# TYPE temperature unknown\n";
  for (const char* inst : {"a", "b"}) {
    std::vector<std::pair<std::int64_t, double>> points;
    double v = 20;
    for (int i = 0; i < kPoints; ++i) {
      v += (static_cast<double>(rng() % 1000) - 500) / 400.0;
      if (inst[0] == 'b' && i > 100 && i < 140) continue;  // 10 minutes without data
      points.push_back({times(i), v});
    }
    emit("temperature", std::string("instance=\"") + inst + "\",job=\"api\"", points);
  }
  const std::vector<std::string> les = {"0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"};
  out += "# TYPE request_duration_seconds_bucket unknown\n";
  for (const char* inst : {"a", "b"}) {
    std::vector<double> counts(les.size(), 0);
    std::vector<std::vector<std::pair<std::int64_t, double>>> series(les.size());
    for (int i = 0; i < kPoints; ++i) {
      std::int64_t t = times(i);
      for (int r = 0; r < 20; ++r) {
        double latency = std::exp(static_cast<double>(rng() % 1000) / 250.0 - 3.5);
        for (std::size_t b = 0; b < les.size(); ++b) {
          if (les[b] == "+Inf" || latency <= std::stod(les[b])) counts[b] += 1;
        }
      }
      for (std::size_t b = 0; b < les.size(); ++b)
        series[b].push_back({t, counts[b]});
    }
    for (std::size_t b = 0; b < les.size(); ++b) {
      emit("request_duration_seconds_bucket",
           std::string("instance=\"") + inst + "\",job=\"api\",le=\"" + les[b] + "\"", series[b]);
    }
  }
  out += "# EOF\n";
  return out;
}

using pharos::testing::urlEncode;

double number(const json& v) {
  std::string s = v.get<std::string>();
  if (s == "NaN") return std::nan("");
  if (s == "+Inf") return INFINITY;
  if (s == "-Inf") return -INFINITY;
  return std::stod(s);
}

// Series keyed by their label set, each a list of (t, value).
std::map<std::string, std::vector<std::pair<double, double>>> seriesOf(const json& data) {
  std::map<std::string, std::vector<std::pair<double, double>>> out;
  std::string type = data.at("resultType");
  if (type == "scalar") {
    out["scalar"] = {{data["result"][0].get<double>(), number(data["result"][1])}};
    return out;
  }
  for (const auto& item : data.at("result")) {
    auto& points = out[item.at("metric").dump()];
    if (item.contains("values")) {
      for (const auto& p : item["values"])
        points.push_back({p[0].get<double>(), number(p[1])});
    } else {
      points.push_back({item["value"][0].get<double>(), number(item["value"][1])});
    }
  }
  return out;
}

bool nearlyEqual(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::fabs(a - b) <= 1e-9 * std::max({1.0, std::fabs(a), std::fabs(b)});
}

constexpr const char* kPromtool = "/usr/bin/promtool";
constexpr const char* kPrometheus = "/usr/bin/prometheus";

// A failure, not a skip, when Prometheus is missing: scripts/setup.sh installs it, and a
// skipped comparison would let CI pass without comparing anything.
TEST(PrometheusCompatSlowTest, SameDataSameQueriesSameAnswers) {
  {
    auto [code, out] = testing::run({kPromtool, "--version"});
    ASSERT_EQ(code, 0) << "promtool (Debian package prometheus) is needed: scripts/setup.sh "
                          "installs it\n"
                       << out;
  }
  testing::TempDir dir;
  std::int64_t now = toUnixMillis(systemClock().now());
  std::int64_t start = (now - 4 * 3'600'000) / 60'000 * 60'000;
  std::int64_t end = start + kPoints * kStep;
  std::string dataset = openMetricsDataset(start);
  std::ofstream(dir.file("data.om")) << dataset;

  // Prometheus: backfilled blocks, then the server on a loopback port.
  auto [code, out] = testing::run({kPromtool, "tsdb", "create-blocks-from", "openmetrics",
                                   dir.file("data.om"), dir.file("prom")});
  ASSERT_EQ(code, 0) << out;
  std::ofstream(dir.file("prometheus.yml")) << "global:\n  scrape_interval: 15s\n";
  std::uint16_t port = testing::freeLoopbackPort();
  testing::Process prometheus({kPrometheus, "--config.file=" + dir.file("prometheus.yml"),
                               "--storage.tsdb.path=" + dir.file("prom"),
                               "--web.listen-address=127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(
      prometheus.waitForOutput("Server is ready to receive web requests", std::chrono::seconds(60)))
      << prometheus.output();

  // Pharos: the same text through its parser into its store.
  auto parsed = parseExposition(dataset, ExpositionFormat::kOpenMetrics);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  auto sqlite = pharos::testing::openTestStore(dir.file("metrics.db")).value();
  MetricsOptions options;
  options.walDir = dir.file("wal");
  auto pharos = MetricsStore::open(*sqlite, options, systemClock()).value();
  std::vector<IncomingSample> batch;
  for (auto& s : parsed->samples)
    batch.push_back({std::move(s.labels), {*s.timestampMs, s.value}});
  auto appended = pharos->append(batch);
  ASSERT_TRUE(appended.ok());
  ASSERT_EQ(appended->appended, batch.size());
  ASSERT_TRUE(pharos->flush().ok());  // part from persisted chunks, part from memory

  const std::vector<std::string> queries = {
      "http_requests_total",
      "http_requests_total{code=~\"5..\",instance!=\"a\"}",
      "rate(http_requests_total[5m])",
      "increase(http_requests_total[10m])",
      "irate(http_requests_total[1m])",
      "sum by (job) (rate(http_requests_total[5m]))",
      "sum without (instance) (rate(http_requests_total[5m]))",
      "sum(rate(http_requests_total{code=\"500\"}[5m])) / sum(rate(http_requests_total[5m]))",
      "rate(http_requests_total{code=\"500\"}[5m]) / ignoring(code) "
      "rate(http_requests_total{code=\"200\"}[5m])",
      "histogram_quantile(0.9, sum by (le) (rate(request_duration_seconds_bucket[5m])))",
      "histogram_quantile(0.5, rate(request_duration_seconds_bucket[10m]))",
      "temperature",
      "temperature offset 5m",
      "quantile_over_time(0.9, temperature[10m])",
      "avg_over_time(temperature[5m])",
      "min_over_time(temperature[5m]) - max_over_time(temperature[5m])",
      "count_over_time(temperature[5m])",
      "last_over_time(temperature[10m])",
      "delta(temperature[10m])",
      "max by (instance) (temperature)",
      "avg(temperature)",
      "count(temperature > 20)",
      "temperature > bool 20",
      "temperature * 2 + 1",
      "abs(temperature - 20)",
      "clamp_max(temperature, 21)",
      "-temperature",
      "2 ^ 3 * 4",
      "time()",
      "sum_over_time(http_requests_total[2m])",
  };
  auto ask = [&](const std::string& path) {
    // curl: Prometheus answers large results chunked, which the test client does not read.
    auto [code, body] =
        testing::run({"/usr/bin/curl", "-sS", "http://127.0.0.1:" + std::to_string(port) + path});
    json parsed = json::parse(body, nullptr, false);
    EXPECT_TRUE(code == 0 && !parsed.is_discarded()) << path << " -> " << body.substr(0, 300);
    return parsed;
  };
  std::int64_t qStart = start + 10 * 60'000;
  std::int64_t qEnd = end - 60'000;
  int compared = 0;
  for (const std::string& q : queries) {
    SCOPED_TRACE(q);
    auto expr = promql::parse(q);
    ASSERT_TRUE(expr.ok()) << expr.error().message;
    for (bool range : {true, false}) {
      json theirs;
      Result<promql::QueryResult> ours = makeError(ErrorCode::kInternal, "unset");
      if (range) {
        ours = promql::evaluateRange(*pharos, **expr, qStart, qEnd, 60'000);
        theirs = ask("/api/v1/query_range?query=" + urlEncode(q) +
                     "&start=" + std::to_string(qStart / 1000) +
                     "&end=" + std::to_string(qEnd / 1000) + "&step=60");
      } else {
        // Inside the data, and in the gap of temperature{instance="b"}.
        std::int64_t at = start + 130 * kStep + 2'500;
        ours = promql::evaluateInstant(*pharos, **expr, at);
        theirs = ask("/api/v1/query?query=" + urlEncode(q) + "&time=" + std::to_string(at / 1000) +
                     "." + std::to_string(at % 1000));
      }
      ASSERT_TRUE(ours.ok()) << ours.error().message;
      ASSERT_EQ(theirs.value("status", ""), "success") << theirs.dump();
      json mine = json::parse(promql::renderQueryResult(*ours));
      ASSERT_EQ(mine["data"]["resultType"], theirs["data"]["resultType"]);
      auto a = seriesOf(mine["data"]);
      auto b = seriesOf(theirs["data"]);
      ASSERT_EQ(a.size(), b.size())
          << (range ? "range" : "instant") << "\nours:   " << mine.dump().substr(0, 600)
          << "\ntheirs: " << theirs.dump().substr(0, 600);
      for (const auto& [labels, points] : b) {
        ASSERT_TRUE(a.count(labels)) << "missing series " << labels;
        const auto& mineP = a[labels];
        ASSERT_EQ(mineP.size(), points.size()) << labels;
        for (std::size_t i = 0; i < points.size(); ++i) {
          ASSERT_EQ(mineP[i].first, points[i].first) << labels;
          ASSERT_TRUE(nearlyEqual(mineP[i].second, points[i].second))
              << labels << " at " << points[i].first << ": ours " << mineP[i].second
              << ", Prometheus " << points[i].second;
          ++compared;
        }
      }
    }
  }
  EXPECT_GT(compared, 5000);  // the comparison compared something
  prometheus.signalAndWait(SIGTERM, std::chrono::seconds(10));
}

}  // namespace
}  // namespace pharos::metrics
