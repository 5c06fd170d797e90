#include "logs/decode_support.h"

#include "logs/level.h"
#include "logs/timestamp_parse.h"

#include <array>
#include <bit>
#include <charconv>
#include <cstdlib>
#include <limits>

namespace pharos::logs {
namespace {

// The conventional fields of a JSON log line and their names, best name first (rank 0); see
// decodeNative.
enum Field : std::uint8_t { kTime, kMessage, kLevel, kService, kFieldCount };
struct ConventionalName {
  std::string_view name;
  Field field;
  std::uint8_t rank;
};
constexpr std::array<ConventionalName, 15> kConventionalNames = {{
    {"timestamp", kTime, 0},
    {"@timestamp", kTime, 1},
    {"time", kTime, 2},
    {"ts", kTime, 3},
    {"date", kTime, 4},
    {"message", kMessage, 0},
    {"msg", kMessage, 1},
    {"log", kMessage, 2},
    {"level", kLevel, 0},
    {"severity", kLevel, 1},
    {"lvl", kLevel, 2},
    {"log.level", kLevel, 3},
    {"service", kService, 0},
    {"service.name", kService, 1},
    {"app", kService, 2},
}};

// For each key length, the kConventionalNames of that length, a bit for each.
constexpr std::array<std::uint16_t, 13> kNamesByLength = [] {
  std::array<std::uint16_t, 13> byLength{};
  for (std::size_t i = 0; i < kConventionalNames.size(); ++i)
    byLength[kConventionalNames[i].name.size()] |= static_cast<std::uint16_t>(1u << i);
  return byLength;
}();

// The conventional name `key` is, or null. Every key of every line comes here and most are
// not conventional, so the length picks the few candidates before any bytes are compared.
const ConventionalName* conventionalName(std::string_view key) {
  if (key.size() >= kNamesByLength.size()) return nullptr;
  for (unsigned bits = kNamesByLength[key.size()]; bits != 0; bits &= bits - 1) {
    const ConventionalName& c =
        kConventionalNames[static_cast<std::size_t>(std::countr_zero(bits))];
    if (c.name[0] == key[0] && c.name == key) return &c;
  }
  return nullptr;
}

constexpr int kMaxFlattenDepth = 16;

void appendJsonText(simdjson::dom::element value, std::string& out) {
  out.append(simdjson::minify(value));
}

// Adds `value` under `key` as attributes: objects flattened with dots up to kMaxFlattenDepth
// (deeper ones as JSON text), arrays as JSON text, scalars as text. Keys and strings as they
// are in the document are borrowed from it, not copied.
void flatten(simdjson::dom::element value, TextRange key, EntryScratch& s, int depth);

void flattenObject(simdjson::dom::object object, TextRange key, EntryScratch& s, int depth) {
  std::string& t = s.text();
  if (object.size() == 0 && depth > 0) {
    s.addAttribute(key, s.append("{}"));
    return;
  }
  for (auto field : object) {
    if (key.size == 0) {
      flatten(field.value, EntryScratch::borrow(field.key), s, depth + 1);
      continue;
    }
    const std::size_t start = t.size();
    t.append(s.view(key));
    t.push_back('.');
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
  if (value.type() == element_type::STRING) {
    s.addAttribute(key, EntryScratch::borrow(value.get_string().value_unsafe()));
    return;
  }
  const std::size_t start = t.size();
  switch (value.type()) {
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
    case element_type::STRING:  // borrowed above
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
  views_.reserve(ranges_.size() + extra.size());
  auto nextSkip = skip.begin();
  for (std::size_t i = 0; i < ranges_.size(); ++i) {
    if (nextSkip != skip.end() && *nextSkip == i) {
      ++nextSkip;
      continue;
    }
    views_.push_back({view(ranges_[i].first), view(ranges_[i].second)});
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
  constexpr std::size_t kNone = std::string_view::npos;
  std::array<std::size_t, kFieldCount> index, rank;
  index.fill(kNone);
  rank.fill(kNone);
  std::int64_t timestampNs = 0;
  for (std::size_t i = 0; i < scratch.attributeCount(); ++i) {
    const ConventionalName* name = conventionalName(scratch.key(i));
    if (name == nullptr || name->rank >= rank[name->field]) continue;
    if (name->field == kTime) {
      // A time that does not parse stays an attribute and leaves the field to a later name.
      auto ns = parseTimestampNs(scratch.value(i));
      if (!ns) continue;
      timestampNs = *ns;
    }
    rank[name->field] = name->rank;
    index[name->field] = i;
  }
  // The fields taken leave the attributes; attributes() wants their indexes ascending.
  std::array<std::size_t, kFieldCount> skip{};
  std::size_t skipCount = 0;
  for (std::size_t i : index) {
    if (i == kNone) continue;
    std::size_t k = skipCount++;
    for (; k > 0 && skip[k - 1] > i; --k)
      skip[k] = skip[k - 1];
    skip[k] = i;
  }
  auto text = [&](Field f) {
    return index[f] == kNone ? std::string_view{} : scratch.value(index[f]);
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
