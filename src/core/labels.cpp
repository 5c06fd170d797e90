#include "core/labels.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "core/text.h"

namespace pharos {
namespace {

bool isNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

void appendEscaped(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

}  // namespace

Labels::Labels(std::initializer_list<Label> labels) : Labels(fromUnsorted({labels})) {}

Labels Labels::fromUnsorted(std::vector<Label> labels) {
  // Stable, so among equal names the later one ends last and wins below. Parsers mostly
  // hand over sorted sets, and stable_sort allocates: check first.
  auto byName = [](const Label& a, const Label& b) { return a.name < b.name; };
  if (!std::is_sorted(labels.begin(), labels.end(), byName)) {
    std::stable_sort(labels.begin(), labels.end(), byName);
  }
  Labels out;
  out.items_.reserve(labels.size());
  for (auto& label : labels) {
    if (!out.items_.empty() && out.items_.back().name == label.name) out.items_.pop_back();
    out.items_.push_back(std::move(label));
  }
  std::erase_if(out.items_, [](const Label& l) { return l.value.empty(); });
  return out;
}

std::string_view Labels::get(std::string_view name) const {
  auto it = std::lower_bound(items_.begin(), items_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  return it != items_.end() && it->name == name ? std::string_view(it->value) : std::string_view();
}

Labels Labels::with(std::string_view name, std::string_view value) const {
  Labels out = without(name);
  if (value.empty()) return out;
  auto it = std::lower_bound(out.items_.begin(), out.items_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  out.items_.insert(it, Label{std::string(name), std::string(value)});
  return out;
}

Labels Labels::without(std::string_view name) const {
  Labels out;
  out.items_.reserve(items_.size());
  for (const auto& l : items_) {
    if (l.name != name) out.items_.push_back(l);
  }
  return out;
}

Labels Labels::keepOnly(const std::vector<std::string>& names) const {
  Labels out;
  for (const auto& l : items_) {
    if (std::find(names.begin(), names.end(), l.name) != names.end()) out.items_.push_back(l);
  }
  return out;
}

Labels Labels::dropping(const std::vector<std::string>& names) const {
  Labels out;
  for (const auto& l : items_) {
    if (l.name == kMetricName) continue;
    if (std::find(names.begin(), names.end(), l.name) == names.end()) out.items_.push_back(l);
  }
  return out;
}

std::string Labels::str() const {
  std::string out(metricName());
  out += '{';
  bool first = true;
  for (const auto& l : items_) {
    if (l.name == kMetricName) continue;
    if (!first) out += ',';
    first = false;
    out += l.name;
    out += "=\"";
    appendEscaped(out, l.value);
    out += '"';
  }
  out += '}';
  return out;
}

std::uint64_t Labels::hash() const {
  // Eight bytes at a time with a multiply-xorshift mix: this runs once per appended sample,
  // so it must cost a few nanoseconds, not one multiply per byte. Each string's length is
  // mixed in with its tail, so ("a","bc") and ("ab","c") differ. Not persisted: the store
  // may change it.
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
  std::uint64_t h = 0x243F6A8885A308D3ull;
  auto mix = [&h](std::string_view s) {
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      std::uint64_t word;
      std::memcpy(&word, s.data() + i, 8);
      h = (h ^ word) * kMul;
      h ^= h >> 32;
    }
    std::uint64_t tail = 0;
    std::memcpy(&tail, s.data() + i, s.size() - i);  // at most 7 bytes: the top byte is free
    tail ^= static_cast<std::uint64_t>(s.size()) << 56;
    h = (h ^ tail) * kMul;
    h ^= h >> 29;
  };
  for (const auto& l : items_) {
    mix(l.name);
    mix(l.value);
  }
  return h;
}

bool isValidMetricName(std::string_view name) {
  if (name.empty() || !(isNameStart(name[0]) || name[0] == ':')) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return isNameStart(c) || isDigit(c) || c == ':'; });
}

bool isValidLabelName(std::string_view name) {
  if (name.empty() || !isNameStart(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return isNameStart(c) || isDigit(c); });
}

Status validateSeriesLabels(const Labels& labels) {
  auto name = labels.metricName();
  if (name.empty()) return makeError(ErrorCode::kInvalidArgument, "series has no metric name");
  if (!isValidMetricName(name)) {
    return makeError(ErrorCode::kInvalidArgument,
                     "invalid metric name \"" + std::string(name) + "\"");
  }
  for (const auto& l : labels) {
    if (!isValidLabelName(l.name)) {
      return makeError(ErrorCode::kInvalidArgument, "invalid label name \"" + l.name + "\"");
    }
    if (!isValidUtf8(l.value)) {
      return makeError(ErrorCode::kInvalidArgument,
                       "label \"" + l.name + "\" has a value that is not valid UTF-8");
    }
  }
  return okStatus();
}

}  // namespace pharos
