#include "logs/template_miner.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/varint.h"
#include "logs/hash_bytes.h"
#include "logs/token_masker.h"

namespace pharos::logs {
namespace {

constexpr std::string_view kWildcard = "<*>";
constexpr std::string_view kSnapshotMagic = "PHTM";
constexpr char kSnapshotVersion = 1;
// Ids stay far from wrap-around even when a snapshot claims a huge next id.
constexpr std::uint64_t kMaxId = std::uint64_t{1} << 62;
constexpr std::size_t kMaxWords = 1 << 16;

// Tree keys are short words looked up for every line: a multiply per 8 bytes is cheaper than
// std::hash's, and the order of a node's children is never observed.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return hashBytes(s); }
};

struct Cluster {
  std::uint64_t id = 0;
  std::vector<std::string> words;
  std::vector<std::string> path;  // the tree keys from the length node to the leaf
  std::size_t wildcards = 0;      // words that are "<*>", so add() sees when a line changes nothing
};

std::size_t countWildcards(const std::vector<std::string>& words) {
  return static_cast<std::size_t>(std::count(words.begin(), words.end(), kWildcard));
}

template <typename T>
T load(const char* p) {
  T value;
  std::memcpy(&value, p, sizeof value);
  return value;
}

// a == b for the short words of templates, compared inline: a memcmp call per word costs more
// than the comparison. Overlapping loads cover every length up to 16 within the bytes.
bool sameWord(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  if (n > 16) return std::memcmp(x, y, n) == 0;
  if (n >= 8) {
    return load<std::uint64_t>(x) == load<std::uint64_t>(y) &&
           load<std::uint64_t>(x + n - 8) == load<std::uint64_t>(y + n - 8);
  }
  if (n >= 4) {
    return load<std::uint32_t>(x) == load<std::uint32_t>(y) &&
           load<std::uint32_t>(x + n - 4) == load<std::uint32_t>(y + n - 4);
  }
  return n == 0 || (x[0] == y[0] && x[n / 2] == y[n / 2] && x[n - 1] == y[n - 1]);
}

struct Node {
  std::unordered_map<std::string, std::unique_ptr<Node>, StringHash, std::equal_to<>> children;
  Node* wildcard = nullptr;        // children["<*>"]: where most lookups end, kept at hand
  std::vector<Cluster*> clusters;  // leaves only, in creation (= id) order

  Node* child(std::string_view key) const {
    auto it = children.find(key);
    return it == children.end() ? nullptr : it->second.get();
  }
  Node& childOrNew(std::string_view key) {
    auto it = children.find(key);
    if (it != children.end()) return *it->second;
    Node* node = children.emplace(std::string(key), std::make_unique<Node>()).first->second.get();
    if (key == kWildcard) wildcard = node;
    return *node;
  }
};

// Drain sends words that hold variables down the "<*>" branch: a word with a digit, or one
// the masker changed, says little about which template a line belongs to. The masker masks
// every word that holds a digit, so the flag says both.
inline bool routesToWildcard(const MaskedLine& line, std::size_t i) {
  return line.masked(i) || line.word(i) == kWildcard;
}

void putString(std::string& out, std::string_view s) {
  putVarint(out, s.size());
  out.append(s);
}

bool getString(std::string_view& in, std::string& out) {
  std::uint64_t size = 0;
  if (!getVarint(in, size) || size > in.size()) return false;
  out.assign(in.substr(0, size));
  in.remove_prefix(size);
  return true;
}

std::string joinWords(const std::vector<std::string>& words) {
  std::size_t size = words.empty() ? 0 : words.size() - 1;
  for (const auto& w : words)
    size += w.size();
  std::string text;
  text.reserve(size);
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) text.push_back(' ');
    text.append(words[i]);
  }
  return text;
}

}  // namespace

struct TemplateMiner::State {
  MinerOptions options;
  MaskOptions mask;
  std::vector<std::unique_ptr<Node>> byLength;  // [word count]: the tree's first level
  std::unordered_map<std::uint64_t, std::unique_ptr<Cluster>> clusters;
  std::unordered_map<std::uint64_t, std::uint64_t> merges;  // merged id -> surviving id
  std::map<std::size_t, std::uint64_t> overflow;            // word count -> overflow id
  std::unordered_map<std::uint64_t, std::size_t> overflowWords;
  std::uint64_t nextId = 1;
  MaskedLine scratch;

  explicit State(MinerOptions o) : options(o) {
    options.depth = std::max(options.depth, 2);
    options.maxChildren = std::max(options.maxChildren, 1);
    options.maxWords = std::clamp<std::size_t>(options.maxWords, 1, kMaxWords);
    mask.maskPaths = options.maskPaths;
    mask.maxWords = options.maxWords;
  }

  std::size_t wordLevels(std::size_t words) const {
    return std::min(static_cast<std::size_t>(options.depth - 2), words);
  }

