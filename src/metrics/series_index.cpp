#include "metrics/series_index.h"

#include <algorithm>

namespace pharos::metrics {

void SeriesIndex::add(SeriesRef ref, const Labels& labels) {
  for (const auto& label : labels)
    postings_[label.name][label.value].push_back(ref);
  all_.push_back(ref);
}

std::vector<SeriesRef> SeriesIndex::postingsFor(const promql::Matcher& m) const {
  auto byName = postings_.find(m.name);
  if (byName == postings_.end()) return {};
  if (m.type == promql::Matcher::Type::kEqual) {
    auto it = byName->second.find(m.value);
    return it == byName->second.end() ? std::vector<SeriesRef>{} : it->second;
  }
  std::vector<SeriesRef> out;
  std::size_t lists = 0;
  for (const auto& [value, refs] : byName->second) {
    if (!m.matches(value)) continue;
    out.insert(out.end(), refs.begin(), refs.end());
    ++lists;
  }
  // One series has one value per name, so the lists are disjoint: sorting suffices.
  if (lists > 1) std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> SeriesIndex::labelNames() const {
  std::vector<std::string> names;
  names.reserve(postings_.size());
  for (const auto& [name, values] : postings_)
    names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> SeriesIndex::labelValues(const std::string& name) const {
  std::vector<std::string> values;
  auto it = postings_.find(name);
  if (it == postings_.end()) return values;
  values.reserve(it->second.size());
  for (const auto& [value, refs] : it->second)
    values.push_back(value);
  std::sort(values.begin(), values.end());
  return values;
}

std::vector<SeriesRef> intersectPostings(const std::vector<SeriesRef>& a,
                                         const std::vector<SeriesRef>& b) {
  std::vector<SeriesRef> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace pharos::metrics
