#include "promql/render.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace pharos::promql {
namespace {

std::string f(double v) {
  std::string out;
  appendPromFloat(out, v);
  return out;
}

std::string ts(std::int64_t ms) {
  std::string out;
  appendPromTimestamp(out, ms);
  return out;
}

TEST(RenderTest, FloatsLikeGoFormatFloatF) {
  EXPECT_EQ(f(1), "1");
  EXPECT_EQ(f(0), "0");
  EXPECT_EQ(f(-0.0), "-0");
  EXPECT_EQ(f(0.1), "0.1");
  EXPECT_EQ(f(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(f(123456.789), "123456.789");
  EXPECT_EQ(f(1e21), "1000000000000000000000");
  EXPECT_EQ(f(1e-7), "0.0000001");
  EXPECT_EQ(f(-2.5), "-2.5");
  std::string smallest = "0.";
  smallest.append(323, '0');
  smallest.push_back('5');
  EXPECT_EQ(f(5e-324), smallest);
  EXPECT_EQ(f(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(f(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(f(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(f(std::numeric_limits<double>::max()).size(), 309u);
}

TEST(RenderTest, TimestampsAsSecondsWithMilliseconds) {
  EXPECT_EQ(ts(1700000000123), "1700000000.123");
  EXPECT_EQ(ts(1700000000000), "1700000000");
  EXPECT_EQ(ts(1500), "1.500");
  EXPECT_EQ(ts(5), "0.005");
  EXPECT_EQ(ts(-1500), "-1.500");
  EXPECT_EQ(ts(0), "0");
}

TEST(RenderTest, MatrixVectorScalarAndString) {
  QueryResult m;
  m.type = QueryResult::Type::kMatrix;
  m.series.push_back(
      {Labels{{"__name__", "up"}, {"job", "a"}}, {{1700000000123, 1}, {1700000015123, 0.5}}});
  EXPECT_EQ(renderQueryResult(m),
            R"({"status":"success","data":{"resultType":"matrix","result":[)"
            R"({"metric":{"__name__":"up","job":"a"},"values":[[1700000000.123,"1"],)"
            R"([1700000015.123,"0.5"]]}]}})");
  QueryResult v;
  v.type = QueryResult::Type::kVector;
  v.series.push_back({Labels{{"job", "a\"b"}}, {{1000, 2}}});
  v.series.push_back({Labels(), {{1000, std::numeric_limits<double>::infinity()}}});
  v.warnings.assign(1, std::string("answered from 1h rollups"));
  EXPECT_EQ(renderQueryResult(v),
            R"({"status":"success","data":{"resultType":"vector","result":[)"
            R"({"metric":{"job":"a\"b"},"value":[1,"2"]},{"metric":{},"value":[1,"+Inf"]}]},)"
            R"("warnings":["answered from 1h rollups"]})");
  QueryResult s;
  s.type = QueryResult::Type::kScalar;
  s.series.push_back({Labels(), {{2000, 3.5}}});
  EXPECT_EQ(renderQueryResult(s),
            R"({"status":"success","data":{"resultType":"scalar","result":[2,"3.5"]}})");
  QueryResult str;
  str.type = QueryResult::Type::kString;
  str.time = 2500;
  str.text = "hi\n";
  EXPECT_EQ(renderQueryResult(str),
            R"({"status":"success","data":{"resultType":"string","result":[2.500,"hi\n"]}})");
  QueryResult empty;
  EXPECT_EQ(renderQueryResult(empty),
            R"({"status":"success","data":{"resultType":"vector","result":[]}})");
}

TEST(RenderTest, ErrorShape) {
  EXPECT_EQ(renderError("bad_data", "1:1: \"x\" is bad"),
            R"({"status":"error","errorType":"bad_data","error":"1:1: \"x\" is bad"})");
}

}  // namespace
}  // namespace pharos::promql
