#pragma once
// GraphQL query documents (the executable subset of the October 2021 spec): operations
// with variables, fields with aliases and arguments, fragments, directives.
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mlc::emu::graphql {

struct location {
  int line = 1;
  int column = 1;
};

struct value_field;

struct value {
  enum class kind { null, integer, floating, string, boolean, enumeration, variable, list, object };
  kind k = kind::null;
  std::string text;  // number literal, string contents, enum name or variable name
  bool boolean = false;
  std::vector<value> items;
  std::vector<value_field> fields;  // object literal members, in order
  location loc;
};

struct value_field {
  std::string first;  // name
  value second;
};

using argument_list = std::vector<std::pair<std::string, value>>;

struct directive {
  std::string name;
  argument_list arguments;
  location loc;
};

struct selection {
  enum class kind { field, fragment_spread, inline_fragment };
  kind k = kind::field;
  std::string alias;           // field only; empty when none
  std::string name;            // field name or fragment name
  std::string type_condition;  // inline fragment; may be empty
  argument_list arguments;
  std::vector<directive> directives;
  std::vector<selection> selections;
  location loc;

  std::string const& response_key() const { return alias.empty() ? name : alias; }
};

using selection_set = std::vector<selection>;

struct variable_definition {
  std::string name;
  std::string type;  // as written, e.g. "[String!]!"
  bool non_null = false;
  std::optional<value> default_value;
  location loc;
};

struct operation {
  std::string kind = "query";  // query | mutation | subscription
  std::string name;
  std::vector<variable_definition> variables;
  std::vector<directive> directives;
  selection_set selections;
  location loc;
};

struct fragment {
  std::string name;
  std::string type_condition;
  selection_set selections;
  location loc;
};

struct document {
  std::vector<operation> operations;
  std::vector<fragment> fragments;
};

class syntax_error : public std::runtime_error {
 public:
  syntax_error(std::string message, location loc) : std::runtime_error(std::move(message)), loc_{loc} {}
  location where() const { return loc_; }

 private:
  location loc_;
};

// Throws syntax_error ("Syntax Error: Expected Name, found \"}\".") with its location.
document parse(std::string_view source);

}  // namespace mlc::emu::graphql
