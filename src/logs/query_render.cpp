#include "logs/query_render.h"

namespace pharos::logs {
namespace {

void appendQuoted(std::string& out, const std::string& text) {
  out += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

void appendValue(std::string& out, const QueryNode& node) {
  if (node.quoted) {
    appendQuoted(out, node.text);
  } else {
    out += node.text;
  }
}

std::string_view compareText(FieldCompare compare) {
  switch (compare) {
    case FieldCompare::kLess:
      return "<";
    case FieldCompare::kLessEqual:
      return "<=";
    case FieldCompare::kGreater:
      return ">";
    case FieldCompare::kGreaterEqual:
      return ">=";
    default:
      return ":";
  }
}

void render(std::string& out, const QueryNode& node);

// Parenthesises a child that binds more loosely than its parent.
void renderChild(std::string& out, const QueryNode& child, QueryOp parent) {
  bool wrap = (child.op == QueryOp::kOr && parent != QueryOp::kOr) ||
              (child.op == QueryOp::kAnd && parent == QueryOp::kNot);
  if (wrap) out += '(';
  render(out, child);
  if (wrap) out += ')';
}

void render(std::string& out, const QueryNode& node) {
  switch (node.op) {
    case QueryOp::kAnd:
    case QueryOp::kOr: {
      std::string_view joiner = node.op == QueryOp::kAnd ? " AND " : " OR ";
      for (std::size_t i = 0; i < node.children.size(); ++i) {
        if (i > 0) out += joiner;
        renderChild(out, *node.children[i], node.op);
      }
      return;
    }
    case QueryOp::kNot:
      out += "NOT ";
      renderChild(out, *node.children[0], node.op);
      return;
    case QueryOp::kTerm:
      appendValue(out, node);
      if (node.prefix) out += '*';
      return;
    case QueryOp::kField:
      out += node.field;
      out += compareText(node.compare);
      if (node.compare == FieldCompare::kExists) {
        out += '*';
        return;
      }
      appendValue(out, node);
      if (node.compare == FieldCompare::kPrefix) out += '*';
      return;
  }
}

}  // namespace

std::string renderLogQuery(const LogQuery& query) {
  std::string out;
  if (query.root) render(out, *query.root);
  if (query.hasStats) {
    if (!out.empty()) out += ' ';
    out += "| stats count()";
    if (!query.statsBy.empty()) {
      out += " by (";
      for (std::size_t i = 0; i < query.statsBy.size(); ++i) {
        if (i > 0) out += ", ";
        out += query.statsBy[i];
      }
      out += ')';
    }
  }
  return out;
}

}  // namespace pharos::logs
