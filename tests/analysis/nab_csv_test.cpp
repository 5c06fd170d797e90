#include "analysis/nab_csv.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "analysis/anomalies_command.h"

namespace pharos::analysis {
namespace {

TEST(NabTimestampTest, ReadsNabRfc3339AndEpochForms) {
  EXPECT_EQ(parseNabTimestamp("2014-04-01 00:00:00"), 1396310400);
  EXPECT_EQ(parseNabTimestamp("2014-04-01 00:00:00.000000"), 1396310400);
  EXPECT_EQ(parseNabTimestamp("2014-04-01T00:00:00Z"), 1396310400);
  EXPECT_EQ(parseNabTimestamp("2014-04-01T02:00:00+02:00"), 1396310400);
  EXPECT_EQ(parseNabTimestamp("2014-03-31T17:00:00.5-0700"), 1396310400);
  EXPECT_EQ(parseNabTimestamp("1396310400"), 1396310400);
  EXPECT_EQ(parseNabTimestamp("1396310400.75"), 1396310400);
  EXPECT_EQ(parseNabTimestamp("2016-02-29 12:00:00"), 1456747200);
}

TEST(NabTimestampTest, RefusesMalformedOrOutOfRange) {
  for (const char* bad : {"", "-", "1.", "abc", "2014-13-01 00:00:00", "2015-02-29 00:00:00",
                          "2014-04-01 24:00:00", "2014-04-01", "2014-04-01 00:00:00Zx",
                          "2014-04-01 00:00", "2014-04-01 00:00:00+2", "99999999999999999999"}) {
    EXPECT_FALSE(parseNabTimestamp(bad).has_value()) << bad;
  }
}

TEST(NabCsvReaderTest, ReadsRowsAndKeepsTheTextAsWritten) {
  std::istringstream in("timestamp,value\r\n2014-04-01 00:00:00,1.50\r\n\r\n\"1396310700\",2\n");
  NabCsvReader reader(in);
  auto a = reader.next();
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->timestamp, "2014-04-01 00:00:00");
  EXPECT_EQ((*a)->valueText, "1.50");
  EXPECT_DOUBLE_EQ((*a)->value, 1.5);
  EXPECT_EQ((*a)->line, 2u);
  auto b = reader.next();
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->unixSeconds, 1396310700);
  EXPECT_EQ((*b)->line, 4u);
  auto end = reader.next();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
}

Status runOn(const std::string& text, std::string& output) {
  std::istringstream in(text);
  std::ostringstream out;
  Status status = runAnomalies(in, out);
  output = out.str();
  return status;
}

TEST(AnomaliesCommandTest, ErrorsNameTheLine) {
  struct Case {
    const char* input;
    const char* expected;
  };
  for (const Case& c :
       {Case{"", "line 1: empty input"},
        Case{"time,val\n", "line 1: the header must be timestamp,value"},
        Case{"timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00\n",
             "line 3: expected two comma-separated fields"},
        Case{"timestamp,value\n2014-04-01 00:00:00,1\nyesterday,2\n",
             "line 3: bad timestamp 'yesterday'"},
        Case{"timestamp,value\n\n2014-04-01 00:00:00,x1\n", "line 3: bad value 'x1'"},
        Case{"timestamp,value\n2014-04-01 00:00:00,nan\n", "line 2: bad value"},
        Case{"timestamp,value\n2014-04-01 00:00:00,1,2\n", "line 2: more than two fields"}}) {
    std::string output;
    Status status = runOn(c.input, output);
    ASSERT_FALSE(status.ok()) << c.input;
    EXPECT_NE(status.error().toString().find(c.expected), std::string::npos)
        << status.error().toString();
  }
}

TEST(AnomaliesCommandTest, EchoesEveryRowWithAScore) {
  std::string input = "timestamp,value\n";
  for (int i = 0; i < 300; ++i) {
    input += std::to_string(1396310400 + 300 * i) + "," + std::to_string(i % 7) + ".0\n";
  }
  std::string output;
  ASSERT_TRUE(runOn(input, output).ok());
  std::istringstream lines(output);
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  EXPECT_EQ(line, "timestamp,value,anomaly_score");
  int rows = 0;
  while (std::getline(lines, line)) {
    std::string prefix =
        std::to_string(1396310400 + 300 * rows) + "," + std::to_string(rows % 7) + ".0,";
    ASSERT_EQ(line.substr(0, prefix.size()), prefix);
    double score = std::stod(line.substr(prefix.size()));
    EXPECT_GE(score, 0.0);
    EXPECT_LE(score, 1.0);
    ++rows;
  }
  EXPECT_EQ(rows, 300);
}

}  // namespace
}  // namespace pharos::analysis
