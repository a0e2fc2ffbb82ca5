#include "engine/jira_client.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "engine/jql.hpp"
#include "net/error.hpp"

namespace mlc::engine {

namespace json = boost::json;

namespace {

std::string str(json::object const& o, std::string_view key) {
  if (auto const* v = o.if_contains(key); v && v->is_string()) return std::string{v->as_string()};
  if (auto const* v = o.if_contains(key); v && v->is_int64()) return std::to_string(v->as_int64());
  return {};
}

json::value parse_body(net::http_response const& response, std::string_view what) {
  json::error_code ec;
  auto value = json::parse(response.body, ec);
  if (ec)
    throw sync_error(failure_kind::transient, "jira",
                     std::string{what} + ": Jira answered HTTP " + std::to_string(response.status) +
                         " with a body that is not JSON: " + net::excerpt(response.body, 120));
  return value;
}

jira_issue issue_from(json::object const& o) {
  jira_issue issue;
  issue.id = str(o, "id");
  issue.key = str(o, "key");
  if (auto const* f = o.if_contains("fields"); f && f->is_object()) {
    auto const& fields = f->as_object();
    if (auto const* s = fields.if_contains("status"); s && s->is_object()) issue.status = str(s->as_object(), "name");
    if (auto const* l = fields.if_contains("labels"); l && l->is_array())
      for (auto const& label : l->as_array())
        if (label.is_string()) issue.labels.emplace_back(label.as_string());
    if (auto const* l = fields.if_contains("issuelinks"); l && l->is_array())
      for (auto const& link : l->as_array()) {
        auto const* lo = link.if_object();
        if (!lo) continue;
        for (char const* end : {"inwardIssue", "outwardIssue"})
          if (auto const* other = lo->if_contains(end); other && other->is_object())
            issue.linked_keys.push_back(str(other->as_object(), "key"));
      }
  }
  return issue;
}

bool ok(net::http_response const& r) { return r.status >= 200 && r.status < 300; }

// The list in a createmeta answer: Cloud names it (`issueTypes`, `fields`), Data Center
// pages it as `values`.
json::array const* createmeta_list(json::value const& body, std::string_view cloud_key) {
  if (!body.is_object()) return nullptr;
  auto const& o = body.as_object();
  if (auto const* v = o.if_contains(cloud_key); v && v->is_array()) return &v->as_array();
  if (auto const* v = o.if_contains("values"); v && v->is_array()) return &v->as_array();
  return nullptr;
}

}  // namespace

// One CreatedIssue of a create's answer.
jira_issue_ref created_issue(json::object const& o) {
  jira_issue_ref out{str(o, "id"), str(o, "key"), std::nullopt};
  auto const* transition = o.if_contains("transition");
  auto const* status = transition && transition->is_object() ? transition->as_object().if_contains("status") : nullptr;
  if (status && status->is_int64()) out.transition_status = static_cast<int>(status->as_int64());
  return out;
}

sync_error jira_failure(net::http_response const& response, std::string_view what) {
  std::string detail;
  std::string field;
  json::error_code ec;
  auto body = json::parse(response.body, ec);
  if (!ec && body.is_object()) {
    auto const& o = body.as_object();
    if (auto const* messages = o.if_contains("errorMessages"); messages && messages->is_array())
      for (auto const& m : messages->as_array())
        if (m.is_string()) detail += (detail.empty() ? "" : "; ") + std::string{m.as_string()};
    if (auto const* errors = o.if_contains("errors"); errors && errors->is_object())
      for (auto const& [name, message] : errors->as_object()) {
        if (field.empty()) field = std::string{name};
        detail += (detail.empty() ? "" : "; ") + std::string{name} + ": " +
                  (message.is_string() ? std::string{message.as_string()} : json::serialize(message));
      }
  }
  if (detail.empty()) detail = net::excerpt(response.body, 200);
  auto message = std::string{what} + ": Jira answered HTTP " + std::to_string(response.status) +
                 (detail.empty() ? "" : ": " + detail);
  auto const status = response.status;
  if (status == 429 || status >= 500 || status == 409 || status == 408)
    return sync_error(failure_kind::transient, "jira", message);
  if (status == 401 || status == 403)
    return sync_error(failure_kind::tenant_fault, "jira",
                      message + " — check the Jira credentials and the account's project permissions");
  // Project and issue type are tenant settings, not properties of one record.
  if (status == 400 && (field == "project" || field == "issuetype"))
    return sync_error(failure_kind::tenant_fault, "jira",
                      message + " — check the project key and issue types in the tenant config", field);
  if (status == 400 || status == 413 || status == 422) return sync_error(failure_kind::bad_record, "jira", message, field);
  return sync_error(failure_kind::tenant_fault, "jira", message);
}

jira_client::jira_client(std::shared_ptr<remote> remote, jira_flavour flavour)
    : remote_(std::move(remote)), flavour_(flavour) {}

awaitable<net::http_response> jira_client::call(std::string method, std::string path, std::string body,
                                                call_safety safety) {
  auto target = api_prefix() + path;
  co_return co_await remote_->call(std::move(method), std::move(target), std::move(body), safety);
}

awaitable<std::vector<jira_field>> jira_client::fields() {
  auto response = co_await call("GET", "/field");
  if (!ok(response)) throw jira_failure(response, "list Jira fields");
  auto body = parse_body(response, "list Jira fields");
  std::vector<jira_field> out;
  if (!body.is_array()) throw sync_error(failure_kind::tenant_fault, "jira", "GET /field did not return a list");
  for (auto const& f : body.as_array()) {
    if (!f.is_object()) continue;
    auto const& o = f.as_object();
    jira_field field{str(o, "id"), str(o, "name"), {}};
    if (auto const* schema = o.if_contains("schema"); schema && schema->is_object())
      field.type = str(schema->as_object(), "type");
    out.push_back(std::move(field));
  }
  co_return out;
}

awaitable<std::optional<json::object>> jira_client::project(std::string key) {
  auto response = co_await call("GET", "/project/" + key);
  if (response.status == 404) co_return std::nullopt;
  if (!ok(response)) throw jira_failure(response, "read Jira project " + key);
  auto body = parse_body(response, "read Jira project");
  if (!body.is_object()) throw sync_error(failure_kind::tenant_fault, "jira", "GET /project did not return an object");
  co_return body.as_object();
}

awaitable<std::vector<std::pair<std::string, std::string>>> jira_client::issue_types(std::string project_key) {
  std::vector<std::pair<std::string, std::string>> out;
  auto response = co_await call("GET", "/issue/createmeta/" + project_key + "/issuetypes");
  if (response.status == 404) co_return out;
  if (!ok(response)) throw jira_failure(response, "read the issue types of project " + project_key);
  auto body = parse_body(response, "read issue types");
  if (auto const* list = createmeta_list(body, "issueTypes"))
    for (auto const& t : *list)
      if (t.is_object()) out.emplace_back(str(t.as_object(), "name"), str(t.as_object(), "id"));
  co_return out;
}

awaitable<std::vector<std::string>> jira_client::create_screen_fields(std::string project_key,
                                                                     std::string issue_type_id) {
  auto response = co_await call("GET", "/issue/createmeta/" + project_key + "/issuetypes/" + issue_type_id);
  if (!ok(response)) throw jira_failure(response, "read the create screen of project " + project_key);
  auto body = parse_body(response, "read the create screen");
  std::vector<std::string> out;
  if (auto const* list = createmeta_list(body, "fields"))
    for (auto const& f : *list)
      if (f.is_object()) out.push_back(str(f.as_object(), "fieldId"));
  co_return out;
}

awaitable<jira_issue_ref> jira_client::create_issue(std::string body) {
  auto response = co_await call("POST", "/issue", std::move(body), call_safety::create);
  if (!ok(response)) throw jira_failure(response, "create issue");
  auto parsed = parse_body(response, "create issue");
  if (!parsed.is_object() || str(parsed.as_object(), "key").empty())
    throw sync_error(failure_kind::transient, "jira", "create issue: Jira's answer has no issue key");
  co_return created_issue(parsed.as_object());
}

awaitable<std::vector<jira_client::bulk_element>> jira_client::create_issues(std::vector<std::string> bodies) {
  auto const n = bodies.size();
  if (n == 0) co_return std::vector<bulk_element>{};
  if (n > bulk_create_limit)
    throw std::invalid_argument("create_issues: " + std::to_string(n) + " bodies, Jira takes at most 50");
  std::size_t size = 20;
  for (auto const& b : bodies) size += b.size() + 1;
  std::string body;
  body.reserve(size);
  body += R"({"issueUpdates":[)";
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) body += ',';
    body += bodies[i];
  }
  body += "]}";
  bodies = {};
  auto response = co_await call("POST", "/issue/bulk", std::move(body), call_safety::create);
  // 201: some were created; 400 with per-element errors: none was. Anything else is about
  // the request as a whole.
  json::error_code ec;
  auto parsed = (response.status == 201 || response.status == 400) ? json::parse(response.body, ec) : json::value{};
  auto const* o = !ec && parsed.is_object() ? &parsed.as_object() : nullptr;
  auto const* issues = o ? o->if_contains("issues") : nullptr;
  auto const* errors = o ? o->if_contains("errors") : nullptr;
  bool const shaped = issues && issues->is_array() && (!errors || errors->is_array());
  if (!shaped || (response.status == 400 && (!errors || errors->as_array().empty()))) {
    if (ok(response))
      throw sync_error(failure_kind::transient, "jira",
                       "create " + std::to_string(n) + " issues: Jira's answer does not say which were created: " +
                           net::excerpt(response.body, 120));
    throw jira_failure(response, "create " + std::to_string(n) + " issues");
  }
  std::vector<bulk_element> out(n);
  std::vector<bool> failed(n, false);
  if (errors)
    for (auto const& e : errors->as_array()) {
      auto const* eo = e.if_object();
      auto const* number = eo ? eo->if_contains("failedElementNumber") : nullptr;
      if (!number || !number->is_int64() || number->as_int64() < 0 || std::size_t(number->as_int64()) >= n)
        throw sync_error(failure_kind::transient, "jira",
                         "create " + std::to_string(n) + " issues: Jira named a failed element that was not sent: " +
                             net::excerpt(json::serialize(e), 120));
      auto const i = static_cast<std::size_t>(number->as_int64());
      net::http_response element;
      element.status = 400;
      if (auto const* st = eo->if_contains("status"); st && st->is_int64()) element.status = static_cast<int>(st->as_int64());
      if (auto const* ee = eo->if_contains("elementErrors")) element.body = json::serialize(*ee);
      failed[i] = true;
      out[i].failure = jira_failure(element, "create issue");
    }
  // Created issues are listed in the order of the elements that succeeded.
  auto const& created = issues->as_array();
  std::size_t next = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (failed[i]) continue;
    if (next >= created.size() || !created[next].is_object() || str(created[next].as_object(), "key").empty())
      throw sync_error(failure_kind::transient, "jira",
                       "create " + std::to_string(n) + " issues: Jira's answer lists " + std::to_string(created.size()) +
                           " issues for " + std::to_string(n) + " elements");
    auto const& c = created[next++].as_object();
    out[i].issue = created_issue(c);
  }
  if (next != created.size())
    throw sync_error(failure_kind::transient, "jira",
                     "create " + std::to_string(n) + " issues: Jira's answer lists more issues than were asked for");
  co_return out;
}

