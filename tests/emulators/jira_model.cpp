#include "tests/emulators/jira_model.hpp"

#include "tests/emulators/adf.hpp"
#include "tests/emulators/text.hpp"

namespace mlc::emu {
namespace json = boost::json;
namespace {

jira_field system_field(std::string id, std::string name, value_kind kind, std::string type, std::string items = {}) {
  jira_field f;
  f.id = id;
  f.name = std::move(name);
  f.kind = kind;
  f.schema_type = std::move(type);
  f.schema_items = std::move(items);
  f.schema_system = std::move(id);
  return f;
}

jira_field custom_field(std::int64_t n, std::string name, value_kind kind) {
  jira_field f;
  f.id = "customfield_" + std::to_string(n);
  f.name = std::move(name);
  f.custom = true;
  f.kind = kind;
  f.custom_id = n;
  switch (kind) {
    case value_kind::number:
      f.schema_type = "number";
      f.schema_custom = "com.atlassian.jira.plugin.system.customfieldtypes:float";
      break;
    case value_kind::date:
      f.schema_type = "date";
      f.schema_custom = "com.atlassian.jira.plugin.system.customfieldtypes:datepicker";
      break;
    case value_kind::option:
      f.schema_type = "option";
      f.schema_custom = "com.atlassian.jira.plugin.system.customfieldtypes:select";
      break;
    default:
      f.schema_type = "string";
      f.schema_custom = "com.atlassian.jira.plugin.system.customfieldtypes:textfield";
  }
  return f;
}

std::vector<jira_field> build_fields() {
  std::vector<jira_field> v;
  v.push_back(system_field("summary", "Summary", value_kind::summary, "string"));
  v.push_back(system_field("description", "Description", value_kind::rich_text, "string"));
  v.push_back(system_field("labels", "Labels", value_kind::labels, "array", "string"));
  v.push_back(system_field("duedate", "Due date", value_kind::date, "date"));
  v.push_back(system_field("issuetype", "Issue Type", value_kind::issuetype, "issuetype"));
  v.push_back(system_field("project", "Project", value_kind::project, "project"));
  v.push_back(system_field("status", "Status", value_kind::readonly, "status"));
  v.push_back(system_field("created", "Created", value_kind::readonly, "datetime"));
  v.push_back(system_field("updated", "Updated", value_kind::readonly, "datetime"));
  v.push_back(system_field("comment", "Comment", value_kind::readonly, "comments-page"));
  v.push_back(system_field("issuelinks", "Linked Issues", value_kind::links, "array", "issuelinks"));
  v.back().navigable = true;
  v[9].navigable = false;  // comment is not a navigable field in Jira
  for (auto& f : v) f.orderable = f.kind != value_kind::readonly;

  std::int64_t n = 10050;
  v.push_back(custom_field(n++, "Vendor", value_kind::text));
  v.push_back(custom_field(n++, "Order date", value_kind::date));
  v.push_back(custom_field(n++, "Delivery date", value_kind::date));
  v.push_back(custom_field(n++, "Total amount", value_kind::number));
  v.push_back(custom_field(n++, "Currency", value_kind::option));
  v.back().allowed_values = {"EUR", "USD", "GBP", "CHF", "JPY", "SEK", "DKK", "NOK", "PLN", "CAD", "AUD"};
  v.push_back(custom_field(n++, "Line count", value_kind::number));
  v.push_back(custom_field(n++, "Site", value_kind::text));
  v.push_back(custom_field(n++, "Supplier invoice number", value_kind::text));
  v.push_back(custom_field(n++, "Invoice date", value_kind::date));
  v.push_back(custom_field(n++, "Due date basis", value_kind::date));
  v.push_back(custom_field(n++, "Amount excl. tax", value_kind::number));
  v.push_back(custom_field(n++, "Tax amount", value_kind::number));
  v.push_back(custom_field(n++, "Related PO", value_kind::text));
  return v;
}

}  // namespace

std::vector<jira_field> const& jira_fields() {
  static std::vector<jira_field> const fields = build_fields();
  return fields;
}

jira_field const* find_field(std::string const& id_or_name) {
  for (auto const& f : jira_fields())
    if (f.id == id_or_name) return &f;
  auto lower = to_lower(id_or_name);
  for (auto const& f : jira_fields())
    if (to_lower(f.name) == lower) return &f;
  return nullptr;
}

std::vector<jira_status> const& jira_statuses() {
  static std::vector<jira_status> const s{{"10000", "To Do", 2, "new", "To Do", "blue-gray"},
                                          {"3", "In Progress", 4, "indeterminate", "In Progress", "yellow"},
                                          {"10001", "Done", 3, "done", "Done", "green"}};
  return s;
}

jira_status const& status_by_id(std::string const& id) {
  for (auto const& s : jira_statuses())
    if (s.id == id) return s;
  return jira_statuses().front();
}

std::vector<jira_transition> const& jira_workflow() {
  static std::vector<jira_transition> const t{{"11", "Start", "3", {"10000"}},
                                              {"21", "Stop progress", "10000", {"3"}},
                                              {"31", "Done", "10001", {"10000", "3"}},
                                              {"41", "Reopen", "10000", {"10001"}}};
  return t;
}

std::vector<jira_issue_type> const& jira_issue_types() {
  static std::vector<jira_issue_type> const t{{"10001", "Task", "A small, distinct piece of work.", false},
                                              {"10002", "Story", "A user-facing feature.", false},
                                              {"10003", "Subtask", "A piece of a larger task.", true}};
  return t;
}

jira_issue_type const* find_issue_type(std::string const& id_or_name) {
  for (auto const& t : jira_issue_types())
    if (t.id == id_or_name || to_lower(t.name) == to_lower(id_or_name)) return &t;
  return nullptr;
}

std::vector<jira_link_type> const& jira_link_types() {
  static std::vector<jira_link_type> const t{{"10000", "Blocks", "is blocked by", "blocks"},
                                             {"10001", "Cloners", "is cloned by", "clones"},
                                             {"10002", "Duplicate", "is duplicated by", "duplicates"},
                                             {"10003", "Relates", "relates to", "relates to"}};
  return t;
}

jira_link_type const* find_link_type(std::string const& id_or_name) {
  for (auto const& t : jira_link_types())
    if (t.id == id_or_name || to_lower(t.name) == to_lower(id_or_name)) return &t;
  return nullptr;
}

std::set<std::string> default_screen() {
  std::set<std::string> s;
  for (auto const& f : jira_fields())
    if (f.kind != value_kind::readonly) s.insert(f.id);
  return s;
}

std::optional<std::string> check_label(json::value const& v) {
  if (!v.is_string()) return std::string("Labels must be strings");
  std::string_view s = v.get_string();
  if (s.empty()) return std::string("A label cannot be empty.");
  if (s.find(' ') != std::string_view::npos)
    return "The label '" + std::string(s) + "' contains spaces which is invalid.";
  if (s.size() > 255) return std::string("The label must not exceed 255 characters.");
  return std::nullopt;
}

std::optional<std::string> check_field_value(jira_field const& f, json::value const& v, jira_flavour flavour) {
  switch (f.kind) {
    case value_kind::summary:
      if (!v.is_string()) return std::string("Operation value must be a string");
      if (trim(v.get_string()).empty()) return std::string("You must specify a summary of the issue.");
      if (v.get_string().size() > 255) return std::string("Summary must be less than 255 characters.");
      return std::nullopt;
    case value_kind::text:
      if (v.is_null()) return std::nullopt;
      if (!v.is_string()) return std::string("Operation value must be a string");
      if (v.get_string().size() > 255)
        return std::string("The entered text is too long. It exceeds the allowed limit of 255 characters.");
      return std::nullopt;
    case value_kind::rich_text:
      if (v.is_null()) return std::nullopt;
      if (flavour == jira_flavour::datacenter) {
        if (!v.is_string()) return std::string("Operation value must be a string");
        return std::nullopt;
      }
      if (validate_adf(v))
        return std::string("Operation value must be an Atlassian Document (see the Atlassian Document Format)");
      return std::nullopt;
    case value_kind::number:
      if (v.is_null() || v.is_int64() || v.is_uint64() || v.is_double()) return std::nullopt;
      return std::string("Operation value must be a number");
    case value_kind::date:
      if (v.is_null()) return std::nullopt;
      if (!v.is_string()) return std::string("Operation value must be a string");
      if (!parse_date(v.get_string())) return "Error parsing date string: " + std::string(v.get_string());
      return std::nullopt;
    case value_kind::datetime:
      if (v.is_null()) return std::nullopt;
      if (!v.is_string() || !parse_timestamp(v.get_string()))
        return std::string("Error parsing time: ") + (v.is_string() ? std::string(v.get_string()) : "not a string");
      return std::nullopt;
    case value_kind::option: {
      if (v.is_null()) return std::nullopt;
      if (!v.is_object()) return "Specify a valid 'id' or 'name' for " + f.name;
      auto const& o = v.get_object();
      if (auto const* val = o.if_contains("value")) {
        for (auto const& a : f.allowed_values)
          if (val->is_string() && val->get_string() == a) return std::nullopt;
        return "Option value '" + (val->is_string() ? std::string(val->get_string()) : std::string("?")) +
               "' is not valid";
      }
      if (auto const* id = o.if_contains("id")) {
        for (std::size_t i = 0; i < f.allowed_values.size(); ++i)
          if (id->is_string() && id->get_string() == std::to_string(10100 + i)) return std::nullopt;
        return "Option id '" + (id->is_string() ? std::string(id->get_string()) : std::string("?")) + "' is not valid";
      }
      return "Specify a valid 'id' or 'name' for " + f.name;
    }
    case value_kind::labels:
      if (v.is_null()) return std::nullopt;
      if (!v.is_array()) return std::string("Operation value must be an array of strings");
      for (auto const& l : v.get_array())
        if (auto err = check_label(l)) return err;
      return std::nullopt;
    case value_kind::links:
      // Jira sets links only through `update`: [{"add": {"type": …, "outwardIssue": …}}].
      return std::string("Issue links are added with the update operation \"add\", not set.");
    case value_kind::issuetype:
    case value_kind::project:
    case value_kind::readonly: return std::nullopt;  // handled by the routes
  }
  return std::nullopt;
}

}  // namespace mlc::emu
