#include "health/condition_eval.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <variant>

#include <fmt/format.h>

#include "core/config/duration.h"
#include "core/text.h"
#include "health/condition_body.h"
#include "health/condition_glob.h"

namespace pharos::health {
namespace {

constexpr size_t kMaxExplanation = 1024;

// A value, or the reason there is none.
using Resolution = std::variant<Value, std::string>;
// A node of the body's JSON, or the reason the path does not lead to one.
using JsonAt = std::variant<const nlohmann::json*, std::string>;

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Value fromJson(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::string:
      return Value::ofText(j.get_ref<const std::string&>());
    case nlohmann::json::value_t::boolean:
      return Value::ofBool(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return Value::ofInteger(j.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      auto u = j.get<uint64_t>();
      if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return Value::ofInteger(static_cast<int64_t>(u));
      return Value::ofNumber(Number{static_cast<double>(u), std::nullopt}, dump(j));
    }
    case nlohmann::json::value_t::number_float:
      return Value::ofNumber(Number{j.get<double>(), std::nullopt}, dump(j));
    default:
      break;
  }
  Value v;
  v.kind = j.is_array()    ? Value::Kind::kArray
           : j.is_object() ? Value::Kind::kObject
                           : Value::Kind::kNull;
  v.text = dump(j);
  return v;
}

// Milliseconds with at most three decimals, as a number that still compares exactly.
Value responseTime(double ms) {
  double shown = std::abs(ms) < 1e12 ? std::round(ms * 1000) / 1000 : ms;
  Number n{ms, std::nullopt};
  if (ms == std::floor(ms) && std::abs(ms) < 9e15) n.integer = static_cast<int64_t>(ms);
  return Value::ofNumber(n, fmt::format("{}", shown));
}

class Evaluator {
 public:
  Evaluator(const ProbeObservation& o, ConditionContext& context) : o_(o), context_(context) {}

  ConditionOutcome run(const Node& root) {
    ConditionOutcome outcome;
    outcome.success = node(root);
    if (!outcome.success && !reasons_.empty()) {
      out_ += ": ";
      for (size_t i = 0; i < reasons_.size(); ++i)
        out_ += (i ? "; " : "") + reasons_[i];
    }
    std::string_view kept = truncateUtf8(out_, kMaxExplanation);
    outcome.explanation = std::string(kept);
    if (kept.size() < out_.size()) outcome.explanation += "...";
    return outcome;
  }

 private:
  bool node(const Node& n) {
    out_.append(static_cast<size_t>(n.parentheses), '(');
    bool result;
    if (n.kind == Node::Kind::kComparison) {
      result = comparison(n.comparison);
    } else {
      bool isAnd = n.kind == Node::Kind::kAnd;
      result = isAnd;
      for (size_t i = 0; i < n.children.size(); ++i) {
        if (i > 0) out_ += isAnd ? " && " : " || ";
        bool child = node(n.children[i]);
        result = isAnd ? (result && child) : (result || child);
      }
    }
    out_.append(static_cast<size_t>(n.parentheses), ')');
    return result;
  }

  bool comparison(const Comparison& c) {
    Resolution left = operand(c.left);
    Resolution right = operand(c.right);
    render(c.left, left);
    out_ += fmt::format(" {} ", compareOpSpelling(c.op));
    render(c.right, right);
    bool resolved = true;
    for (const Resolution* r : {&left, &right}) {
      if (const auto* reason = std::get_if<std::string>(r)) {
        addReason(*reason);
        resolved = false;
      }
    }
    if (!resolved) return false;

    bool equal;
    if (c.left.kind == OperandKind::kPattern || c.right.kind == OperandKind::kPattern) {
      bool patternLeft = c.left.kind == OperandKind::kPattern;
      const Value& v = std::get<Value>(patternLeft ? right : left);
      equal = globMatch(patternLeft ? c.left.pattern : c.right.pattern, v.text);
    } else if (c.left.kind == OperandKind::kAnyOf || c.right.kind == OperandKind::kAnyOf) {
      bool listLeft = c.left.kind == OperandKind::kAnyOf;
      const Value& v = std::get<Value>(listLeft ? right : left);
      const auto& items = listLeft ? c.left.anyOf : c.right.anyOf;
      equal = std::any_of(items.begin(), items.end(),
                          [&](const Value& item) { return valuesEqual(v, item); });
    } else if (c.op == CompareOp::kEqual || c.op == CompareOp::kNotEqual) {
      equal = valuesEqual(std::get<Value>(left), std::get<Value>(right));
    } else {
      return ordered(c, std::get<Value>(left), std::get<Value>(right));
    }
    return c.op == CompareOp::kEqual ? equal : !equal;
  }

