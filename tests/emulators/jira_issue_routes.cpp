// Jira issue endpoints: create, edit, get, delete, transitions, comments, properties, links.
#include <algorithm>

#include "tests/emulators/adf.hpp"
#include "tests/emulators/json_text.hpp"
#include "tests/emulators/jira_site.hpp"
#include "tests/emulators/responses.hpp"

namespace mlc::emu {
namespace json = boost::json;
namespace {

constexpr std::size_t k_property_limit = 32768;

std::optional<json::value> parse_body(std::string const& body) {
  std::string err;
  json::value v = parse_json(body, err);
  if (!err.empty()) return std::nullopt;
  return v;
}

net::http_response bad_payload() {
  return jira_error(400, {"Invalid request payload. Refer to the REST API documentation and try again."});
}

std::string not_on_screen(std::string const& id) {
  return "Field '" + id + "' cannot be set. It is not on the appropriate screen, or unknown.";
}

std::vector<std::string> comma_list(std::optional<std::string> const& v) {
  std::vector<std::string> out;
  if (!v) return out;
  for (auto part : split(*v, ','))
    if (!trim(part).empty()) out.emplace_back(trim(part));
  return out;
}

std::optional<std::string> text_of(json::value const* v) {
  if (v && v->is_string()) return std::string(v->get_string());
  if (v && v->is_int64()) return std::to_string(v->get_int64());
  return std::nullopt;
}

// The "properties" of an issue or comment create ([{"key": …, "value": …}]) into `out`;
// the refusal's message when the list is malformed.
std::optional<std::string> read_properties(json::value const& props, std::map<std::string, json::value>& out) {
  if (!props.is_array()) return "properties must be an array of {\"key\", \"value\"}";
  for (auto const& p : props.get_array()) {
    auto key = p.is_object() ? text_of(p.get_object().if_contains("key")) : std::nullopt;
    auto const* value = p.is_object() ? p.get_object().if_contains("value") : nullptr;
    if (!key || key->empty() || key->size() > 255 || !value)
      return "Each property needs a key of 1 to 255 characters and a value.";
    if (to_json_text(*value).size() > k_property_limit) return "The property '" + *key + "' exceeds 32768 bytes.";
    out[*key] = *value;
  }
  return std::nullopt;
}

std::optional<std::string> check_comment_body(json::value const* body, jira_flavour flavour) {
  if (!body || body->is_null() || (body->is_string() && body->get_string().empty()))
    return std::string("Comment body can not be empty!");
  if (flavour == jira_flavour::datacenter) {
    if (!body->is_string()) return std::string("Comment body must be a string (wiki markup)");
    return std::nullopt;
  }
  if (auto err = validate_adf(*body))
    return "Operation value must be an Atlassian Document (see the Atlassian Document Format): " + *err;
  return std::nullopt;
}

}  // namespace

void jira_site::apply_changes(call const& c, jira_issue& target, json::object const& body, bool creating,
                              json::object& errors, std::vector<jira_link>& links) const {
  auto store = [&](jira_field const& f, json::value const& v) {
    if (f.kind == value_kind::labels) {
      target.labels.clear();
      if (v.is_array())
        for (auto const& l : v.get_array()) target.labels.emplace_back(l.get_string());
      return;
    }
    if (v.is_null()) {
      target.fields.erase(f.id);
      return;
    }
    if (f.kind == value_kind::option) {
      auto const& o = v.get_object();
      for (std::size_t i = 0; i < f.allowed_values.size(); ++i) {
        auto id = std::to_string(10100 + i);
        bool hit = (o.contains("value") && o.at("value").is_string() && o.at("value").get_string() == f.allowed_values[i]) ||
                   (o.contains("id") && o.at("id").is_string() && o.at("id").get_string() == id);
        if (!hit) continue;
        json::object norm;
        norm["self"] = c.api_base + "/customFieldOption/" + id;
        norm["value"] = f.allowed_values[i];
        norm["id"] = id;
        target.fields[f.id] = std::move(norm);
        return;
      }
      return;
    }
    target.fields[f.id] = v;
  };
  auto settable = [&](std::string const& id) -> jira_field const* {
    jira_field const* f = nullptr;
    for (auto const& candidate : jira_fields())
      if (candidate.id == id) f = &candidate;
    if (!f || f->kind == value_kind::readonly || f->kind == value_kind::project || f->kind == value_kind::issuetype)
      return nullptr;
    if (!project_.screen.count(f->id)) return nullptr;
    return f;
  };

  // {"type": {"name"|"id"}, "outwardIssue"|"inwardIssue": {"key"|"id"}}: the target is the
  // other end of the issue named.
  auto read_link = [&](json::value const& v, jira_link& out) -> std::optional<std::string> {
    auto const* o = v.if_object();
    if (!o) return "Issue link must be an object with type and inwardIssue or outwardIssue.";
    auto const* type = o->if_contains("type");
    auto const* to = type && type->is_object() ? &type->get_object() : nullptr;
    auto type_name = to ? text_of(to->if_contains("name")) : std::nullopt;
    if (!type_name && to) type_name = text_of(to->if_contains("id"));
    auto const* lt = type_name ? find_link_type(*type_name) : nullptr;
    if (!lt) return "No issue link type with name '" + type_name.value_or("") + "' found.";
    auto const* outward = o->if_contains("outwardIssue");
    auto const* inward = o->if_contains("inwardIssue");
    if ((outward != nullptr) == (inward != nullptr)) return "Issue link must name either inwardIssue or outwardIssue.";
    auto const* ref = outward ? outward : inward;
    auto key = ref->is_object() ? text_of(ref->get_object().if_contains("key")) : std::nullopt;
    if (!key && ref->is_object()) key = text_of(ref->get_object().if_contains("id"));
    auto const* other = key ? find_issue(*key) : nullptr;
    if (!other) return "Issue '" + key.value_or("") + "' does not exist.";
    if (other->id == target.id) return "You cannot link an issue to itself.";
    out = jira_link{{}, lt->name, other->id, outward != nullptr};
    return std::nullopt;
  };

  if (auto const* fields = body.if_contains("fields"); fields && fields->is_object()) {
    for (auto const& kv : fields->get_object()) {
      std::string id{kv.key()};
      if (id == "project" || id == "issuetype") {
        if (!creating) errors[id] = not_on_screen(id);
        continue;
      }
      auto const* f = settable(id);
      if (!f) {
        errors[id] = not_on_screen(id);
        continue;
      }
      if (auto err = check_field_value(*f, kv.value(), c.flavour)) {
        errors[id] = *err;
        continue;
      }
      store(*f, kv.value());
    }
  }
  if (auto const* update = body.if_contains("update"); update && update->is_object()) {
    for (auto const& kv : update->get_object()) {
      std::string id{kv.key()};
      if (id == "comment") continue;  // handled by the caller where Jira allows it
      auto const* f = settable(id);
      if (!f) {
        errors[id] = not_on_screen(id);
        continue;
      }
      if (!kv.value().is_array()) {
        errors[id] = "Operations must be an array like [{\"set\": value}]";
        continue;
      }
      for (auto const& op : kv.value().get_array()) {
        if (!op.is_object() || op.get_object().size() != 1) {
          errors[id] = "Each operation must be an object with one of set, add, remove";
          break;
        }
        auto const& [verb, value] = *op.get_object().begin();
        if (f->kind == value_kind::links) {
          if (verb != "add") {
            errors[id] = "Field '" + id + "' does not support operation '" + std::string(verb) + "'";
            break;
          }
          jira_link link;
          if (auto err = read_link(value, link)) {
            errors[id] = *err;
            break;
          }
          links.push_back(std::move(link));
          continue;
        }
        if (f->kind == value_kind::labels && (verb == "add" || verb == "remove")) {
          if (auto err = check_label(value)) {
            errors[id] = *err;
            break;
          }
          std::string label{value.get_string()};
          auto it = std::find(target.labels.begin(), target.labels.end(), label);
          if (verb == "add" && it == target.labels.end()) target.labels.push_back(label);
          if (verb == "remove" && it != target.labels.end()) target.labels.erase(it);
          continue;
        }
        if (verb != "set") {
          errors[id] = "Field '" + id + "' does not support operation '" + std::string(verb) + "'";
          break;
        }
        if (auto err = check_field_value(*f, value, c.flavour)) {
          errors[id] = *err;
          break;
        }
        store(*f, value);
      }
    }
  }
}

jira_site::create_outcome jira_site::create_one(call const& c, json::value const& body) {
  create_outcome out;
  auto refuse = [&](std::vector<std::string> messages, json::object errors = {}) {
    out.messages = std::move(messages);
    out.errors = std::move(errors);
    return std::move(out);
  };
  if (!body.is_object()) return refuse({"Invalid request payload. Refer to the REST API documentation and try again."});
  auto const& o = body.get_object();
  auto const* fields = o.if_contains("fields");
  json::object errors;
  if (!fields || !fields->is_object()) {
    errors["project"] = "Specify a valid project ID or key";
    return refuse({}, std::move(errors));
  }
  auto const& f = fields->get_object();

  auto const* project = f.if_contains("project");
  bool project_ok = false;
  if (project && project->is_object() && project_.exists) {
    auto key = text_of(project->get_object().if_contains("key"));
    auto id = text_of(project->get_object().if_contains("id"));
    project_ok = (key && to_lower(*key) == to_lower(project_.key)) || (id && *id == project_.id);
  }
  if (!project_ok) errors["project"] = "Specify a valid project ID or key";

  std::string type_id;
  auto const* type = f.if_contains("issuetype");
  if (!type || !type->is_object()) {
    errors["issuetype"] = "Specify an issue type";
  } else {
    auto id = text_of(type->get_object().if_contains("id"));
    auto name = text_of(type->get_object().if_contains("name"));
    auto const* t = id ? find_issue_type(*id) : name ? find_issue_type(*name) : nullptr;
    if (!t || (id && t->id != *id)) errors["issuetype"] = "Specify a valid issue type";
    else if (t->subtask) errors["issuetype"] = "Sub-task issues must be created with a parent.";
    else type_id = t->id;
  }
  if (!project_ok) return refuse({}, std::move(errors));

  jira_issue issue;
  issue.issue_type_id = type_id;
  std::vector<jira_link> links;
  apply_changes(c, issue, o, true, errors, links);
  if (!errors.contains("summary") && !issue.fields.contains("summary"))
    errors["summary"] = "You must specify a summary of the issue.";

  if (auto const* props = o.if_contains("properties"))
    if (auto refusal = read_properties(*props, issue.properties)) return refuse({std::move(*refusal)});
  if (!errors.empty()) return refuse({}, std::move(errors));
  // A requested transition is carried out once the issue exists; its outcome comes back in
  // the answer's `transition` (CreatedIssue.transition), and a refused one leaves the issue
  // created in the initial status.
  std::optional<std::string> transition_to;
  std::optional<json::object> transition_answer;
  if (auto const* tr = o.if_contains("transition"); tr && tr->is_object()) {
    auto id = text_of(tr->get_object().if_contains("id"));
    for (auto const& t : project_.workflow)
      if (id && t.id == *id && std::find(t.from.begin(), t.from.end(), "10000") != t.from.end()) transition_to = t.to_status;
    json::array messages;
    if (!transition_to) messages.emplace_back("Transition id '" + id.value_or("") + "' is not valid for this issue.");
    transition_answer = json::object{{"status", transition_to ? 200 : 400},
                                     {"errorCollection", json::object{{"errorMessages", std::move(messages)}, {"errors", json::object{}}}}};
  }

  issue.id = next_issue_id_++;
  issue.key = project_.key + "-" + std::to_string(next_issue_number_++);
  issue.created = clock_->now();
  if (transition_to) issue.status_id = *transition_to;
  by_key_[issue.key] = issue.id;
  auto& stored = issues_.emplace(issue.id, std::move(issue)).first->second;
  link_to(c, stored, std::move(links));
  touched(stored, c.k);
  out.created = json::object{{"id", std::to_string(stored.id)},
                             {"key", stored.key},
                             {"self", c.api_base + "/issue/" + std::to_string(stored.id)}};
  if (transition_answer) (*out.created)["transition"] = std::move(*transition_answer);
  return out;
}

net::http_response jira_site::create_issue(call& c) {
  auto body = parse_body(c.req.body);
  if (!body) return bad_payload();
  auto outcome = create_one(c, *body);
  if (!outcome.created) return jira_error(400, std::move(outcome.messages), std::move(outcome.errors));
  return json_response(201, *outcome.created);
}

// POST /issue/bulk: up to 50 creates, not transactional. Each element is created or refused
// on its own; refusals name their element (`failedElementNumber`). 201 when any was created,
// 400 when none was.
net::http_response jira_site::create_issues(call& c) {
  auto body = parse_body(c.req.body);
  if (!body || !body->is_object()) return bad_payload();
  auto const* updates = body->get_object().if_contains("issueUpdates");
  if (!updates || !updates->is_array()) return bad_payload();
  auto const& list = updates->get_array();
  if (list.size() > k_bulk_create_limit)
    return jira_error(400, {"Bulk create is limited to " + std::to_string(k_bulk_create_limit) + " issues; the request has " +
                            std::to_string(list.size()) + "."});
  json::array issues;
  json::array errors;
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto outcome = create_one(c, list[i]);
    if (outcome.created) {
      issues.push_back(std::move(*outcome.created));
      continue;
    }
    json::array messages;
    for (auto& m : outcome.messages) messages.emplace_back(m);
    json::object element{{"errorMessages", std::move(messages)}, {"errors", std::move(outcome.errors)}};
    errors.push_back(json::object{{"elementErrors", std::move(element)},
                                  {"failedElementNumber", static_cast<std::int64_t>(i)},
                                  {"status", 400}});
  }
  int status = issues.empty() && !errors.empty() ? 400 : 201;
  return json_response(status, json::object{{"issues", std::move(issues)}, {"errors", std::move(errors)}});
}

