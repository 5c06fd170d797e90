#include "logs/archive_codec.h"

#include <fmt/format.h>
#include <zstd.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "core/crc32c.h"
#include "core/error.h"
#include "core/framed_records.h"
#include "core/varint.h"
#include "logs/archive_columns.h"
#include "logs/archive_variables.h"
#include "logs/function_ref.h"
#include "logs/log_batch.h"

namespace pharos::logs {
namespace archive {
namespace {

constexpr char kMagic[] = {'P', 'H', 'L', 'A'};
constexpr char kZstdMagic[] = {'\x28', '\xB5', '\x2F', '\xFD'};
constexpr std::uint8_t kFormatVersion = 1;
constexpr std::uint8_t kRecordBatch = 0, kRecordRaw = 1;
constexpr std::uint8_t kStored = 0, kZstd = 1;
constexpr char kBatchVersion = 1;  // the batch layout of log_batch.h the columns hold
// A field's dictionary takes this many values; a field with more (ids, timestamps as text)
// has the rest template-coded, where their variables are stored compactly.
constexpr std::size_t kFieldDictionaryLimit = 1024;
// Bounds on the encoder's memory whatever the segment holds (unique keys, random text): at
// most this many attribute keys, field values and templates are kept. Past them, keys and
// values are template-coded and templates written out with the message (kInlineTemplate).
constexpr std::size_t kMaxAttributeKeys = 4096;
constexpr std::size_t kMaxFieldEntries = std::size_t{1} << 18;
constexpr std::size_t kMaxTemplates = std::size_t{1} << 18;
// A template id: the template is written out in kInlineTemplates, or kFirstTemplate + its
// rank in the dictionary.
constexpr std::uint64_t kInlineTemplate = 0, kFirstTemplate = 1;
// The decoder hands out the segment in pieces of about this size (a comparison or a copy).
constexpr std::size_t kDecodePieceBytes = 1u << 20;
// A column shorter than this is stored as it is: a zstd frame would not be smaller.
constexpr std::size_t kMinCompressBytes = 64;
// The columns of ids and packed binary (template ids, hex digits, UUIDs, IPv4 addresses) have
// few and short repeats: zstd's lazy match finders (past level 3) search them at 3-10 times the
// cost of level 3's for little (on the log benchmark 1.3% of message_templates, 0.2% of
// hex_bytes, nothing of uuids and ipv4s: 0.02% of raw in all), so they are kept to level 3.
constexpr int kIdColumnsLevel = 3;
int columnLevel(std::uint32_t id, int level) {
  switch (id) {
    case kMessageTemplates:
    case kFieldTemplates:
    case kHexBytes:
    case kUuids:
    case kIpv4s:
      return std::min(level, kIdColumnsLevel);
    default:
      return level;
  }
}

Error corrupt(std::string what) {
  return makeError(ErrorCode::kDataLoss, "archive object: " + std::move(what));
}

// A varint as BatchEncoder writes it: the shortest form, so that writing the value again
// gives the same bytes.
bool getCanonicalVarint(std::string_view& in, std::uint64_t& v) {
  v = 0;
  for (int i = 0; i < 10; ++i) {
    if (in.empty()) return false;
    const auto b = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    if (i == 9 && b > 1) return false;
    v |= static_cast<std::uint64_t>(b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) return i == 0 || b != 0;
  }
  return false;
}

bool getCanonicalString(std::string_view& in, std::string_view& out) {
  std::uint64_t n = 0;
  if (!getCanonicalVarint(in, n) || n > in.size()) return false;
  out = in.substr(0, static_cast<std::size_t>(n));
  in.remove_prefix(static_cast<std::size_t>(n));
  return true;
}

struct ParsedEntry {
  std::uint64_t timestamp = 0;  // zigzag, as stored
  std::string_view service, level, message;
  std::size_t attributesFrom = 0, attributeCount = 0;
};

struct ParsedBatch {
  std::uint8_t source = 0;
  std::uint64_t received = 0;  // zigzag, as stored
  std::vector<ParsedEntry> entries;
  std::vector<AttributeView> attributes;
};

// A record the columns can hold: a version-1 batch whose every varint is canonical and that
// ends with its last entry. Any source byte is kept as it is.
bool parseBatch(std::string_view payload, ParsedBatch& batch) {
  batch.entries.clear();
  batch.attributes.clear();
  if (payload.empty() || payload[0] != kBatchVersion || payload.size() < 2) return false;
  batch.source = static_cast<std::uint8_t>(payload[1]);
  payload.remove_prefix(2);
  if (!getCanonicalVarint(payload, batch.received)) return false;
  while (!payload.empty()) {
    ParsedEntry e;
    std::uint64_t count = 0;
    if (!getCanonicalVarint(payload, e.timestamp) || !getCanonicalString(payload, e.service) ||
        !getCanonicalString(payload, e.level) || !getCanonicalString(payload, e.message) ||
        !getCanonicalVarint(payload, count) || count > payload.size()) {
      return false;
    }
    e.attributesFrom = batch.attributes.size();
    e.attributeCount = static_cast<std::size_t>(count);
    for (std::size_t k = 0; k < e.attributeCount; ++k) {
      AttributeView a;
      if (!getCanonicalString(payload, a.key) || !getCanonicalString(payload, a.value)) {
        return false;
      }
      batch.attributes.push_back(a);
    }
    batch.entries.push_back(e);
  }
  return true;
}

// Field values (service, level, attribute keys, each key's values) are coded by a dictionary
// per field: id 0 says the value is template-coded instead (its dictionary is full), 1..n name
// an entry, n+1 adds the value (its text goes to the dictionary column).
using FieldDictionary = StringIds;

// Storage for the templates' text in blocks that never move, so that views of it stay valid.
class Arena {
 public:
  std::string_view copy(std::string_view s) {
    if (left_ < s.size()) {
      const std::size_t size = std::max(kBlockBytes, s.size());
      blocks_.emplace_back(new char[size]);
      next_ = blocks_.back().get();
      left_ = size;
    }
    if (!s.empty()) std::memcpy(next_, s.data(), s.size());
    const std::string_view copied(next_, s.size());
    next_ += s.size();
    left_ -= s.size();
    return copied;
  }

