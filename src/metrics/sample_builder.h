#pragma once

// Internal to the exposition parsers: what both formats do with a parsed sample line.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "metrics/exposition.h"
#include "metrics/exposition_lexer.h"

namespace pharos::metrics {

// Collects the samples of one body: rejects duplicate label names, applies the limits, and
// builds each sample's canonical Labels once.
class SampleBuilder {
 public:
  explicit SampleBuilder(const ExpositionLimits& limits) : limits_(limits) {}

  // The parser reads the labels of the current line into this buffer; add() consumes them.
  std::vector<LabelToken>& labels() { return labels_; }

  // Checks the sample-count limit before the line is parsed any further.
  Status checkSampleLimit(const LineCursor& line) const;

  // Adds the sample whose metric name starts at `nameOffset` of `line`, with the labels in
  // labels(), which it clears.
  Status add(const LineCursor& line, std::string_view name, std::size_t nameOffset, double value,
             std::optional<std::int64_t> timestampMs);

  // Reserves room for the samples a body of `bodySize` bytes likely holds (real sample
  // lines are rarely under ~100 bytes), so that a large body moves them less as the vector
  // grows, while a body of blank lines cannot make us reserve much.
  void reserveFor(std::size_t bodySize);

  std::vector<ParsedSample> release() && { return std::move(samples_); }

 private:
  Status sortAndCheckDuplicates(const LineCursor& line);
  Status checkLimits(const LineCursor& line, std::string_view name, std::size_t nameOffset) const;

  ExpositionLimits limits_;
  std::vector<LabelToken> labels_;
  std::vector<LabelToken*> sorted_;  // labels_ by name, set by sortAndCheckDuplicates()
  std::vector<ParsedSample> samples_;
};

}  // namespace pharos::metrics
