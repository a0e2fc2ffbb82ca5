// How the Jira emulator prints issues, statuses, projects and users (IssueBean and friends
// in the Cloud OpenAPI spec; Data Center prints the same shapes for these fields).
#include <algorithm>
#include <set>

#include "tests/emulators/jira_site.hpp"
#include "tests/emulators/time_text.hpp"

namespace mlc::emu {
namespace json = boost::json;

namespace {

std::string const k_icon = "https://jira.example/images/icons/generic.png";

json::object avatar_urls(std::string const& base) {
  json::object a;
  for (char const* size : {"48x48", "24x24", "16x16", "32x32"}) a[size] = base + "?size=" + size;
  return a;
}

// Which fields a request asked for: ids, names, *all, *navigable, -exclusions.
std::set<std::string> selected_fields(std::vector<std::string> const& wanted) {
  std::set<std::string> out;
  bool all = false, navigable = false;
  std::set<std::string> excluded;
  for (auto const& w : wanted) {
    if (w == "*all") all = true;
    else if (w == "*navigable") navigable = true;
    else if (!w.empty() && w[0] == '-') excluded.insert(w.substr(1));
    else if (auto const* f = find_field(w)) out.insert(f->id);
    else out.insert(w);  // unknown names are ignored by Jira; kept so "key"/"id" pass through harmlessly
  }
  for (auto const& f : jira_fields())
    if (all || (navigable && f.navigable)) out.insert(f.id);
  for (auto const& e : excluded) {
    if (auto const* f = find_field(e)) out.erase(f->id);
    out.erase(e);
  }
  return out;
}

}  // namespace

json::object jira_site::render_user(call const& c) const {
  json::object u;
  if (c.flavour == jira_flavour::cloud) {
    u["self"] = c.api_base + "/user?accountId=" + creds_.account_id;
    u["accountId"] = creds_.account_id;
    u["accountType"] = "atlassian";
    u["emailAddress"] = creds_.email;
  } else {
    u["self"] = c.api_base + "/user?username=ml-connector";
    u["name"] = "ml-connector";
    u["key"] = "JIRAUSER10100";
  }
  u["avatarUrls"] = avatar_urls(c.api_base + "/universal_avatar/user");
  u["displayName"] = "ml-connector integration";
  u["active"] = true;
  u["timeZone"] = "UTC";
  return u;
}

json::object jira_site::render_status(call const& c, std::string const& id) const {
  auto const& s = status_by_id(id);
  json::object cat;
  cat["self"] = c.api_base + "/statuscategory/" + std::to_string(s.category_id);
  cat["id"] = s.category_id;
  cat["key"] = s.category_key;
  cat["colorName"] = s.color;
  cat["name"] = s.category_name;
  json::object o;
  o["self"] = c.api_base + "/status/" + s.id;
  o["description"] = "";
  o["iconUrl"] = k_icon;
  o["name"] = s.name;
  o["id"] = s.id;
  o["statusCategory"] = std::move(cat);
  return o;
}

json::object jira_site::render_issue_type(call const& c, std::string const& id) const {
  auto const* t = find_issue_type(id);
  json::object o;
  o["self"] = c.api_base + "/issuetype/" + id;
  o["id"] = id;
  o["description"] = t ? t->description : "";
  o["iconUrl"] = k_icon;
  o["name"] = t ? t->name : id;
  o["subtask"] = t && t->subtask;
  o["avatarId"] = 10318;
  o["hierarchyLevel"] = t && t->subtask ? -1 : 0;
  return o;
}

json::object jira_site::render_project(call const& c) const {
  json::object o;
  o["self"] = c.api_base + "/project/" + project_.id;
  o["id"] = project_.id;
  o["key"] = project_.key;
  o["name"] = project_.name;
  o["projectTypeKey"] = "software";
  o["simplified"] = false;
  o["avatarUrls"] = avatar_urls(c.api_base + "/universal_avatar/project");
  return o;
}

json::object jira_site::render_comment(call const& c, jira_issue const& issue, jira_comment const& cm) const {
  json::object o;
  o["self"] = c.api_base + "/issue/" + std::to_string(issue.id) + "/comment/" + cm.id;
  o["id"] = cm.id;
  o["author"] = render_user(c);
  o["body"] = cm.body;
  o["updateAuthor"] = render_user(c);
  o["created"] = format_jira_time(cm.created);
  o["updated"] = format_jira_time(cm.updated);
  if (c.flavour == jira_flavour::cloud) o["jsdPublic"] = true;
  return o;
}

json::object jira_site::render_issue(call const& c, jira_issue const& issue, std::vector<std::string> const& wanted,
                                     std::vector<std::string> const& properties, bool names) const {
  json::object o;
  o["expand"] = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations";
  o["id"] = std::to_string(issue.id);
  o["self"] = c.api_base + "/issue/" + std::to_string(issue.id);
  o["key"] = issue.key;
  auto sel = selected_fields(wanted);
  json::object fields;
  for (auto const& f : jira_fields()) {
    if (!sel.count(f.id)) continue;
    if (f.id == "summary" || f.id == "description" || f.id == "duedate" || f.custom) {
      auto const* v = issue.fields.if_contains(f.id);
      fields[f.id] = v ? *v : json::value(nullptr);
    } else if (f.id == "labels") {
      json::array a;
      for (auto const& l : issue.labels) a.push_back(json::value(l));
      fields["labels"] = std::move(a);
    } else if (f.id == "status") {
      fields["status"] = render_status(c, issue.status_id);
    } else if (f.id == "issuetype") {
      fields["issuetype"] = render_issue_type(c, issue.issue_type_id);
    } else if (f.id == "project") {
      fields["project"] = render_project(c);
    } else if (f.id == "created") {
      fields["created"] = format_jira_time(issue.created);
    } else if (f.id == "updated") {
      fields["updated"] = format_jira_time(issue.updated);
    } else if (f.id == "comment") {
      json::array cs;
      for (auto const& cm : issue.comments) cs.push_back(render_comment(c, issue, cm));
      json::object page;
      page["comments"] = std::move(cs);
      page["self"] = c.api_base + "/issue/" + std::to_string(issue.id) + "/comment";
      page["maxResults"] = std::int64_t(issue.comments.size());
      page["total"] = std::int64_t(issue.comments.size());
      page["startAt"] = 0;
      fields["comment"] = std::move(page);
    } else if (f.id == "issuelinks") {
      json::array links;
      for (auto const& l : issue.links) {
        auto it = issues_.find(l.other_id);
        if (it == issues_.end()) continue;
        auto const* lt = find_link_type(l.type);
        if (!lt) continue;
        json::object type;
        type["id"] = lt->id;
        type["name"] = lt->name;
        type["inward"] = lt->inward;
        type["outward"] = lt->outward;
        type["self"] = c.api_base + "/issueLinkType/" + lt->id;
        json::object other;
        other["id"] = std::to_string(it->second.id);
        other["key"] = it->second.key;
        other["self"] = c.api_base + "/issue/" + std::to_string(it->second.id);
        json::object of;
        auto const* summary = it->second.fields.if_contains("summary");
        of["summary"] = summary ? *summary : json::value("");
        of["status"] = render_status(c, it->second.status_id);
        of["issuetype"] = render_issue_type(c, it->second.issue_type_id);
        other["fields"] = std::move(of);
        json::object lo;
        lo["id"] = l.id;
        lo["self"] = c.api_base + "/issueLink/" + l.id;
        lo["type"] = std::move(type);
        lo[l.outward ? "outwardIssue" : "inwardIssue"] = std::move(other);
        links.push_back(std::move(lo));
      }
      fields["issuelinks"] = std::move(links);
    }
  }
  o["fields"] = std::move(fields);
  if (!properties.empty()) {
    bool all = false;
    for (auto const& p : properties) all = all || p == "*all";
    json::object props;
    for (auto const& [k, v] : issue.properties)
      if (all || std::find(properties.begin(), properties.end(), k) != properties.end()) props[k] = v;
    o["properties"] = std::move(props);
  }
  if (names) {
    json::object n;
    for (auto const& f : jira_fields())
      if (sel.count(f.id)) n[f.id] = f.name;
    o["names"] = std::move(n);
  }
  return o;
}

}  // namespace mlc::emu