  bool ordered(const Comparison& c, const Value& left, const Value& right) {
    auto a = orderable(left);
    auto b = orderable(right);
    if (!a || !b) {
      const Operand& bad = a ? c.right : c.left;
      addReason(fmt::format("{} ({}) is not a number", truncateUtf8(bad.source, 64),
                            renderValue(a ? right : left)));
      return false;
    }
    int cmp = compareNumbers(*a, *b);
    switch (c.op) {
      case CompareOp::kLess:
        return cmp < 0;
      case CompareOp::kLessEqual:
        return cmp <= 0;
      case CompareOp::kGreater:
        return cmp > 0;
      case CompareOp::kGreaterEqual:
        return cmp >= 0;
      default:
        return false;
    }
  }

  void render(const Operand& o, const Resolution& r) {
    out_ += o.source;
    if (!o.readsObservation()) return;
    const auto* v = std::get_if<Value>(&r);
    out_ += v ? fmt::format(" ({})", renderValue(*v)) : std::string(" (n/a)");
  }

  void addReason(const std::string& reason) {
    if (std::find(reasons_.begin(), reasons_.end(), reason) == reasons_.end())
      reasons_.push_back(reason);
  }

  Resolution operand(const Operand& o) {
    switch (o.kind) {
      case OperandKind::kReference:
        return reference(o.reference);
      case OperandKind::kLen:
        return length(o.reference);
      case OperandKind::kHas: {
        bool present = o.reference.placeholder == Placeholder::kBody && !o.reference.path.empty()
                           ? std::holds_alternative<const nlohmann::json*>(walkBody(o.reference))
                           : std::holds_alternative<Value>(reference(o.reference));
        return Value::ofBool(present);
      }
      case OperandKind::kLiteral:
        return o.literal;
      case OperandKind::kPattern:
      case OperandKind::kAnyOf:
        return Value{};  // not a value: comparison() reads the pattern or list itself
    }
    return Value{};
  }

  std::string unavailable(Placeholder p) const {
    if (o_.checkType.empty())
      return fmt::format("{} is not available for this check", placeholderName(p));
    return fmt::format("{} is not available for a {} check", placeholderName(p), o_.checkType);
  }

  Resolution reference(const Reference& ref) {
    Placeholder p = ref.placeholder;
    switch (p) {
      case Placeholder::kStatus:
        if (!o_.status) break;
        return Value::ofInteger(*o_.status);
      case Placeholder::kResponseTime:
        if (!o_.responseTimeMs || !std::isfinite(*o_.responseTimeMs)) break;
        return responseTime(*o_.responseTimeMs);
      case Placeholder::kBody: {
        if (!o_.body) break;
        if (ref.path.empty()) return Value::ofText(std::string(*o_.body));
        JsonAt at = walkBody(ref);
        if (auto* reason = std::get_if<std::string>(&at)) return std::move(*reason);
        return fromJson(*std::get<const nlohmann::json*>(at));
      }
      case Placeholder::kConnected:
        if (!o_.connected) break;
        return Value::ofBool(*o_.connected);
      case Placeholder::kCertExpiresIn: {
        if (!o_.certExpiresInMs) break;
        int64_t ms = *o_.certExpiresInMs;
        // Shown to the second: "6d23h59m59s" reads better than the milliseconds.
        return Value::ofNumber(Number{static_cast<double>(ms), ms},
                               config::formatDuration(Millis(ms - ms % 1000)));
      }
      case Placeholder::kDnsRcode:
        if (!o_.dnsRcode) break;
        return Value::ofText(*o_.dnsRcode);
      case Placeholder::kIp:
        if (!o_.ip) break;
        return Value::ofText(*o_.ip);
      case Placeholder::kHeader:
        return header(ref);
    }
    return unavailable(p);
  }