awaitable<bool> jira_client::update_issue(std::string key, json::object edit) {
  auto body = json::serialize(edit);
  auto response = co_await call("PUT", "/issue/" + key, std::move(body));
  if (response.status == 404) co_return false;
  if (!ok(response)) throw jira_failure(response, "update issue " + key);
  co_return true;
}

awaitable<std::optional<jira_issue>> jira_client::get_issue(std::string key) {
  auto response = co_await call("GET", "/issue/" + key + "?fields=status,labels,issuelinks");
  if (response.status == 404) co_return std::nullopt;
  if (!ok(response)) throw jira_failure(response, "read issue " + key);
  auto body = parse_body(response, "read issue");
  if (!body.is_object()) throw sync_error(failure_kind::transient, "jira", "GET /issue did not return an object");
  co_return issue_from(body.as_object());
}

awaitable<std::vector<jira_transition>> jira_client::transitions(std::string key) {
  auto response = co_await call("GET", "/issue/" + key + "/transitions");
  if (!ok(response)) throw jira_failure(response, "list transitions of " + key);
  auto body = parse_body(response, "list transitions");
  std::vector<jira_transition> out;
  if (body.is_object())
    if (auto const* list = body.as_object().if_contains("transitions"); list && list->is_array())
      for (auto const& t : list->as_array()) {
        if (!t.is_object()) continue;
        auto const& o = t.as_object();
        jira_transition tr{str(o, "id"), str(o, "name"), {}};
        if (auto const* to = o.if_contains("to"); to && to->is_object()) tr.to_status = str(to->as_object(), "name");
        out.push_back(std::move(tr));
      }
  co_return out;
}

