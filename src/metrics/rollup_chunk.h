#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "metrics/rollup_point.h"

namespace pharos::metrics {

// A run of rollup points stored column by column, each column in the encoding that suits it.
// After a version byte (1) and the point count (uvarint) come eight sections, each a uvarint
// byte length and its bytes:
//   timestamps  first as a signed varint, the first interval as a uvarint, then
//               delta-of-delta as in the XOR chunk (a regular bucket width: 1 bit a point)
//   count       uvarints
//   sum, min, max, last, increase
//               one XOR bit stream per column (first value raw, then XORed)
//   sketches    per point a uvarint length and QuantileSketch::serialize()
// Any int64 timestamps round-trip (their order is the caller's), and every double keeps its
// exact bits, NaN payloads included. Every length is checked, so damage is kDataLoss, never
// a read past the input.
std::string encodeRollups(std::span<const RollupPoint> points);
// Without `sketches`, the sketch column is skipped (its framing still checked) and every
// point's sketch is left empty.
Result<std::vector<RollupPoint>> decodeRollups(std::string_view bytes, bool sketches = true);

}  // namespace pharos::metrics
