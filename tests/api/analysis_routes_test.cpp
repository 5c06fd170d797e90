#include "api/analysis_routes.h"

#include <gtest/gtest.h>

#include "analysis/correlator.h"
#include "core/ids.h"
#include "gateway_fixture.h"

namespace pharos::api {
namespace {

using nlohmann::json;

constexpr int64_t kMinute = 60'000;
constexpr int64_t kT0 = 1'700'000'040'000;  // 2023-11-14T22:14:00Z

analysis::AnomalyEvent event(std::string service, analysis::AnomalyKind kind, int64_t startMs,
                             double score) {
  analysis::AnomalyEvent e;
  e.id = newId(fromUnixMillis(startMs));
  e.kind = kind;
  e.service = std::move(service);
  e.signal = kind == analysis::AnomalyKind::kCheckFailure ? "checkout-http" : "7";
  e.startMs = startMs;
  e.endMs = startMs + kMinute;
  e.score = score;
  e.observed = 12;
  e.unit = "lines/min";
  e.templateText = "connection refused to <IP>:<NUM>";
  return e;
}

// The analysis routes in the product's gateway, over a real store.
class AnalysisRoutesTest : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayTest::SetUp();
    auto anomalies = analysis::AnomalyStore::open(*store_);
    ASSERT_TRUE(anomalies.ok()) << anomalies.error().toString();
    anomalies_ = std::move(anomalies).value();
    router_ = std::make_unique<net::Router>();
    gateway_ = std::make_unique<Gateway>(*keys_, *audit_, clock_, defaultConfig(), true);
    gateway_->add(analysisRoutes(AnalysisRoutesDeps{*anomalies_, clock_}));
    gateway_->add(openApiRoute(*gateway_, "1.2.3"));
    gateway_->install(*router_);
    viewer_ = keyWith(auth::Role::kViewer, "viewer");

    // Two stories an hour apart: a new template then a check failure in checkout, and an
    // error share spike in payments.
    analysis::Correlator correlator;
    for (auto e :
         {event("checkout", analysis::AnomalyKind::kNewTemplate, kT0, 0.6),
          event("checkout", analysis::AnomalyKind::kCheckFailure, kT0 + 2 * kMinute, 0.9),
          event("payments", analysis::AnomalyKind::kErrorShare, kT0 + 60 * kMinute, 0.7)}) {
      ASSERT_TRUE(anomalies_->record(e).ok());
      events_.push_back(e);
      analysis::FindingUpdate u = correlator.add(e);
      ASSERT_TRUE(anomalies_->upsertFinding(u.finding, u.mergedIds).ok());
    }
    auto open = correlator.closeIdle(kT0 + 200 * kMinute);
    ASSERT_EQ(open.size(), 2u);
  }

  json get(const std::string& target, int status = 200) {
    net::HttpResponse r = call("GET", target, viewer_);
    EXPECT_EQ(r.status, status) << target << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }

  std::unique_ptr<analysis::AnomalyStore> anomalies_;
  std::vector<analysis::AnomalyEvent> events_;
  std::string viewer_;
};

TEST_F(AnalysisRoutesTest, ListsAnomaliesNewestFirstWithFilters) {
  json all = get("/api/v1/anomalies");
  ASSERT_EQ(all["data"].size(), 3u) << all.dump();
  EXPECT_EQ(all["data"][0]["kind"], "error_share");
  EXPECT_EQ(all["data"][2]["kind"], "new_template");
  EXPECT_EQ(all["data"][2]["template"], "connection refused to <IP>:<NUM>");
  EXPECT_EQ(all["next_cursor"], "");

  json checkout = get("/api/v1/anomalies?service=checkout");
  EXPECT_EQ(checkout["data"].size(), 2u);
  json checks = get("/api/v1/anomalies?kind=check_failure");
  ASSERT_EQ(checks["data"].size(), 1u);
  EXPECT_EQ(checks["data"][0]["signal"], "checkout-http");

  // Unix seconds and RFC 3339 both, selecting what overlaps the range.
  json early =
      get("/api/v1/anomalies?start=" + std::to_string(kT0 / 1000) + "&end=2023-11-14T22:20:00Z");
  EXPECT_EQ(early["data"].size(), 2u) << early.dump();
  json late = get("/api/v1/anomalies?start=2023-11-14T23:00:00Z");
  EXPECT_EQ(late["data"].size(), 1u) << late.dump();
}

TEST_F(AnalysisRoutesTest, PagesWithTheCursor) {
  json first = get("/api/v1/anomalies?limit=2");
  ASSERT_EQ(first["data"].size(), 2u);
  std::string cursor = first["next_cursor"];
  ASSERT_FALSE(cursor.empty());
  json second = get("/api/v1/anomalies?limit=2&cursor=" + cursor);
  ASSERT_EQ(second["data"].size(), 1u);
  EXPECT_EQ(second["data"][0]["id"], events_[0].id);
  EXPECT_EQ(second["next_cursor"], "");
}

