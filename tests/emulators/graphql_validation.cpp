#include "tests/emulators/graphql_validation.hpp"

#include <set>

namespace mlc::emu::graphql {
namespace json = boost::json;

json::object error_entry(std::string message, location loc) {
  json::object e;
  e["message"] = std::move(message);
  json::object l;
  l["line"] = loc.line;
  l["column"] = loc.column;
  json::array locs;
  locs.push_back(std::move(l));
  e["locations"] = std::move(locs);
  return e;
}

namespace {

// Where a selection set is being read: a record type or one of the paging wrappers.
enum class level { object, collection, connection, edge, page_info };

struct scope {
  level lv = level::object;
  object_type const* type = nullptr;

  std::string type_name() const {
    switch (lv) {
      case level::object: return type->name;
      case level::collection: return type->name + "_Operations";
      case level::connection: return type->name + "Connection";
      case level::edge: return type->name + "Edge";
      case level::page_info: return "PageInfo";
    }
    return type->name;
  }
};

struct child_info {
  bool known = false;
  bool composite = false;  // needs a selection set
  std::string type_name;   // for messages
  scope next;
  std::set<std::string> args;  // accepted argument names
};

std::set<std::string> const k_query_args{"filter", "first", "after", "last", "before", "orderBy"};

child_info lookup(scope const& s, std::string const& name) {
  child_info c;
  if (name == "__typename") {
    c.known = true;
    c.type_name = "String";
    return c;
  }
  switch (s.lv) {
    case level::object: {
      auto it = s.type->fields.find(name);
      if (it == s.type->fields.end()) return c;
      c.known = true;
      auto const& f = it->second;
      if (f.k == field_def::kind::scalar) {
        c.type_name = scalar_name(f.scalar);
      } else if (f.k == field_def::kind::object) {
        c.composite = true;
        c.next = {level::object, f.type};
        c.type_name = f.type->name;
      } else {
        c.composite = true;
        c.next = {level::collection, f.type};
        c.type_name = c.next.type_name();
      }
      return c;
    }
    case level::collection:
      if (name == "query") {
        c.known = c.composite = true;
        c.next = {level::connection, s.type};
        c.type_name = c.next.type_name();
        c.args = k_query_args;
      }
      return c;
    case level::connection:
      if (name == "edges") {
        c.known = c.composite = true;
        c.next = {level::edge, s.type};
        c.type_name = "[" + c.next.type_name() + "]";
      } else if (name == "pageInfo") {
        c.known = c.composite = true;
        c.next = {level::page_info, s.type};
        c.type_name = "PageInfo";
      } else if (name == "totalCount") {
        c.known = true;
        c.type_name = "Int";
      }
      return c;
    case level::edge:
      if (name == "node") {
        c.known = c.composite = true;
        c.next = {level::object, s.type};
        c.type_name = s.type->name;
      } else if (name == "cursor") {
        c.known = true;
        c.type_name = "String";
      }
      return c;
    case level::page_info:
      if (name == "endCursor" || name == "startCursor") {
        c.known = true;
        c.type_name = "String";
      } else if (name == "hasNextPage" || name == "hasPreviousPage") {
        c.known = true;
        c.type_name = "Boolean";
      }
      return c;
  }
  return c;
}

class validator {
 public:
  validator(std::map<std::string, fragment const*> const& fragments, operation const& op) : fragments_{fragments} {
    for (auto const& v : op.variables) defined_.insert(v.name);
  }

  json::array run(operation const& op, object_type const& root) {
    if (op.kind != "query") error("Schema is not configured for " + op.kind + "s.", op.loc);
    std::set<std::string> visiting;
    validate_set(scope{level::object, &root}, op.selections, visiting);
    for (auto const& d : op.directives) check_directive(d);
    return std::move(errors_);
  }

 private:
  void error(std::string message, location loc) { errors_.push_back(error_entry(std::move(message), loc)); }

  void check_directive(directive const& d) {
    if (d.name != "skip" && d.name != "include") {
      error("Unknown directive \"@" + d.name + "\".", d.loc);
      return;
    }
    bool has_if = false;
    for (auto const& [n, v] : d.arguments) {
      if (n != "if") {
        error("Unknown argument \"" + n + "\" on directive \"@" + d.name + "\".", v.loc);
        continue;
      }
      has_if = true;
      check_value(v, "Boolean");
    }
    if (!has_if)
      error("Directive \"@" + d.name + "\" argument \"if\" of type \"Boolean!\" is required, but it was not provided.",
            d.loc);
  }

