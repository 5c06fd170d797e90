#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace pharos::logs {

struct MinerOptions {
  int depth = 4;  // tree depth: the length level plus depth-2 word levels, then leaves
  // Share of equal non-wildcard words a line needs to join a cluster. 0.6-0.7 scores best on
  // Loghub (bench/loghub_ga.py: 0.5 and below merge distinct short templates, 0.75 splits
  // templates with two unmasked variables); masking already evens out most variables.
  double similarity = 0.7;
  int maxChildren = 100;             // children per tree node; past it words go to the "<*>" child
  bool maskPaths = true;             // mask "/a/b" as <PATH>
  std::size_t maxClusters = 100000;  // learned clusters; past it see TemplateMiner
  std::size_t maxWords = 128;        // words per template; the rest collapse into one "<*>"
};

struct MinedTemplate {
  std::uint64_t id = 0;
  bool created = false;  // a new template
  bool changed = false;  // an existing template's text was generalised (or merged)
};

// Groups log messages into templates ("connect to <IP> failed after <NUM>ms") online, the
// way Drain does (He et al. 2017): masked words, a fixed-depth tree keyed by word count and
// the first words, and within a leaf the most similar cluster above a threshold, whose
// differing words then become "<*>".
//
// Ids are 64-bit, start at 1, are never reused, and survive snapshot()/restore(). When
// generalising makes a template identical to another in its leaf, the two merge: the older
// id survives and resolve() maps the newer one to it.
//
// Bounded memory: at most maxClusters learned clusters of at most maxWords words each. Once
// full, a line that matches no cluster gets the overflow template of its word count (all
// "<*>"), one per word count, so the count stays bounded and the line is still classified;
// learned clusters keep generalising.
//
// Not thread-safe for add(); match() and the readers may run concurrently with each other.
class TemplateMiner {
 public:
  explicit TemplateMiner(MinerOptions options = {});
  ~TemplateMiner();
  TemplateMiner(TemplateMiner&&) noexcept;
  TemplateMiner& operator=(TemplateMiner&&) noexcept;

  // Learns from `message` and returns its template (after any merge it caused).
  MinedTemplate add(std::string_view message);
  // The template `message` would join, without learning; nullopt when add() would create one.
  std::optional<std::uint64_t> match(std::string_view message) const;
  // The text of a template (resolving merges); "" for an unknown id.
  std::string templateText(std::uint64_t id) const;
  // Follows the merge map to the surviving id; any other id comes back unchanged.
  std::uint64_t resolve(std::uint64_t id) const;
  // Live templates, overflow templates included.
  std::size_t clusterCount() const;

  // A compact binary image of the whole state (tree, templates, merge map, next id).
  std::string snapshot() const;
  // kDataLoss for anything snapshot() did not produce; never crashes on garbage.
  static Result<TemplateMiner> restore(std::string_view bytes, MinerOptions options);

 private:
  struct State;
  explicit TemplateMiner(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace pharos::logs