 private:
  static constexpr std::size_t kBlockBytes = 1u << 20;
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* next_ = nullptr;
  std::size_t left_ = 0;
};

class SegmentEncoder {
 public:
  SegmentEncoder() : variables_(columns_) {}

  void add(std::string_view segment) {
    const std::size_t intact = scanFramedRecords(segment, [&](std::string_view payload) {
      if (parseBatch(payload, batch_)) {
        columns_[kRecordKinds].byte(kRecordBatch);
        addBatch();
      } else {
        columns_[kRecordKinds].byte(kRecordRaw);
        columns_[kRawRecords].string(payload);
      }
      return true;
    });
    columns_[kTail].append(segment.substr(intact));
  }

  // The object of what was added, `segment` being those bytes: finish() once all of it is,
  // peek() on the way (the encoder stays as it was, so that more can be added), for the probe.
  Result<std::string> finish(std::string_view segment, int level);
  Result<std::string> peek(std::string_view segment, int level) const;

 private:
  void addBatch();
  // The dictionary index of `value`, or kTemplated when it went to the templates.
  std::uint32_t field(FieldDictionary& dict, std::size_t limit, ColumnWriter& ids,
                      ColumnWriter& strings, std::string_view value);
  // The id of the template of `text`, or kWrittenOut when it is not kept (kInlineTemplate).
  std::uint32_t templateOf(std::string_view text);
  // Writes the columns known only at the end (templates, template ids, integer streams).
  void writeLastColumns(ColumnWriters& columns) const;
  void writeTemplates(ColumnWriters& columns) const;
  // The object of `columns`, released as they are stored.
  static Result<std::string> compress(std::string_view segment, int level, ColumnWriters& columns);

  static constexpr std::uint32_t kTemplated = UINT32_MAX, kWrittenOut = UINT32_MAX;

