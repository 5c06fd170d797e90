#include "logs/syslog_framer.h"

#include <algorithm>
#include <cstring>

namespace pharos::logs {
namespace {

// RFC 6587 MSG-LEN is NONZERO-DIGIT *DIGIT; nine digits (under 1 GB) is more than any sane
// frame, and more digits is a sign the stream is not octet-counted at all.
constexpr std::size_t kMaxCountDigits = 9;

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// The first LF or NUL in [begin, end), or end.
const char* findDelimiter(const char* begin, const char* end) {
  const char* lf = static_cast<const char*>(std::memchr(begin, '\n', end - begin));
  const char* stop = lf ? lf : end;
  const char* nul = static_cast<const char*>(std::memchr(begin, '\0', stop - begin));
  return nul ? nul : stop;
}

}  // namespace

SyslogFramer::SyslogFramer(std::size_t maxFrameBytes)
    : maxFrameBytes_(std::max<std::size_t>(maxFrameBytes, 1)) {}

void SyslogFramer::emit(std::string_view frame, bool octetCounted, FrameCallback onFrame) {
  if (octetCounted) {
    while (!frame.empty() && (frame.back() == '\n' || frame.back() == '\r'))
      frame.remove_suffix(1);
  } else if (!frame.empty() && frame.back() == '\r') {
    frame.remove_suffix(1);
  }
  if (!frame.empty()) onFrame(frame);
}

std::size_t SyslogFramer::stepLine(std::string_view bytes, std::size_t pos, FrameCallback onFrame) {
  const char* begin = bytes.data() + pos;
  const char* end = bytes.data() + bytes.size();
  const char* delim = findDelimiter(begin, end);
  const auto part = static_cast<std::size_t>(delim - begin);
  const bool complete = delim != end;

  if (state_ == State::kLineSkip) {
    if (complete) state_ = State::kFrameStart;
    return pos + part + (complete ? 1 : 0);
  }
  if (buffer_.empty() && complete && part <= maxFrameBytes_) {
    // The hot path: the whole frame is inside this feed.
    emit(std::string_view(begin, part), false, onFrame);
    state_ = State::kFrameStart;
    return pos + part + 1;
  }
  // Keep one byte more than the limit, so a CR that ends a frame exactly at the limit is not
  // taken for an overflow.
  const std::size_t room = maxFrameBytes_ + 1 - std::min(buffer_.size(), maxFrameBytes_ + 1);
  const bool overflow = part > room;
  buffer_.append(begin, std::min(part, room));
  if (overflow || buffer_.size() > maxFrameBytes_) {
    // Without overflow the buffer holds exactly one byte over the limit.
    const bool endsInCr = !overflow && buffer_.back() == '\r';
    if (endsInCr && complete) {
      buffer_.pop_back();
    } else if (endsInCr) {
      state_ = State::kLine;  // the CR may be the frame's last byte: wait for the next one
      return bytes.size();
    } else {
      // Over the limit: emit the head now, drop the rest up to the delimiter.
      ++framesTruncated_;
      emit(std::string_view(buffer_).substr(0, maxFrameBytes_), false, onFrame);
      buffer_.clear();
      if (complete) {
        state_ = State::kFrameStart;
        return pos + part + 1;
      }
      state_ = State::kLineSkip;
      return bytes.size();
    }
  }
  if (!complete) {
    state_ = State::kLine;
    return bytes.size();
  }
  emit(buffer_, false, onFrame);
  buffer_.clear();
  state_ = State::kFrameStart;
  return pos + part + 1;
}

std::size_t SyslogFramer::stepOctets(std::string_view bytes, std::size_t pos,
                                     FrameCallback onFrame) {
  const std::size_t available = bytes.size() - pos;
  const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, available));
  if (state_ == State::kOctetsSkip) {
    remaining_ -= take;
    if (remaining_ == 0) state_ = State::kFrameStart;
    return pos + take;
  }
  if (buffer_.empty() && take == remaining_ && take <= maxFrameBytes_) {
    emit(bytes.substr(pos, take), true, onFrame);
    remaining_ = 0;
    state_ = State::kFrameStart;
    return pos + take;
  }
  const std::size_t room = maxFrameBytes_ - std::min(buffer_.size(), maxFrameBytes_);
  buffer_.append(bytes.data() + pos, std::min(take, room));
  remaining_ -= take;
  if (buffer_.size() >= maxFrameBytes_ && remaining_ > 0) {
    ++framesTruncated_;
    emit(buffer_, true, onFrame);
    buffer_.clear();
    state_ = State::kOctetsSkip;
    return pos + take;
  }
  if (remaining_ == 0) {
    if (take > room) ++framesTruncated_;
    emit(buffer_, true, onFrame);
    buffer_.clear();
    state_ = State::kFrameStart;
  }
  return pos + take;
}

void SyslogFramer::feed(std::string_view bytes, FrameCallback onFrame) {
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    switch (state_) {
      case State::kFrameStart:
        if (isDigit(bytes[pos]) && bytes[pos] != '0') {
          state_ = State::kCount;
        } else {
          state_ = State::kLine;
        }
        break;
      case State::kCount: {
        // Digits so far are in buffer_, so a bad count can become the start of a line.
        char c = bytes[pos];
        if (isDigit(c) && buffer_.size() < kMaxCountDigits) {
          buffer_.push_back(c);
          ++pos;
        } else if (c == ' ' && !buffer_.empty()) {
          remaining_ = 0;
          for (char d : buffer_)
            remaining_ = remaining_ * 10 + static_cast<std::uint64_t>(d - '0');
          buffer_.clear();
          ++pos;
          state_ = State::kOctets;
        } else {
          ++framingErrors_;
          state_ = State::kLine;
        }
        break;
      }
      case State::kOctets:
      case State::kOctetsSkip:
        pos = stepOctets(bytes, pos, onFrame);
        break;
      case State::kLine:
      case State::kLineSkip:
        pos = stepLine(bytes, pos, onFrame);
        break;
    }
  }
}

void SyslogFramer::finish(FrameCallback onFrame) {
  switch (state_) {
    case State::kCount:
      // Digits and then the end: not a count.
      ++framingErrors_;
      emit(buffer_, false, onFrame);
      break;
    case State::kLine:
      if (buffer_.size() > maxFrameBytes_ && buffer_.back() == '\r') buffer_.pop_back();
      if (buffer_.size() > maxFrameBytes_) {
        ++framesTruncated_;
        buffer_.resize(maxFrameBytes_);
      }
      emit(buffer_, false, onFrame);
      break;
    case State::kOctets:
      ++framingErrors_;
      emit(buffer_, true, onFrame);
      break;
    case State::kFrameStart:
    case State::kOctetsSkip:
    case State::kLineSkip:
      break;
  }
  buffer_.clear();
  remaining_ = 0;
  state_ = State::kFrameStart;
}

}  // namespace pharos::logs