  // The leaf a line would be classified in (Drain's tree search), or null. A variable word
  // goes straight to "<*>", as placeNewCluster() put it, even if a line once held that text
  // literally ("<PATH>").
  Node* findLeaf(const MaskedLine& line) const {
    Node* node = line.size() < byLength.size() ? byLength[line.size()].get() : nullptr;
    if (node == nullptr) return nullptr;
    for (std::size_t level = 0, n = wordLevels(line.size()); level < n; ++level) {
      Node* next = routesToWildcard(line, level) ? nullptr : node->child(line.word(level));
      if (next == nullptr) next = node->wildcard;
      if (next == nullptr) return nullptr;
      node = next;
    }
    return node;
  }

  // The fewest equal words that make a line of `n` words similar enough (n + 1 when none
  // do), from the same division bestMatch() always used, so no rounding can differ.
  std::size_t minEqualWords(std::size_t n) const {
    auto reaches = [&](std::size_t equal) {
      double similarity = n == 0 ? 1.0 : static_cast<double>(equal) / static_cast<double>(n);
      return similarity >= options.similarity;
    };
    // A guess at most a step off; the loops settle it (a NaN threshold reaches nothing).
    const double guess = std::ceil(options.similarity * static_cast<double>(n));
    std::size_t equal = n;
    if (!(guess > 0)) {
      equal = 0;
    } else if (guess < static_cast<double>(n)) {
      equal = static_cast<std::size_t>(guess);
    }
    while (equal > 0 && reaches(equal - 1))
      --equal;
    while (equal <= n && !reaches(equal))
      ++equal;
    return equal;
  }

  // The words of `cluster` equal to the line's ("<*>" equals nothing), when at least `target`;
  // nullopt as soon as too many differ.
  static std::optional<std::size_t> equalWords(const Cluster& cluster, const MaskedLine& line,
                                               std::size_t target) {
    const std::size_t n = line.size();
    if (target > n) return std::nullopt;
    const std::size_t affordable = n - target;  // differing words it can afford
    std::size_t misses = 0;
    for (std::size_t i = 0; i < n; ++i) {
      std::string_view word = line.word(i);
      if ((!sameWord(cluster.words[i], word) || word == kWildcard) && ++misses > affordable) {
        return std::nullopt;
      }
    }
    return n - misses;
  }

  struct Match {
    Cluster* cluster = nullptr;
    std::size_t equal = 0;  // its words equal to the line's
  };

  // The most similar cluster at or above the threshold; a tie goes to the older one (leaves
  // keep id order; Drain3 prefers the more general one), so the ids a user has seen keep absorbing
  // their lines. A cluster is only compared until it cannot beat the best so far.
  Match bestMatch(const Node& leaf, const MaskedLine& line) const {
    Match best;
    const std::size_t need = minEqualWords(line.size());
    for (Cluster* cluster : leaf.clusters) {
      const std::size_t target = best.cluster == nullptr ? need : best.equal + 1;
      if (auto equal = equalWords(*cluster, line, target)) best = Match{cluster, *equal};
    }
    return best;
  }

  // Drain's insertion: known words follow their child, variable words and full nodes "<*>".
  Node& lengthNode(std::size_t words) {
    if (words >= byLength.size()) byLength.resize(words + 1);
    if (!byLength[words]) byLength[words] = std::make_unique<Node>();
    return *byLength[words];
  }

  Node& placeNewCluster(const MaskedLine& line, std::vector<std::string>& path) {
    Node* node = &lengthNode(line.size());
    const auto maxChildren = static_cast<std::size_t>(options.maxChildren);
    for (std::size_t level = 0, n = wordLevels(line.size()); level < n; ++level) {
      std::string_view word = line.word(level);
      std::string_view key = word;
      // A variable word goes to "<*>" even when a line once held its masked text literally
      // ("<NUM>"): findLeaf() never looks under that child for it.
      if (routesToWildcard(line, level)) {
        key = kWildcard;
      } else if (node->child(word) == nullptr) {
        std::size_t count = node->children.size();
        bool hasWildcard = node->wildcard != nullptr;
        if (hasWildcard) {
          if (count >= maxChildren) key = kWildcard;
        } else if (count + 1 >= maxChildren) {
          key = kWildcard;  // the last slot goes to "<*>"
        }
      }
      path.emplace_back(key);
      node = &node->childOrNew(key);
    }
    return *node;
  }

  Node* nodeAtPath(std::size_t words, const std::vector<std::string>& path) {
    Node* node = &lengthNode(words);
    for (const auto& key : path)
      node = &node->childOrNew(key);
    return node;
  }