  ColumnWriters columns_;
  VariableEncoder variables_;
  ParsedBatch batch_;
  OutputBuffer scratch_;   // the template of the text being added
  StringIds templateIds_;  // its keys are the templates, by id in order of appearance
  Arena templateText_;
  std::vector<std::uint32_t> messageTemplates_, fieldTemplates_;
  FieldDictionary services_, levels_, keys_;
  std::vector<FieldDictionary> values_;  // by key index
  FieldDictionary otherValues_;          // of the keys that are template-coded
  std::size_t fieldEntries_ = 0;         // in all field dictionaries
  std::int64_t lastReceived_ = 0, lastTimestamp_ = 0;
};

void SegmentEncoder::addBatch() {
  columns_[kBatchSources].byte(batch_.source);
  const std::int64_t received = unzigzag(batch_.received);
  columns_[kBatchReceived].varint(deltaCode(received, lastReceived_));
  lastReceived_ = received;
  columns_[kBatchCounts].varint(batch_.entries.size());
  for (const ParsedEntry& e : batch_.entries) {
    const std::int64_t timestamp = unzigzag(e.timestamp);
    columns_[kTimestamps].varint(deltaCode(timestamp, lastTimestamp_));
    lastTimestamp_ = timestamp;
    field(services_, kFieldDictionaryLimit, columns_[kServiceIds], columns_[kServiceDict],
          e.service);
    field(levels_, kFieldDictionaryLimit, columns_[kLevelIds], columns_[kLevelDict], e.level);
    messageTemplates_.push_back(templateOf(e.message));
    columns_[kAttributeCounts].varint(e.attributeCount);
    for (std::size_t k = 0; k < e.attributeCount; ++k) {
      const AttributeView& a = batch_.attributes[e.attributesFrom + k];
      const std::uint32_t key = field(keys_, kMaxAttributeKeys, columns_[kAttributeKeyIds],
                                      columns_[kAttributeKeyDict], a.key);
      if (key != kTemplated && key >= values_.size()) values_.resize(key + 1);
      // The values of template-coded keys share a dictionary.
      field(key == kTemplated ? otherValues_ : values_[key], kFieldDictionaryLimit,
            columns_[kAttributeValueIds], columns_[kAttributeValueDict], a.value);
    }
  }
}

std::uint32_t SegmentEncoder::field(FieldDictionary& dict, std::size_t limit, ColumnWriter& ids,
                                    ColumnWriter& strings, std::string_view value) {
  const std::uint32_t found = dict.find(value);
  if (found != StringIds::kEmpty) {
    ids.varint(found + 1);
    return found;
  }
  if (dict.size() < limit && fieldEntries_ < kMaxFieldEntries) {
    const std::uint32_t index = dict.add(value);
    ++fieldEntries_;
    ids.varint(index + 1);
    strings.string(value);
    return index;
  }
  ids.varint(0);
  fieldTemplates_.push_back(templateOf(value));
  return kTemplated;
}

std::uint32_t SegmentEncoder::templateOf(std::string_view text) {
  variables_.encode(text, scratch_);
  const std::string_view tmpl = scratch_.view();
  const std::uint32_t found = templateIds_.find(tmpl);
  if (found != StringIds::kEmpty) return found;
  if (templateIds_.size() >= kMaxTemplates) {
    columns_[kInlineTemplates].string(tmpl);
    return kWrittenOut;
  }
  return templateIds_.add(templateText_.copy(tmpl));
}

using SortItem = std::pair<std::string_view, std::uint32_t>;

// Sorts by the strings with multikey quicksort (Bentley and Sedgewick), 8 bytes a step: a
// partition looks at one 8-byte piece of the strings, so the long beginnings that templates
// share are read once per string rather than once per comparison. An explicit stack, as shared
// beginnings can be megabytes long.
void sortStrings(std::vector<SortItem>& items) {
  struct Range {
    std::size_t from, to, depth;
  };
  // The piece of a string at `depth`: its bytes (at most 8, padded with zeros) as a big-endian
  // number, then how many there are. Pieces order as the strings do; a string that ends
  // within one (fewer than 8 bytes) is equal only to the same string.
  using Piece = std::pair<std::uint64_t, std::size_t>;
  auto at = [](const SortItem& item, std::size_t depth) {
    const std::string_view s = item.first;
    if (depth + 8 <= s.size()) {
      std::uint64_t word;
      std::memcpy(&word, s.data() + depth, 8);
      if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap64(word);
      return Piece(word, 8);
    }
    std::uint64_t word = 0;
    for (std::size_t k = depth; k < s.size(); ++k)
      word |= std::uint64_t{static_cast<unsigned char>(s[k])} << (56 - 8 * (k - depth));
    return Piece(word, depth < s.size() ? s.size() - depth : 0);
  };
  std::vector<Range> stack{{0, items.size(), 0}};
  while (!stack.empty()) {
    const Range r = stack.back();
    stack.pop_back();
    if (r.to - r.from < 12) {
      std::sort(items.begin() + static_cast<std::ptrdiff_t>(r.from),
                items.begin() + static_cast<std::ptrdiff_t>(r.to),
                [&](const SortItem& a, const SortItem& b) {
                  return a.first.substr(r.depth) < b.first.substr(r.depth);
                });
      continue;
    }
    const Piece x = at(items[r.from], r.depth), y = at(items[(r.from + r.to) / 2], r.depth),
                z = at(items[r.to - 1], r.depth);
    const Piece pivot = std::max(std::min(x, y), std::min(std::max(x, y), z));
    std::size_t lt = r.from, i = r.from, gt = r.to;
    while (i < gt) {
      const Piece c = at(items[i], r.depth);
      if (c < pivot) {
        std::swap(items[lt++], items[i++]);
      } else if (pivot < c) {
        std::swap(items[i], items[--gt]);
      } else {
        ++i;
      }
    }
    if (lt - r.from > 1) stack.push_back({r.from, lt, r.depth});
    if (r.to - gt > 1) stack.push_back({gt, r.to, r.depth});
    if (gt - lt > 1 && pivot.second == 8) stack.push_back({lt, gt, r.depth + 8});
  }
}

// The length of the beginning `a` and `b` share, compared 8 bytes at a time: sorted templates
// share tens of bytes with the one before.
std::size_t sharedPrefix(std::string_view a, std::string_view b) {
  const std::size_t limit = std::min(a.size(), b.size());
  std::size_t k = 0;
  if constexpr (std::endian::native == std::endian::little) {  // the first byte is the lowest
    for (; k + 8 <= limit; k += 8) {
      std::uint64_t x, y;
      std::memcpy(&x, a.data() + k, 8);
      std::memcpy(&y, b.data() + k, 8);
      if (x != y) return k + static_cast<std::size_t>(__builtin_ctzll(x ^ y)) / 8;
    }
  }
  while (k < limit && a[k] == b[k])
    ++k;
  return k;
}

// The template dictionary sorted, so that neighbours share their beginnings, and front-coded:
// per template the length it shares with the one before and the rest. Ids are ranks in it.
void SegmentEncoder::writeTemplates(ColumnWriters& columns) const {
  const auto count = static_cast<std::uint32_t>(templateIds_.size());
  std::vector<SortItem> order;
  order.reserve(count);
  for (std::uint32_t id = 0; id < count; ++id)
    order.emplace_back(templateIds_.key(id), id);
  sortStrings(order);
  std::vector<std::uint32_t> rank(count);
  ColumnWriter& dict = columns[kTemplates];
  dict.varint(count);
  std::string_view previous;
  for (std::uint32_t r = 0; r < order.size(); ++r) {
    rank[order[r].second] = r;
    const std::string_view t = order[r].first;
    const std::size_t shared = sharedPrefix(previous, t);
    dict.varint(shared);
    dict.string(t.substr(shared));
    previous = t;
  }
  auto idOf = [&](std::uint32_t id) {
    return id == kWrittenOut ? kInlineTemplate : kFirstTemplate + rank[id];
  };
  for (std::uint32_t id : messageTemplates_)
    columns[kMessageTemplates].varint(idOf(id));
  for (std::uint32_t id : fieldTemplates_)
    columns[kFieldTemplates].varint(idOf(id));
}

void SegmentEncoder::writeLastColumns(ColumnWriters& columns) const {
  writeTemplates(columns);
  variables_.finish(columns);
}

Result<std::string> SegmentEncoder::finish(std::string_view segment, int level) {
  writeLastColumns(columns_);
  return compress(segment, level, columns_);
}

Result<std::string> SegmentEncoder::peek(std::string_view segment, int level) const {
  ColumnWriters columns = columns_;
  writeLastColumns(columns);
  return compress(segment, level, columns);
}

Result<std::string> SegmentEncoder::compress(std::string_view segment, int level,
                                             ColumnWriters& columns) {
  std::unique_ptr<ZSTD_CCtx, std::size_t (*)(ZSTD_CCtx*)> ctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  if (!ctx) return makeError(ErrorCode::kInternal, "zstd: out of memory");
  struct Stored {
    std::uint32_t id;
    std::uint8_t codec;
    std::size_t rawSize;
    std::string bytes;
  };
  std::vector<Stored> stored;
  std::size_t total = 0;
  OutputBuffer compressed;  // each column's frame, before it is copied out at its size
  for (std::uint32_t id = 0; id < kColumnCount; ++id) {
    const std::string_view raw = columns[id].view();
    if (raw.empty()) continue;
    Stored column{id, kStored, raw.size(), {}};
    if (raw.size() >= kMinCompressBytes) {
      const std::size_t bound = ZSTD_compressBound(raw.size());
      const std::size_t n = ZSTD_compressCCtx(ctx.get(), compressed.room(bound), bound, raw.data(),
                                              raw.size(), columnLevel(id, level));
      if (ZSTD_isError(n)) {
        return makeError(ErrorCode::kInternal, std::string("zstd: ") + ZSTD_getErrorName(n));
      }
      if (n < raw.size()) {
        column.codec = kZstd;
        column.bytes.assign(compressed.data(), n);
      }
    }
    if (column.codec == kStored) column.bytes.assign(raw);
    columns[id].release();  // the column's memory goes back as soon as it is stored
    total += column.bytes.size();
    stored.push_back(std::move(column));
  }
  std::string out(kMagic, sizeof kMagic);
  out.push_back(static_cast<char>(kFormatVersion));
  putVarint(out, segment.size());
  putU32Le(out, crc32c(segment));
  putVarint(out, stored.size());
  for (const Stored& column : stored) {
    putVarint(out, column.id);
    out.push_back(static_cast<char>(column.codec));
    putVarint(out, column.rawSize);
    putVarint(out, column.bytes.size());
  }
  out.reserve(out.size() + total);
  for (const Stored& column : stored)
    out.append(column.bytes);
  return out;
}

// The framing of core/framed_records.h for `payload` (at most 4 GiB), written at `header`.
void putFramedHeader(char* header, std::string_view payload) {
  const auto length = static_cast<std::uint32_t>(payload.size());
  const std::uint32_t crc = crc32c(payload);
  for (int i = 0; i < 4; ++i) {
    header[i] = static_cast<char>(length >> (8 * i));
    header[4 + i] = static_cast<char>(crc >> (8 * i));
  }
}

enum class Inflated { kOk, kCorrupt, kTooLarge };

// One zstd frame, all of `in`, decompressed into `out`: at most `limit` bytes, never holding
// much more than the frame really gives, whatever its header claims. Not net::zstdInflate,
// which takes any number of frames and copies through a 64 KiB buffer: a column is exactly one
// frame of a declared size, decoded in place into the string that keeps it.
Inflated inflate(std::string_view in, std::size_t limit, std::string& out) {
  std::unique_ptr<ZSTD_DCtx, std::size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  // A window past 8 MiB is refused: levels 1-19 use at most that, and a hostile frame could
  // otherwise make the decoder allocate one.
  if (!ctx || ZSTD_isError(ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_windowLogMax, 23))) {
    return Inflated::kCorrupt;
  }
  out.clear();
  std::size_t written = 0;
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  while (true) {
    if (written == out.size()) {
      if (out.size() == limit) {
        // Full: the frame must end without more output. A byte of room tells.
        char probe = 0;
        ZSTD_outBuffer one{&probe, 1, 0};
        const std::size_t hint = ZSTD_decompressStream(ctx.get(), &one, &input);
        if (ZSTD_isError(hint)) return Inflated::kCorrupt;
        if (one.pos > 0) return Inflated::kTooLarge;
        if (hint != 0) return Inflated::kCorrupt;
        break;
      }
      const std::size_t grown = std::max<std::size_t>(2 * out.size(), 64u << 10);
      out.resize(std::min(limit, std::max(grown, std::min<std::size_t>(limit, 4 * in.size()))));
    }
    ZSTD_outBuffer output{out.data(), out.size(), written};
    const std::size_t hint = ZSTD_decompressStream(ctx.get(), &output, &input);
    if (ZSTD_isError(hint)) return Inflated::kCorrupt;
    written = output.pos;
    if (hint == 0) break;  // the frame is complete
    if (input.pos == input.size && written < out.size()) return Inflated::kCorrupt;  // cut
  }
  if (input.pos != input.size) return Inflated::kCorrupt;  // bytes after the frame
  out.resize(written);
  return Inflated::kOk;
}

// A dictionary as the decoder rebuilds it.
using DecodedDictionary = std::vector<std::string_view>;

std::string columnName(std::uint32_t id) {
  static constexpr std::string_view kNames[] = {"record_kinds",
                                                "raw_records",
                                                "tail",
                                                "batch_sources",
                                                "batch_received",
                                                "batch_counts",
                                                "timestamps",
                                                "service_ids",
                                                "service_dict",
                                                "level_ids",
                                                "level_dict",
                                                "attribute_counts",
                                                "attribute_key_ids",
                                                "attribute_key_dict",
                                                "attribute_value_ids",
                                                "attribute_value_dict",
                                                "message_templates",
                                                "field_templates",
                                                "templates",
                                                "hex_lengths",
                                                "hex_bytes",
                                                "uuids",
                                                "ipv4s",
                                                "float_digits",
                                                "inline_templates"};
  struct Family {
    std::uint32_t first;
    std::string_view name;
  };
  static constexpr Family kFamilies[] = {{kTimeStreams, "time_stream_"},
                                         {kFloatStreams, "float_stream_"},
                                         {kDictStringStreams, "dict_strings_"},
                                         {kDictIdStreams, "dict_ids_"},
                                         {kIntStreams, "int_stream_"}};
  for (const Family& f : kFamilies) {
    if (id >= f.first) return std::string(f.name) + std::to_string(id - f.first);
  }
  if (id < std::size(kNames)) return std::string(kNames[id]);
  return "column_" + std::to_string(id);
}

class SegmentDecoder {
 public:
  SegmentDecoder() : variables_(readers_) {}