  void check_value(value const& v, std::string const& expected) {
    using k = value::kind;
    if (v.k == k::variable) {
      if (!defined_.count(v.text)) error("Variable \"$" + v.text + "\" is not defined.", v.loc);
      return;
    }
    if (v.k == k::null) return;
    bool ok = (expected == "String" && v.k == k::string) || (expected == "Int" && v.k == k::integer) ||
              (expected == "Boolean" && v.k == k::boolean);
    if (ok) return;
    if (expected == "Int")
      error("Int cannot represent non-integer value: " + literal_text(v), v.loc);
    else if (expected == "Boolean")
      error("Boolean cannot represent a non boolean value: " + literal_text(v), v.loc);
    else
      error("String cannot represent a non string value: " + literal_text(v), v.loc);
  }

  static std::string literal_text(value const& v) {
    switch (v.k) {
      case value::kind::string: return "\"" + v.text + "\"";
      case value::kind::boolean: return v.boolean ? "true" : "false";
      case value::kind::list: return "[...]";
      case value::kind::object: return "{...}";
      default: return v.text;
    }
  }

  void validate_set(scope const& s, selection_set const& set, std::set<std::string>& visiting) {
    for (auto const& sel : set) {
      for (auto const& d : sel.directives) check_directive(d);
      if (sel.k == selection::kind::fragment_spread) {
        auto it = fragments_.find(sel.name);
        if (it == fragments_.end()) {
          error("Unknown fragment \"" + sel.name + "\".", sel.loc);
          continue;
        }
        if (it->second->type_condition != s.type_name()) {
          error("Fragment \"" + sel.name + "\" cannot be spread here as objects of type \"" + s.type_name() +
                    "\" can never be of type \"" + it->second->type_condition + "\".",
                sel.loc);
          continue;
        }
        if (visiting.count(sel.name)) {
          error("Cannot spread fragment \"" + sel.name + "\" within itself.", sel.loc);
          continue;
        }
        visiting.insert(sel.name);
        validate_set(s, it->second->selections, visiting);
        visiting.erase(sel.name);
        continue;
      }
      if (sel.k == selection::kind::inline_fragment) {
        if (!sel.type_condition.empty() && sel.type_condition != s.type_name()) {
          error("Fragment cannot be spread here as objects of type \"" + s.type_name() +
                    "\" can never be of type \"" + sel.type_condition + "\".",
                sel.loc);
          continue;
        }
        validate_set(s, sel.selections, visiting);
        continue;
      }
      auto c = lookup(s, sel.name);
      if (!c.known) {
        error("Cannot query field \"" + sel.name + "\" on type \"" + s.type_name() + "\".", sel.loc);
        continue;
      }
      for (auto const& [n, v] : sel.arguments) {
        if (!c.args.count(n)) {
          error("Unknown argument \"" + n + "\" on field \"" + s.type_name() + "." + sel.name + "\".", v.loc);
          continue;
        }
        check_value(v, n == "first" || n == "last" ? "Int" : "String");
      }
      if (!c.composite && !sel.selections.empty()) {
        error("Field \"" + sel.name + "\" must not have a selection since type \"" + c.type_name +
                  "\" has no subfields.",
              sel.loc);
      } else if (c.composite && sel.selections.empty()) {
        error("Field \"" + sel.name + "\" of type \"" + c.type_name +
                  "\" must have a selection of subfields. Did you mean \"" + sel.name + " { ... }\"?",
              sel.loc);
      } else if (c.composite) {
        validate_set(c.next, sel.selections, visiting);
      }
    }
  }

  std::map<std::string, fragment const*> const& fragments_;
  std::set<std::string> defined_;
  json::array errors_;
};

}  // namespace

json::array validate(operation const& op, std::map<std::string, fragment const*> const& fragments,
                     object_type const& root) {
  validator v{fragments, op};
  return v.run(op, root);
}

}  // namespace mlc::emu::graphql
