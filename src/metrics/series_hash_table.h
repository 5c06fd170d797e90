#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pharos::metrics {

// Label-set hash -> series ref, open addressing with linear probing in one flat array: a
// lookup is one cache line, where std::unordered_map costs a bucket and a node, two misses
// per appended sample at 100,000 series. Several series may share a hash: find() visits
// each candidate until `matches` accepts one. Ref 0 marks an empty slot.
class SeriesHashTable {
 public:
  void prefetch(std::uint64_t hash) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash & mask_]);
  }

  template <typename Matches>
  std::uint32_t find(std::uint64_t hash, Matches&& matches) const {
    if (slots_.empty()) return 0;
    for (std::size_t i = hash & mask_; slots_[i].ref != 0; i = (i + 1) & mask_) {
      if (slots_[i].hash == hash && matches(slots_[i].ref)) return slots_[i].ref;
    }
    return 0;
  }

  void insert(std::uint64_t hash, std::uint32_t ref) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    place(hash, ref);
    ++size_;
  }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t ref = 0;
  };

  void place(std::uint64_t hash, std::uint32_t ref) {
    std::size_t i = hash & mask_;
    while (slots_[i].ref != 0)
      i = (i + 1) & mask_;
    slots_[i] = Slot{hash, ref};
  }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
    mask_ = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.ref != 0) place(s.hash, s.ref);
    }
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace pharos::metrics
