// The template miner takes every log line a client sends, and restore() reads state from
// disk: neither may crash, hang or break its own invariants on any bytes.
//   - restore() of arbitrary bytes fails cleanly, or round-trips through snapshot();
//   - add() of each line, then match() of the same line finds the same template
//     (resolved), unless the line itself holds "<*>" or is cut at maxWords;
//   - snapshot() then restore() gives the same state.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "logs/template_miner.h"

namespace {

using pharos::logs::MinerOptions;
using pharos::logs::TemplateMiner;

std::size_t wordCount(std::string_view s) {
  std::size_t words = 0;
  bool inWord = false;
  for (char c : s) {
    bool space = c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
    if (!space && !inWord) ++words;
    inWord = !space;
  }
  return words;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  MinerOptions options;
  options.maxClusters = 20;
  options.maxWords = 12;
  if (!input.empty()) {
    options.depth = 2 + static_cast<unsigned char>(input[0]) % 4;
    options.maxChildren = 1 + static_cast<unsigned char>(input[0]) % 5;
    options.similarity = 0.3 + 0.1 * (static_cast<unsigned char>(input[0]) % 6);
  }

  if (auto restored = TemplateMiner::restore(input, options); restored.ok()) {
    std::string image = restored->snapshot();
    auto again = TemplateMiner::restore(image, options);
    if (!again.ok() || again->snapshot() != image) std::abort();
    restored->add("after a restore");
  }

  TemplateMiner miner(options);
  std::string_view rest = input;
  while (!rest.empty()) {
    std::size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    auto mined = miner.add(line);
    if (mined.id == 0) std::abort();
    if (miner.resolve(mined.id) != mined.id) std::abort();  // add() returns survivors
    if (line.find("<*>") == std::string_view::npos && wordCount(line) < options.maxWords) {
      auto matched = miner.match(line);
      if (!matched || miner.resolve(*matched) != mined.id) std::abort();
    }
    if (wordCount(miner.templateText(mined.id)) != std::min(wordCount(line), options.maxWords)) {
      std::abort();
    }
    if (miner.clusterCount() > options.maxClusters + options.maxWords + 1) std::abort();
  }
  std::string image = miner.snapshot();
  auto restored = TemplateMiner::restore(image, options);
  if (!restored.ok() || restored->snapshot() != image) std::abort();
  return 0;
}
