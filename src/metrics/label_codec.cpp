#include "metrics/label_codec.h"

#include "core/error.h"
#include "core/varint.h"

namespace pharos::metrics {
namespace {

// Far above any real label set, low enough that a corrupt count cannot allocate gigabytes.
constexpr std::uint64_t kMaxLabels = 1024;

bool getString(std::string_view& in, std::string& out) {
  std::uint64_t size = 0;
  if (!getVarint(in, size) || size > in.size()) return false;
  out.assign(in.substr(0, size));
  in.remove_prefix(size);
  return true;
}

}  // namespace

void encodeLabels(std::string& out, const Labels& labels) {
  putVarint(out, labels.size());
  for (const auto& label : labels) {
    putVarint(out, label.name.size());
    out += label.name;
    putVarint(out, label.value.size());
    out += label.value;
  }
}

Result<Labels> decodeLabels(std::string_view& in) {
  std::uint64_t count = 0;
  if (!getVarint(in, count) || count > kMaxLabels) {
    return makeError(ErrorCode::kDataLoss, "malformed label set: bad count");
  }
  std::vector<Label> items(count);
  for (auto& label : items) {
    if (!getString(in, label.name) || !getString(in, label.value)) {
      return makeError(ErrorCode::kDataLoss, "malformed label set: truncated");
    }
  }
  return Labels::fromUnsorted(std::move(items));
}

}  // namespace pharos::metrics