awaitable<void> jira_client::transition(std::string key, std::string transition_id) {
  json::object request;
  request["transition"] = json::object{{"id", transition_id}};
  auto body = json::serialize(request);
  auto response = co_await call("POST", "/issue/" + key + "/transitions", std::move(body));
  if (!ok(response)) throw jira_failure(response, "transition issue " + key);
}

namespace {
constexpr std::string_view change_property_key = "ml-connector.change";
}  // namespace

awaitable<void> jira_client::comment(std::string key, json::object comment, std::string change_hash) {
  json::object marker;
  marker["key"] = change_property_key;
  marker["value"] = json::object{{"hash", change_hash}};
  json::array properties;
  properties.push_back(std::move(marker));
  comment["properties"] = std::move(properties);
  auto body = json::serialize(comment);
  auto response = co_await call("POST", "/issue/" + key + "/comment", std::move(body), call_safety::create);
  if (!ok(response)) throw jira_failure(response, "comment on issue " + key);
}

awaitable<std::optional<std::string>> jira_client::latest_change_comment(std::string key) {
  auto response = co_await call("GET", "/issue/" + key + "/comment?orderBy=-created&maxResults=100&expand=properties");
  if (response.status == 404) co_return std::nullopt;
  if (!ok(response)) throw jira_failure(response, "read the comments of issue " + key);
  auto parsed = parse_body(response, "comments");
  auto const* comments = parsed.is_object() ? parsed.as_object().if_contains("comments") : nullptr;
  if (!comments || !comments->is_array()) co_return std::nullopt;
  for (auto const& c : comments->as_array()) {  // newest first
    auto const* props = c.is_object() ? c.as_object().if_contains("properties") : nullptr;
    if (!props || !props->is_array()) continue;
    for (auto const& p : props->as_array()) {
      if (!p.is_object() || str(p.as_object(), "key") != change_property_key) continue;
      auto const* value = p.as_object().if_contains("value");
      co_return value && value->is_object() ? str(value->as_object(), "hash") : std::string{};
    }
  }
  co_return std::nullopt;
}