net::http_response jira_site::edit_issue(call& c, jira_issue& issue) {
  auto body = parse_body(c.req.body);
  if (!body || !body->is_object()) return bad_payload();
  if (auto limited = issue_write_allowed(c, issue)) return std::move(*limited);
  auto const& o = body->get_object();
  jira_issue next = issue;
  json::object errors;
  std::vector<jira_link> links;
  apply_changes(c, next, o, false, errors, links);
  if (auto const* props = o.if_contains("properties"); props && props->is_array()) {
    for (auto const& p : props->get_array()) {
      auto key = p.is_object() ? text_of(p.get_object().if_contains("key")) : std::nullopt;
      auto const* value = p.is_object() ? p.get_object().if_contains("value") : nullptr;
      if (!key || key->empty() || !value) return jira_error(400, {"Each property needs a key and a value."});
      next.properties[*key] = *value;
    }
  }
  if (!errors.empty()) return jira_error(400, {}, std::move(errors));
  bool changed = next.fields != issue.fields || next.labels != issue.labels || next.properties != issue.properties ||
                 !links.empty();
  if (changed) {
    issue = std::move(next);
    link_to(c, issue, std::move(links));
    touched(issue, c.k);
  }
  if (c.query.first("returnIssue") == "true") return json_response(200, render_issue(c, issue, {"*all"}, {}, false));
  return empty_response(204);
}