  // Reads the header and the columns (decompressed); the segment may be at most maxBytes.
  Status open(std::string_view object, std::size_t maxBytes);
  std::vector<ArchiveColumnInfo> columns() const { return columns_; }
  std::uint64_t segmentBytes() const { return segmentBytes_; }
  std::uint32_t checksum() const { return checksum_; }
  // How much to reserve for the whole segment: its size, unless the header claims much more
  // than the columns could hold (then the output grows as it is written).
  std::size_t reservation() const {
    return static_cast<std::size_t>(std::min(segmentBytes_, 8 * columnBytes_ + 4096));
  }
  // Decodes the segment, handing it to `sink` in pieces of at least `pieceBytes` (the last may
  // be shorter).
  Status decode(std::size_t pieceBytes, FunctionRef<Status(OutputBuffer&)> sink);

 private:
  bool readTemplates();
  bool batch(OutputBuffer& out, std::uint64_t emitted);
  // Appends the next value of a field (as a batch string: varint length + bytes); `index` is
  // its dictionary index, or none when it was template-coded.
  bool field(DecodedDictionary& dict, ColumnReader& ids, ColumnReader& strings, OutputBuffer& out,
             std::size_t& index);
  // Appends the text of the template with `id` (kInlineTemplate or kFirstTemplate + rank) as
  // a batch string (varint length + bytes).
  bool expandString(std::uint64_t id, OutputBuffer& out);
  // Reads the next message's template id, and hints the templates of the lines after it.
  bool nextMessageId(std::uint64_t& id);

