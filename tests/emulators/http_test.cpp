// The emulator over real sockets: many loopback addresses on one port, the control API,
// GraphQL, Jira and the OAuth gateway through net::http_client, and a node config that
// the connector's own config loader accepts.
#include <catch2/catch.hpp>

#include <fstream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "config/node_config.hpp"
#include "net/http_client.hpp"
#include "tests/emulators/emulator.hpp"
#include "tests/emulators/jira_site.hpp"
#include "tests/emulators/json_text.hpp"
#include "tests/emulators/jwt.hpp"
#include "tests/emulators/text.hpp"
#include "tests/emulators/x3_site.hpp"
#include "tests/support/test_support.hpp"

namespace {
namespace json = boost::json;
namespace asio = boost::asio;
using namespace std::chrono_literals;
using mlc::awaitable;
using mlc::net::http_client;
using mlc::net::http_request;
using mlc::net::http_response;

// Runs `body(emulator, client)` with both on one io_context, then stops the emulator.
template <class Body>
void with_emulator(mlc::emu::emulator_options options, Body body, mlc::net::tls_options tls = {}) {
  asio::io_context ioc;
  mlc::emu::emulator emu{ioc.get_executor(), options};
  emu.start();
  std::exception_ptr failure;
  bool done = false;
  asio::co_spawn(
      ioc,
      [&]() -> awaitable<void> {
        mlc::net::client_options co;
        co.request_timeout = 20s;
        co.tls = tls;
        http_client client{ioc.get_executor(), co};
        std::exception_ptr inner;
        try {
          co_await body(emu, client);
        } catch (...) {
          inner = std::current_exception();
        }
        co_await emu.stop();
        if (inner) std::rethrow_exception(inner);
      },
      [&](std::exception_ptr e) {
        failure = e;
        done = true;
      });
  ioc.run_for(60s);
  if (failure) std::rethrow_exception(failure);
  REQUIRE(done);
}

http_request request(std::string method, std::string body = {}, std::string authorization = {}) {
  http_request r;
  r.method = std::move(method);
  r.body = std::move(body);
  if (!r.body.empty()) r.headers.set("Content-Type", "application/json");
  if (!authorization.empty()) r.headers.set("Authorization", std::move(authorization));
  return r;
}

json::value parse(http_response const& r) {
  std::string err;
  auto v = mlc::emu::parse_json(r.body, err);
  if (!err.empty()) throw std::runtime_error("not JSON: " + r.body);
  return v;
}

// Tenants alternating GraphQL/api1 and Jira Basic/3LO, Jira search without lag.
mlc::emu::emulator_options mixed_apis(std::size_t tenants) {
  mlc::emu::emulator_options o;
  o.tenants = tenants;
  o.x3_api = "mixed";
  o.jira_auth = "mixed";
  o.initial.jira.search_lag = 0ms;
  return o;
}

}  // namespace