net::http_response jira_site::get_issue(call& c, jira_issue const& issue) {
  auto fields = comma_list(c.query.first("fields"));
  if (fields.empty()) fields.push_back("*all");
  auto props = comma_list(c.query.first("properties"));
  auto expand = c.query.first("expand").value_or("");
  return json_response(200, render_issue(c, issue, fields, props, expand.find("names") != std::string::npos));
}

net::http_response jira_site::delete_issue(call& c, jira_issue& issue) {
  auto id = issue.id;
  by_key_.erase(issue.key);
  issues_.erase(id);
  pending_.emplace(clock_->now() + c.k.search_lag, pending_snapshot{id, std::nullopt});
  return empty_response(204);
}

net::http_response jira_site::get_transitions(call& c, jira_issue const& issue) {
  json::array list;
  auto only = c.query.first("transitionId");
  for (auto const& t : project_.workflow) {
    if (std::find(t.from.begin(), t.from.end(), issue.status_id) == t.from.end()) continue;
    if (only && *only != t.id) continue;
    json::object o;
    o["id"] = t.id;
    o["name"] = t.name;
    o["to"] = render_status(c, t.to_status);
    o["hasScreen"] = false;
    o["isGlobal"] = false;
    o["isInitial"] = false;
    o["isAvailable"] = true;
    o["isConditional"] = false;
    o["isLooped"] = false;
    list.push_back(std::move(o));
  }
  json::object out;
  out["expand"] = "transitions";
  out["transitions"] = std::move(list);
  return json_response(200, out);
}

