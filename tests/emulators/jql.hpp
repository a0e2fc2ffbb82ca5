#pragma once
// The JQL subset the connector and operators use: clauses joined by AND / OR / NOT with
// parentheses, ORDER BY. Fields: project, key (issuekey), id, labels, status, issuetype
// (type), summary, text, created, updated, duedate, custom fields by name or cf[10050],
// issue.property[key].path. Operators: = != ~ !~ > >= < <= IN, NOT IN, IS [NOT] EMPTY.
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tests/emulators/jira_model.hpp"

namespace mlc::emu {

class jql_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct jql_clause {
  std::string field;         // as written
  std::string property_key;  // issue.property[KEY].path
  std::string property_path;
  std::string op;  // = != ~ !~ > >= < <= in "not in" is "is not"
  std::vector<std::string> values;
};

struct jql_node {
  enum class kind { all, any, negate, clause };
  kind k = kind::clause;
  std::vector<std::unique_ptr<jql_node>> children;
  jql_clause clause;
};

struct jql_order {
  std::string field;
  bool descending = false;
};

struct jql_query {
  std::unique_ptr<jql_node> where;  // null: no restriction
  std::vector<jql_order> order;
};

struct jql_context {
  jira_project const* project = nullptr;
  sys_ms now{};
};

// Throws jql_error with Jira's wording, e.g. "Error in the JQL Query: Expecting either
// 'OR' or 'AND' but got 'x'. (line 1, character 12)".
jql_query parse_jql(std::string_view text);
// Unknown fields, unknown project values: jql_error
// ("Field 'foo' does not exist or you do not have permission to view it.").
void validate_jql(jql_query const& q, jql_context const& ctx);
bool jql_matches(jql_node const* n, jira_issue const& issue, jql_context const& ctx);
// Orders by the query's ORDER BY, then by issue id descending (newest first).
bool jql_less(std::vector<jql_order> const& order, jira_issue const& a, jira_issue const& b);

}  // namespace mlc::emu
