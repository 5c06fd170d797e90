#include "store/postgres/pg_values.h"

#include <libpq-fe.h>

#include <charconv>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace pharos::store::postgres {
namespace {

// Type oids from pg_type.h (stable across PostgreSQL versions).
constexpr Oid kBool = 16;
constexpr Oid kBytea = 17;
constexpr Oid kInt8 = 20;
constexpr Oid kInt2 = 21;
constexpr Oid kInt4 = 23;
constexpr Oid kOid = 26;
constexpr Oid kFloat4 = 700;
constexpr Oid kFloat8 = 701;
constexpr Oid kNumeric = 1700;

std::string doubleText(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return fmt::format("{}", v);  // shortest text that reads back as the same double
}

std::optional<int64_t> parseInteger(std::string_view text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

Result<Value> decodeField(const PGresult* result, int row, int col) {
  if (PQgetisnull(result, row, col)) return Value(nullptr);
  const char* raw = PQgetvalue(result, row, col);
  std::string_view text(raw, static_cast<size_t>(PQgetlength(result, row, col)));
  switch (PQftype(result, col)) {
    case kInt2:
    case kInt4:
    case kInt8:
    case kOid:
      if (auto v = parseInteger(text)) return Value(*v);
      break;
    case kNumeric:
      if (auto v = parseInteger(text)) return Value(*v);
      return Value(std::strtod(std::string(text).c_str(), nullptr));
    case kFloat4:
    case kFloat8:
      return Value(std::strtod(std::string(text).c_str(), nullptr));
    case kBool:
      return Value(int64_t{text == "t" ? 1 : 0});
    case kBytea: {
      size_t n = 0;
      unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(raw), &n);
      if (bytes == nullptr) break;
      Blob blob{std::string(reinterpret_cast<const char*>(bytes), n)};
      PQfreemem(bytes);
      return Value(std::move(blob));
    }
    default:
      return Value(std::string(text));
  }
  return makeError(ErrorCode::kInternal,
                   fmt::format("column {} holds '{}', which does not read as its type {}",
                               PQfname(result, col), text, PQftype(result, col)));
}

}  // namespace

EncodedParams encodeParams(std::span<const Value> params) {
  EncodedParams out;
  out.storage.reserve(params.size());
  for (const Value& v : params) {
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::nullptr_t>) {
            out.storage.emplace_back();
            out.formats.push_back(0);
            out.types.push_back(0);
            out.signature += 'n';
          } else if constexpr (std::is_same_v<T, int64_t>) {
            out.storage.push_back(std::to_string(x));
            out.formats.push_back(0);
            out.types.push_back(kInt8);
            out.signature += 'i';
          } else if constexpr (std::is_same_v<T, double>) {
            out.storage.push_back(doubleText(x));
            out.formats.push_back(0);
            out.types.push_back(kFloat8);
            out.signature += 'd';
          } else if constexpr (std::is_same_v<T, std::string>) {
            out.storage.push_back(x);
            out.formats.push_back(0);
            out.types.push_back(0);
            out.signature += 's';
          } else {
            out.storage.push_back(x.bytes);
            out.formats.push_back(1);  // binary: the bytes as they are
            out.types.push_back(kBytea);
            out.signature += 'b';
          }
        },
        v);
  }
  // Pointers only once storage no longer moves.
  for (size_t i = 0; i < params.size(); ++i) {
    bool null = std::holds_alternative<std::nullptr_t>(params[i]);
    out.values.push_back(null ? nullptr : out.storage[i].c_str());
    out.lengths.push_back(static_cast<int>(out.storage[i].size()));
  }
  return out;
}

Result<Rows> decodeRows(const PGresult* result) {
  int nrows = PQntuples(result);
  int ncols = PQnfields(result);
  Rows rows;
  rows.reserve(static_cast<size_t>(nrows));
  for (int r = 0; r < nrows; ++r) {
    std::vector<Value> values;
    values.reserve(static_cast<size_t>(ncols));
    for (int c = 0; c < ncols; ++c) {
      PHAROS_ASSIGN_OR_RETURN(Value v, decodeField(result, r, c));
      values.push_back(std::move(v));
    }
    rows.emplace_back(std::move(values));
  }
  return rows;
}

}  // namespace pharos::store::postgres