awaitable<bool> jira_client::link(std::string inward_key, std::string outward_key, std::string type_name) {
  json::object request;
  request["type"] = json::object{{"name", type_name}};
  request["inwardIssue"] = json::object{{"key", inward_key}};
  request["outwardIssue"] = json::object{{"key", outward_key}};
  auto body = json::serialize(request);
  // Not resent blindly: Jira would keep a second identical link.
  auto response = co_await call("POST", "/issueLink", std::move(body), call_safety::create);
  if (response.status == 404) co_return false;
  if (!ok(response)) throw jira_failure(response, "link " + inward_key + " to " + outward_key);
  co_return true;
}

awaitable<std::vector<jira_issue>> jira_client::search_label(std::string project_key, std::string label,
                                                            std::vector<std::int64_t> reconcile) {
  auto jql = jql_project_label(project_key, label);
  std::vector<jira_issue> out;
  if (flavour_ == jira_flavour::cloud) {
    std::optional<std::string> page_token;
    for (int page = 0; page < 100; ++page) {
      auto body = json::serialize(cloud_search_body(jql, 50, page_token, reconcile));
      auto response = co_await call("POST", "/search/jql", std::move(body));
      if (!ok(response)) throw jira_failure(response, "search Jira for label " + label);
      auto parsed = parse_body(response, "search");
      if (!parsed.is_object()) break;
      auto const& o = parsed.as_object();
      if (auto const* issues = o.if_contains("issues"); issues && issues->is_array())
        for (auto const& i : issues->as_array())
          if (i.is_object()) out.push_back(issue_from(i.as_object()));
      auto const* next = o.if_contains("nextPageToken");
      if (!next || !next->is_string()) break;
      page_token = std::string{next->as_string()};
    }
  } else {
    int start_at = 0;
    for (int page = 0; page < 100; ++page) {
      auto url = dc_search_url(remote_->base_url(), jql, start_at, 50);
      auto response = co_await remote_->call("GET", std::move(url));
      if (!ok(response)) throw jira_failure(response, "search Jira for label " + label);
      auto parsed = parse_body(response, "search");
      if (!parsed.is_object()) break;
      auto const& o = parsed.as_object();
      std::size_t got = 0;
      if (auto const* issues = o.if_contains("issues"); issues && issues->is_array())
        for (auto const& i : issues->as_array())
          if (i.is_object()) out.push_back(issue_from(i.as_object())), ++got;
      auto const* total = o.if_contains("total");
      start_at += static_cast<int>(got);
      if (got == 0 || !total || !total->is_int64() || start_at >= total->as_int64()) break;
    }
  }
  co_return out;
}

}  // namespace mlc::engine