  static constexpr std::size_t kNoIndex = SIZE_MAX;

  std::uint64_t segmentBytes_ = 0;
  std::uint64_t columnBytes_ = 0;  // decompressed, all columns
  std::uint32_t checksum_ = 0;
  std::vector<ArchiveColumnInfo> columns_;
  std::array<std::string, kColumnCount> decompressed_;
  ColumnReaders readers_;
  VariableDecoder variables_;
  DecodedDictionary services_, levels_, keys_, otherValues_;
  std::vector<DecodedDictionary> values_;
  // The message template ids column read 8 and 16 lines ahead, so that the templates of the
  // next lines (spread over megabytes) are fetched into the cache while this one is expanded.
  static constexpr int kAhead = 8;
  ColumnReader ahead_, furtherAhead_;
  std::int64_t lastReceived_ = 0, lastTimestamp_ = 0;
};

Status SegmentDecoder::open(std::string_view object, std::size_t maxBytes) {
  std::string_view in = object.substr(sizeof kMagic + 1);
  std::uint64_t segmentBytes = 0, count = 0;
  if (!getVarint(in, segmentBytes) || in.size() < 4) return corrupt("cut header");
  if (segmentBytes > maxBytes) {
    return makeError(ErrorCode::kResourceExhausted,
                     "archive object: the segment exceeds " + std::to_string(maxBytes) + " bytes");
  }
  segmentBytes_ = segmentBytes;
  checksum_ = getU32Le(in.data());
  in.remove_prefix(4);
  if (!getVarint(in, count) || count > kColumnCount) return corrupt("bad column count");
  struct Entry {
    std::uint64_t id, rawSize, storedSize;
    std::uint8_t codec;
  };
  std::vector<Entry> entries;
  // The columns never hold more than a few times the segment (a delta can be longer than the
  // value it replaces); declared sizes past that are corrupt.
  const std::uint64_t columnLimit = 4 * segmentBytes + (1u << 20);
  std::uint64_t storedTotal = 0, rawTotal = 0;
  for (std::uint64_t k = 0; k < count; ++k) {
    Entry e{};
    if (!getVarint(in, e.id) || in.empty()) return corrupt("cut column directory");
    e.codec = static_cast<std::uint8_t>(in.front());
    in.remove_prefix(1);
    if (!getVarint(in, e.rawSize) || !getVarint(in, e.storedSize)) {
      return corrupt("cut column directory");
    }
    if (e.id >= kColumnCount || (!entries.empty() && e.id <= entries.back().id) ||
        e.codec > kZstd || e.rawSize > columnLimit - rawTotal || e.storedSize > in.size() ||
        (e.codec == kStored && e.rawSize != e.storedSize)) {
      return corrupt("bad column " + std::to_string(e.id));
    }
    storedTotal += e.storedSize;
    rawTotal += e.rawSize;
    columns_.push_back({columnName(static_cast<std::uint32_t>(e.id)), e.rawSize, e.storedSize});
    entries.push_back(e);
  }
  if (storedTotal != in.size()) return corrupt("columns do not fill the object");
  columnBytes_ = rawTotal;
  for (const Entry& e : entries) {
    std::string_view bytes = in.substr(0, e.storedSize);
    in.remove_prefix(e.storedSize);
    if (e.codec == kStored) {
      readers_[e.id] = ColumnReader(bytes);
      continue;
    }
    std::string& column = decompressed_[e.id];
    if (inflate(bytes, static_cast<std::size_t>(e.rawSize), column) != Inflated::kOk ||
        column.size() != e.rawSize) {
      return corrupt("column " + std::to_string(e.id) + " does not decompress");
    }
    readers_[e.id] = ColumnReader(column);
  }
  return okStatus();
}

bool SegmentDecoder::readTemplates() {
  ColumnReader& dict = readers_[kTemplates];
  std::uint64_t count = 0;
  if (dict.empty()) {
    variables_.finishTemplates();
    return true;
  }
  if (!dict.varint(count) || count > dict.remaining()) return false;
  // A first pass sums their sizes, so that the compiled code is allocated once: growing it
  // would hold the old and the new copy at once.
  ColumnReader sizes = dict;
  std::uint64_t size = 0, bytes = 0;
  for (std::uint64_t k = 0; k < count; ++k) {
    std::uint64_t shared = 0;
    std::string_view rest;
    if (!sizes.varint(shared) || shared > size || !sizes.string(rest)) return false;
    size = shared + rest.size();
    bytes += size;
  }
  if (!variables_.reserveTemplates(count, bytes)) return false;
  std::string text;
  for (std::uint64_t k = 0; k < count; ++k) {
    std::uint64_t shared = 0;
    std::string_view rest;
    if (!dict.varint(shared) || shared > text.size() || !dict.string(rest)) return false;
    text.resize(static_cast<std::size_t>(shared));
    text.append(rest);
    if (!variables_.addTemplate(text)) return false;
  }
  variables_.finishTemplates();
  return dict.empty();
}

bool SegmentDecoder::field(DecodedDictionary& dict, ColumnReader& ids, ColumnReader& strings,
                           OutputBuffer& out, std::size_t& index) {
  std::uint64_t id = 0;
  if (!ids.varint(id) || id > dict.size() + 1) return false;
  if (id == 0) {
    std::uint64_t templateId = 0;
    index = kNoIndex;
    return readers_[kFieldTemplates].varint(templateId) && expandString(templateId, out);
  }
  std::string_view value;
  if (id == dict.size() + 1) {
    if (!strings.string(value)) return false;
    dict.push_back(value);
  }
  index = static_cast<std::size_t>(id - 1);
  value = dict[index];
  out.varint(value.size());
  out.append(value);
  return true;
}

bool SegmentDecoder::nextMessageId(std::uint64_t& id) {
  std::uint64_t ahead = 0;
  if (ahead_.varint(ahead) && ahead >= kFirstTemplate) variables_.prefetch(ahead - kFirstTemplate);
  if (furtherAhead_.varint(ahead) && ahead >= kFirstTemplate) {
    variables_.prefetchIndex(ahead - kFirstTemplate);
  }
  return readers_[kMessageTemplates].varint(id);
}

bool SegmentDecoder::expandString(std::uint64_t id, OutputBuffer& out) {
  // Expanded in place after room for a 2-byte length (128 to 16383 bytes, most lines); moved
  // when the length takes another size.
  const std::size_t at = out.size();
  out.room(2);
  out.advance(2);
  if (id == kInlineTemplate) {
    std::string_view text;
    if (!readers_[kInlineTemplates].string(text) || !variables_.expandText(text, out)) {
      return false;
    }
  } else if (!variables_.expand(id - kFirstTemplate, out)) {
    return false;
  }
  const std::size_t length = out.size() - at - 2;
  char buffer[10];
  std::size_t n = 0;
  std::uint64_t v = length;
  for (; v >= 0x80; v >>= 7)
    buffer[n++] = static_cast<char>((v & 0x7F) | 0x80);
  buffer[n++] = static_cast<char>(v);
  if (n != 2) {
    out.resize(at + n + length);  // n == 1: the text moves back a byte, else forward
    std::memmove(out.data() + at + n, out.data() + at + 2, length);
  }
  std::memcpy(out.data() + at, buffer, n);
  return true;
}

bool SegmentDecoder::batch(OutputBuffer& out, std::uint64_t emitted) {
  const std::size_t start = out.size();
  std::uint8_t source = 0;
  std::uint64_t received = 0, entries = 0;
  if (!readers_[kBatchSources].byte(source) || !readers_[kBatchReceived].varint(received) ||
      !readers_[kBatchCounts].varint(entries)) {
    return false;
  }
  out.room(kFramedRecordHeaderBytes);  // filled in once the payload is known
  out.advance(kFramedRecordHeaderBytes);
  out.push(kBatchVersion);
  out.push(static_cast<char>(source));
  lastReceived_ = applyDelta(lastReceived_, received);
  out.varint(zigzag(lastReceived_));
  std::size_t index = 0;
  for (std::uint64_t e = 0; e < entries; ++e) {
    std::uint64_t timestamp = 0, attributes = 0;
    if (!readers_[kTimestamps].varint(timestamp)) return false;
    lastTimestamp_ = applyDelta(lastTimestamp_, timestamp);
    out.varint(zigzag(lastTimestamp_));
    if (!field(services_, readers_[kServiceIds], readers_[kServiceDict], out, index) ||
        !field(levels_, readers_[kLevelIds], readers_[kLevelDict], out, index)) {
      return false;
    }
    std::uint64_t templateId = 0;
    if (!nextMessageId(templateId) || !expandString(templateId, out) ||
        !readers_[kAttributeCounts].varint(attributes)) {
      return false;
    }
    out.varint(attributes);
    for (std::uint64_t k = 0; k < attributes; ++k) {
      std::size_t key = 0;
      if (!field(keys_, readers_[kAttributeKeyIds], readers_[kAttributeKeyDict], out, key)) {
        return false;
      }
      if (key != kNoIndex && key >= values_.size()) values_.resize(key + 1);
      if (!field(key == kNoIndex ? otherValues_ : values_[key], readers_[kAttributeValueIds],
                 readers_[kAttributeValueDict], out, index)) {
        return false;
      }
    }
    // Checked per entry, so that a template repeated by a corrupt object stops here.
    if (emitted + out.size() > segmentBytes_) return false;
  }
  const std::size_t length = out.size() - start - kFramedRecordHeaderBytes;
  if (length > UINT32_MAX) return false;
  putFramedHeader(out.data() + start,
                  std::string_view(out.data() + start + kFramedRecordHeaderBytes, length));
  return true;
}

Status SegmentDecoder::decode(std::size_t pieceBytes, FunctionRef<Status(OutputBuffer&)> sink) {
  if (!readTemplates()) return corrupt("bad template dictionary");
  ahead_ = readers_[kMessageTemplates];
  for (int k = 0; k < kAhead; ++k) {
    std::uint64_t skipped = 0;
    ahead_.varint(skipped);
  }
  furtherAhead_ = ahead_;
  for (int k = 0; k < kAhead; ++k) {
    std::uint64_t skipped = 0;
    furtherAhead_.varint(skipped);
  }
  OutputBuffer out;
  out.reserve(std::min(pieceBytes + 4096, reservation()));
  std::uint64_t emitted = 0;
  ColumnReader& kinds = readers_[kRecordKinds];
  while (!kinds.empty()) {
    std::uint8_t kind = 0;
    kinds.byte(kind);
    if (kind == kRecordRaw) {
      std::string_view payload;
      if (!readers_[kRawRecords].string(payload) || payload.size() > UINT32_MAX) {
        return corrupt("cut raw record");
      }
      putFramedHeader(out.room(kFramedRecordHeaderBytes), payload);
      out.advance(kFramedRecordHeaderBytes);
      out.append(payload);
    } else if (kind != kRecordBatch || !batch(out, emitted)) {
      return corrupt("bad batch");
    }
    if (emitted + out.size() > segmentBytes_) return corrupt("longer than its declared size");
    if (out.size() >= pieceBytes) {
      PHAROS_TRY(sink(out));
      emitted += out.size();
      out.clear();
    }
  }
  std::string_view tail;
  readers_[kTail].bytes(readers_[kTail].remaining(), tail);
  if (emitted + out.size() + tail.size() != segmentBytes_) {
    return corrupt("not its declared size");
  }
  out.append(tail);
  PHAROS_TRY(sink(out));
  for (std::uint32_t id = 0; id < kColumnCount; ++id) {
    if (!readers_[id].empty()) return corrupt("column " + std::to_string(id) + " has bytes left");
  }
  return okStatus();
}

bool startsWith(std::string_view object, const char (&magic)[4]) {
  return object.size() >= 4 && std::memcmp(object.data(), magic, 4) == 0;
}

// Which format `object` is in; an error for neither.
enum class Format { kWhole, kTemplated };
Result<Format> formatOf(std::string_view object) {
  if (startsWith(object, kZstdMagic)) return Format::kWhole;
  if (!startsWith(object, kMagic) || object.size() < sizeof kMagic + 1) {
    return corrupt("neither a templated nor a zstd object");
  }
  if (static_cast<std::uint8_t>(object[sizeof kMagic]) != kFormatVersion) {
    return corrupt("format version " +
                   std::to_string(static_cast<std::uint8_t>(object[sizeof kMagic])) +
                   " is not known here");
  }
  return Format::kTemplated;
}

Result<std::string> decodeWhole(std::string_view object, std::size_t maxBytes) {
  std::string segment;
  switch (inflate(object, maxBytes, segment)) {
    case Inflated::kOk:
      return segment;
    case Inflated::kTooLarge:
      return makeError(ErrorCode::kResourceExhausted, "archive object: the segment exceeds " +
                                                          std::to_string(maxBytes) + " bytes");
    case Inflated::kCorrupt:
      break;
  }
  return corrupt("not a valid zstd frame");
}

// The records that make up the first kArchiveProbeBytes of a segment (or the whole of a small
// one): what templatingDoesNotPay() judges.
std::string_view probeHead(std::string_view segment) {
  std::size_t probe = 0;
  scanFramedRecords(segment, [&](std::string_view payload) {
    probe = static_cast<std::size_t>(payload.data() + payload.size() - segment.data());
    return probe < kArchiveProbeBytes;
  });
  return segment.substr(0, probe);
}

// Why templates do not pay on `head`, whose templated object takes `templatedBytes`: none
// when they do.
Result<std::optional<std::string>> judgeProbe(std::string_view head, std::size_t templatedBytes,
                                              int level) {
  PHAROS_ASSIGN_OR_RETURN(std::string whole,
                          encodeWholeArchive(head, std::min(level, kArchiveProbeLevel)));
  if (static_cast<double>(templatedBytes) <= kArchiveTemplatedAtMost * whole.size()) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(
      fmt::format("templates do not pay on its first {} bytes: {} bytes templated, {} whole",
                  head.size(), templatedBytes, whole.size()));
}

}  // namespace
}  // namespace archive

