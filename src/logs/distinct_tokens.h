#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pharos::logs {

// The distinct lowercased tokens of a block, written straight into the index document they
// become ("tok1 tok2 "), found again through an open-addressing table of offsets into that
// document: add() writes its word at the document's end and takes it back off when it was
// there already; addText() looks each token up where it is and copies only new ones. A
// block's document is built for every 1,024 lines indexed, so this avoids the per-token
// strings, the second scan and the std::hash of a set of words.
class DistinctTokens {
 public:
  explicit DistinctTokens(std::size_t expected = 1024);
  // Adds `field` + '_' + `token` lowercased (ASCII only), or `token` lowercased when `field`
  // is empty, unless it is there already.
  void add(std::string_view field, std::string_view token);
  // Adds each token of `text` (forEachToken()) as add({}, token) would. Lowercasing the text
  // once, into room it may read past, lets a token already there cost a hash and a compare.
  void addText(std::string_view text);
  std::size_t size() const { return count_; }
  // The document: each distinct token followed by a space. The set is empty afterwards.
  std::string take();

 private:
  struct Slot {
    std::uint64_t hash = 0;  // 0: free
    std::uint32_t offset = 0, length = 0;
  };
  // Room at used_ for a word of `length` bytes, its space, and 8-byte reads and writes past.
  void reserve(std::size_t length);
  // Adds the lowercased word of `length` bytes at `word`, unless it is there already. `word`
  // is readable 8 bytes past its end; `inPlace`: it is written at used_ already.
  void insert(const char* word, std::size_t length, bool inPlace);
  void grow();

  // The document so far is doc_[0, used_); doc_ is kept longer, so an add is stores into room
  // already there, not string appends that each check the capacity.
  std::string doc_;
  std::size_t used_ = 0;
  std::vector<Slot> slots_;  // a power of two, at most half full
  std::string lowered_;      // addText()'s text, lowercased, with room to read past
  std::size_t count_ = 0;
};

}  // namespace pharos::logs
