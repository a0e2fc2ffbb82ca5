// Control API and realism knobs: state, counters, record changes during a run, faults
// (error rates, latency, drops, hangs), app-server clock lag, late commits, churn while paging.
#include <catch2/catch.hpp>

#include <set>

#include "net/error.hpp"
#include "tests/emulators/json_text.hpp"
#include "tests/emulators/responses.hpp"
#include "tests/emulators/test_fixture.hpp"
#include "tests/emulators/x3_site.hpp"

namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using mlc::emu::to_json_text;
using mlc::emu::test::fixture;

json::value post(fixture& f, std::string const& path, json::value const& body, int status = 200) {
  return f.call_json(f.control("POST", path, to_json_text(body)), status);
}

std::string const k_stamps =
    "{ x3Purchasing { purchaseOrder { query(first: 1000, orderBy: \"{_updateStamp: 1, id: 1}\") "
    "{ edges { node { id _updateStamp } } } } } }";

}  // namespace

TEST_CASE("control: state and counters", "[control]") {
  mlc::emu::emulator_options o;
  o.tenants = 3;
  o.records_per_tenant = 10;
  fixture f{o};
  auto all = f.call_json(f.control("GET", "/_emulator/state"), 200);
  CHECK(all.at("x3").as_object().size() == 3);
  CHECK(all.at("jira").as_object().size() == 3);
  auto one = f.call_json(f.control("GET", "/_emulator/state?tenant=t0001"), 200);
  REQUIRE(one.at("x3").as_object().size() == 1);
  auto const& pos = one.at("x3").at("t0001").at("purchase_orders").as_array();
  CHECK(pos.size() == 10);
  for (char const* k : {"id", "site", "order_date", "supplier", "currency", "total_excl_tax", "total_incl_tax", "closed",
                        "receipt_status", "updated", "lines"})
    CHECK(pos[0].as_object().contains(k));
  CHECK(one.at("x3").at("t0001").at("supplier_invoices").as_array().size() == 5);
  f.call_json(f.control("GET", "/_emulator/state?tenant=nope"), 404);

  f.graphql(1, "{ x3Purchasing { purchaseOrder { query { totalCount } } } }");
  f.call(f.jira(2, "GET", "/rest/api/3/issue/OPS-404"));
  auto counters = f.call_json(f.control("GET", "/_emulator/counters"), 200);
  CHECK(counters.at("requests").at("x3").at("POST /xtrem/api PurchaseOrder").at("200").as_int64() == 1);
  CHECK(counters.at("requests").at("jira").at("GET /rest/api/3/issue/{issueIdOrKey}").at("404").as_int64() == 1);
  CHECK(counters.at("total").as_int64() >= 4);

  auto tenants = f.call_json(f.control("GET", "/_emulator/tenants"), 200);
  CHECK(tenants.as_array().size() == 3);
  CHECK(std::string(tenants.as_array()[2].at("x3_url").as_string()).rfind("http://127.10.0.3:", 0) == 0);
  f.call_json(f.control("GET", "/_emulator/nothing"), 404);
}

TEST_CASE("control: create, update, close and receive X3 records, stamps follow the lagging clock", "[control][x3]") {
  fixture f;
  post(f, "/_emulator/faults", json::object{{"x3", json::object{{"clock_lag_s", 90}}}});
  auto created = post(f, "/_emulator/x3/t0000/purchase_orders",
                      json::object{{"id", "PONEW1"}, {"supplier", f.emu->x3(0).data().suppliers.begin()->first},
                                   {"lines", json::array{json::object{{"product", "RM0001"}, {"quantity", 2}, {"net_price", "10.25"}}}}});
  auto const& po = created.at("written").as_array().at(0).as_object();
  CHECK(po.at("id") == "PONEW1");
  CHECK(po.at("total_excl_tax").as_double() == 20.5);
  CHECK(po.at("updated") == json::value(mlc::emu::format_stamp(f.clk->now() - 90s)));
  CHECK(po.at("lines").as_array().size() == 1);

  f.clk->advance(10s);
  auto updated = post(f, "/_emulator/x3/t0000/purchase_orders", json::object{{"id", "PONEW1"}, {"currency", "USD"}});
  CHECK(updated.at("written").as_array()[0].at("currency") == "USD");
  CHECK(updated.at("written").as_array()[0].at("updated") == json::value(mlc::emu::format_stamp(f.clk->now() - 90s)));
  auto closed = post(f, "/_emulator/x3/t0000/purchase_orders/PONEW1/close", json::object{});
  CHECK(closed.at("purchase_order").at("closed").as_bool());
  auto received = post(f, "/_emulator/x3/t0000/purchase_orders/PONEW1/receive", json::object{});
  CHECK(received.at("purchase_order").at("receipt_status") == "received");
  post(f, "/_emulator/x3/t0000/purchase_orders/NOPE/close", json::object{}, 404);
  post(f, "/_emulator/x3/t0000/purchase_orders", json::object{{"id", "PONEW1"}, {"order_date", "31/01/2026"}}, 400);

  auto explicit_stamp = post(f, "/_emulator/x3/t0000/supplier_invoices",
                             json::object{{"purchase_order", "PONEW1"}, {"updated", "2026-01-01T00:00:00Z"}});
  auto const& inv = explicit_stamp.at("written").as_array()[0].as_object();
  CHECK(inv.at("updated") == "2026-01-01T00:00:00Z");
  CHECK(inv.at("purchase_order") == "PONEW1");
  CHECK(inv.at("amount_excl_tax").as_double() == 20.5);
  auto sup = post(f, "/_emulator/x3/t0000/suppliers", json::array{json::object{{"code", "NEW1"}, {"name", "New One"}}});
  CHECK(sup.at("written").as_array()[0].at("name") == "New One");
  post(f, "/_emulator/x3/t0000/suppliers", json::object{{"name", "no code"}}, 400);

  // The GraphQL view sees the changed record with its lagging stamp.
  auto body = f.graphql(0, "{ x3Purchasing { purchaseOrder { query(filter: \"{id: 'PONEW1'}\") { edges { node { isClosed currency { code } _updateStamp } } } } } }");
  auto const& node = body.at("data").at("x3Purchasing").at("purchaseOrder").at("query").at("edges").as_array()[0].at("node");
  CHECK(node.at("isClosed").as_bool());
  CHECK(node.at("currency").at("code") == "USD");
}

