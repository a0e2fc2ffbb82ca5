// JQL search over the lagging index: Cloud POST|GET /rest/api/3/search/jql (nextPageToken,
// isLast, reconcileIssues) and Data Center GET|POST /rest/api/2/search (startAt, total).
#include <algorithm>

#include "tests/emulators/json_text.hpp"
#include "tests/emulators/jira_site.hpp"
#include "tests/emulators/jql.hpp"
#include "tests/emulators/responses.hpp"
#include "tests/emulators/rng.hpp"

namespace mlc::emu {
namespace json = boost::json;
namespace {

struct search_input {
  std::string jql;
  bool has_jql = false;
  std::optional<std::string> next_page_token;
  std::optional<std::int64_t> start_at;
  std::optional<std::int64_t> max_results;
  std::vector<std::string> fields;
  bool fields_given = false;
  std::vector<std::string> properties;
  std::vector<std::int64_t> reconcile;
  std::string expand;
};

std::vector<std::string> strings_of(json::value const& v) {
  std::vector<std::string> out;
  if (v.is_array())
    for (auto const& e : v.get_array())
      if (e.is_string()) out.emplace_back(e.get_string());
  if (v.is_string())
    for (auto part : split(v.get_string(), ','))
      if (!trim(part).empty()) out.emplace_back(trim(part));
  return out;
}

// Reads the query string (GET) or JSON body (POST); returns an error message on bad input.
std::optional<std::string> read_input(net::http_request const& req, query_params const& q, search_input& in) {
  if (req.method == "GET") {
    if (auto j = q.first("jql")) in.jql = *j, in.has_jql = true;
    in.next_page_token = q.first("nextPageToken");
    try {
      if (auto s = q.first("startAt")) in.start_at = std::stoll(*s);
      if (auto m = q.first("maxResults")) in.max_results = std::stoll(*m);
      if (auto r = q.first("reconcileIssues"))
        for (auto part : split(*r, ','))
          if (!trim(part).empty()) in.reconcile.push_back(std::stoll(std::string(trim(part))));
    } catch (std::exception const&) {
      return "startAt, maxResults and reconcileIssues must be integers";
    }
    if (auto f = q.first("fields")) in.fields = strings_of(json::value(*f)), in.fields_given = true;
    if (auto p = q.first("properties")) in.properties = strings_of(json::value(*p));
    in.expand = q.first("expand").value_or("");
    return std::nullopt;
  }
  std::string err;
  json::value body = parse_json(req.body, err);
  if (!err.empty() || !body.is_object()) return "Invalid request payload. Refer to the REST API documentation and try again.";
  auto const& o = body.get_object();
  if (auto const* j = o.if_contains("jql"); j && j->is_string()) in.jql = std::string(j->get_string()), in.has_jql = true;
  if (auto const* t = o.if_contains("nextPageToken"); t && t->is_string()) in.next_page_token = std::string(t->get_string());
  if (auto const* s = o.if_contains("startAt")) {
    if (!s->is_int64()) return "startAt must be an integer";
    in.start_at = s->get_int64();
  }
  if (auto const* m = o.if_contains("maxResults")) {
    if (!m->is_int64()) return "maxResults must be an integer";
    in.max_results = m->get_int64();
  }
  if (auto const* f = o.if_contains("fields")) in.fields = strings_of(*f), in.fields_given = true;
  if (auto const* p = o.if_contains("properties")) in.properties = strings_of(*p);
  if (auto const* r = o.if_contains("reconcileIssues")) {
    if (!r->is_array()) return "reconcileIssues must be an array of issue ids";
    for (auto const& e : r->get_array()) {
      if (!e.is_int64()) return "reconcileIssues must be an array of issue ids";
      in.reconcile.push_back(e.get_int64());
    }
  }
  if (auto const* e = o.if_contains("expand"); e && e->is_string()) in.expand = std::string(e->get_string());
  return std::nullopt;
}

std::string page_token(std::size_t offset, std::string const& jql) {
  return base64url_encode("o=" + std::to_string(offset) + ";h=" + std::to_string(hash_text(jql)));
}

std::optional<std::size_t> read_token(std::string const& token, std::string const& jql) {
  auto raw = base64url_decode(token);
  if (!raw) return std::nullopt;
  auto semi = raw->find(";h=");
  if (raw->rfind("o=", 0) != 0 || semi == std::string::npos) return std::nullopt;
  if (raw->substr(semi + 3) != std::to_string(hash_text(jql))) return std::nullopt;
  try {
    return std::size_t(std::stoull(raw->substr(2, semi - 2)));
  } catch (std::exception const&) {
    return std::nullopt;
  }
}

}  // namespace

net::http_response jira_site::search_jql(call& c) {
  search_input in;
  if (auto err = read_input(c.req, c.query, in)) return jira_error(400, {*err});
  if (trim(in.jql).empty())
    return jira_error(400, {"Unbounded JQL queries are not allowed here. Please add a search restriction to your query."});
  if (in.reconcile.size() > 50) return jira_error(400, {"reconcileIssues accepts at most 50 issue ids."});
  jql_query q;
  jql_context ctx{&project_, clock_->now()};
  try {
    q = parse_jql(in.jql);
    validate_jql(q, ctx);
  } catch (jql_error const& e) {
    return jira_error(400, {e.what()});
  }
  if (!q.where) return jira_error(400, {"Unbounded JQL queries are not allowed here. Please add a search restriction to your query."});

  bool ids_only = true;
  for (auto const& f : in.fields) ids_only = ids_only && (f == "id" || f == "key");
  std::int64_t cap = ids_only ? 5000 : 100;
  std::int64_t max = std::clamp<std::int64_t>(in.max_results.value_or(50), 1, cap);
  std::size_t offset = 0;
  if (in.next_page_token) {
    auto o = read_token(*in.next_page_token, in.jql);
    if (!o) return jira_error(400, {"The provided next page token is invalid or expired."});
    offset = *o;
  }

  drain_index();
  std::map<std::int64_t, jira_issue const*> view;
  for (auto const& [id, snap] : indexed_) view[id] = &snap;
  for (auto id : in.reconcile) {  // read-after-write: these ids are evaluated on current data
    if (auto it = issues_.find(id); it != issues_.end()) view[id] = &it->second;
    else view.erase(id);
  }
  std::vector<jira_issue const*> hits;
  for (auto const& [id, snap] : view)
    if (issues_.count(id) && jql_matches(q.where.get(), *snap, ctx)) hits.push_back(snap);
  std::sort(hits.begin(), hits.end(), [&](auto* a, auto* b) { return jql_less(q.order, *a, *b); });

  json::array issues;
  std::size_t end = std::min(hits.size(), offset + std::size_t(max));
  for (std::size_t i = offset; i < end; ++i) {
    auto const& current = issues_.at(hits[i]->id);
    if (!in.fields_given && in.properties.empty()) {
      json::object o;
      o["id"] = std::to_string(current.id);
      issues.push_back(std::move(o));
      continue;
    }
    issues.push_back(render_issue(c, current, in.fields, in.properties, false));
  }
  json::object out;
  out["issues"] = std::move(issues);
  bool last = end >= hits.size();
  out["isLast"] = last;
  if (!last) out["nextPageToken"] = page_token(end, in.jql);
  return json_response(200, out);
}

net::http_response jira_site::search_dc(call& c) {
  search_input in;
  if (auto err = read_input(c.req, c.query, in)) return jira_error(400, {*err});
  jql_query q;
  jql_context ctx{&project_, clock_->now()};
  try {
    q = parse_jql(in.jql);
    validate_jql(q, ctx);
  } catch (jql_error const& e) {
    return jira_error(400, {e.what()});
  }
  std::int64_t start = std::max<std::int64_t>(0, in.start_at.value_or(0));
  std::int64_t max = std::clamp<std::int64_t>(in.max_results.value_or(50), 0, 1000);
  if (!in.fields_given) in.fields = {"*navigable"};

  drain_index();
  std::vector<jira_issue const*> hits;
  for (auto const& [id, snap] : indexed_)
    if (issues_.count(id) && jql_matches(q.where.get(), snap, ctx)) hits.push_back(&snap);
  std::sort(hits.begin(), hits.end(), [&](auto* a, auto* b) { return jql_less(q.order, *a, *b); });

  json::array issues;
  for (std::size_t i = std::size_t(start); i < hits.size() && std::int64_t(issues.size()) < max; ++i)
    issues.push_back(render_issue(c, issues_.at(hits[i]->id), in.fields, in.properties, false));
  json::object out;
  out["expand"] = "schema,names";
  out["startAt"] = start;
  out["maxResults"] = max;
  out["total"] = std::int64_t(hits.size());
  out["issues"] = std::move(issues);
  return json_response(200, out);
}

}  // namespace mlc::emu
