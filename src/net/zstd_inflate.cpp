#include "net/zstd_inflate.h"

#include <zstd.h>

#include <memory>

#include "core/error.h"

namespace pharos::net {

Result<std::string> zstdInflate(std::string_view data, size_t maxBytes) {
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) return makeError(ErrorCode::kInternal, "zstd: out of memory");
  // A window larger than 8 MiB (2^23) is refused: no body needs it, and a hostile frame
  // could otherwise make the decoder allocate it.
  ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_windowLogMax, 23);
  std::string out;
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  char buffer[64 * 1024];
  while (true) {
    ZSTD_outBuffer o{buffer, sizeof buffer, 0};
    std::size_t hint = ZSTD_decompressStream(ctx.get(), &o, &in);
    if (ZSTD_isError(hint)) {
      return makeError(ErrorCode::kInvalidArgument,
                       std::string("not a valid zstd body: ") + ZSTD_getErrorName(hint));
    }
    if (out.size() + o.pos > maxBytes) {
      return makeError(ErrorCode::kResourceExhausted,
                       "the decompressed body exceeds " + std::to_string(maxBytes) + " bytes");
    }
    out.append(buffer, o.pos);
    // A frame ended with the input: done. Checked before the next call, which would find no
    // input and ask for another frame's header (a body of a multiple of 64 KiB filled the
    // buffer exactly, and was refused as truncated).
    if (hint == 0 && in.pos == in.size) break;
    // All input read and the output not full: the decoder has given all it can.
    if (in.pos == in.size && o.pos < o.size) {
      if (hint != 0) return makeError(ErrorCode::kInvalidArgument, "the zstd body is truncated");
      break;
    }
  }
  return out;
}

}  // namespace pharos::net
