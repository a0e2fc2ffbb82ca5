#include "tests/emulators/jira_site.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <openssl/crypto.h>

#include "tests/emulators/adf.hpp"
#include "tests/emulators/responses.hpp"

namespace mlc::emu {
namespace json = boost::json;

net::http_response jira_error(int status, std::vector<std::string> messages, json::object errors) {
  json::array m;
  for (auto& s : messages) m.push_back(json::value(std::move(s)));
  json::object o;
  o["errorMessages"] = std::move(m);
  o["errors"] = std::move(errors);
  return json_response(status, o);
}

namespace {

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

net::http_response rate_limited(std::chrono::milliseconds wait, double limit, char const* reason, sys_ms now) {
  auto r = jira_error(429, {"Rate limit exceeded."});
  auto secs = std::max<std::int64_t>(1, (wait.count() + 999) / 1000);
  r.headers.set("Retry-After", std::to_string(secs));
  r.headers.set("X-RateLimit-Limit", std::to_string(std::int64_t(std::max(1.0, limit))));
  r.headers.set("X-RateLimit-Remaining", "0");
  r.headers.set("X-RateLimit-Reset", format_iso_ms(now + wait));
  r.headers.set("RateLimit-Reason", reason);
  return r;
}

}  // namespace

jira_site::jira_site(std::string tenant_id, jira_credentials creds, std::string project_key,
                     std::shared_ptr<clock const> clk, rate_limiter& limiter)
    : tenant_id_{std::move(tenant_id)}, creds_{std::move(creds)}, clock_{std::move(clk)}, limiter_{limiter} {
  project_.key = std::move(project_key);
  project_.name = "Operations " + tenant_id_;
  project_.screen = default_screen();
}

void jira_site::set_project_exists(bool exists) { project_.exists = exists; }

void jira_site::renumber_workflow() {
  for (auto& t : project_.workflow) t.id = std::to_string(std::stoi(t.id) + 100);
}

std::optional<std::string> jira_site::set_on_screen(std::string const& field, bool on_screen) {
  auto const* f = find_field(field);
  if (!f) return "no field \"" + field + "\"";
  if (f->kind == value_kind::readonly) return "field \"" + field + "\" is not settable";
  if (on_screen)
    project_.screen.insert(f->id);
  else
    project_.screen.erase(f->id);
  return std::nullopt;
}

jira_issue* jira_site::lookup(std::string const& key_or_id) {
  if (auto it = by_key_.find(key_or_id); it != by_key_.end()) return &issues_.at(it->second);
  if (!key_or_id.empty() && std::all_of(key_or_id.begin(), key_or_id.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    try {
      if (auto it = issues_.find(std::stoll(key_or_id)); it != issues_.end()) return &it->second;
    } catch (std::exception const&) {
    }
  }
  // Keys are case-insensitive in Jira.
  std::string upper = key_or_id;
  for (char& ch : upper) ch = char(std::toupper((unsigned char)ch));
  if (auto it = by_key_.find(upper); it != by_key_.end()) return &issues_.at(it->second);
  return nullptr;
}

jira_issue const* jira_site::find_issue(std::string const& key_or_id) const {
  return const_cast<jira_site*>(this)->lookup(key_or_id);
}

void jira_site::touched(jira_issue& issue, system_knobs const& k) {
  issue.updated = clock_->now();
  ++issue.version;
  jira_issue snapshot = issue;
  snapshot.comments.clear();  // comments are not searched here; keeps the index small
  pending_.emplace(issue.updated + k.search_lag, pending_snapshot{issue.id, std::move(snapshot)});
}

void jira_site::drain_index() {
  auto now = clock_->now();
  while (!pending_.empty() && pending_.begin()->first <= now) {
    auto node = pending_.extract(pending_.begin());
    auto& p = node.mapped();
    if (!p.snapshot) {
      indexed_.erase(p.id);
      continue;
    }
    auto it = indexed_.find(p.id);
    if (it == indexed_.end())
      indexed_.emplace(p.id, std::move(*p.snapshot));
    else if (it->second.version < p.snapshot->version)  // the lag may have shrunk: keep the newest
      it->second = std::move(*p.snapshot);
  }
}

std::optional<net::http_response> jira_site::issue_write_allowed(call const& c, jira_issue const& issue) {
  if (c.k.issue_write_limit <= 0) return std::nullopt;
  double window_s = std::max(0.001, double(c.k.issue_write_window.count()) / 1000.0);
  double rate = double(c.k.issue_write_limit) / window_s;
  auto v = limiter_.take("issue:" + tenant_id_ + ":" + std::to_string(issue.id), rate, c.k.issue_write_limit,
                         clock_->now());
  if (v.allowed) return std::nullopt;
  return rate_limited(v.retry_after, c.k.issue_write_limit, "jira-per-issue-on-write", clock_->now());
}

net::http_response jira_site::handle(net::http_request const& req, system_knobs const& k, std::string const& base,
                                     std::string_view path, std::optional<std::string> principal, std::string& endpoint) {
  bool cloud = creds_.flavour == jira_flavour::cloud;
  std::string_view prefix = cloud ? "/rest/api/3" : "/rest/api/2";
  auto [raw_path, raw_query] = split_target(path);
  endpoint = req.method + " " + std::string(prefix) + " (not routed)";  // bounded label for counters
  if (raw_path.substr(0, prefix.size()) != prefix ||
      (raw_path.size() > prefix.size() && raw_path[prefix.size()] != '/')) {
    endpoint = "other";
    return jira_error(404, {cloud ? "This Jira Cloud site serves /rest/api/3" : "This Jira Data Center serves /rest/api/2"});
  }

  // Authentication.
  if (!principal) {
    auto h = req.headers.get("Authorization");
    if (h && starts_with_icase(*h, "Basic ")) {  // cloud: email + API token; DC: user + password
      auto decoded = base64_decode(trim(h->substr(6)));
      auto colon = decoded ? decoded->find(':') : std::string::npos;
      if (colon != std::string::npos && decoded->substr(0, colon) == creds_.email &&
          same_secret(std::string_view(*decoded).substr(colon + 1), creds_.api_token))
        principal = "basic:" + creds_.email;
    } else if (h && !cloud && starts_with_icase(*h, "Bearer ")) {
      if (same_secret(trim(h->substr(7)), creds_.pat)) principal = "pat:" + tenant_id_;
    }
  }
  if (!principal) {
    auto r = jira_error(401, {"You are not authenticated. Authentication required to perform this operation."});
    r.headers.set("WWW-Authenticate", cloud ? "Basic realm=\"protected-area\"" : "Bearer realm=\"Jira\"");
    return r;
  }

  // Rate limits: per site, then per credential.
  auto now = clock_->now();
  auto site = limiter_.take("site:" + tenant_id_, k.site_rate, k.site_burst, now);
  if (!site.allowed) return rate_limited(site.retry_after, k.site_burst, "jira-quota-tenant-based", now);
  auto client = limiter_.take("client:" + *principal, k.client_rate, k.client_burst, now);
  if (!client.allowed) return rate_limited(client.retry_after, k.client_burst, "jira-quota-global-based", now);

  if ((req.method == "POST" || req.method == "PUT") && !req.body.empty()) {
    auto ct = req.headers.get("Content-Type");
    if (!ct || ct->find("application/json") == std::string_view::npos)
      return jira_error(415, {"Unsupported Media Type: send Content-Type: application/json"});
  }

  call c{req,
         k,
         base + std::string(prefix),
         std::string(raw_path.substr(prefix.size())),
         query_params::parse(raw_query),
         *principal,
         creds_.flavour};
  auto response = route(c, endpoint);
  if (k.site_rate > 0) {
    response.headers.set("X-RateLimit-Limit", std::to_string(std::int64_t(std::max(1.0, k.site_burst))));
    response.headers.set("X-RateLimit-Remaining", std::to_string(std::int64_t(site.remaining)));
    if (site.remaining < 0.2 * k.site_burst) response.headers.set("X-RateLimit-NearLimit", "true");
  }
  return response;
}

net::http_response jira_site::route(call& c, std::string& endpoint) {
  auto parts = split(c.path, '/');  // "", "issue", "OPS-1", "transitions"
  std::vector<std::string> seg;
  for (std::size_t i = 1; i < parts.size(); ++i) seg.push_back(percent_decode(parts[i], false));
  auto const& m = c.req.method;
  std::string tmpl = c.flavour == jira_flavour::cloud ? "/rest/api/3" : "/rest/api/2";
  auto ep = [&](std::string const& t) { endpoint = m + " " + tmpl + t; };

  if (seg.size() == 1 && seg[0] == "field" && m == "GET") return ep("/field"), fields_route(c);
  if (seg.size() == 1 && seg[0] == "myself" && m == "GET") return ep("/myself"), myself(c);
  if (seg.size() == 1 && seg[0] == "serverInfo" && m == "GET") return ep("/serverInfo"), server_info(c);
  if (seg.size() == 1 && seg[0] == "issueLinkType" && m == "GET") return ep("/issueLinkType"), link_types(c);
  if (seg.size() == 1 && seg[0] == "issueLink" && m == "POST") return ep("/issueLink"), create_link(c);
  if (seg.size() == 2 && seg[0] == "project" && m == "GET") return ep("/project/{projectIdOrKey}"), project_route(c, seg[1]);
  if (seg.size() == 4 && seg[0] == "issue" && seg[1] == "createmeta" && seg[3] == "issuetypes" && m == "GET")
    return ep("/issue/createmeta/{projectIdOrKey}/issuetypes"), createmeta_types(c, seg[2]);
  if (seg.size() == 5 && seg[0] == "issue" && seg[1] == "createmeta" && seg[3] == "issuetypes" && m == "GET")
    return ep("/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}"), createmeta_fields(c, seg[2], seg[4]);
  if (seg.size() == 1 && seg[0] == "issue" && m == "POST") return ep("/issue"), create_issue(c);
  if (seg.size() == 2 && seg[0] == "issue" && seg[1] == "bulk" && m == "POST") {
    ep("/issue/bulk");
    if (!c.k.bulk_create) return jira_error(404, {"null for uri: " + c.api_base + c.path});
    return create_issues(c);
  }
  if (c.flavour == jira_flavour::cloud && seg.size() == 2 && seg[0] == "search" && seg[1] == "jql" &&
      (m == "GET" || m == "POST"))
    return ep("/search/jql"), search_jql(c);
  if (seg.size() == 1 && seg[0] == "search" && (m == "GET" || m == "POST")) {
    ep("/search");
    if (c.flavour == jira_flavour::cloud)
      return jira_error(410, {"The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
                              "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"});
    return search_dc(c);
  }
  if (seg.size() >= 2 && seg[0] == "issue" && seg[1] != "createmeta") {
    jira_issue* issue = lookup(seg[1]);
    if (seg.size() == 2) ep("/issue/{issueIdOrKey}");
    else if (seg.size() == 3) ep("/issue/{issueIdOrKey}/" + seg[2]);
    else if (seg.size() == 4 && seg[2] == "properties") ep("/issue/{issueIdOrKey}/properties/{propertyKey}");
    else ep("/issue/{issueIdOrKey}/other");
    if (!issue) return jira_error(404, {"Issue does not exist or you do not have permission to see it."});
    if (seg.size() == 2) {
      if (m == "GET") return get_issue(c, *issue);
      if (m == "PUT") return edit_issue(c, *issue);
      if (m == "DELETE") return delete_issue(c, *issue);
    } else if (seg.size() == 3 && seg[2] == "transitions") {
      if (m == "GET") return get_transitions(c, *issue);
      if (m == "POST") return do_transition(c, *issue);
    } else if (seg.size() == 3 && seg[2] == "comment") {
      if (m == "GET") return list_comments(c, *issue);
      if (m == "POST") return add_comment(c, *issue);
    } else if (seg.size() == 3 && seg[2] == "properties" && m == "GET") {
      return list_properties(c, *issue);
    } else if (seg.size() == 4 && seg[2] == "properties") {
      return property_route(c, *issue, seg[3]);
    }
    return jira_error(405, {"Method " + m + " is not allowed here"});
  }
  endpoint = "other";
  return jira_error(404, {"null for uri: " + c.api_base + c.path});
}

json::object jira_site::state() const {
  json::array issues;
  for (auto const& [id, is] : issues_) {
    json::object o;
    o["id"] = std::to_string(is.id);
    o["key"] = is.key;
    auto const* type = find_issue_type(is.issue_type_id);
    o["issue_type"] = type ? type->name : is.issue_type_id;
    o["status"] = status_by_id(is.status_id).name;
    o["fields"] = is.fields;
    json::array labels;
    for (auto const& l : is.labels) labels.push_back(json::value(l));
    o["labels"] = std::move(labels);
    json::object props;
    for (auto const& [k, v] : is.properties) props[k] = v;
    o["properties"] = std::move(props);
    json::array comments;
    for (auto const& cm : is.comments) {
      json::object co;
      co["id"] = cm.id;
      co["body"] = cm.body;
      co["text"] = cm.body.is_string() ? std::string(cm.body.get_string()) : adf_plain_text(cm.body);
      co["created"] = format_jira_time(cm.created);
      if (!cm.properties.empty()) {
        json::object cprops;
        for (auto const& [k, v] : cm.properties) cprops[k] = v;
        co["properties"] = std::move(cprops);
      }
      comments.push_back(std::move(co));
    }
    o["comments"] = std::move(comments);
    json::array links;
    for (auto const& l : is.links) {
      json::object lo;
      lo["type"] = l.type;
      lo["direction"] = l.outward ? "outward" : "inward";
      auto it = issues_.find(l.other_id);
      lo["issue"] = it == issues_.end() ? json::value(nullptr) : json::value(it->second.key);
      links.push_back(std::move(lo));
    }
    o["links"] = std::move(links);
    o["created"] = format_jira_time(is.created);
    o["updated"] = format_jira_time(is.updated);
    issues.push_back(std::move(o));
  }
  json::object o;
  json::object proj;
  proj["key"] = project_.key;
  proj["exists"] = project_.exists;
  json::array screen;
  for (auto const& f : project_.screen) screen.push_back(json::value(f));
  proj["screen"] = std::move(screen);
  o["project"] = std::move(proj);
  o["flavour"] = creds_.flavour == jira_flavour::cloud ? "cloud" : "datacenter";
  o["issues"] = std::move(issues);
  return o;
}

}  // namespace mlc::emu