TEST_CASE("knob: late commits stamp some changes in the past", "[control][x3]") {
  fixture f;
  post(f, "/_emulator/faults", json::object{{"x3", json::object{{"late_commit_rate", 1}, {"late_commit_s", 600}}}});
  auto r = post(f, "/_emulator/x3/t0000/purchase_orders/" + f.emu->x3(0).data().orders.begin()->first + "/close", json::object{});
  CHECK(r.at("purchase_order").at("updated") == json::value(mlc::emu::format_stamp(f.clk->now() - 600s)));
}

TEST_CASE("knob: records change while a client pages", "[control][x3]") {
  fixture f;
  post(f, "/_emulator/faults", json::object{{"tenant", "t0000"}, {"x3", json::object{{"churn_per_page", 3}}}});
  auto before = f.emu->x3(0).data().orders;
  f.graphql(0, k_stamps);
  std::size_t changed = 0;
  for (auto const& [id, po] : f.emu->x3(0).data().orders) changed += po.updated != before.at(id).updated;
  CHECK(changed >= 1);
  CHECK(changed <= 3);
  for (auto const& [id, po] : f.emu->x3(0).data().orders)
    if (po.updated != before.at(id).updated) CHECK(po.updated == std::chrono::time_point_cast<std::chrono::seconds>(f.clk->now()));
  // Per-tenant knobs leave the global ones alone.
  auto global = f.call_json(f.control("GET", "/_emulator/faults"), 200);
  CHECK(global.at("x3").at("churn_per_page").as_int64() == 0);
  auto mine = f.call_json(f.control("GET", "/_emulator/faults?tenant=t0000"), 200);
  CHECK(mine.at("x3").at("churn_per_page").as_int64() == 3);
  post(f, "/_emulator/faults", json::object{{"tenant", "t0000"}, {"reset", true}});
  CHECK(f.call_json(f.control("GET", "/_emulator/faults?tenant=t0000"), 200).at("x3").at("churn_per_page").as_int64() == 0);
  post(f, "/_emulator/faults", json::object{{"x3", json::object{{"nope", 1}}}}, 400);
  post(f, "/_emulator/faults", json::object{{"x3", json::object{{"error_rates", json::object{{"200", 0.5}}}}}}, 400);
}

TEST_CASE("knob: injected errors carry each system's error format and Retry-After", "[control]") {
  fixture f;
  post(f, "/_emulator/faults", json::object{{"x3", json::object{{"error_rates", json::object{{"503", 1}}}, {"retry_after_s", 7}}},
                                             {"jira", json::object{{"rate_429", 1}}}});
  auto req = f.x3(0, "POST", "/xtrem/api", "{}");
  auto x3 = f.call(req);
  CHECK(x3.status == 503);
  CHECK(x3.headers.get("Retry-After") == "7");
  CHECK(x3.body.find("\"errors\"") != std::string::npos);
  auto api1 = f.call(f.x3(0, "GET", "/api1/x3/erp/T0000/PORDER"));
  CHECK(api1.status == 503);
  CHECK(api1.body.find("$diagnoses") != std::string::npos);
  auto jira = f.call(f.jira(0, "GET", "/rest/api/3/myself"));
  CHECK(jira.status == 429);
  CHECK(jira.headers.get("Retry-After") == "1");
  CHECK(jira.headers.get("X-RateLimit-Remaining") == "0");
  CHECK(jira.body.find("errorMessages") != std::string::npos);
  auto counters = f.call_json(f.control("GET", "/_emulator/counters"), 200);
  CHECK(counters.at("requests").at("x3").at("injected").at("503").as_int64() == 2);
  post(f, "/_emulator/faults", json::object{{"reset", true}});
  CHECK(f.call(f.jira(0, "GET", "/rest/api/3/myself")).status == 200);
}

