#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/text.h"
#include "notify/template.h"
#include "notify/template_ast.h"

namespace pharos::notify {
namespace {

using nlohmann::json;

// Evaluation steps per render: ranges over ranges can multiply; a bound keeps one template
// from holding a dispatcher thread.
constexpr size_t kMaxSteps = 1'000'000;

bool truthy(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return false;
    case json::value_t::boolean:
      return v.get<bool>();
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return v.get<double>() != 0;
    case json::value_t::string:
      return !v.get_ref<const std::string&>().empty();
    case json::value_t::array:
    case json::value_t::object:
      return !v.empty();
    default:
      return true;
  }
}

std::string printed(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "";
    case json::value_t::string:
      return v.get<std::string>();
    case json::value_t::number_float: {
      double d = v.get<double>();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) {
        return std::to_string(static_cast<int64_t>(d));
      }
      return fmt::format("{}", d);
    }
    default:
      return v.dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

std::string jsEscape(std::string_view s) {
  std::string quoted;
  appendJsonString(quoted, s);
  std::string out;
  // JSON string escaping without the quotes, plus what must not end a <script> or attribute.
  for (char c : std::string_view(quoted).substr(1, quoted.size() - 2)) {
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else if (c == '\'') {
      out += "\\u0027";
    } else {
      out += c;
    }
  }
  return out;
}

std::string urlQueryEscape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string title(std::string_view s) {
  std::string out(s);
  bool start = true;
  for (char& c : out) {
    if (start && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    start = c == ' ' || c == '\t' || c == '\n' || c == '-' || c == '_';
  }
  return out;
}

Error badArgs(std::string_view fn, std::string_view why) {
  return makeError(ErrorCode::kInvalidArgument, fmt::format("{}: {}", fn, why));
}

std::string_view typeName(const json& v) {
  if (v.is_number()) return "number";
  return v.type_name();
}

// -1, 0, 1, or an error when the two cannot be ordered.
Result<int> compare(std::string_view fn, const json& a, const json& b) {
  if (a.is_number() && b.is_number()) {
    double x = a.get<double>();
    double y = b.get<double>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    int c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_boolean() && b.is_boolean()) return a == b ? 0 : (a.get<bool>() ? 1 : -1);
  if (a.is_null() && b.is_null()) return 0;
  // A missing label (null) compares as the empty string, as it prints.
  if (a.is_null() && b.is_string()) return compare(fn, json(""), b);
  if (a.is_string() && b.is_null()) return compare(fn, a, json(""));
  return badArgs(fn, fmt::format("cannot compare {} with {}", typeName(a), typeName(b)));
}

class Evaluator {
 public:
  Evaluator(const json& root, size_t maxBytes) : root_(root), maxBytes_(maxBytes) {}

  Status run(const std::vector<TemplateNode>& nodes, const json& dot) {
    for (const TemplateNode& n : nodes)
      PHAROS_TRY(node(n, dot));
    return okStatus();
  }

  std::string take() { return std::move(out_); }

 private:
  Status step() {
    if (++steps_ > kMaxSteps) {
      return makeError(ErrorCode::kResourceExhausted, "template takes too many steps");
    }
    return okStatus();
  }

  Status fits(size_t bytes) const {
    if (bytes > maxBytes_) {
      return makeError(ErrorCode::kResourceExhausted,
                       fmt::format("template output exceeds {} bytes", maxBytes_));
    }
    return okStatus();
  }

  Status emit(std::string_view s) {
    PHAROS_TRY(fits(out_.size() + s.size()));
    out_ += s;
    return okStatus();
  }

  Status node(const TemplateNode& n, const json& dot) {
    PHAROS_TRY(step());
    switch (n.kind) {
      case TemplateNode::Kind::kList:
        return run(n.children, dot);
      case TemplateNode::Kind::kText:
        return emit(n.text);
      case TemplateNode::Kind::kAction: {
        PHAROS_ASSIGN_OR_RETURN(json v, pipeline(n.pipeline, dot));
        return emit(printed(v));
      }
      case TemplateNode::Kind::kIf: {
        PHAROS_ASSIGN_OR_RETURN(json v, pipeline(n.pipeline, dot));
        return run(truthy(v) ? n.children : n.otherwise, dot);
      }
      case TemplateNode::Kind::kRange: {
        PHAROS_ASSIGN_OR_RETURN(json v, pipeline(n.pipeline, dot));
        if (!truthy(v)) return run(n.otherwise, dot);
        if (v.is_array() || v.is_object()) {
          // A map ranges over its values in key order, as Go does.
          for (const json& item : v) {
            PHAROS_TRY(step());
            PHAROS_TRY(run(n.children, item));
          }
          return okStatus();
        }
        if (v.is_number_integer() || v.is_number_unsigned()) {
          // Go 1.22 ranges over an integer: 0..n-1.
          int64_t count = v.get<int64_t>();
          // Each turn is a step, so a huge count with an empty body still ends.
          for (int64_t i = 0; i < count; ++i) {
            PHAROS_TRY(step());
            PHAROS_TRY(run(n.children, json(i)));
          }
          return okStatus();
        }
        return makeError(ErrorCode::kInvalidArgument,
                         fmt::format("range can't iterate over {}", typeName(v)));
      }
    }
    return okStatus();
  }

  Result<json> pipeline(const TemplatePipeline& p, const json& dot) {
    std::optional<json> piped;
    for (const TemplateCommand& c : p.commands) {
      PHAROS_ASSIGN_OR_RETURN(json v, command(c, dot, piped ? &*piped : nullptr));
      piped = std::move(v);
    }
    return piped ? std::move(*piped) : json();
  }

  Result<json> command(const TemplateCommand& c, const json& dot, const json* piped) {
    PHAROS_TRY(step());
    const TemplateArg& first = c.args.front();
    if (first.kind != TemplateArg::Kind::kFunction) {
      if (piped != nullptr) {
        return makeError(ErrorCode::kInvalidArgument, "can't pipe a value into a non-function");
      }
      return arg(first, dot);
    }
    std::vector<json> args;
    for (size_t i = 1; i < c.args.size(); ++i) {
      PHAROS_ASSIGN_OR_RETURN(json v, arg(c.args[i], dot));
      args.push_back(std::move(v));
    }
    if (piped != nullptr) args.push_back(*piped);
    PHAROS_ASSIGN_OR_RETURN(json v, call(first.function, args));
    // A value is never larger than the output may be: without this bound, `json` piped into
    // itself doubles the backslashes each time and a short template asks for gigabytes.
    if (v.is_string()) PHAROS_TRY(fits(v.get_ref<const std::string&>().size()));
    return v;
  }

  Result<json> arg(const TemplateArg& a, const json& dot) {
    switch (a.kind) {
      case TemplateArg::Kind::kLiteral:
        return a.literal;
      case TemplateArg::Kind::kPipeline:
        return pipeline(*a.pipeline, dot);
      case TemplateArg::Kind::kFunction:
        return call(a.function, {});
      case TemplateArg::Kind::kField: {
        const json* v = a.fromRoot ? &root_ : &dot;
        json held;
        for (const std::string& name : a.fields) {
          PHAROS_ASSIGN_OR_RETURN(held, field(*v, name));
          v = &held;
        }
        return *v;
      }
    }
    return json();
  }

  static Result<json> field(const json& v, const std::string& name) {
    if (v.is_object()) {
      if (auto it = v.find(name); it != v.end()) return *it;
      // Alertmanager's KV methods, for maps that have no such key.
      if (name == "SortedPairs") {
        json pairs = json::array();
        for (const auto& [k, value] : v.items())
          pairs.push_back({{"Name", k}, {"Value", value}});
        return pairs;
      }
      if (name == "Names" || name == "Values") {
        json out = json::array();
        for (const auto& [k, value] : v.items())
          out.push_back(name == "Names" ? json(k) : value);
        return out;
      }
      return json();  // missingkey=zero
    }
    if (v.is_array() && (name == "Firing" || name == "Resolved")) {
      json out = json::array();
      std::string want = name == "Firing" ? "firing" : "resolved";
      for (const json& a : v)
        if (a.is_object() && a.value("Status", "") == want) out.push_back(a);
      return out;
    }
    if (v.is_null()) return json();
    return makeError(ErrorCode::kInvalidArgument,
                     fmt::format("can't read field {} of a {}", name, typeName(v)));
  }

  static Result<std::string> stringArg(std::string_view fn, const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_null()) return std::string();
    if (v.is_number() || v.is_boolean()) return printed(v);
    return badArgs(fn, fmt::format("expected a string, got {}", typeName(v)));
  }

  Result<json> call(const std::string& fn, const std::vector<json>& args) {
    auto arity = [&](size_t n) -> Status {
      if (args.size() != n) {
        return badArgs(fn, fmt::format("wants {} argument(s), got {}", n, args.size()));
      }
      return okStatus();
    };
    if (fn == "eq" || fn == "ne") {
      if (args.size() < 2) return badArgs(fn, "wants at least 2 arguments");
      bool any = false;
      for (size_t i = 1; i < args.size() && !any; ++i) {
        PHAROS_ASSIGN_OR_RETURN(int c, compare(fn, args[0], args[i]));
        any = c == 0;
      }
      return json(fn == "eq" ? any : !any);
    }
    if (fn == "lt" || fn == "le" || fn == "gt" || fn == "ge") {
      PHAROS_TRY(arity(2));
      PHAROS_ASSIGN_OR_RETURN(int c, compare(fn, args[0], args[1]));
      if (fn == "lt") return json(c < 0);
      if (fn == "le") return json(c <= 0);
      if (fn == "gt") return json(c > 0);
      return json(c >= 0);
    }
    if (fn == "and" || fn == "or") {
      if (args.empty()) return badArgs(fn, "wants at least 1 argument");
      for (const json& a : args)
        if (truthy(a) == (fn == "or")) return a;
      return args.back();
    }
    if (fn == "not") {
      PHAROS_TRY(arity(1));
      return json(!truthy(args[0]));
    }
    if (fn == "len") {
      PHAROS_TRY(arity(1));
      const json& v = args[0];
      if (v.is_string()) return json(v.get_ref<const std::string&>().size());
      if (v.is_array() || v.is_object()) return json(v.size());
      if (v.is_null()) return json(0);
      return badArgs(fn, fmt::format("len of {}", typeName(v)));
    }
    if (fn == "index") {
      if (args.empty()) return badArgs(fn, "wants at least 1 argument");
      json v = args[0];
      for (size_t i = 1; i < args.size(); ++i) {
        const json& k = args[i];
        if (v.is_object() && k.is_string()) {
          auto it = v.find(k.get<std::string>());
          v = it == v.end() ? json() : json(*it);
        } else if (v.is_array() && k.is_number_integer()) {
          int64_t n = k.get<int64_t>();
          if (n < 0 || n >= static_cast<int64_t>(v.size())) {
            return badArgs(fn, fmt::format("index {} out of range", n));
          }
          v = json(v[static_cast<size_t>(n)]);
        } else if (v.is_null()) {
          return json();
        } else {
          return badArgs(fn, fmt::format("can't index {} with {}", typeName(v), typeName(k)));
        }
      }
      return v;
    }
    if (fn == "join") {
      PHAROS_TRY(arity(2));
      // Go's strings.Join order (sep first) would not pipe; Alertmanager's is (sep, list).
      PHAROS_ASSIGN_OR_RETURN(std::string sep, stringArg(fn, args[0]));
      if (!args[1].is_array()) return badArgs(fn, "expected a list");
      std::string out;
      for (size_t i = 0; i < args[1].size(); ++i) {
        if (i > 0) out += sep;
        PHAROS_ASSIGN_OR_RETURN(std::string s, stringArg(fn, args[1][i]));
        out += s;
        PHAROS_TRY(fits(out.size()));
      }
      return json(out);
    }
    if (fn == "json") {
      PHAROS_TRY(arity(1));
      return json(args[0].dump(-1, ' ', false, json::error_handler_t::replace));
    }
    PHAROS_TRY(arity(1));
    PHAROS_ASSIGN_OR_RETURN(std::string s, stringArg(fn, args[0]));
    if (fn == "toUpper" || fn == "toLower") {
      for (char& c : s)
        c = fn == "toUpper" ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                            : asciiLower(c);
      return json(s);
    }
    if (fn == "title") return json(title(s));
    if (fn == "trimSpace") {
      auto notSpace = [](unsigned char c) { return !std::isspace(c); };
      s.erase(s.begin(), std::find_if(s.begin(), s.end(), notSpace));
      s.erase(std::find_if(s.rbegin(), s.rend(), notSpace).base(), s.end());
      return json(s);
    }
    if (fn == "js") return json(jsEscape(s));
    if (fn == "html") return json(htmlEscape(s));
    if (fn == "urlquery") return json(urlQueryEscape(s));
    return badArgs(fn, "not a function");
  }

  const json& root_;
  size_t maxBytes_;
  size_t steps_ = 0;
  std::string out_;
};

}  // namespace

Result<std::string> Template::render(const json& data, size_t maxBytes) const {
  Evaluator e(data, maxBytes);
  PHAROS_TRY(e.run(root_->children, data));
  return e.take();
}

}  // namespace pharos::notify