TEST_CASE("over HTTP: X3 GraphQL, api1, Jira Basic and 3LO, control API", "[http]") {
  auto o = mixed_apis(4);
  with_emulator(o, [](mlc::emu::emulator& emu, http_client& client) -> awaitable<void> {
    REQUIRE(emu.port() != 0);
    auto tenants_response = co_await client.send(emu.control_url() + "/_emulator/tenants", request("GET"));
    auto tenants = parse(tenants_response);
    REQUIRE(tenants.as_array().size() == 4);

    // GraphQL on tenant 0's own address, with a connected-app JWT.
    auto const& xc = emu.x3(0).credentials();
    std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto token = mlc::emu::sign_jwt(
        json::object{{"iss", xc.client_id}, {"sub", xc.user}, {"aud", xc.audience}, {"iat", now}, {"exp", now + 300}}, xc.secret);
    auto gq = request("POST", R"({"query":"{ x3Purchasing { purchaseOrder { query { totalCount } } } }"})", "Bearer " + token);
    gq.headers.set("x-xtrem-endpoint", xc.folder);
    auto e0 = emu.endpoints(0);
    auto g = co_await client.send(e0.x3_url + "/xtrem/api", gq);
    CHECK(g.status == 200);
    CHECK(parse(g).at("data").at("x3Purchasing").at("purchaseOrder").at("query").at("totalCount").as_int64() == 50);

    // api1 on tenant 1, following $next across pages with absolute URLs.
    auto const& x1 = emu.x3(1).credentials();
    auto e1 = emu.endpoints(1);
    std::string url = e1.x3_url + "/api1/x3/erp/" + x1.folder + "/PORDER?representation=PORDER.$query&count=20&orderBy=UPDDATTIM,POHNUM";
    std::size_t total = 0;
    int pages = 0;
    while (true) {
      auto page = co_await client.send(url, request("GET", {}, "Basic " + mlc::emu::base64_encode(x1.username + ":" + x1.password)));
      REQUIRE(page.status == 200);
      auto v = parse(page);
      total += v.at("$resources").as_array().size();
      ++pages;
      if (!v.at("$links").as_object().contains("$next")) break;
      url = std::string(v.at("$links").at("$next").at("$url").as_string());
      REQUIRE(url.rfind(e1.x3_url, 0) == 0);
    }
    CHECK(total == 50);
    CHECK(pages == 3);

    // Jira Cloud with Basic on tenant 0's Jira address.
    auto const& jc = emu.jira(0).credentials();
    auto basic = "Basic " + mlc::emu::base64_encode(jc.email + ":" + jc.api_token);
    auto created = co_await client.send(
        e0.jira_url + "/rest/api/3/issue",
        request("POST", R"({"fields":{"project":{"key":"OPS"},"issuetype":{"name":"Task"},"summary":"over http","labels":["h1"]}})", basic));
    CHECK(created.status == 201);
    auto found = co_await client.send(e0.jira_url + "/rest/api/3/search/jql",
                                      request("POST", R"({"jql":"labels = h1","fields":["key"]})", basic));
    CHECK(parse(found).at("issues").as_array().at(0).at("key") == "OPS-1");

    // Tenant 1 is an OAuth (3LO) tenant: refresh on the gateway, then call through it.
    auto cfg = emu.node_config();
    auto const& j1 = cfg.at("tenants").as_array()[1].at("jira").as_object();
    REQUIRE(j1.at("auth") == "oauth2");
    json::object grant{{"grant_type", "refresh_token"}, {"client_id", j1.at("client_id")}, {"client_secret", j1.at("secret")},
                       {"refresh_token", j1.at("refresh_token")}};
    auto tok = co_await client.send(std::string(j1.at("token_url").as_string()), request("POST", mlc::emu::to_json_text(grant)));
    REQUIRE(tok.status == 200);
    auto access = std::string(parse(tok).at("access_token").as_string());
    auto me = co_await client.send(std::string(j1.at("base_url").as_string()) + "/rest/api/3/myself",
                                   request("GET", {}, "Bearer " + access));
    CHECK(me.status == 200);

    // The control API sees the Jira write and counts requests by system.
    auto state = co_await client.send(emu.control_url() + "/_emulator/state?tenant=t0000", request("GET"));
    CHECK(parse(state).at("jira").at("t0000").at("issues").as_array().size() == 1);
    auto counters = co_await client.send(emu.control_url() + "/_emulator/counters", request("GET"));
    auto c = parse(counters);
    CHECK(c.at("requests").at("jira").at("POST /rest/api/3/issue").at("201").as_int64() == 1);
    CHECK(c.at("requests").at("gateway").at("POST /oauth/token").at("200").as_int64() == 1);
  });
}

TEST_CASE("over HTTP: 300 tenants, each on its own addresses", "[http]") {
  mlc::emu::emulator_options o;
  o.tenants = 300;
  o.records_per_tenant = 2;
  with_emulator(o, [](mlc::emu::emulator& emu, http_client& client) -> awaitable<void> {
    for (std::size_t i : {std::size_t(0), std::size_t(249), std::size_t(250), std::size_t(299)}) {
      auto e = emu.endpoints(i);
      auto const& jc = emu.jira(i).credentials();
      auto r = co_await client.send(e.jira_url + "/rest/api/3/myself",
                                    request("GET", {}, "Basic " + mlc::emu::base64_encode(jc.email + ":" + jc.api_token)));
      CHECK(r.status == 200);
      CHECK(r.body.find(jc.email) != std::string::npos);  // answered as this tenant's site
    }
    CHECK(emu.endpoints(250).x3_address == "127.10.1.1");
  });
}

