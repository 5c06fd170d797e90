#include "logs/query_stats.h"

#include <algorithm>

namespace pharos::logs {

StatsAccumulator::StatsAccumulator(const LogQuery& query) : names_(query.statsBy) {
  for (const auto& name : names_)
    fields_.emplace_back(name);
}

void StatsAccumulator::add(const Record& record) {
  // The key: per field, 0 for absent or 1 + a 4-byte length + the bytes, so no two value
  // combinations share a key whatever bytes the values hold.
  key_.clear();
  for (const auto& field : fields_) {
    std::string_view value;
    if (!field.get(record, scratch_, value)) {
      key_ += '\0';
      continue;
    }
    key_ += '\1';
    auto n = static_cast<std::uint32_t>(value.size());
    for (int shift = 0; shift < 32; shift += 8)
      key_ += static_cast<char>((n >> shift) & 0xff);
    key_.append(value);
  }
  auto it = index_.find(key_);
  if (it != index_.end()) {
    ++groups_[it->second].count;
    return;
  }
  if (groups_.size() >= kMaxGroups) {
    ++otherCount_;
    return;
  }
  Group group;
  group.count = 1;
  for (const auto& field : fields_) {
    std::string_view value;
    if (field.get(record, scratch_, value)) {
      group.values.emplace_back(std::string(value));
    } else {
      group.values.emplace_back(std::nullopt);
    }
  }
  index_.emplace(key_, groups_.size());
  groups_.push_back(std::move(group));
}

nlohmann::json StatsAccumulator::toJson() const {
  nlohmann::json out = nlohmann::json::array();
  if (fields_.empty()) {
    std::uint64_t total = otherCount_;
    for (const auto& g : groups_)
      total += g.count;
    out.push_back({{"count", total}});
    return out;
  }
  std::vector<const Group*> order;
  order.reserve(groups_.size());
  for (const auto& g : groups_)
    order.push_back(&g);
  std::sort(order.begin(), order.end(), [](const Group* a, const Group* b) {
    if (a->count != b->count) return a->count > b->count;
    return a->values < b->values;  // absent (nullopt) sorts first
  });
  for (const Group* g : order) {
    nlohmann::json row = nlohmann::json::object();
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (g->values[i]) {
        // UTF-8: the batch encoder replaced invalid bytes before the record was made.
        row[names_[i]] = *g->values[i];
      } else {
        row[names_[i]] = nullptr;
      }
    }
    row["count"] = g->count;
    out.push_back(std::move(row));
  }
  if (otherCount_ > 0) out.push_back({{"other", true}, {"count", otherCount_}});
  return out;
}

}  // namespace pharos::logs