  // Every value of the header, joined as HTTP joins repeated fields.
  Resolution header(const Reference& ref) const {
    std::optional<std::string> joined;
    for (const auto& [name, value] : o_.headers) {
      if (!iequals(name, ref.header)) continue;
      joined = joined ? *joined + ", " + value : value;
    }
    if (!joined) return fmt::format("{}: the response has no {} header", ref.spelling, ref.header);
    return Value::ofText(std::move(*joined));
  }

  JsonAt walkBody(const Reference& ref) {
    if (!o_.body) return unavailable(Placeholder::kBody);
    const ParsedBody& parsed = context_.parsedBody(*o_.body);
    if (!parsed.json) return fmt::format("{}: {}", ref.spelling, parsed.error);
    const nlohmann::json* at = &*parsed.json;
    std::string where = "[BODY]";
    for (const PathStep& step : ref.path) {
      if (step.index) {
        if (!at->is_array()) {
          return fmt::format("{}: {} is {} {}, not an array", ref.spelling, where,
                             at->is_object() ? "an" : "a", at->type_name());
        }
        if (*step.index >= at->size()) {
          return fmt::format("{}: index {} is past the end of {} ({} elements)", ref.spelling,
                             *step.index, where, at->size());
        }
        at = &(*at)[*step.index];
        where += fmt::format("[{}]", *step.index);
      } else {
        if (!at->is_object()) {
          return fmt::format("{}: {} is {} {}, not an object", ref.spelling, where,
                             at->is_array() ? "an" : "a", at->type_name());
        }
        auto it = at->find(step.key);
        if (it == at->end())
          return fmt::format("{}: {} has no key \"{}\"", ref.spelling, where, step.key);
        at = &*it;
        where += "." + step.key;
      }
    }
    return at;
  }

  // Elements of an array, members of an object, bytes of a string or of anything else's text.
  Resolution length(const Reference& ref) {
    if (ref.placeholder != Placeholder::kBody || !o_.body) {
      Resolution r = reference(ref);
      if (auto* v = std::get_if<Value>(&r))
        return Value::ofInteger(static_cast<int64_t>(v->text.size()));
      return r;
    }
    const nlohmann::json* at = nullptr;
    if (ref.path.empty()) {
      // The whole body: a JSON array or object counts its elements; anything else its bytes.
      const ParsedBody& parsed = context_.parsedBody(*o_.body);
      if (parsed.json) at = &*parsed.json;
      if (!at || !(at->is_array() || at->is_object() || at->is_string()))
        return Value::ofInteger(static_cast<int64_t>(o_.body->size()));
    } else {
      JsonAt found = walkBody(ref);
      if (auto* reason = std::get_if<std::string>(&found)) return std::move(*reason);
      at = std::get<const nlohmann::json*>(found);
    }
    if (at->is_string())
      return Value::ofInteger(static_cast<int64_t>(at->get_ref<const std::string&>().size()));
    if (at->is_array() || at->is_object())
      return Value::ofInteger(static_cast<int64_t>(at->size()));
    return Value::ofInteger(static_cast<int64_t>(dump(*at).size()));
  }

  const ProbeObservation& o_;
  ConditionContext& context_;
  std::string out_;
  std::vector<std::string> reasons_;
};

}  // namespace

ConditionOutcome evaluateAst(const ConditionAst& ast, const ProbeObservation& observation,
                             ConditionContext& context) {
  return Evaluator(observation, context).run(ast.root);
}

}  // namespace pharos::health