Result<std::string> encodeArchive(std::string_view segmentBytes, int zstdLevel) {
  archive::SegmentEncoder encoder;
  encoder.add(segmentBytes);
  return encoder.finish(segmentBytes, zstdLevel);
}

Result<std::string> encodeWholeArchive(std::string_view segmentBytes, int zstdLevel) {
  std::string compressed(ZSTD_compressBound(segmentBytes.size()), '\0');
  const std::size_t n = ZSTD_compress(compressed.data(), compressed.size(), segmentBytes.data(),
                                      segmentBytes.size(), zstdLevel);
  if (ZSTD_isError(n)) {
    return makeError(ErrorCode::kInternal, std::string("zstd: ") + ZSTD_getErrorName(n));
  }
  compressed.resize(n);
  return compressed;
}

Result<std::string> decodeArchive(std::string_view object, std::size_t maxBytes) {
  PHAROS_ASSIGN_OR_RETURN(archive::Format format, archive::formatOf(object));
  if (format == archive::Format::kWhole) return archive::decodeWhole(object, maxBytes);
  archive::SegmentDecoder decoder;
  PHAROS_TRY(decoder.open(object, maxBytes));
  std::string segment;
  segment.reserve(decoder.reservation());
  PHAROS_TRY(decoder.decode(archive::kDecodePieceBytes, [&](archive::OutputBuffer& piece) {
    segment.append(piece.view());
    return okStatus();
  }));
  if (crc32c(segment) != decoder.checksum()) return archive::corrupt("checksum mismatch");
  return segment;
}