net::http_response jira_site::do_transition(call& c, jira_issue& issue) {
  auto body = parse_body(c.req.body);
  if (!body || !body->is_object()) return bad_payload();
  if (auto limited = issue_write_allowed(c, issue)) return std::move(*limited);
  auto const& o = body->get_object();
  auto const* tr = o.if_contains("transition");
  auto id = tr && tr->is_object() ? text_of(tr->get_object().if_contains("id")) : std::nullopt;
  if (!id) return jira_error(400, {"Missing 'transition' identifier"});
  jira_transition const* chosen = nullptr;
  for (auto const& t : project_.workflow)
    if (t.id == *id && std::find(t.from.begin(), t.from.end(), issue.status_id) != t.from.end()) chosen = &t;
  if (!chosen) return jira_error(400, {"Transition id '" + *id + "' is not valid for this issue."});
  json::object errors;
  if (auto const* fields = o.if_contains("fields"); fields && fields->is_object())
    for (auto const& kv : fields->get_object()) errors[kv.key()] = not_on_screen(std::string(kv.key()));
  std::vector<jira_comment> new_comments;
  if (auto const* update = o.if_contains("update"); update && update->is_object()) {
    for (auto const& kv : update->get_object()) {
      if (kv.key() != "comment" || !kv.value().is_array()) {
        errors[kv.key()] = not_on_screen(std::string(kv.key()));
        continue;
      }
      for (auto const& op : kv.value().get_array()) {
        auto const* add = op.is_object() ? op.get_object().if_contains("add") : nullptr;
        auto const* b = add && add->is_object() ? add->get_object().if_contains("body") : nullptr;
        if (auto err = check_comment_body(b, c.flavour)) {
          errors["comment"] = *err;
          break;
        }
        new_comments.push_back(jira_comment{{}, *b, clock_->now(), clock_->now(), {}});
      }
    }
  }
  if (!errors.empty()) return jira_error(400, {}, std::move(errors));
  issue.status_id = chosen->to_status;
  for (auto& cm : new_comments) {
    cm.id = new_comment_id();
    issue.comments.push_back(std::move(cm));
  }
  touched(issue, c.k);
  return empty_response(204);
}

