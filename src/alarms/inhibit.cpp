#include "alarms/inhibit.h"

#include <fmt/format.h>

namespace pharos::alarms {
namespace {

using config::Node;

constexpr std::string_view kRuleFields[] = {"source_matchers", "target_matchers", "equal"};

void readMatchers(const Node& v, const std::string& f, std::vector<AlertMatcher>& out,
                  config::NodeReader& r) {
  r.list(v, f, [&](const Node& item, const std::string& itemField) {
    readMatchersEntry(r, item, itemField, out);
  });
}

}  // namespace

std::variant<InhibitRule, std::vector<config::FieldProblem>> parseInhibitRule(
    const Node& node, std::string_view path) {
  config::NodeReader r(path);
  InhibitRule rule;
  r.map(node, r.path(), [&](const std::string& key, const Node& v) {
    if (!r.knownField(key, v, kRuleFields)) return;
    std::string f = r.field(key);
    if (key == "source_matchers") {
      readMatchers(v, f, rule.sourceMatchers, r);
    } else if (key == "target_matchers") {
      readMatchers(v, f, rule.targetMatchers, r);
    } else if (key == "equal") {
      if (!r.strings(v, f, rule.equal)) return;
      for (std::size_t i = 0; i < rule.equal.size(); ++i) {
        if (!isValidLabelName(rule.equal[i])) {
          r.problem(i < v.items.size() ? v.items[i] : v, fmt::format("{}[{}]", f, i),
                    fmt::format("{}[{}]: '{}' is not a label name", f, i, rule.equal[i]));
        }
      }
    }
  });
  if (r.ok() && node.isMap()) {
    // Without matchers a side would match every alert: every alert would mute every other.
    if (rule.sourceMatchers.empty()) {
      r.problem(node, r.field("source_matchers"),
                fmt::format("{}: needs at least one matcher", r.field("source_matchers")));
    }
    if (rule.targetMatchers.empty()) {
      r.problem(node, r.field("target_matchers"),
                fmt::format("{}: needs at least one matcher", r.field("target_matchers")));
    }
  }
  if (!r.ok()) return r.take();
  return rule;
}

Inhibitor::Inhibitor(std::vector<InhibitRule> rules)
    : rules_(std::move(rules)), sources_(rules_.size()) {}

std::string Inhibitor::equalKey(const InhibitRule& rule, const Labels& labels) {
  std::string key;
  for (const std::string& name : rule.equal) {
    // Label values are valid UTF-8, which never holds 0xff, so the join is unambiguous.
    key += labels.get(name);
    key += '\xff';
  }
  return key;
}

void Inhibitor::setFiring(std::uint64_t fingerprint, const Labels& labels, bool firing) {
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const InhibitRule& rule = rules_[i];
    if (!matchesAll(rule.sourceMatchers, labels)) continue;
    std::string key = equalKey(rule, labels);
    if (firing) {
      sources_[i][key][fingerprint] = Source{matchesAll(rule.targetMatchers, labels)};
    } else if (auto it = sources_[i].find(key); it != sources_[i].end()) {
      it->second.erase(fingerprint);
      if (it->second.empty()) sources_[i].erase(it);
    }
  }
}

bool Inhibitor::isInhibited(std::uint64_t fingerprint, const Labels& labels) const {
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const InhibitRule& rule = rules_[i];
    if (sources_[i].empty() || !matchesAll(rule.targetMatchers, labels)) continue;
    auto it = sources_[i].find(equalKey(rule, labels));
    if (it == sources_[i].end()) continue;
    bool targetIsSource = matchesAll(rule.sourceMatchers, labels);
    for (const auto& [fp, source] : it->second) {
      if (fp == fingerprint) continue;
      if (targetIsSource && source.alsoTarget) continue;
      return true;
    }
  }
  return false;
}

}  // namespace pharos::alarms
