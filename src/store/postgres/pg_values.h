#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/store.h"

struct pg_result;

namespace pharos::store::postgres {

// Parameters as libpq takes them: text for numbers and strings, binary for blobs, and the type
// of each (0 lets the server infer it from the statement, which is what a string and a null
// need: "WHERE id = $1" with a bigint column takes the text "42").
struct EncodedParams {
  std::vector<std::string> storage;
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  std::vector<unsigned> types;  // Oid
  // Part of the prepared statement's cache key: one letter per parameter's type.
  std::string signature;
};

EncodedParams encodeParams(std::span<const Value> params);

// The rows of a result in the store's types: integers (and numerics without a fraction, such
// as SUM over integers) as int64, other numbers as double, bytea as Blob, booleans as 0/1 and
// everything else as text, like SQLite would hand them back.
Result<Rows> decodeRows(const pg_result* result);

}  // namespace pharos::store::postgres