net::http_response jira_site::add_comment(call& c, jira_issue& issue) {
  auto body = parse_body(c.req.body);
  if (!body || !body->is_object()) return bad_payload();
  if (auto limited = issue_write_allowed(c, issue)) return std::move(*limited);
  auto const* b = body->get_object().if_contains("body");
  if (auto err = check_comment_body(b, c.flavour)) {
    json::object errors;
    errors["comment"] = *err;
    return jira_error(400, {}, std::move(errors));
  }
  jira_comment cm{new_comment_id(), *b, clock_->now(), clock_->now(), {}};
  if (auto const* props = body->get_object().if_contains("properties"))
    if (auto refusal = read_properties(*props, cm.properties)) return jira_error(400, {std::move(*refusal)});
  issue.comments.push_back(std::move(cm));
  touched(issue, c.k);
  return json_response(201, render_comment(c, issue, issue.comments.back()));
}

net::http_response jira_site::list_comments(call& c, jira_issue const& issue) {
  std::size_t start = 0, max = 5000;
  try {
    if (auto s = c.query.first("startAt")) start = std::size_t(std::max(0, std::stoi(*s)));
    if (auto m = c.query.first("maxResults")) max = std::size_t(std::clamp(std::stoi(*m), 0, 5000));
  } catch (std::exception const&) {
    return jira_error(400, {"startAt and maxResults must be integers"});
  }
  // orderBy: created (oldest first, the default) or -created; expand=properties adds them.
  auto order = c.query.first("orderBy").value_or("created");
  if (order != "created" && order != "+created" && order != "-created")
    return jira_error(400, {"orderBy must be created or -created"});
  bool const newest_first = order == "-created";
  bool const with_properties = c.query.first("expand").value_or("").find("properties") != std::string::npos;
  json::array list;
  for (std::size_t i = start; i < issue.comments.size() && list.size() < max; ++i) {
    auto const& cm = issue.comments[newest_first ? issue.comments.size() - 1 - i : i];
    auto rendered = render_comment(c, issue, cm);
    if (with_properties) {
      json::array props;
      for (auto const& [k, v] : cm.properties) props.push_back(json::object{{"key", k}, {"value", v}});
      rendered["properties"] = std::move(props);
    }
    list.push_back(std::move(rendered));
  }
  json::object out;
  out["startAt"] = std::int64_t(start);
  out["maxResults"] = std::int64_t(max);
  out["total"] = std::int64_t(issue.comments.size());
  out["comments"] = std::move(list);
  return json_response(200, out);
}

