#include "logs/decode_support.h"

#include "logs/level.h"
#include "logs/timestamp_parse.h"

#include <array>
#include <charconv>
#include <cstdlib>
#include <limits>

namespace pharos::logs {
namespace {

template <std::size_t N>
std::size_t rankIn(std::string_view key, const std::array<std::string_view, N>& names) {
  for (std::size_t rank = 0; rank < N; ++rank) {
    if (key == names[rank]) return rank;
  }
  return std::string_view::npos;
}

// The conventional fields of a JSON log line, best name first; see decodeNative.
constexpr std::array<std::string_view, 5> kTimeKeys = {"timestamp", "@timestamp", "time", "ts",
                                                       "date"};
constexpr std::array<std::string_view, 3> kMessageKeys = {"message", "msg", "log"};
constexpr std::array<std::string_view, 4> kLevelKeys = {"level", "severity", "lvl", "log.level"};
constexpr std::array<std::string_view, 3> kServiceKeys = {"service", "service.name", "app"};

constexpr int kMaxFlattenDepth = 16;

void appendJsonText(simdjson::dom::element value, std::string& out) {
  out.append(simdjson::minify(value));
}

// Adds `value` under the key text(keyStart..) as attributes: objects flattened with dots up
// to kMaxFlattenDepth (deeper ones as JSON text), arrays as JSON text, scalars as text.
void flatten(simdjson::dom::element value, TextRange key, EntryScratch& s, int depth);

void flattenObject(simdjson::dom::object object, TextRange key, EntryScratch& s, int depth) {
  std::string& t = s.text();
  if (object.size() == 0 && depth > 0) {
    s.addAttribute(key, s.append("{}"));
    return;
  }
  for (auto field : object) {
    const std::size_t start = t.size();
    if (key.size > 0) {
      t.append(std::string_view(t).substr(key.offset, key.size));
      t.push_back('.');
    }
    t.append(field.key);
    flatten(field.value, s.since(start), s, depth + 1);
  }
}

void flatten(simdjson::dom::element value, TextRange key, EntryScratch& s, int depth) {
  using simdjson::dom::element_type;
  std::string& t = s.text();
  if (value.type() == element_type::OBJECT && depth < kMaxFlattenDepth) {
    simdjson::dom::object object;
    object = value.get_object().value_unsafe();
    flattenObject(object, key, s, depth);
    return;
  }
  const std::size_t start = t.size();
  switch (value.type()) {
    case element_type::STRING: {
      std::string_view text;
      text = value.get_string().value_unsafe();
      t.append(text);
      break;
    }
    case element_type::INT64: {
      std::int64_t v = 0;
      v = value.get_int64().value_unsafe();
      appendInt(t, v);
      break;
    }
    case element_type::UINT64: {
      std::uint64_t v = 0;
      v = value.get_uint64().value_unsafe();
      appendUint(t, v);
      break;
    }
    case element_type::DOUBLE: {
      double v = 0;
      v = value.get_double().value_unsafe();
      appendDouble(t, v);
      break;
    }
    case element_type::BOOL: {
      bool v = false;
      v = value.get_bool().value_unsafe();
      t.append(v ? "true" : "false");
      break;
    }
    case element_type::NULL_VALUE:
      t.append("null");
      break;
    case element_type::ARRAY:
    case element_type::OBJECT:
      appendJsonText(value, t);
      break;
  }
  s.addAttribute(key, s.since(start));
}

}  // namespace

std::span<const AttributeView> EntryScratch::attributes(std::span<const std::size_t> skip,
                                                        std::span<const AttributeView> extra) {
  views_.clear();
  for (std::size_t i = 0; i < ranges_.size(); ++i) {
    bool skipped = false;
    for (std::size_t k : skip)
      skipped = skipped || k == i;
    if (!skipped) views_.push_back({view(ranges_[i].first), view(ranges_[i].second)});
  }
  views_.insert(views_.end(), extra.begin(), extra.end());
  return views_;
}

std::string_view severityNumberName(std::int64_t number) {
  if (number < 1 || number > 24) return "";
  return levelName(fromOtlpSeverityNumber(static_cast<int>(number)));
}

void appendInt(std::string& out, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void appendUint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void appendDouble(std::string& out, double v) {
  if (!(v == v) || v == std::numeric_limits<double>::infinity() ||
      v == -std::numeric_limits<double>::infinity()) {
    // Only protobuf can carry these; JSON has no spelling for them, so quote-free text.
    out.append(!(v == v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
    return;
  }
  char buf[40];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void appendHex(std::string& out, std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
}

void appendBase64(std::string& out, std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t i = 0;
  auto at = [&](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k]));
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t n = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    for (int shift : {18, 12, 6, 0})
      out.push_back(kAlphabet[(n >> shift) & 63]);
  }
  if (i + 1 == bytes.size()) {
    const std::uint32_t n = at(i) << 16;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.append("==");
  } else if (i + 2 == bytes.size()) {
    const std::uint32_t n = at(i) << 16 | at(i + 1) << 8;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
    out.push_back('=');
  }
}

std::optional<Error> batchTooLarge(const BatchEncoder& out, const DecodeLimits& limits) {
  if (out.sizeBytes() <= limits.maxBatchBytes) return std::nullopt;
  return makeError(ErrorCode::kInvalidArgument,
                   "the body expands to more than " + std::to_string(limits.maxBatchBytes) +
                       " bytes of log entries (attributes repeated for every entry)");
}

void noteRejected(DecodeResult& result, std::string reason) {
  ++result.rejected;
  if (result.errors.size() < kMaxReportedErrors) result.errors.push_back(std::move(reason));
}

std::string jsonErrorText(simdjson::error_code error) {
  return simdjson::error_message(error);
}

void addJsonObjectEntry(simdjson::dom::object object, EntryScratch& scratch, BatchEncoder& out,
                        std::span<const AttributeView> extra) {
  scratch.clear();
  flattenObject(object, TextRange{}, scratch, 0);
  enum Field { kTime, kMessage, kLevel, kService, kFieldCount };
  std::array<std::size_t, kFieldCount> index, rank;
  index.fill(std::string_view::npos);
  rank.fill(std::string_view::npos);
  std::int64_t timestampNs = 0;
  for (std::size_t i = 0; i < scratch.attributeCount(); ++i) {
    const std::string_view key = scratch.key(i);
    if (key.empty() || key.size() > 12) continue;  // no conventional name is longer
    std::size_t r = rankIn(key, kTimeKeys);
    if (r != std::string_view::npos) {
      if (r < rank[kTime]) {
        if (auto ns = parseTimestampNs(scratch.value(i))) {
          rank[kTime] = r;
          index[kTime] = i;
          timestampNs = *ns;
        }
      }
      continue;
    }
    auto consider = [&](Field field, std::size_t r) {
      if (r < rank[field]) {
        rank[field] = r;
        index[field] = i;
      }
    };
    consider(kMessage, rankIn(key, kMessageKeys));
    consider(kLevel, rankIn(key, kLevelKeys));
    consider(kService, rankIn(key, kServiceKeys));
  }
  std::array<std::size_t, kFieldCount> skip{};
  std::size_t skipCount = 0;
  for (std::size_t i : index) {
    if (i != std::string_view::npos) skip[skipCount++] = i;
  }
  auto text = [&](Field f) {
    return index[f] == std::string_view::npos ? std::string_view{} : scratch.value(index[f]);
  };
  EntryView entry;
  entry.timestampNs = timestampNs;
  entry.message = text(kMessage);
  entry.level = text(kLevel);
  entry.service = text(kService);
  entry.attributes = scratch.attributes(std::span(skip.data(), skipCount), extra);
  out.add(entry);
}

}  // namespace pharos::logs
