// The emulator's control API (README.md "Control and inspection"): inspect state and
// counters, change X3 records and the Jira project during a run, set fault knobs.
#include "tests/emulators/emulator_impl.hpp"
#include "tests/emulators/json_text.hpp"
#include "tests/emulators/responses.hpp"
#include "tests/emulators/text.hpp"

namespace mlc::emu {
namespace json = boost::json;
namespace {

net::http_response fail(int status, std::string const& message) {
  return json_response(status, json::object{{"error", message}});
}

}  // namespace

json::object emulator::impl::tenant_state(std::size_t i) const {
  json::object o;
  o["x3"] = to_state(tenants[i].x3->data());
  o["jira"] = tenants[i].jira->state();
  return o;
}

net::http_response emulator::impl::control(net::http_request const& req, std::string& endpoint) {
  auto [raw_path, raw_query] = split_target(req.target);
  auto q = query_params::parse(raw_query);
  std::vector<std::string> seg;
  for (auto part : split(raw_path, '/'))
    if (!part.empty()) seg.push_back(percent_decode(part, false));
  if (seg.empty() || seg[0] != "_emulator") {
    endpoint = "other";
    return fail(404, "the control API lives under /_emulator/");
  }
  auto const& m = req.method;
  endpoint = m + " /_emulator/" + (seg.size() > 1 ? seg[1] : "");

  json::value body;
  if (m == "POST") {
    std::string err;
    body = req.body.empty() ? json::value(json::object{}) : parse_json(req.body, err);
    if (!err.empty()) return fail(400, "body is not JSON: " + err);
  }
  auto tenant_of = [&](std::string const& id) -> std::optional<std::size_t> {
    auto it = by_id.find(id);
    if (it == by_id.end()) return std::nullopt;
    return it->second;
  };

  if (seg.size() == 2 && seg[1] == "state" && m == "GET") {
    json::object x3, jira;
    auto only = q.first("tenant");
    if (only && !tenant_of(*only)) return fail(404, "no tenant " + *only);
    for (std::size_t i = 0; i < tenants.size(); ++i) {
      if (only && *only != tenants[i].id) continue;
      x3[tenants[i].id] = to_state(tenants[i].x3->data());
      jira[tenants[i].id] = tenants[i].jira->state();
    }
    return json_response(200, json::object{{"x3", std::move(x3)}, {"jira", std::move(jira)}});
  }
  if (seg.size() == 2 && seg[1] == "counters" && m == "GET") {
    auto out = counts.to_json();
    // Issues created, however they were asked for (POST /issue or one element of /issue/bulk).
    std::int64_t created = 0;
    for (auto const& t : tenants) created += t.jira->issues_created();
    out["jira_issues_created"] = created;
    return json_response(200, out);
  }
  if (seg.size() == 2 && seg[1] == "config" && m == "GET") return json_response(200, node_config());
  if (seg.size() == 2 && seg[1] == "tenants" && m == "GET") {
    json::array list;
    for (std::size_t i = 0; i < tenants.size(); ++i) {
      auto e = endpoints(i);
      json::object o;
      o["id"] = e.id;
      o["x3_url"] = e.x3_url;
      o["jira_url"] = e.jira_url;
      o["x3_api"] = tenants[i].x3->credentials().api == x3_api::graphql ? "graphql" : "api1";
      o["jira_flavour"] = tenants[i].jira->credentials().flavour == jira_flavour::cloud ? "cloud" : "datacenter";
      o["jira_auth"] = tenants[i].jira->credentials().auth;
      list.push_back(std::move(o));
    }
    return json_response(200, list);
  }
  if (seg.size() == 2 && seg[1] == "faults") {
    if (m == "GET") {
      auto only = q.first("tenant");
      if (!only) return json_response(200, to_json(global));
      auto i = tenant_of(*only);
      if (!i) return fail(404, "no tenant " + *only);
      return json_response(200, to_json(effective(*i)));
    }
    if (m != "POST" || !body.is_object()) return fail(400, "POST a JSON object {\"tenant\"?, \"reset\"?, \"x3\"?, \"jira\"?}");
    auto patch = body.get_object();
    std::optional<std::size_t> i;
    if (auto const* t = patch.if_contains("tenant")) {
      if (!t->is_string() || !(i = tenant_of(std::string(t->get_string()))))
        return fail(404, "no tenant " + to_json_text(*t));
      patch.erase("tenant");
    }
    bool reset = false;
    if (auto const* r = patch.if_contains("reset")) {
      reset = r->is_bool() && r->get_bool();
      patch.erase("reset");
    }
    if (reset) {
      if (i) tenants[*i].override_knobs.reset();
      else global = opt.initial;
    }
    knobs& target = i ? (tenants[*i].override_knobs ? *tenants[*i].override_knobs
                                                    : tenants[*i].override_knobs.emplace(global))
                      : global;
    if (auto err = apply_knobs(target, patch)) return fail(400, *err);
    return json_response(200, to_json(target));
  }
  if (seg.size() == 2 && seg[1] == "clock" && m == "POST") {
    auto* manual = dynamic_cast<manual_clock*>(clk.get());
    if (!manual) return fail(409, "this emulator runs on the wall clock; start it with a manual clock to move time");
    if (auto const* a = body.as_object().if_contains("advance_ms"); a && a->is_int64())
      manual->advance(std::chrono::milliseconds{a->get_int64()});
    else if (auto const* s = body.as_object().if_contains("set"); s && s->is_string() && parse_timestamp(s->get_string()))
      manual->set(*parse_timestamp(s->get_string()));
    else
      return fail(400, "give {\"advance_ms\": N} or {\"set\": \"2026-01-01T00:00:00Z\"}");
    return json_response(200, json::object{{"now", format_iso_ms(clk->now())}});
  }

  if (seg.size() >= 4 && seg[1] == "x3" && m == "POST") {
    auto i = tenant_of(seg[2]);
    if (!i) return fail(404, "no tenant " + seg[2]);
    auto& site = *tenants[*i].x3;
    auto const& k = effective(*i).x3;
    auto const& what = seg[3];
    endpoint = "POST /_emulator/x3/{tenant}/" + what + (seg.size() > 5 ? "/{id}/" + seg[5] : "");
    if (what == "expire_tokens" && seg.size() == 4) {
      site.tokens().expire_access_tokens();
      return json_response(200, json::object{{"ok", true}});
    }
    if (seg.size() == 6 && what == "purchase_orders" && (seg[5] == "close" || seg[5] == "receive")) {
      auto err = seg[5] == "close" ? site.close_order(seg[4], k) : site.receive_order(seg[4], k);
      if (err) return fail(404, *err);
      return json_response(200, json::object{{"purchase_order", to_state(site.data().orders.at(seg[4]))}});
    }
    if (seg.size() != 4 || (what != "purchase_orders" && what != "supplier_invoices" && what != "suppliers"))
      return fail(404, "unknown control path " + std::string(raw_path));
    std::vector<json::object> items;
    if (body.is_object()) items.push_back(body.get_object());
    else if (body.is_array())
      for (auto const& v : body.get_array()) {
        if (!v.is_object()) return fail(400, "every item must be a JSON object");
        items.push_back(v.get_object());
      }
    else return fail(400, "POST a record object or an array of them");
    json::array written;
    for (std::size_t n = 0; n < items.size(); ++n) {
      auto r = what == "purchase_orders"     ? site.upsert_order(items[n], k)
               : what == "supplier_invoices" ? site.upsert_invoice(items[n], k)
                                             : site.upsert_supplier(items[n], k);
      if (r.error) return fail(400, "item " + std::to_string(n) + ": " + *r.error);
      if (what == "purchase_orders") written.push_back(to_state(site.data().orders.at(r.id)));
      else if (what == "supplier_invoices") written.push_back(to_state(site.data().invoices.at(r.id)));
      else written.push_back(to_state(site.data().suppliers.at(r.id)));
    }
    return json_response(200, json::object{{"written", std::move(written)}});
  }

  if (seg.size() == 4 && seg[1] == "jira" && m == "POST") {
    auto i = tenant_of(seg[2]);
    if (!i) return fail(404, "no tenant " + seg[2]);
    auto& site = *tenants[*i].jira;
    endpoint = "POST /_emulator/jira/{tenant}/" + seg[3];
    auto const& o = body.as_object();
    if (seg[3] == "project") {
      bool exists;
      if (auto const* e = o.if_contains("exists"); e && e->is_bool()) exists = e->get_bool();
      else if (auto const* a = o.if_contains("action"); a && a->is_string() && (a->get_string() == "delete" || a->get_string() == "create"))
        exists = a->get_string() == "create";
      else return fail(400, "give {\"exists\": true|false} or {\"action\": \"create\"|\"delete\"}");
      site.set_project_exists(exists);
      return json_response(200, json::object{{"project", site.project().key}, {"exists", exists}});
    }
    if (seg[3] == "screen") {
      for (char const* verb : {"remove", "add"}) {
        if (auto const* f = o.if_contains(verb); f && f->is_string()) {
          if (auto err = site.set_on_screen(std::string(f->get_string()), std::string_view(verb) == "add"))
            return fail(400, *err);
          json::array screen;
          for (auto const& id : site.project().screen) screen.push_back(json::value(id));
          return json_response(200, json::object{{"screen", std::move(screen)}});
        }
      }
      return fail(400, "give {\"remove\": \"Vendor\"} or {\"add\": \"Vendor\"} (a field name or id)");
    }
    if (seg[3] == "workflow") {
      if (auto const* r = o.if_contains("renumber"); !r || !r->is_bool() || !r->get_bool())
        return fail(400, "give {\"renumber\": true}");
      site.renumber_workflow();
      json::array ids;
      for (auto const& t : site.project().workflow) ids.push_back(json::value(t.id));
      return json_response(200, json::object{{"transition_ids", std::move(ids)}});
    }
    if (seg[3] == "expire_tokens") {
      gw->tokens().expire_access_tokens();
      return json_response(200, json::object{{"ok", true}});
    }
    return fail(404, "unknown control path " + std::string(raw_path));
  }
  endpoint = "other";
  return fail(404, "unknown control path " + std::string(raw_path) + " for " + m);
}

}  // namespace mlc::emu