net::http_response jira_site::list_properties(call& c, jira_issue const& issue) {
  json::array keys;
  for (auto const& [k, v] : issue.properties) {
    json::object o;
    o["self"] = c.api_base + "/issue/" + std::to_string(issue.id) + "/properties/" + percent_encode(k);
    o["key"] = k;
    keys.push_back(std::move(o));
  }
  json::object out;
  out["keys"] = std::move(keys);
  return json_response(200, out);
}

net::http_response jira_site::property_route(call& c, jira_issue& issue, std::string const& key) {
  auto const& m = c.req.method;
  if (m == "GET") {
    auto it = issue.properties.find(key);
    if (it == issue.properties.end()) return jira_error(404, {"The property with key '" + key + "' does not exist."});
    json::object o;
    o["key"] = key;
    o["value"] = it->second;
    return json_response(200, o);
  }
  if (m == "PUT") {
    if (key.empty() || key.size() > 255) return jira_error(400, {"The property key must be 1 to 255 characters."});
    if (c.req.body.size() > k_property_limit) return jira_error(400, {"The property value exceeds 32768 bytes."});
    auto body = parse_body(c.req.body);
    if (!body) return jira_error(400, {"The property value must be valid JSON."});
    if (auto limited = issue_write_allowed(c, issue)) return std::move(*limited);
    bool existed = issue.properties.count(key) > 0;
    issue.properties[key] = *body;
    touched(issue, c.k);
    return empty_response(existed ? 200 : 201);
  }
  if (m == "DELETE") {
    if (!issue.properties.erase(key)) return jira_error(404, {"The property with key '" + key + "' does not exist."});
    touched(issue, c.k);
    return empty_response(204);
  }
  return jira_error(405, {"Method " + m + " is not allowed here"});
}

net::http_response jira_site::create_link(call& c) {
  auto body = parse_body(c.req.body);
  if (!body || !body->is_object()) return bad_payload();
  auto const& o = body->get_object();
  auto ref = [&](char const* name) -> jira_issue* {
    auto const* v = o.if_contains(name);
    if (!v || !v->is_object()) return nullptr;
    auto key = text_of(v->get_object().if_contains("key"));
    if (!key) key = text_of(v->get_object().if_contains("id"));
    return key ? lookup(*key) : nullptr;
  };
  auto const* type = o.if_contains("type");
  auto type_name = type && type->is_object() ? text_of(type->get_object().if_contains("name")) : std::nullopt;
  if (!type_name && type && type->is_object()) type_name = text_of(type->get_object().if_contains("id"));
  auto const* lt = type_name ? find_link_type(*type_name) : nullptr;
  if (!lt) return jira_error(404, {"No issue link type with name '" + type_name.value_or("") + "' found."});
  jira_issue* inward = ref("inwardIssue");
  jira_issue* outward = ref("outwardIssue");
  if (!inward || !outward) return jira_error(404, {"Issue Does Not Exist"});
  if (inward == outward) return jira_error(400, {"You cannot link an issue to itself."});
  link_to(c, *inward, {jira_link{{}, lt->name, outward->id, true}});
  touched(*inward, c.k);
  return empty_response(201);
}

void jira_site::link_to(call const& c, jira_issue& issue, std::vector<jira_link> links) {
  for (auto& link : links) {
    auto& other = issues_.at(link.other_id);
    link.id = std::to_string(next_link_id_++);
    other.links.push_back(jira_link{link.id, link.type, issue.id, !link.outward});
    issue.links.push_back(std::move(link));
    touched(other, c.k);
  }
}

}  // namespace mlc::emu
