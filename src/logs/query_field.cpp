#include "logs/query_field.h"

namespace pharos::logs {

FieldAccessor::FieldAccessor(std::string_view name) : kind_(Kind::kOther), name_(name) {
  if (name == "service") {
    kind_ = Kind::kService;
  } else if (name == "level") {
    kind_ = Kind::kLevel;
  } else if (name == "message") {
    kind_ = Kind::kMessage;
  } else if (name == "trace_id") {
    kind_ = Kind::kTraceId;
  } else if (name == "host") {
    kind_ = Kind::kHost;
  } else if (name.starts_with("attr.")) {
    kind_ = Kind::kAttr;
    name_ = name.substr(5);
  }
}

bool FieldAccessor::get(const Record& record, std::string& scratch, std::string_view& out) const {
  // The string fields are read in place: no copy per record.
  switch (kind_) {
    case Kind::kService:
      out = record.service;
      break;
    case Kind::kLevel:
      out = levelName(record.level);
      break;
    case Kind::kMessage:
      out = record.message;
      break;
    case Kind::kTraceId:
      out = record.traceId;
      break;
    case Kind::kHost:
      out = record.host;
      break;
    case Kind::kAttr:
      out = {};
      for (const auto& a : record.attributes) {
        if (a.key == name_) {
          out = a.value;
          break;
        }
      }
      break;
    case Kind::kOther:
      if (!record.field(name_, scratch)) return false;
      out = scratch;
      break;
  }
  return !out.empty();
}

}  // namespace pharos::logs
