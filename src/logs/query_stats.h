#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "logs/query_ast.h"
#include "logs/query_field.h"
#include "logs/record.h"

namespace pharos::logs {

// The `| stats count() by (f1, f2)` stage: counts the records it is given (the caller has
// already filtered them) per distinct combination of the by-fields' values.
//
// Bounded: the first kMaxGroups distinct combinations get their own group; records of any
// later combination are counted in one "other" group, so a by-field with unbounded values
// (a trace id) cannot exhaust memory. Not thread-safe.
class StatsAccumulator {
 public:
  static constexpr std::size_t kMaxGroups = 10'000;

  explicit StatsAccumulator(const LogQuery& query);

  void add(const Record& record);

  // [{"service": "api", "level": "error", "count": 12}, ...], by count descending, then by
  // the values; an absent field is null. Without by-fields: [{"count": N}]. The overflow
  // group, when any record fell in it, comes last: {"other": true, "count": N}.
  nlohmann::json toJson() const;

  std::size_t groupCount() const { return groups_.size(); }
  std::uint64_t otherCount() const { return otherCount_; }

 private:
  struct Group {
    std::vector<std::optional<std::string>> values;
    std::uint64_t count = 0;
  };

  std::vector<std::string> names_;
  std::vector<FieldAccessor> fields_;
  std::unordered_map<std::string, std::size_t> index_;  // encoded values -> groups_
  std::vector<Group> groups_;
  std::uint64_t otherCount_ = 0;
  std::string key_;      // reused per add()
  std::string scratch_;  // reused per add()
};

}  // namespace pharos::logs