Status verifyArchive(std::string_view object, std::string_view segmentBytes) {
  PHAROS_ASSIGN_OR_RETURN(archive::Format format, archive::formatOf(object));
  if (format == archive::Format::kWhole) {
    PHAROS_ASSIGN_OR_RETURN(std::string segment, archive::decodeWhole(object, segmentBytes.size()));
    if (segment != segmentBytes) return archive::corrupt("decodes to other bytes");
    return okStatus();
  }
  archive::SegmentDecoder decoder;
  PHAROS_TRY(decoder.open(object, kMaxArchiveSegmentBytes));
  if (decoder.segmentBytes() != segmentBytes.size()) {
    return archive::corrupt("declares " + std::to_string(decoder.segmentBytes()) +
                            " bytes, the segment has " + std::to_string(segmentBytes.size()));
  }
  std::size_t at = 0;
  std::uint32_t crc = 0;
  PHAROS_TRY(
      decoder.decode(archive::kDecodePieceBytes, [&](archive::OutputBuffer& buffer) -> Status {
        const std::string_view piece = buffer.view();
        if (piece != segmentBytes.substr(at, piece.size())) {
          return archive::corrupt("differs from the segment within bytes " + std::to_string(at) +
                                  "-" + std::to_string(at + piece.size()));
        }
        at += piece.size();
        crc = crc32c(piece, crc);
        return okStatus();
      }));
  if (crc != decoder.checksum()) return archive::corrupt("checksum mismatch");
  return okStatus();
}

