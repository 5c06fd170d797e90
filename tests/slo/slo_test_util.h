#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/loader.h"
#include "core/config/node_json.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"
#include "fakes/test_store.h"
#include "metrics/metrics_store.h"
#include "slo/slo_spec.h"

namespace pharos::slo::testing {

using pharos::testing::ManualClock;

inline std::string problemsText(const std::vector<SpecProblem>& problems) {
  std::string out;
  for (const auto& p : problems)
    out += p.message + "\n";
  return out;
}

// An SLO from JSON that must parse.
inline SloSpec sloFromJson(std::string_view text) {
  ParsedSlo parsed = parseSloSpec(config::nodeFromJson(nlohmann::json::parse(text)));
  if (auto* p = std::get_if<std::vector<SpecProblem>>(&parsed)) {
    ADD_FAILURE() << text << "\n" << problemsText(*p);
    return {};
  }
  return std::get<SloSpec>(std::move(parsed));
}

// A real metrics store in a temp dir, on a manual clock.
class MetricsFixture {
 public:
  explicit MetricsFixture(std::int64_t startMs, metrics::MetricsOptions options = {})
      : clock(fromUnixMillis(startMs)) {
    auto s = pharos::testing::openTestStore(dir_.file("pharos.db"));
    EXPECT_TRUE(s.ok()) << s.error().toString();
    store_ = std::move(s).value();
    options.walDir = dir_.file("wal");
    options.rawRetention = Millis(40LL * 86'400'000);
    auto m = metrics::MetricsStore::open(*store_, options, clock);
    EXPECT_TRUE(m.ok()) << m.error().toString();
    metrics = std::move(m).value();
  }

  void append(std::vector<metrics::IncomingSample> batch) {
    if (batch.empty()) return;
    auto r = metrics->append(batch);
    ASSERT_TRUE(r.ok()) << r.error().toString();
    ASSERT_EQ(r->rejected(), 0u) << (r->errors.empty() ? "" : r->errors[0]);
  }
  void flush() { ASSERT_TRUE(metrics->flush(metrics::MetricsStore::Checkpoint::kNow).ok()); }
  std::int64_t now() const { return toUnixMillis(clock.now()); }
  void advanceTo(std::int64_t ms) { clock.advance(Millis(ms - now())); }

  ManualClock clock;
  std::unique_ptr<metrics::MetricsStore> metrics;

 private:
  pharos::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
};

}  // namespace pharos::slo::testing
