#include <cctype>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "notify/template.h"
#include "notify/template_ast.h"

namespace pharos::notify {
namespace {

constexpr std::string_view kFunctions[] = {
    "eq",    "ne",   "lt",      "le",      "gt",    "ge",        "and",  "or", "not",  "len",
    "index", "join", "toUpper", "toLower", "title", "trimSpace", "json", "js", "html", "urlquery"};

// Parentheses and if/range nest; a bound keeps a hostile template from exhausting the stack.
constexpr int kMaxDepth = 64;

bool isFunction(std::string_view name) {
  for (std::string_view f : kFunctions)
    if (f == name) return true;
  return false;
}

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
bool isIdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool isIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// How a list of nodes ended.
enum class Terminator { kEof, kEnd, kElse, kElseIf };

struct Failure {
  TemplateError error;
};

class Parser {
 public:
  explicit Parser(std::string_view src) : src_(src) {}

  std::shared_ptr<const TemplateNode> parse() {
    auto root = std::make_shared<TemplateNode>();
    Terminator t = parseList(root->children, 0);
    if (t != Terminator::kEof) fail(lastAction_, "unexpected {{end}} or {{else}}");
    return root;
  }

 private:
  [[noreturn]] void fail(size_t offset, std::string message) {
    throw Failure{{offset, std::move(message)}};
  }

  void skipSpaces() {
    while (pos_ < src_.size() && isSpace(src_[pos_]))
      ++pos_;
  }
  bool at(std::string_view s) const { return src_.substr(pos_).starts_with(s); }
  // "}}" or " -}}" ends an action; the space before '-' keeps "-1}}" a number.
  bool atClose() const { return at("}}") || (at("-}}") && pos_ > 0 && isSpace(src_[pos_ - 1])); }

  void expectClose() {
    skipSpaces();
    if (at("-}}")) {
      pos_ += 3;
      trimNext_ = true;
      return;
    }
    if (at("}}")) {
      pos_ += 2;
      return;
    }
    if (pos_ >= src_.size()) fail(lastAction_, "unclosed action: missing }}");
    fail(pos_, fmt::format("unexpected '{}' in action", src_[pos_]));
  }

  std::string readIdent() {
    size_t start = pos_;
    while (pos_ < src_.size() && isIdentChar(src_[pos_]))
      ++pos_;
    return std::string(src_.substr(start, pos_ - start));
  }

  // Text up to the next action, then the action; returns at {{end}}, {{else}} or the end.
  Terminator parseList(std::vector<TemplateNode>& out, int depth) {
    if (depth > kMaxDepth) fail(pos_, "templates nest too deeply");
    while (true) {
      size_t open = src_.find("{{", pos_);
      std::string_view text =
          src_.substr(pos_, open == std::string_view::npos ? open : open - pos_);
      // "{{- " trims the white space before it; "{{-3}}" is the number -3.
      bool trimBefore = open != std::string_view::npos && open + 3 < src_.size() &&
                        src_[open + 2] == '-' && isSpace(src_[open + 3]);
      if (trimNext_) {
        while (!text.empty() && isSpace(text.front()))
          text.remove_prefix(1);
        trimNext_ = false;
      }
      if (trimBefore) {
        while (!text.empty() && isSpace(text.back()))
          text.remove_suffix(1);
      }
      if (!text.empty()) {
        TemplateNode n;
        n.kind = TemplateNode::Kind::kText;
        n.text = std::string(text);
        out.push_back(std::move(n));
      }
      if (open == std::string_view::npos) {
        pos_ = src_.size();
        return Terminator::kEof;
      }
      lastAction_ = open;
      pos_ = open + (trimBefore ? 3 : 2);
      skipSpaces();
      if (at("/*")) {
        size_t end = src_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) fail(pos_, "unclosed comment");
        pos_ = end + 2;
        expectClose();
        continue;
      }
      size_t keywordAt = pos_;
      std::string keyword = isIdentStart(pos_ < src_.size() ? src_[pos_] : '\0') ? readIdent() : "";
      if (keyword == "end") {
        expectClose();
        return Terminator::kEnd;
      }
      if (keyword == "else") {
        skipSpaces();
        size_t save = pos_;
        if (isIdentStart(pos_ < src_.size() ? src_[pos_] : '\0') && readIdent() == "if") {
          return Terminator::kElseIf;
        }
        pos_ = save;
        expectClose();
        return Terminator::kElse;
      }
      if (keyword == "if" || keyword == "range") {
        TemplateNode n;
        n.kind = keyword == "if" ? TemplateNode::Kind::kIf : TemplateNode::Kind::kRange;
        parseBlock(n, keywordAt, depth);
        out.push_back(std::move(n));
        continue;
      }
      if (keyword == "with" || keyword == "define" || keyword == "template" || keyword == "block") {
        fail(keywordAt, fmt::format("{{{{{}}}}} is not supported", keyword));
      }
      pos_ = keywordAt;
      TemplateNode n;
      n.kind = TemplateNode::Kind::kAction;
      n.pipeline = parsePipeline(depth);
      expectClose();
      out.push_back(std::move(n));
    }
  }

