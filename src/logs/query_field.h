#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "logs/record.h"

namespace pharos::logs {

// Reads one named field of a record for the matcher and the stats stage, resolved once per
// query rather than per record: the fixed fields by name, `attr.<key>` as the attribute
// <key> even when a fixed field has that name, any other name as an attribute.
class FieldAccessor {
 public:
  explicit FieldAccessor(std::string_view name);

  // The value, or nullopt-like false when absent or empty. `scratch` backs the view for the
  // numeric fields; the view is valid until the record or `scratch` changes.
  bool get(const Record& record, std::string& scratch, std::string_view& out) const;
  bool isLevel() const { return kind_ == Kind::kLevel; }

 private:
  enum class Kind : std::uint8_t { kService, kLevel, kMessage, kTraceId, kHost, kOther, kAttr };
  Kind kind_;
  std::string name_;  // kOther: the field() name; kAttr: the attribute key
};

}  // namespace pharos::logs
