#pragma once

// The parsed form of a Template, shared by template_parser.cpp and template_eval.cpp only.

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pharos::notify {

struct TemplatePipeline;

// One argument of a command: a field chain from dot or from $, a literal, a function name
// or a parenthesised pipeline.
struct TemplateArg {
  enum class Kind { kField, kLiteral, kFunction, kPipeline };
  Kind kind = Kind::kField;
  bool fromRoot = false;                       // kField: $.X rather than .X
  std::vector<std::string> fields;             // kField: empty for dot (or $) itself
  nlohmann::json literal;                      // kLiteral
  std::string function;                        // kFunction
  std::shared_ptr<TemplatePipeline> pipeline;  // kPipeline
};

// `f a b` or a single operand.
struct TemplateCommand {
  std::vector<TemplateArg> args;
};

// Commands joined by '|': each result is passed as the last argument of the next.
struct TemplatePipeline {
  std::vector<TemplateCommand> commands;
};

struct TemplateNode {
  enum class Kind { kList, kText, kAction, kIf, kRange };
  Kind kind = Kind::kList;
  std::string text;                     // kText
  TemplatePipeline pipeline;            // kAction, kIf, kRange
  std::vector<TemplateNode> children;   // kList; kIf/kRange: the body
  std::vector<TemplateNode> otherwise;  // kIf/kRange: the else branch
};

}  // namespace pharos::notify
