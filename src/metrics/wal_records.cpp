#include "metrics/wal_records.h"

#include <bit>
#include <cstring>

#include "core/error.h"
#include "core/varint.h"
#include "metrics/label_codec.h"

namespace pharos::metrics {
namespace {

enum RecordType : char { kSeries = 1, kSamples = 2, kChunk = 3 };

void putDouble(std::string& out, double v) {
  auto bits = std::bit_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

bool getDouble(std::string_view& in, double& v) {
  if (in.size() < 8) return false;
  std::uint64_t bits = 0;
  for (int i = 7; i >= 0; --i)
    bits = (bits << 8) | static_cast<unsigned char>(in[static_cast<std::size_t>(i)]);
  in.remove_prefix(8);
  v = std::bit_cast<double>(bits);
  return true;
}

bool getSample(std::string_view& in, Sample& s) {
  std::uint64_t t = 0;
  if (!getVarint(in, t)) return false;
  s.t = unzigzag(t);
  return getDouble(in, s.v);
}

bool getRef(std::string_view& in, std::uint32_t& ref) {
  std::uint64_t v = 0;
  if (!getVarint(in, v) || v > 0xffffffffu) return false;
  ref = static_cast<std::uint32_t>(v);
  return true;
}

Error malformed(std::string_view what) {
  return makeError(ErrorCode::kDataLoss,
                   "malformed metrics write-ahead record: " + std::string(what));
}

}  // namespace

void encodeSeriesRecord(std::string& out, std::uint32_t ref, const Labels& labels) {
  if (out.empty()) out.push_back(kSeries);
  putVarint(out, ref);
  encodeLabels(out, labels);
}

void SamplesRecordBuilder::add(std::uint32_t ref, Sample sample) {
  putVarint(body_, ref);
  putVarint(body_, zigzag(sample.t));
  putDouble(body_, sample.v);
  ++count_;
}

std::string SamplesRecordBuilder::finish() {
  std::string out;
  out.reserve(body_.size() + 11);
  out.push_back(kSamples);
  putVarint(out, count_);
  out += body_;
  body_.clear();
  count_ = 0;
  return out;
}

void encodeChunkRecord(std::string& out, std::uint32_t ref, const std::optional<Sample>& before,
                       std::string_view bytes) {
  out.push_back(kChunk);
  putVarint(out, ref);
  out.push_back(before ? 1 : 0);
  if (before) {
    putVarint(out, zigzag(before->t));
    putDouble(out, before->v);
  }
  putVarint(out, bytes.size());
  out.append(bytes);
}

Result<WalRecord> decodeWalRecord(std::string_view in) {
  if (in.empty()) return malformed("empty");
  char type = in.front();
  in.remove_prefix(1);
  switch (type) {
    case kSeries: {
      SeriesRecord r;
      while (!in.empty()) {
        SeriesRecord::Entry e;
        if (!getRef(in, e.ref)) return malformed("series ref");
        PHAROS_ASSIGN_OR_RETURN(e.labels, decodeLabels(in));
        r.entries.push_back(std::move(e));
      }
      if (r.entries.empty()) return malformed("no series");
      return WalRecord(std::move(r));
    }
    case kSamples: {
      SamplesRecord r;
      std::uint64_t n = 0;
      // Each entry takes at least 10 bytes, which bounds a corrupt count's allocation.
      if (!getVarint(in, n) || n > in.size() / 10) return malformed("sample count");
      r.entries.resize(n);
      for (auto& e : r.entries) {
        if (!getRef(in, e.ref) || !getSample(in, e.sample)) return malformed("sample");
      }
      if (!in.empty()) return malformed("trailing bytes after samples");
      return WalRecord(std::move(r));
    }
    case kChunk: {
      ChunkRecord r;
      if (!getRef(in, r.ref) || in.empty()) return malformed("chunk ref");
      char hasBefore = in.front();
      in.remove_prefix(1);
      if (hasBefore == 1) {
        Sample s;
        if (!getSample(in, s)) return malformed("chunk's previous sample");
        r.before = s;
      }
      std::uint64_t size = 0;
      if (!getVarint(in, size) || size != in.size()) return malformed("chunk size");
      r.bytes.assign(in);
      return WalRecord(std::move(r));
    }
    default:
      return malformed("unknown type");
  }
}

}  // namespace pharos::metrics