  // After "if"/"range" (or "else if"): the condition, the body, an optional else, the end.
  void parseBlock(TemplateNode& n, size_t keywordAt, int depth) {
    n.pipeline = parsePipeline(depth + 1);
    expectClose();
    Terminator t = parseList(n.children, depth + 1);
    if (t == Terminator::kElseIf) {
      if (n.kind == TemplateNode::Kind::kRange) fail(lastAction_, "{{else if}} inside range");
      TemplateNode nested;
      nested.kind = TemplateNode::Kind::kIf;
      parseBlock(nested, lastAction_, depth + 1);  // consumes the shared {{end}}
      n.otherwise.push_back(std::move(nested));
      return;
    }
    if (t == Terminator::kElse) t = parseList(n.otherwise, depth + 1);
    if (t != Terminator::kEnd) {
      fail(keywordAt, n.kind == TemplateNode::Kind::kIf ? "unclosed {{if}}: missing {{end}}"
                                                        : "unclosed {{range}}: missing {{end}}");
    }
  }

  TemplatePipeline parsePipeline(int depth) {
    if (depth > kMaxDepth) fail(pos_, "templates nest too deeply");
    TemplatePipeline p;
    while (true) {
      p.commands.push_back(parseCommand(depth));
      skipSpaces();
      if (pos_ < src_.size() && src_[pos_] == '|') {
        ++pos_;
        continue;
      }
      return p;
    }
  }

  TemplateCommand parseCommand(int depth) {
    TemplateCommand c;
    size_t start = pos_;
    while (true) {
      skipSpaces();
      if (pos_ >= src_.size()) fail(lastAction_, "unclosed action: missing }}");
      char ch = src_[pos_];
      if (ch == '|' || ch == ')' || atClose()) break;
      size_t argAt = pos_;
      TemplateArg a = parseOperand(depth);
      if (a.kind == TemplateArg::Kind::kFunction && !c.args.empty()) {
        fail(argAt,
             fmt::format("function '{}' used as a value (wrap it in parentheses)", a.function));
      }
      c.args.push_back(std::move(a));
    }
    if (c.args.empty()) fail(start, "missing value in action");
    if (c.args.size() > 1 && c.args[0].kind != TemplateArg::Kind::kFunction) {
      fail(start, "can't give an argument to a non-function");
    }
    return c;
  }

  void readFields(TemplateArg& a) {
    while (pos_ < src_.size() && src_[pos_] == '.' && pos_ + 1 < src_.size() &&
           isIdentStart(src_[pos_ + 1])) {
      ++pos_;
      a.fields.push_back(readIdent());
    }
  }

