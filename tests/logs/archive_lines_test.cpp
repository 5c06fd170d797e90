#include "logs/archive_lines.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sstream>
#include <string>

#include "core/framed_records.h"
#include "logs/archive_codec.h"
#include "logs/log_batch.h"

namespace pharos::logs {
namespace {

using nlohmann::json;

constexpr std::int64_t kReceived = 1'764'583'200'000'000'000;  // 2025-12-01T10:00:00Z

// A syslog batch of three frames, a native batch with every field, a record that is no batch
// and a torn tail, as a sealed segment can hold them.
std::string segment() {
  std::string out;
  BatchEncoder syslog(Source::kSyslogTcp, kReceived, 1 << 16);
  for (const char* frame : {"<14>1 2025-12-01T10:00:00Z web nginx - - - GET / 200",
                            "<11>Dec  1 10:00:01 db postgres[7]: checkpoint starting",
                            "<14>1 2025-12-01T10:00:02Z web nginx - - - GET /health 200"})
    syslog.add({.message = frame});
  appendFramedRecord(out, std::move(syslog).finish());
  appendFramedRecord(out, "not a batch: kept verbatim by the archive");
  BatchEncoder native(Source::kNative, kReceived + 5, 1 << 16);
  AttributeView attributes[] = {{"order", "A-17"}, {"region", "eu \"west\""}};
  native.add({.timestampNs = kReceived - 1'500'000'000,
              .service = "checkout",
              .level = "ERROR",
              .message = "payment failed\n\tat Gateway.call",
              .attributes = attributes});
  appendFramedRecord(out, std::move(native).finish());
  std::string torn;
  appendFramedRecord(torn, "a record the crash cut");
  out.append(torn.substr(0, torn.size() - 3));
  return out;
}

TEST(ArchiveLinesTest, RawGivesEachMessageAsItCameAndCountsWhatItSkips) {
  std::ostringstream out;
  ArchiveLinesCounts counts = writeArchiveLines(segment(), ArchiveLinesFormat::kRaw, out);
  EXPECT_EQ(out.str(),
            "<14>1 2025-12-01T10:00:00Z web nginx - - - GET / 200\n"
            "<11>Dec  1 10:00:01 db postgres[7]: checkpoint starting\n"
            "<14>1 2025-12-01T10:00:02Z web nginx - - - GET /health 200\n"
            "payment failed\n\tat Gateway.call\n");  // the newline as it is: raw is not lossless
  EXPECT_EQ(counts.lines, 4u);
  EXPECT_EQ(counts.skippedRecords, 1u);
  EXPECT_EQ(counts.tornTailBytes, kFramedRecordHeaderBytes + 22 - 3);
}

TEST(ArchiveLinesTest, JsonHasEveryFieldOfEachEntry) {
  std::ostringstream out;
  ArchiveLinesCounts counts = writeArchiveLines(segment(), ArchiveLinesFormat::kJson, out);
  EXPECT_EQ(counts.lines, 4u);
  std::istringstream in(out.str());
  std::vector<json> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(json::parse(line));
  ASSERT_EQ(lines.size(), 4u) << out.str();
  EXPECT_EQ(lines[0], json::parse(R"({"received":"2025-12-01T10:00:00.000000000Z",
      "source":"syslog_tcp","service":"","level":"",
      "message":"<14>1 2025-12-01T10:00:00Z web nginx - - - GET / 200","attributes":{}})"));
  EXPECT_FALSE(lines[1].contains("timestamp"));  // the client sent none
  EXPECT_EQ(lines[3], json::parse(R"({"timestamp":"2025-12-01T09:59:58.500000000Z",
      "received":"2025-12-01T10:00:00.000000005Z","source":"native","service":"checkout",
      "level":"ERROR","message":"payment failed\n\tat Gateway.call",
      "attributes":{"order":"A-17","region":"eu \"west\""}})"));
}

TEST(ArchiveLinesTest, BothObjectFormatsGiveTheSameLines) {
  std::ostringstream direct;
  writeArchiveLines(segment(), ArchiveLinesFormat::kJson, direct);
  ASSERT_FALSE(direct.str().empty());
  auto templated = encodeArchive(segment(), 3);
  auto whole = encodeWholeArchive(segment(), 3);
  ASSERT_TRUE(templated.ok() && whole.ok());
  ASSERT_TRUE(templated->starts_with("PHLA"));
  for (const std::string* object : {&*templated, &*whole}) {
    std::ostringstream out;
    auto counts = writeArchiveObjectLines(*object, ArchiveLinesFormat::kJson, out);
    ASSERT_TRUE(counts.ok()) << counts.error().toString();
    EXPECT_EQ(out.str(), direct.str());
    EXPECT_EQ(counts->skippedRecords, 1u);
  }
}

TEST(ArchiveLinesTest, ABatchCutInsideAnEntryIsSkippedWhole) {
  BatchEncoder enc(Source::kNative, kReceived, 1 << 16);
  enc.add({.message = "first"});
  enc.add({.message = "second, cut"});
  std::string batch = std::move(enc).finish();
  std::string seg;
  appendFramedRecord(seg, batch.substr(0, batch.size() - 4));  // intact record, cut batch
  BatchEncoder after(Source::kNative, kReceived, 1 << 16);
  after.add({.message = "third"});
  appendFramedRecord(seg, std::move(after).finish());
  std::ostringstream out;
  ArchiveLinesCounts counts = writeArchiveLines(seg, ArchiveLinesFormat::kRaw, out);
  EXPECT_EQ(out.str(), "third\n");
  EXPECT_EQ(counts.skippedRecords, 1u);
  EXPECT_EQ(counts.tornTailBytes, 0u);
}

TEST(ArchiveLinesTest, ACorruptObjectIsAnErrorAndWritesNothing) {
  auto object = encodeArchive(segment(), 3);
  ASSERT_TRUE(object.ok());
  std::string flipped = *object;
  flipped[flipped.size() / 2] ^= 0x5a;
  for (const std::string& bad :
       {flipped, object->substr(0, object->size() / 2), std::string("plain text, no archive")}) {
    std::ostringstream out;
    auto counts = writeArchiveObjectLines(bad, ArchiveLinesFormat::kRaw, out);
    ASSERT_FALSE(counts.ok());
    EXPECT_EQ(counts.error().code, ErrorCode::kDataLoss) << counts.error().toString();
    EXPECT_TRUE(out.str().empty());
  }
}

}  // namespace
}  // namespace pharos::logs
