#include "metrics/sample_builder.h"

#include <algorithm>
#include <string>
#include <utility>

namespace pharos::metrics {
namespace {

// Below this many labels an insertion sort beats std::sort (and most samples have < 8).
constexpr std::size_t kInsertionSortMax = 16;

}  // namespace

void SampleBuilder::reserveFor(std::size_t bodySize) {
  std::size_t n = bodySize / 96 + 16;
  if (limits_.maxSamples != 0) n = std::min(n, limits_.maxSamples);
  samples_.reserve(n);
}

Status SampleBuilder::checkSampleLimit(const LineCursor& line) const {
  if (limits_.maxSamples == 0 || samples_.size() < limits_.maxSamples) return okStatus();
  return line.errorAt(0, "sample limit of " + std::to_string(limits_.maxSamples) + " exceeded");
}

Status SampleBuilder::sortAndCheckDuplicates(const LineCursor& line) {
  auto duplicate = [&](const LabelToken& label) {
    return line.errorAt(label.offset,
                        "duplicate label " + quoteForError(label.name) + " in sample");
  };
  // The metric name outside the braces is the label __name__.
  for (const auto& label : labels_) {
    if (label.name == Labels::kMetricName) return duplicate(label);
  }
  // Sorted by name, the order Labels keeps, so that building them costs no string moves.
  sorted_.clear();
  for (auto& label : labels_)
    sorted_.push_back(&label);
  auto less = [](const LabelToken* a, const LabelToken* b) {
    return a->name != b->name ? a->name < b->name : a->offset < b->offset;
  };
  if (sorted_.size() <= kInsertionSortMax) {
    for (std::size_t i = 1; i < sorted_.size(); ++i) {
      for (std::size_t j = i; j > 0 && less(sorted_[j], sorted_[j - 1]); --j)
        std::swap(sorted_[j], sorted_[j - 1]);
    }
  } else {
    std::sort(sorted_.begin(), sorted_.end(), less);
  }
  // Of several duplicates, report the one that comes first in the line.
  const LabelToken* first = nullptr;
  for (std::size_t i = 1; i < sorted_.size(); ++i) {
    if (sorted_[i]->name == sorted_[i - 1]->name &&
        (first == nullptr || sorted_[i]->offset < first->offset)) {
      first = sorted_[i];
    }
  }
  return first == nullptr ? okStatus() : duplicate(*first);
}

Status SampleBuilder::checkLimits(const LineCursor& line, std::string_view name,
                                  std::size_t nameOffset) const {
  if (limits_.maxLabels != 0) {
    std::size_t count = 1;  // __name__
    for (const auto& label : labels_)
      count += label.value.empty() ? 0 : 1;
    if (count > limits_.maxLabels) {
      return line.errorAt(nameOffset, "label limit of " + std::to_string(limits_.maxLabels) +
                                          " exceeded: " + std::to_string(count) + " labels on " +
                                          quoteForError(name));
    }
  }
  if (std::size_t max = limits_.maxLabelNameLength; max != 0) {
    if (Labels::kMetricName.size() > max) {
      return line.errorAt(nameOffset, "label name \"__name__\" is longer than the limit of " +
                                          std::to_string(max) + " bytes");
    }
    for (const auto& label : labels_) {
      if (!label.value.empty() && label.name.size() > max) {
        return line.errorAt(label.offset, "label name " + quoteForError(label.name) +
                                              " is longer than the limit of " +
                                              std::to_string(max) + " bytes");
      }
    }
  }
  if (std::size_t max = limits_.maxLabelValueLength; max != 0) {
    if (name.size() > max) {
      return line.errorAt(nameOffset, "metric name (the value of __name__) is longer than the " +
                                          std::string("label value limit of ") +
                                          std::to_string(max) + " bytes");
    }
    for (const auto& label : labels_) {
      if (label.value.size() > max) {
        return line.errorAt(label.offset, "value of label " + quoteForError(label.name) +
                                              " is longer than the limit of " +
                                              std::to_string(max) + " bytes");
      }
    }
  }
  return okStatus();
}

Status SampleBuilder::add(const LineCursor& line, std::string_view name, std::size_t nameOffset,
                          double value, std::optional<std::int64_t> timestampMs) {
  PHAROS_TRY(sortAndCheckDuplicates(line));
  PHAROS_TRY(checkLimits(line, name, nameOffset));
  std::vector<Label> items;
  items.reserve(labels_.size() + 1);
  bool nameAdded = false;
  for (LabelToken* label : sorted_) {
    if (!nameAdded && Labels::kMetricName < label->name) {
      items.push_back(Label{std::string(Labels::kMetricName), std::string(name)});
      nameAdded = true;
    }
    if (!label->value.empty()) {
      items.push_back(Label{std::string(label->name), std::move(label->value)});
    }
  }
  if (!nameAdded) items.push_back(Label{std::string(Labels::kMetricName), std::string(name)});
  labels_.clear();
  sorted_.clear();
  samples_.push_back(ParsedSample{Labels::fromUnsorted(std::move(items)), value, timestampMs});
  return okStatus();
}

}  // namespace pharos::metrics