  TemplateArg parseOperand(int depth) {
    TemplateArg a;
    char ch = src_[pos_];
    if (ch == '.') {
      a.kind = TemplateArg::Kind::kField;
      if (pos_ + 1 < src_.size() && isIdentStart(src_[pos_ + 1])) {
        readFields(a);
      } else {
        ++pos_;
      }
    } else if (ch == '$') {
      ++pos_;
      a.kind = TemplateArg::Kind::kField;
      a.fromRoot = true;
      if (pos_ < src_.size() && isIdentChar(src_[pos_]))
        fail(pos_ - 1, "variables other than $ are not supported");
      readFields(a);
    } else if (ch == '"') {
      a.kind = TemplateArg::Kind::kLiteral;
      a.literal = parseQuoted();
    } else if (ch == '`') {
      size_t end = src_.find('`', pos_ + 1);
      if (end == std::string_view::npos) fail(pos_, "unterminated raw string");
      a.kind = TemplateArg::Kind::kLiteral;
      a.literal = std::string(src_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
    } else if (std::isdigit(static_cast<unsigned char>(ch)) ||
               ((ch == '-' || ch == '+') && pos_ + 1 < src_.size() &&
                std::isdigit(static_cast<unsigned char>(src_[pos_ + 1])))) {
      a.kind = TemplateArg::Kind::kLiteral;
      a.literal = parseNumber();
    } else if (ch == '(') {
      size_t openAt = pos_;
      ++pos_;
      a.kind = TemplateArg::Kind::kPipeline;
      a.pipeline = std::make_shared<TemplatePipeline>(parsePipeline(depth + 1));
      skipSpaces();
      if (pos_ >= src_.size() || src_[pos_] != ')') fail(openAt, "unclosed '('");
      ++pos_;
    } else if (isIdentStart(ch)) {
      size_t at = pos_;
      std::string name = readIdent();
      if (name == "true" || name == "false") {
        a.kind = TemplateArg::Kind::kLiteral;
        a.literal = name == "true";
      } else if (name == "nil") {
        a.kind = TemplateArg::Kind::kLiteral;
      } else if (isFunction(name)) {
        a.kind = TemplateArg::Kind::kFunction;
        a.function = std::move(name);
      } else {
        fail(at, fmt::format("function '{}' not defined", name));
      }
    } else {
      fail(pos_, fmt::format("unexpected '{}' in action", ch));
    }
    return a;
  }

  std::string parseQuoted() {
    size_t start = pos_++;
    std::string out;
    while (true) {
      if (pos_ >= src_.size() || src_[pos_] == '\n') fail(start, "unterminated string");
      char c = src_[pos_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= src_.size()) fail(start, "unterminated string");
      char e = src_[pos_++];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case '\\':
          out += '\\';
          break;
        case '"':
          out += '"';
          break;
        default:
          fail(pos_ - 2, fmt::format("unknown escape '\\{}' in string", e));
      }
    }
  }

  nlohmann::json parseNumber() {
    size_t start = pos_;
    if (src_[pos_] == '-' || src_[pos_] == '+') ++pos_;
    while (pos_ < src_.size() &&
           (std::isalnum(static_cast<unsigned char>(src_[pos_])) || src_[pos_] == '.'))
      ++pos_;
    std::string text(src_.substr(start, pos_ - start));
    char* end = nullptr;
    long long i = std::strtoll(text.c_str(), &end, 10);
    if (end == text.c_str() + text.size()) return static_cast<int64_t>(i);
    double d = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size()) fail(start, fmt::format("bad number '{}'", text));
    return d;
  }

  std::string_view src_;
  size_t pos_ = 0;
  size_t lastAction_ = 0;  // where the action being read began, for "unclosed" errors
  bool trimNext_ = false;
};

}  // namespace

std::variant<Template, TemplateError> Template::parse(std::string_view text) {
  // The parser unwinds with an exception inside this file only; the boundary is a value.
  try {
    Parser parser(text);
    auto root = parser.parse();
    return Template(std::string(text), std::move(root));
  } catch (const Failure& f) {
    return f.error;
  }
}

std::pair<int, int> lineColumnOf(std::string_view text, size_t offset) {
  int line = 1;
  int column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

}  // namespace pharos::notify
