#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace pharos {

// A name/value pair that identifies a time series, a check or an alert ("job"="api").
struct Label {
  std::string name;
  std::string value;
  friend bool operator==(const Label&, const Label&) = default;
  friend auto operator<=>(const Label&, const Label&) = default;
};

// A canonical label set: sorted by name, names unique, no empty values (Prometheus treats
// an empty value as an absent label). The metric name is the label "__name__". Two equal
// sets have equal canonical strings and hashes, which is what makes them a series identity.
class Labels {
 public:
  Labels() = default;
  // Sorts; a later duplicate name replaces an earlier one; empty values are dropped.
  Labels(std::initializer_list<Label> labels);
  static Labels fromUnsorted(std::vector<Label> labels);

  const std::vector<Label>& items() const { return items_; }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

  // The value of `name`, or "" when absent.
  std::string_view get(std::string_view name) const;
  bool has(std::string_view name) const { return !get(name).empty(); }
  std::string_view metricName() const { return get(kMetricName); }

  // A copy with `name` set (an empty value removes it) or removed.
  Labels with(std::string_view name, std::string_view value) const;
  Labels without(std::string_view name) const;
  // Only the given names (for "by"), or all but them (for "without"; also drops __name__).
  Labels keepOnly(const std::vector<std::string>& names) const;
  Labels dropping(const std::vector<std::string>& names) const;

  // `name{a="1",b="2"}` with the name outside the braces, values escaped as in the
  // exposition format; `{}` for an empty set. Canonical: equal sets give equal strings.
  std::string str() const;
  std::uint64_t hash() const;

  friend bool operator==(const Labels&, const Labels&) = default;
  friend auto operator<=>(const Labels&, const Labels&) = default;

  static constexpr std::string_view kMetricName = "__name__";

 private:
  std::vector<Label> items_;
};

// Prometheus' grammar: metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names
// [a-zA-Z_][a-zA-Z0-9_]*. Names starting with "__" are reserved for internal use.
bool isValidMetricName(std::string_view name);
bool isValidLabelName(std::string_view name);
// Every name valid, every value valid UTF-8, a metric name present: the error names the
// offending label.
Status validateSeriesLabels(const Labels& labels);

struct LabelsHash {
  std::size_t operator()(const Labels& labels) const {
    return static_cast<std::size_t>(labels.hash());
  }
};

}  // namespace pharos