  std::uint64_t overflowId(std::size_t words, bool& created) {
    auto it = overflow.find(words);
    if (it != overflow.end()) return it->second;
    std::uint64_t id = nextId++;
    overflow.emplace(words, id);
    overflowWords.emplace(id, words);
    created = true;
    return id;
  }

  // After `cluster` generalised: a twin in the same leaf merges, the older id survives.
  // Under fixed options a twin cannot arise (the line that generalises a cluster into a
  // twin's text matches the twin at least as well, and the older wins the tie); it can after
  // a restore() with another similarity, and this keeps one template per text regardless.
  std::uint64_t mergeTwins(Node& leaf, Cluster* cluster) {
    for (std::size_t i = 0; i < leaf.clusters.size(); ++i) {
      Cluster* other = leaf.clusters[i];
      if (other == cluster || other->words != cluster->words) continue;
      Cluster* survivor = other->id < cluster->id ? other : cluster;
      Cluster* gone = survivor == other ? cluster : other;
      std::uint64_t goneId = gone->id;
      leaf.clusters.erase(std::find(leaf.clusters.begin(), leaf.clusters.end(), gone));
      for (auto& [from, to] : merges) {
        if (to == goneId) to = survivor->id;  // keep the map one hop deep
      }
      merges[goneId] = survivor->id;
      clusters.erase(goneId);
      return survivor->id;  // twins never coexist, so there is at most one
    }
    return cluster->id;
  }
};

TemplateMiner::TemplateMiner(MinerOptions options) : state_(std::make_unique<State>(options)) {}
TemplateMiner::TemplateMiner(std::unique_ptr<State> state) : state_(std::move(state)) {}
TemplateMiner::~TemplateMiner() = default;
TemplateMiner::TemplateMiner(TemplateMiner&&) noexcept = default;
TemplateMiner& TemplateMiner::operator=(TemplateMiner&&) noexcept = default;

MinedTemplate TemplateMiner::add(std::string_view message) {
  State& s = *state_;
  MaskedLine& line = s.scratch;
  maskLine(message, s.mask, line);
  Node* leaf = s.findLeaf(line);
  State::Match match = leaf == nullptr ? State::Match{} : s.bestMatch(*leaf, line);
  Cluster* cluster = match.cluster;
  if (cluster == nullptr) {
    MinedTemplate result;
    if (s.clusters.size() >= s.options.maxClusters) {
      result.id = s.overflowId(line.size(), result.created);
      return result;
    }
    auto fresh = std::make_unique<Cluster>();
    fresh->id = s.nextId++;
    fresh->words.reserve(line.size());
    for (std::size_t i = 0; i < line.size(); ++i)
      fresh->words.emplace_back(line.word(i));
    fresh->wildcards = countWildcards(fresh->words);
    Node& home = s.placeNewCluster(line, fresh->path);
    home.clusters.push_back(fresh.get());
    result.id = fresh->id;
    result.created = true;
    s.clusters.emplace(fresh->id, std::move(fresh));
    return result;
  }
  // Every word equal or facing a "<*>": the common case, nothing to generalise.
  if (match.equal + cluster->wildcards == line.size())
    return MinedTemplate{cluster->id, false, false};
  for (std::size_t i = 0; i < line.size(); ++i) {
    std::string& word = cluster->words[i];
    if (word != kWildcard && word != line.word(i)) {
      word.assign(kWildcard);
      ++cluster->wildcards;
    }
  }
  return MinedTemplate{s.mergeTwins(*leaf, cluster), false, true};
}

std::optional<std::uint64_t> TemplateMiner::match(std::string_view message) const {
  const State& s = *state_;
  thread_local MaskedLine line;
  maskLine(message, s.mask, line);
  if (const Node* leaf = s.findLeaf(line)) {
    if (const Cluster* cluster = s.bestMatch(*leaf, line).cluster) return cluster->id;
  }
  if (s.clusters.size() >= s.options.maxClusters) {
    auto it = s.overflow.find(line.size());
    if (it != s.overflow.end()) return it->second;
  }
  return std::nullopt;
}

std::uint64_t TemplateMiner::resolve(std::uint64_t id) const {
  auto it = state_->merges.find(id);
  return it == state_->merges.end() ? id : it->second;
}

std::string TemplateMiner::templateText(std::uint64_t id) const {
  id = resolve(id);
  auto it = state_->clusters.find(id);
  if (it != state_->clusters.end()) return joinWords(it->second->words);
  auto o = state_->overflowWords.find(id);
  if (o == state_->overflowWords.end()) return {};
  std::string text;
  for (std::size_t i = 0; i < o->second; ++i) {
    if (i > 0) text.push_back(' ');
    text.append(kWildcard);
  }
  return text;
}

std::size_t TemplateMiner::clusterCount() const {
  return state_->clusters.size() + state_->overflow.size();
}

