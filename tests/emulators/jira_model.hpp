#pragma once
// Jira data for one site: the field catalogue (system fields and the connector's custom
// fields), one project with its create/edit screen, issues, and the workflow
// To Do -> In Progress -> Done. Value checks follow what Jira answers in
// {"errors": {"customfield_10050": "…"}}.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "tests/emulators/time_text.hpp"

namespace mlc::emu {

enum class jira_flavour { cloud, datacenter };

// links: "issuelinks", set only with the update operation "add" (on create or edit).
enum class value_kind { summary, text, rich_text, number, date, datetime, option, labels, links, issuetype, project, readonly };

struct jira_field {
  std::string id;    // "summary", "customfield_10050"
  std::string name;  // "Summary", "Vendor"
  bool custom = false;
  value_kind kind = value_kind::text;
  std::string schema_type;    // "string", "number", "date", "option", "array", ...
  std::string schema_items;   // arrays: "string"
  std::string schema_system;  // system fields
  std::string schema_custom;  // custom type key
  std::int64_t custom_id = 0;
  std::vector<std::string> allowed_values;  // option fields
  bool navigable = true;
  bool orderable = true;
  bool searchable = true;
};

// Connector custom fields, in id order from customfield_10050 (README.md lists them).
std::vector<jira_field> const& jira_fields();
jira_field const* find_field(std::string const& id_or_name);  // by id, else by name (case-insensitive)

struct jira_status {
  std::string id;
  std::string name;
  int category_id;
  std::string category_key;
  std::string category_name;
  std::string color;
};
jira_status const& status_by_id(std::string const& id);
std::vector<jira_status> const& jira_statuses();

struct jira_transition {
  std::string id;
  std::string name;
  std::string to_status;
  std::vector<std::string> from;  // statuses it is available from
};
std::vector<jira_transition> const& jira_workflow();

struct jira_issue_type {
  std::string id;
  std::string name;
  std::string description;
  bool subtask = false;
};
std::vector<jira_issue_type> const& jira_issue_types();
jira_issue_type const* find_issue_type(std::string const& id_or_name);

struct jira_comment {
  std::string id;
  boost::json::value body;  // ADF (cloud) or wiki string (Data Center)
  sys_ms created{};
  sys_ms updated{};
  std::map<std::string, boost::json::value> properties;  // comment properties, set on create
};

struct jira_link {
  std::string id;
  std::string type;  // "Relates"
  std::int64_t other_id = 0;
  bool outward = true;
};

struct jira_link_type {
  std::string id;
  std::string name;
  std::string inward;
  std::string outward;
};
std::vector<jira_link_type> const& jira_link_types();
jira_link_type const* find_link_type(std::string const& id_or_name);

struct jira_issue {
  std::int64_t id = 0;
  std::string key;
  std::string issue_type_id;
  std::string status_id = "10000";
  boost::json::object fields;  // settable fields by id (summary, description, duedate, customfield_*)
  std::vector<std::string> labels;
  std::map<std::string, boost::json::value> properties;
  std::vector<jira_comment> comments;
  std::vector<jira_link> links;
  sys_ms created{};
  sys_ms updated{};
  std::uint64_t version = 0;  // bumped on every write; orders search-index snapshots
};

struct jira_project {
  bool exists = true;
  std::string id = "10000";
  std::string key = "OPS";
  std::string name;
  std::set<std::string> screen;  // field ids on the create and edit screens
  std::vector<jira_transition> workflow = jira_workflow();
};

// Field ids on a fresh project's screen: every settable system field and custom field.
std::set<std::string> default_screen();

// Checks one value for a field; nullopt when it is acceptable (null clears a field).
// The message is what Jira puts under errors[field id].
std::optional<std::string> check_field_value(jira_field const& f, boost::json::value const& v, jira_flavour flavour);

// Labels: strings without spaces, at most 255 characters.
std::optional<std::string> check_label(boost::json::value const& v);

}  // namespace mlc::emu
