#pragma once

// Helpers for the ingest decoder tests: capture files, and a batch read back into plain
// values so assertions read like the records they check.

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "logs/log_batch.h"
#include "logs/protobuf_writer.h"

namespace pharos::logs::testing {

struct Decoded {
  std::int64_t timestampNs = 0;
  std::string service, level, message;
  std::vector<std::pair<std::string, std::string>> attributes;

  // The value of the first attribute `key`, or "<absent>".
  std::string attr(std::string_view key) const {
    for (const auto& [k, v] : attributes) {
      if (k == key) return v;
    }
    return "<absent>";
  }
};

inline std::filesystem::path dataDir() {
  return std::filesystem::path(__FILE__).parent_path() / "data";
}

inline std::string readData(const std::string& relative) {
  std::ifstream in(dataDir() / relative, std::ios::binary);
  EXPECT_TRUE(in.good()) << relative;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// sample.log's 20 lines, the input of every Fluent Bit capture.
inline std::vector<std::string> sampleLines() {
  std::istringstream in(readData("fluent-bit/sample.log"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

inline std::vector<Decoded> readBack(BatchEncoder&& encoder) {
  std::string bytes = std::move(encoder).finish();
  auto reader = BatchReader::open(bytes);
  EXPECT_TRUE(reader.ok());
  std::vector<Decoded> out;
  if (!reader.ok()) return out;
  EntryView e;
  for (;;) {
    auto more = reader->next(e);
    EXPECT_TRUE(more.ok());
    if (!more.ok() || !*more) break;
    Decoded d{
        e.timestampNs, std::string(e.service), std::string(e.level), std::string(e.message), {}};
    for (const auto& a : e.attributes)
      d.attributes.emplace_back(a.key, a.value);
    out.push_back(std::move(d));
  }
  return out;
}

using pharos::testing::Pb;

inline BatchEncoder newEncoder(Source source) {
  return BatchEncoder(source, 1, 1 << 20);
}

}  // namespace pharos::logs::testing