TEST_CASE("over HTTPS: the tenants' addresses speak TLS, the control API stays plain", "[http]") {
  auto o = mixed_apis(2);
  o.tls_cert_file = mlc::test::source_path("tests/net/data/localhost.pem").string();
  o.tls_key_file = mlc::test::source_path("tests/net/data/localhost.key").string();
  mlc::net::tls_options tls;
  tls.verify_peer = false;  // the certificate names localhost, not the tenants' addresses
  with_emulator(
      o,
      [](mlc::emu::emulator& emu, http_client& client) -> awaitable<void> {
        CHECK(emu.control_url().rfind("http://", 0) == 0);
        auto tenants = co_await client.send(emu.control_url() + "/_emulator/tenants", request("GET"));
        CHECK(tenants.status == 200);

        // api1 over TLS: its $next links name the https origin.
        auto const& x1 = emu.x3(1).credentials();
        auto e1 = emu.endpoints(1);
        REQUIRE(e1.x3_url.rfind("https://127.10.", 0) == 0);
        auto page = co_await client.send(
            e1.x3_url + "/api1/x3/erp/" + x1.folder + "/PORDER?representation=PORDER.$query&count=20&orderBy=UPDDATTIM,POHNUM",
            request("GET", {}, "Basic " + mlc::emu::base64_encode(x1.username + ":" + x1.password)));
        REQUIRE(page.status == 200);
        auto next = std::string(parse(page).at("$links").at("$next").at("$url").as_string());
        CHECK(next.rfind(e1.x3_url, 0) == 0);

        // Jira Cloud Basic on tenant 0, and the gateway of tenant 1 (3LO), both over TLS.
        auto e0 = emu.endpoints(0);
        REQUIRE(e0.jira_url.rfind("https://127.20.", 0) == 0);
        auto const& jc = emu.jira(0).credentials();
        auto me = co_await client.send(e0.jira_url + "/rest/api/3/myself",
                                       request("GET", {}, "Basic " + mlc::emu::base64_encode(jc.email + ":" + jc.api_token)));
        CHECK(me.status == 200);
        auto cfg = emu.node_config();
        auto const& t1 = cfg.at("tenants").as_array()[1].as_object();
        auto const& j1 = t1.at("jira").as_object();
        REQUIRE(j1.at("auth") == "oauth2");
        CHECK(j1.at("token_url").as_string().starts_with("https://"));
        CHECK(j1.at("base_url").as_string().starts_with("https://"));
        CHECK(j1.at("tls_verify") == false);
        CHECK(t1.at("x3").at("tls_verify") == false);
        json::object grant{{"grant_type", "refresh_token"}, {"client_id", j1.at("client_id")},
                           {"client_secret", j1.at("secret")}, {"refresh_token", j1.at("refresh_token")}};
        auto tok = co_await client.send(std::string(j1.at("token_url").as_string()), request("POST", mlc::emu::to_json_text(grant)));
        CHECK(tok.status == 200);

        // Plain HTTP to a tenant's address gets no answer.
        std::string plain = "http://" + e0.jira_address + ":" + std::to_string(emu.port()) + "/rest/api/3/myself";
        bool refused = false;
        try {
          (void)co_await client.send(plain, request("GET"));
        } catch (std::exception const&) {
          refused = true;
        }
        CHECK(refused);
      },
      tls);
}

TEST_CASE("the written node config loads with the connector's config loader", "[http][config]") {
  mlc::emu::emulator_options o;
  o.tenants = 8;
  o.x3_api = "mixed";
  o.x3_auth = "mixed";
  o.jira_flavour = "mixed";
  o.jira_auth = "mixed";
  o.listen = false;
  asio::io_context ioc;
  mlc::emu::emulator emu{ioc.get_executor(), o};
  mlc::test::temp_dir dir;
  auto file = dir.path() / "node.json";
  std::ofstream{file} << mlc::emu::to_json_text(emu.node_config());
  auto cfg = mlc::config::load_node_config(file);
  REQUIRE(cfg.tenants.size() == 8);
  std::set<std::string> combos;
  for (auto const& t : cfg.tenants) combos.insert(t.x3.api + "/" + t.x3.auth + "/" + t.jira.flavour + "/" + t.jira.auth);
  CHECK(combos.size() >= 4);
  CHECK(cfg.tenants[0].jira.field_map.at("vendor") == "Vendor");
}