// "PHTM" | u8 version | varint nextId
// | varint clusters | (varint id | varint words | str* | varint pathKeys | str*)*  id order
// | varint merges | (varint from | varint to)*
// | varint overflow | (varint words | varint id)*
// Clusters go in id order because a leaf keeps its clusters in creation order, and that
// order breaks similarity ties: restoring in it gives the same answers.
std::string TemplateMiner::snapshot() const {
  const State& s = *state_;
  std::vector<const Cluster*> ordered;
  ordered.reserve(s.clusters.size());
  for (const auto& [id, cluster] : s.clusters)
    ordered.push_back(cluster.get());
  std::sort(ordered.begin(), ordered.end(),
            [](const Cluster* a, const Cluster* b) { return a->id < b->id; });
  std::string out(kSnapshotMagic);
  out.push_back(kSnapshotVersion);
  putVarint(out, s.nextId);
  putVarint(out, ordered.size());
  for (const Cluster* cluster : ordered) {
    putVarint(out, cluster->id);
    putVarint(out, cluster->words.size());
    for (const auto& word : cluster->words)
      putString(out, word);
    putVarint(out, cluster->path.size());
    for (const auto& key : cluster->path)
      putString(out, key);
  }
  std::vector<std::pair<std::uint64_t, std::uint64_t>> merges(s.merges.begin(), s.merges.end());
  std::sort(merges.begin(), merges.end());
  putVarint(out, merges.size());
  for (const auto& [from, to] : merges) {
    putVarint(out, from);
    putVarint(out, to);
  }
  putVarint(out, s.overflow.size());
  for (const auto& [words, id] : s.overflow) {
    putVarint(out, words);
    putVarint(out, id);
  }
  return out;
}

Result<TemplateMiner> TemplateMiner::restore(std::string_view in, MinerOptions options) {
  auto corrupt = [](std::string what) {
    return makeError(ErrorCode::kDataLoss, "template snapshot: " + std::move(what));
  };
  if (!in.starts_with(kSnapshotMagic)) return corrupt("not a template snapshot");
  in.remove_prefix(kSnapshotMagic.size());
  if (in.empty() || in.front() != kSnapshotVersion) return corrupt("unknown version");
  in.remove_prefix(1);
  auto state = std::make_unique<State>(options);
  State& s = *state;
  std::uint64_t count = 0;
  if (!getVarint(in, s.nextId) || s.nextId == 0 || s.nextId > kMaxId) return corrupt("next id");
  if (!getVarint(in, count) || count > in.size()) return corrupt("cluster count");
  std::uint64_t previous = 0;
  for (std::uint64_t c = 0; c < count; ++c) {
    auto cluster = std::make_unique<Cluster>();
    std::uint64_t words = 0;
    std::uint64_t keys = 0;
    if (!getVarint(in, cluster->id) || cluster->id <= previous || cluster->id >= s.nextId) {
      return corrupt("cluster id");
    }
    previous = cluster->id;
    if (!getVarint(in, words) || words > in.size()) return corrupt("word count");
    cluster->words.resize(words);
    for (auto& word : cluster->words) {
      if (!getString(in, word)) return corrupt("word");
    }
    cluster->wildcards = countWildcards(cluster->words);
    if (!getVarint(in, keys) || keys != s.wordLevels(words)) {
      return corrupt("tree path (was the depth option changed?)");
    }
    cluster->path.resize(keys);
    for (auto& key : cluster->path) {
      if (!getString(in, key)) return corrupt("tree key");
    }
    s.nodeAtPath(words, cluster->path)->clusters.push_back(cluster.get());
    s.clusters.emplace(cluster->id, std::move(cluster));
  }
  if (!getVarint(in, count) || count > in.size()) return corrupt("merge count");
  for (std::uint64_t m = 0; m < count; ++m) {
    std::uint64_t from = 0;
    std::uint64_t to = 0;
    if (!getVarint(in, from) || !getVarint(in, to)) return corrupt("merge");
    if (from == 0 || from >= s.nextId || s.clusters.contains(from) || !s.clusters.contains(to) ||
        !s.merges.emplace(from, to).second) {
      return corrupt("merge ids");
    }
  }
  if (!getVarint(in, count) || count > in.size()) return corrupt("overflow count");
  for (std::uint64_t o = 0; o < count; ++o) {
    std::uint64_t words = 0;
    std::uint64_t id = 0;
    if (!getVarint(in, words) || !getVarint(in, id)) return corrupt("overflow");
    if (words > kMaxWords || id == 0 || id >= s.nextId || s.clusters.contains(id) ||
        s.merges.contains(id) || s.overflowWords.contains(id) ||
        !s.overflow.emplace(words, id).second) {
      return corrupt("overflow ids");
    }
    s.overflowWords.emplace(id, words);
  }
  if (!in.empty()) return corrupt("trailing bytes");
  return TemplateMiner(std::move(state));
}

}  // namespace pharos::logs