TEST_CASE("knob: latency delays the answer, a drop resets the connection at once, a hang later", "[control]") {
  mlc::emu::emulator_options o;
  o.drop_hang = 30ms;
  fixture f{o};
  post(f, "/_emulator/faults", json::object{{"jira", json::object{{"latency_ms", 40}}}});
  auto t0 = std::chrono::steady_clock::now();
  CHECK(f.call(f.jira(0, "GET", "/rest/api/3/myself")).status == 200);
  CHECK(std::chrono::steady_clock::now() - t0 >= 40ms);

  // No HTTP answer at all: in-process the response asks the server to drop the
  // connection; over loopback the client gets a connection-level error, not a status.
  auto unanswered = [&f](mlc::net::http_request req) {
    if (!f.over_http()) return f.call(std::move(req)).drop_connection;
    try {
      auto r = f.call(std::move(req));
      FAIL_CHECK("answered with HTTP " << r.status);
      return false;
    } catch (mlc::net::error const& e) {
      INFO(e.what());
      return e.kind() == mlc::net::error_kind::connect && e.status() == 0;
    }
  };
  auto counted = [&f](char const* endpoint) {
    auto counters = f.call_json(f.control("GET", "/_emulator/counters"), 200);
    auto const* n = counters.at("requests").at("jira").as_object().if_contains(endpoint);
    return n ? n->at("0").as_int64() : 0;
  };
  post(f, "/_emulator/faults", json::object{{"jira", json::object{{"latency_ms", 0}, {"drop_rate", 1}}}});
  CHECK(unanswered(f.jira(0, "GET", "/rest/api/3/myself")));
  CHECK(counted("dropped") >= 1);  // over HTTP the client retries a GET once on a fresh connection
  CHECK(counted("hung") == 0);

  post(f, "/_emulator/faults", json::object{{"jira", json::object{{"drop_rate", 0}, {"hang_rate", 1}}}});
  auto t1 = std::chrono::steady_clock::now();
  CHECK(unanswered(f.jira(0, "GET", "/rest/api/3/myself")));
  CHECK(std::chrono::steady_clock::now() - t1 >= 30ms);
  CHECK(counted("hung") >= 1);

  // A lost answer: the create happens, the client hears nothing.
  post(f, "/_emulator/faults", json::object{{"jira", json::object{{"hang_rate", 0}, {"lost_answer_rate", 1}}}});
  json::object create{{"fields", json::object{{"project", json::object{{"key", "OPS"}}},
                                              {"issuetype", json::object{{"name", "Task"}}},
                                              {"summary", "answer lost"}}}};
  CHECK(unanswered(f.jira(0, "POST", "/rest/api/3/issue", mlc::emu::to_json_text(create))));
  CHECK(counted("answer_lost") == 1);  // a POST is not retried
  auto issues = f.call_json(f.control("GET", "/_emulator/state?tenant=t0000"), 200).at("jira").at("t0000").at("issues");
  CHECK(issues.as_array().size() == 1);

  post(f, "/_emulator/faults", json::object{{"reset", true}});
  CHECK(f.call(f.jira(0, "GET", "/rest/api/3/myself")).status == 200);
}

TEST_CASE("control: clock, project, tokens, config", "[control]") {
  fixture f;
  auto now = f.clk->now();
  auto r = post(f, "/_emulator/clock", json::object{{"advance_ms", 1500}});
  CHECK(f.clk->now() - now == 1500ms);
  CHECK(r.at("now") == json::value(mlc::emu::format_iso_ms(f.clk->now())));
  post(f, "/_emulator/clock", json::object{{"advance", 1}}, 400);
  post(f, "/_emulator/jira/t0000/project", json::object{{"exists", "maybe"}}, 400);
  post(f, "/_emulator/jira/t9999/project", json::object{{"exists", false}}, 404);
  post(f, "/_emulator/x3/t0000/expire_tokens", json::object{});
  auto cfg = f.call_json(f.control("GET", "/_emulator/config"), 200);
  CHECK(cfg.at("tenants").as_array().size() == 1);
}
