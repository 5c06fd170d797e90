#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "logs/function_ref.h"

namespace pharos::logs {

// Splits a syslog TCP byte stream into frames (RFC 6587), incrementally: bytes may arrive split
// anywhere across feed() calls. Each frame is framed on its own:
//  - octet counting when it starts with a digit run and a space ("MSG-LEN SP SYSLOG-MSG"),
//  - newline framing otherwise: up to LF (a trailing CR is dropped) or NUL, as rsyslog accepts.
// A count that is not 1-999999999 or digits not followed by a space is a framing error: it is
// counted and the bytes are read as a newline-framed frame instead, which resynchronises on the
// next LF. A frame longer than maxFrameBytes is cut: its first maxFrameBytes are emitted and the
// rest is dropped up to its end, counted in framesTruncated(). Empty frames are skipped, and a
// trailing CR/LF inside an octet-counted frame is dropped too (some senders count it).
//
// A frame handed to onFrame is a view valid only during the call: into the fed bytes when the
// frame lies inside one feed() (the common case, no copy), else into the framer's buffer.
// Not thread-safe: one framer per connection.
class SyslogFramer {
 public:
  using FrameCallback = FunctionRef<void(std::string_view frame)>;

  explicit SyslogFramer(std::size_t maxFrameBytes);

  void feed(std::string_view bytes, FrameCallback onFrame);
  // The connection closed: emits a last newline-framed frame that had no delimiter. An
  // octet-counted frame cut short by the close is emitted as far as it came and counted as a
  // framing error. The framer is ready for a new stream afterwards.
  void finish(FrameCallback onFrame);

  std::uint64_t framesTruncated() const { return framesTruncated_; }
  std::uint64_t framingErrors() const { return framingErrors_; }

 private:
  enum class State : std::uint8_t {
    kFrameStart,  // between frames
    kCount,       // reading the digits of an octet count (kept in buffer_)
    kOctets,      // reading remaining_ bytes of an octet-counted frame
    kOctetsSkip,  // dropping the rest of an over-long octet-counted frame
    kLine,        // reading a newline-framed frame (partial bytes in buffer_)
    kLineSkip,    // dropping the rest of an over-long newline-framed frame
  };

  // Consumes from `bytes` starting at `pos`; returns the new position.
  std::size_t stepLine(std::string_view bytes, std::size_t pos, FrameCallback onFrame);
  std::size_t stepOctets(std::string_view bytes, std::size_t pos, FrameCallback onFrame);
  void emit(std::string_view frame, bool octetCounted, FrameCallback onFrame);

  std::size_t maxFrameBytes_;
  State state_ = State::kFrameStart;
  std::uint64_t remaining_ = 0;  // kOctets/kOctetsSkip: bytes of the frame still to come
  std::string buffer_;           // a frame (or octet count) split across feed() calls
  std::uint64_t framesTruncated_ = 0;
  std::uint64_t framingErrors_ = 0;
};

}  // namespace pharos::logs
