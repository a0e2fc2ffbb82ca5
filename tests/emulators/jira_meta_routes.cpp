// Jira metadata endpoints: fields, project, create metadata (which fields are on the
// create screen), myself, serverInfo, issue link types.
#include <algorithm>

#include "tests/emulators/jira_site.hpp"
#include "tests/emulators/responses.hpp"

namespace mlc::emu {
namespace json = boost::json;
namespace {

json::object schema_of(jira_field const& f) {
  json::object s;
  s["type"] = f.schema_type;
  if (!f.schema_items.empty()) s["items"] = f.schema_items;
  if (f.custom) {
    s["custom"] = f.schema_custom;
    s["customId"] = f.custom_id;
  } else {
    s["system"] = f.schema_system;
  }
  return s;
}

std::pair<std::size_t, std::size_t> paging(query_params const& q, std::size_t default_max) {
  std::size_t start = 0, max = default_max;
  try {
    if (auto s = q.first("startAt")) start = std::size_t(std::max(0, std::stoi(*s)));
    if (auto m = q.first("maxResults")) max = std::size_t(std::clamp(std::stoi(*m), 1, 200));
  } catch (std::exception const&) {
  }
  return {start, max};
}

}  // namespace

net::http_response jira_site::fields_route(call& c) {
  json::array out;
  for (auto const& f : jira_fields()) {
    json::object o;
    o["id"] = f.id;
    o["key"] = f.id;
    o["name"] = f.name;
    o["custom"] = f.custom;
    o["orderable"] = f.orderable;
    o["navigable"] = f.navigable;
    o["searchable"] = f.searchable;
    json::array clauses;
    if (f.custom) {
      clauses.push_back(json::value("cf[" + std::to_string(f.custom_id) + "]"));
      clauses.push_back(json::value(f.name));
    } else {
      clauses.push_back(json::value(f.id));
    }
    o["clauseNames"] = std::move(clauses);
    o["schema"] = schema_of(f);
    out.push_back(std::move(o));
  }
  return json_response(200, out);
}

net::http_response jira_site::project_route(call& c, std::string const& key) {
  if (!project_.exists || (to_lower(key) != to_lower(project_.key) && key != project_.id))
    return jira_error(404, {"No project could be found with key '" + key + "'."});
  json::object o = render_project(c);
  o["expand"] = "description,lead,issueTypes,url,projectKeys,permissions,insight";
  o["description"] = "Purchase orders and supplier invoices synced from Sage X3";
  o["lead"] = render_user(c);
  o["components"] = json::array{};
  json::array types;
  for (auto const& t : jira_issue_types()) types.push_back(render_issue_type(c, t.id));
  o["issueTypes"] = std::move(types);
  o["assigneeType"] = "UNASSIGNED";
  o["versions"] = json::array{};
  o["roles"] = json::object{};
  o["style"] = "classic";
  o["isPrivate"] = false;
  o["properties"] = json::object{};
  return json_response(200, o);
}

net::http_response jira_site::createmeta_types(call& c, std::string const& project) {
  if (!project_.exists || (to_lower(project) != to_lower(project_.key) && project != project_.id))
    return jira_error(404, {"No project could be found with key '" + project + "'."});
  auto [start, max] = paging(c.query, 50);
  json::array types;
  auto const& all = jira_issue_types();
  for (std::size_t i = start; i < all.size() && types.size() < max; ++i) {
    auto o = render_issue_type(c, all[i].id);
    types.push_back(std::move(o));
  }
  json::object out;
  out["maxResults"] = std::int64_t(max);
  out["startAt"] = std::int64_t(start);
  out["total"] = std::int64_t(all.size());
  if (c.flavour == jira_flavour::cloud) {
    out["issueTypes"] = std::move(types);
  } else {
    out["isLast"] = start + max >= all.size();
    out["values"] = std::move(types);
  }
  return json_response(200, out);
}

net::http_response jira_site::createmeta_fields(call& c, std::string const& project, std::string const& type_id) {
  if (!project_.exists || (to_lower(project) != to_lower(project_.key) && project != project_.id))
    return jira_error(404, {"No project could be found with key '" + project + "'."});
  auto const* type = find_issue_type(type_id);
  if (!type || type->id != type_id) return jira_error(404, {"Issue type with id '" + type_id + "' does not exist."});
  json::array all;
  for (auto const& f : jira_fields()) {
    bool structural = f.kind == value_kind::project || f.kind == value_kind::issuetype;
    if (!structural && !project_.screen.count(f.id)) continue;
    if (f.kind == value_kind::readonly) continue;
    json::object o;
    o["required"] = f.kind == value_kind::summary || structural;
    o["schema"] = schema_of(f);
    o["name"] = f.name;
    o["key"] = f.id;
    o["fieldId"] = f.id;
    o["hasDefaultValue"] = false;
    json::array ops;
    if (f.kind == value_kind::labels)
      for (char const* op : {"add", "set", "remove"}) ops.push_back(json::value(op));
    else if (f.kind == value_kind::links)
      ops.push_back(json::value("add"));
    else
      ops.push_back(json::value("set"));
    o["operations"] = std::move(ops);
    if (f.kind == value_kind::option) {
      json::array allowed;
      for (std::size_t i = 0; i < f.allowed_values.size(); ++i) {
        json::object a;
        a["self"] = c.api_base + "/customFieldOption/" + std::to_string(10100 + i);
        a["value"] = f.allowed_values[i];
        a["id"] = std::to_string(10100 + i);
        allowed.push_back(std::move(a));
      }
      o["allowedValues"] = std::move(allowed);
    } else if (f.kind == value_kind::project) {
      o["allowedValues"] = json::array{render_project(c)};
    } else if (f.kind == value_kind::issuetype) {
      o["allowedValues"] = json::array{render_issue_type(c, type->id)};
    }
    all.push_back(std::move(o));
  }
  auto [start, max] = paging(c.query, 50);
  json::array page;
  for (std::size_t i = start; i < all.size() && page.size() < max; ++i) page.push_back(all[i]);
  json::object out;
  out["maxResults"] = std::int64_t(max);
  out["startAt"] = std::int64_t(start);
  out["total"] = std::int64_t(all.size());
  if (c.flavour == jira_flavour::cloud) {
    out["fields"] = std::move(page);
  } else {
    out["isLast"] = start + max >= all.size();
    out["values"] = std::move(page);
  }
  return json_response(200, out);
}

net::http_response jira_site::myself(call& c) {
  auto u = render_user(c);
  u["locale"] = "en_US";
  return json_response(200, u);
}

net::http_response jira_site::server_info(call& c) {
  json::object o;
  o["baseUrl"] = c.api_base.substr(0, c.api_base.size() - std::string("/rest/api/3").size());
  bool cloud = c.flavour == jira_flavour::cloud;
  o["version"] = cloud ? "1001.0.0-SNAPSHOT" : "9.12.4";
  o["versionNumbers"] = cloud ? json::array{1001, 0, 0} : json::array{9, 12, 4};
  o["deploymentType"] = cloud ? "Cloud" : "Server";
  o["buildNumber"] = cloud ? 100250 : 9120004;
  o["serverTime"] = format_jira_time(clock_->now());
  o["serverTitle"] = "Jira (ml-connector emulator)";
  return json_response(200, o);
}

net::http_response jira_site::link_types(call& c) {
  json::array list;
  for (auto const& t : jira_link_types()) {
    json::object o;
    o["id"] = t.id;
    o["name"] = t.name;
    o["inward"] = t.inward;
    o["outward"] = t.outward;
    o["self"] = c.api_base + "/issueLinkType/" + t.id;
    list.push_back(std::move(o));
  }
  json::object out;
  out["issueLinkTypes"] = std::move(list);
  return json_response(200, out);
}

}  // namespace mlc::emu