TEST_F(AnalysisRoutesTest, ListsFindingsAndGetsOneWithItsEvents) {
  json list = get("/api/v1/findings");
  ASSERT_EQ(list["data"].size(), 2u) << list.dump();
  // Newest first: payments' spike, then the checkout story of two events.
  EXPECT_EQ(list["data"][0]["events"].size(), 1u);
  const json& story = list["data"][1];
  ASSERT_EQ(story["events"].size(), 2u);
  EXPECT_NE(story["summary"].get<std::string>().find("checkout-http"), std::string::npos)
      << story.dump();

  json one = get("/api/v1/findings/" + story["id"].get<std::string>());
  EXPECT_EQ(one["id"], story["id"]);
  EXPECT_EQ(one["summary"], story["summary"]);
  EXPECT_EQ(one["events"].size(), 2u);

  json firstPage = get("/api/v1/findings?limit=1");
  ASSERT_EQ(firstPage["data"].size(), 1u);
  EXPECT_FALSE(firstPage["next_cursor"].get<std::string>().empty());
  json inRange = get("/api/v1/findings?end=2023-11-14T22:30:00Z");
  ASSERT_EQ(inRange["data"].size(), 1u);
  EXPECT_EQ(inRange["data"][0]["id"], story["id"]);
}

TEST_F(AnalysisRoutesTest, BadParametersAre400AndAnUnknownFindingIs404) {
  for (std::string target :
       {"/api/v1/anomalies?kind=meteor", "/api/v1/anomalies?start=yesterday",
        "/api/v1/anomalies?end=2023-13-45T00:00:00Z", "/api/v1/anomalies?limit=0",
        "/api/v1/anomalies?limit=1001", "/api/v1/findings?start=1700000100&end=1700000000",
        "/api/v1/findings?start=soon", "/api/v1/anomalies?service=%zz"}) {
    net::HttpResponse r = call("GET", target, viewer_);
    EXPECT_EQ(r.status, 400) << target << ": " << r.body;
    EXPECT_EQ(errorCode(r), "invalid_argument") << target << ": " << r.body;
  }
  net::HttpResponse kind = call("GET", "/api/v1/anomalies?kind=meteor", viewer_);
  EXPECT_NE(kind.body.find("check_failure"), std::string::npos) << kind.body;

  net::HttpResponse missing = call("GET", "/api/v1/findings/01HZZZZZZZZZZZZZZZZZZZZZZZ", viewer_);
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_EQ(errorCode(missing), "not_found");
}

TEST_F(AnalysisRoutesTest, NeedAKeyWithReadScopeAndAreInTheOpenApiDocument) {
  EXPECT_EQ(call("GET", "/api/v1/anomalies").status, 401);
  EXPECT_EQ(call("GET", "/api/v1/findings").status, 401);
  json doc = json::parse(call("GET", "/openapi.json").body);
  for (const char* path : {"/api/v1/anomalies", "/api/v1/findings", "/api/v1/findings/{id}"}) {
    ASSERT_TRUE(doc["paths"].contains(path)) << path;
    EXPECT_TRUE(doc["paths"][path].contains("get")) << path;
  }
}

TEST_F(AnalysisRoutesTest, FindingsBetweenIsWhatAnIncidentShows) {
  // An incident opened at +10 min and still open: the checkout story (30 min lead) counts,
  // payments' (an hour later) does not until the range reaches it.
  auto around = findingsBetween(*anomalies_, kT0 + 10 * kMinute - kIncidentFindingsLeadMs,
                                kT0 + 20 * kMinute);
  ASSERT_TRUE(around.ok()) << around.error().toString();
  ASSERT_EQ(around->size(), 1u) << around->dump();
  const json& f = (*around)[0];
  EXPECT_EQ(f["start_ms"], kT0);
  EXPECT_EQ(f["end_ms"], kT0 + 3 * kMinute);
  EXPECT_GT(f["strength"].get<double>(), 0.9);
  EXPECT_FALSE(f["summary"].get<std::string>().empty());
  EXPECT_EQ(f.size(), 5u) << f.dump();  // id, summary, strength, start_ms, end_ms

  auto both = findingsBetween(*anomalies_, kT0, kT0 + 90 * kMinute);
  ASSERT_TRUE(both.ok());
  ASSERT_EQ(both->size(), 2u);
  // Strongest first: the two-event story outranks the single spike.
  EXPECT_EQ((*both)[0]["id"], (*around)[0]["id"]);

  auto none = findingsBetween(*anomalies_, kT0 + 100 * kMinute, kT0 + 110 * kMinute);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace pharos::api