Result<std::optional<std::string>> templatingDoesNotPay(std::string_view segmentBytes,
                                                        int zstdLevel) {
  const std::string_view head = archive::probeHead(segmentBytes);
  if (head.empty()) return std::optional<std::string>();
  PHAROS_ASSIGN_OR_RETURN(std::string templated, encodeArchive(head, zstdLevel));
  return archive::judgeProbe(head, templated.size(), zstdLevel);
}

Result<CheckedArchive> encodeCheckedArchive(std::string_view segmentBytes, int zstdLevel,
                                            ArchiveEncoder encode) {
  CheckedArchive archive;
  std::optional<std::string> notWorth;
  Result<std::string> templated = std::string();
  if (encode != nullptr) {
    PHAROS_ASSIGN_OR_RETURN(notWorth, templatingDoesNotPay(segmentBytes, zstdLevel));
    if (!notWorth) templated = encode(segmentBytes, zstdLevel);
  } else {
    // The probe's records are templated once: the encoder that judged them goes on.
    archive::SegmentEncoder encoder;
    const std::string_view head = archive::probeHead(segmentBytes);
    bool encoded = false;
    if (!head.empty()) {
      encoder.add(head);
      PHAROS_ASSIGN_OR_RETURN(std::string probed, encoder.peek(head, zstdLevel));
      PHAROS_ASSIGN_OR_RETURN(notWorth, archive::judgeProbe(head, probed.size(), zstdLevel));
      // A segment the probe took whole has its object already.
      encoded = head.size() == segmentBytes.size();
      if (encoded) templated = std::move(probed);
    }
    if (!notWorth && !encoded) {
      encoder.add(segmentBytes.substr(head.size()));
      templated = encoder.finish(segmentBytes, zstdLevel);
    }
  }
  if (notWorth) {
    archive.templated = false;
    archive.fallbackReason = std::move(*notWorth);
    PHAROS_ASSIGN_OR_RETURN(archive.object, encodeWholeArchive(segmentBytes, zstdLevel));
    return archive;
  }
  Status checked = templated.ok() ? verifyArchive(*templated, segmentBytes) : templated.error();
  if (checked.ok()) {
    archive.object = std::move(*templated);
    return archive;
  }
  archive.templated = false;
  archive.mismatch = true;
  archive.fallbackReason = checked.error().toString();
  PHAROS_ASSIGN_OR_RETURN(archive.object, encodeWholeArchive(segmentBytes, zstdLevel));
  return archive;
}

Result<std::vector<ArchiveColumnInfo>> describeArchive(std::string_view object) {
  PHAROS_ASSIGN_OR_RETURN(archive::Format format, archive::formatOf(object));
  if (format == archive::Format::kWhole) {
    return makeError(ErrorCode::kInvalidArgument, "a whole (zstd) object has no columns");
  }
  archive::SegmentDecoder decoder;
  PHAROS_TRY(decoder.open(object, kMaxArchiveSegmentBytes));
  return decoder.columns();
}

}  // namespace pharos::logs
