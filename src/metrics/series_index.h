#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/labels.h"
#include "promql/matcher.h"

namespace pharos::metrics {

using SeriesRef = std::uint32_t;

// The inverted index of the metrics store: for each label name and value, the series that
// carry it (postings, sorted ascending by ref). Selection intersects the postings of the
// matchers that need the label present and checks the others against each candidate's
// labels, as Prometheus' head index does. Not thread-safe: the store guards it.
class SeriesIndex {
 public:
  // `ref` must be greater than every ref added before (refs only grow).
  void add(SeriesRef ref, const Labels& labels);

  // Refs of the series matching every matcher, ascending. `labelsOf` gives a candidate's
  // labels (the store owns them).
  template <typename LabelsOf>
  std::vector<SeriesRef> select(const std::vector<promql::Matcher>& matchers,
                                const LabelsOf& labelsOf) const;

  std::vector<std::string> labelNames() const;
  std::vector<std::string> labelValues(const std::string& name) const;
  std::size_t seriesCount() const { return all_.size(); }

 private:
  // Union of the postings of every value of `m.name` that m matches; sorted.
  std::vector<SeriesRef> postingsFor(const promql::Matcher& m) const;

  std::unordered_map<std::string, std::unordered_map<std::string, std::vector<SeriesRef>>>
      postings_;
  std::vector<SeriesRef> all_;
};

// Intersection of two ascending ref lists.
std::vector<SeriesRef> intersectPostings(const std::vector<SeriesRef>& a,
                                         const std::vector<SeriesRef>& b);

template <typename LabelsOf>
std::vector<SeriesRef> SeriesIndex::select(const std::vector<promql::Matcher>& matchers,
                                           const LabelsOf& labelsOf) const {
  // Matchers that cannot match an absent label narrow the candidates through postings;
  // the rest ({foo=""}, {foo!="x"}, {foo=~".*"}) would mean "every series without foo" and
  // are cheaper to check on the few candidates left.
  std::vector<SeriesRef> candidates;
  bool narrowed = false;
  std::vector<const promql::Matcher*> checks;
  for (const auto& m : matchers) {
    if (m.matches("")) {
      checks.push_back(&m);
      continue;
    }
    std::vector<SeriesRef> refs = postingsFor(m);
    candidates = narrowed ? intersectPostings(candidates, refs) : std::move(refs);
    narrowed = true;
    if (candidates.empty()) return candidates;
  }
  if (!narrowed) candidates = all_;
  if (checks.empty()) return candidates;
  std::vector<SeriesRef> out;
  for (SeriesRef ref : candidates) {
    const Labels& labels = labelsOf(ref);
    bool ok = true;
    for (const auto* m : checks) {
      if (!m->matches(labels.get(m->name))) {
        ok = false;
        break;
      }
    }
    if (ok) out.push_back(ref);
  }
  return out;
}

}  // namespace pharos::metrics
