// The node as `ml-connector run` drives it: HTTP endpoints, admin API, live reload, shutdown.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "engine/log.hpp"
#include "engine/node.hpp"
#include "net/http_client.hpp"
#include "tests/emulators/emulator.hpp"
#include "tests/support/test_support.hpp"

using namespace mlc;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr char k_token[] = "test-admin-token-0123456789";

// Waits for `condition` with a deadline, checking whenever the io_context has run a little.
template <class Condition>
awaitable<bool> eventually(Condition condition, std::chrono::seconds deadline = 30s) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  auto until = std::chrono::steady_clock::now() + deadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until) co_return false;
    timer.expires_after(20ms);
    co_await timer.async_wait(asio::use_awaitable);
  }
  co_return true;
}

void write_config(std::filesystem::path const& file, json::object config) {
  std::ofstream(file) << json::serialize(config);
}

// The emulator's node config with a free listen port, a data dir in `dir` and one poll
// interval for every tenant.
json::object node_config(emu::emulator const& emu, test::temp_dir const& dir, std::string interval) {
  auto config = emu.node_config();
  config["listen"] = "127.0.0.1:0";
  config["data_dir"] = (dir.path() / "data").string();
  config["defaults"] = json::object{{"schedule", json::object{{"interval", std::move(interval)}}}};
  return config;
}

// Node limits that never make a test wait for the rate limiter.
engine::node_options unthrottled() {
  engine::node_options options;
  options.jira_limits = {1000, 1000, 16};
  options.x3_limits = {1000, 1000, 16};
  return options;
}

}  // namespace

TEST_CASE("the node serves health, metrics and an authenticated admin API, reloads tenants live and stops cleanly") {
  std::ostringstream log_text;
  engine::log::configure(engine::log::level::warn, true, &log_text);
  test::run([&](asio::io_context& ioc) -> awaitable<void> {
    test::temp_dir dir;
    emu::emulator_options eo;
    eo.tenants = 3;
    eo.records_per_tenant = 3;
    emu::emulator emu(ioc.get_executor(), eo);
    emu.start();
    auto base = node_config(emu, dir, "1s");
    std::ofstream(dir.path() / "admin.token") << k_token;
    base["admin_token_file"] = (dir.path() / "admin.token").string();
    auto all = base.at("tenants").as_array();
    auto two = base;
    two["tenants"] = json::array{all[0], all[1]};
    auto file = dir.path() / "node.json";
    write_config(file, two);

    engine::node node(ioc, config::load_node_config(file), unthrottled());
    bool finished = false;
    std::exception_ptr failure;
    asio::co_spawn(ioc, node.run(), [&](std::exception_ptr e) {
      failure = e;
      finished = true;
    });
    REQUIRE(co_await eventually([&] { return node.ready() || finished; }));
    REQUIRE_FALSE(failure);
    // The emulator's config carries its secrets in plaintext: the node says so at start,
    // naming where, never what.
    CHECK(log_text.str().find("\"event\":\"config.warning\"") != std::string::npos);
    CHECK(log_text.str().find("tenants[0].jira.secret") != std::string::npos);
    CHECK(log_text.str().find(std::string{all[0].at("jira").at("secret").as_string()}) == std::string::npos);
    auto url = "http://127.0.0.1:" + std::to_string(node.port());
    net::http_client client(ioc.get_executor(), net::client_options{});
    auto get = [&](std::string path, std::string token) -> awaitable<net::http_response> {
      net::http_request r;
      if (!token.empty()) r.headers.set("Authorization", "Bearer " + token);
      co_return co_await client.send(url + path, std::move(r));
    };
    auto post = [&](std::string path) -> awaitable<net::http_response> {
      net::http_request r;
      r.method = "POST";
      r.headers.set("Authorization", std::string{"Bearer "} + k_token);
      co_return co_await client.send(url + path, std::move(r));
    };

    auto health = co_await get("/healthz", "");
    CHECK(health.status == 200);
    auto ready = co_await get("/readyz", "");
    CHECK(ready.status == 200);
    auto metrics = co_await get("/metrics", "");
    CHECK(metrics.status == 200);
    CHECK(metrics.headers.get("Content-Type").value_or("").starts_with("text/plain; version=0.0.4"));
    CHECK(metrics.body.find("mlc_build_info{version=\"" MLC_VERSION "\"} 1") != std::string::npos);

    // Admin: no token, a wrong one, the right one.
    CHECK((co_await get("/admin/tenants", "")).status == 401);
    CHECK((co_await get("/admin/tenants", "not-the-token-at-all")).status == 403);
    auto list = co_await get("/admin/tenants", k_token);
    REQUIRE(list.status == 200);
    CHECK(json::parse(list.body).as_array().size() == 2);
    CHECK((co_await get("/admin/tenants/nobody", k_token)).status == 404);

    // Records flow: the first tenant's issues appear.
    auto first = std::string{all[0].at("id").as_string()};
    CHECK(co_await eventually([&] {
      return !emu.state(first).at("jira").at(first).at("issues").as_array().empty();
    }));
    // The issue shows in Jira just before its record commits locally: wait for the audit.
    net::http_response audit;
    asio::steady_timer pause(ioc);
    for (int attempt = 0; attempt < 1500; ++attempt) {
      audit = co_await get("/admin/tenants/" + first + "/audit", k_token);
      if (audit.status != 200 || !json::parse(audit.body).as_array().empty()) break;
      pause.expires_after(20ms);
      co_await pause.async_wait(asio::use_awaitable);
    }
    CHECK(audit.status == 200);
    CHECK_FALSE(json::parse(audit.body).as_array().empty());

    // Pause and resume.
    auto paused = co_await post("/admin/tenants/" + first + "/pause");
    CHECK(json::parse(paused.body).at("state") == "paused");
    metrics = co_await get("/metrics", "");
    CHECK(metrics.body.find("mlc_tenants{state=\"paused\"} 1") != std::string::npos);
    auto resumed = co_await post("/admin/tenants/" + first + "/resume");
    CHECK(json::parse(resumed.body).at("state") == "active");

    // Live reload: drop tenant 1, add tenant 2.
    auto second = std::string{all[1].at("id").as_string()};
    auto third = std::string{all[2].at("id").as_string()};
    auto swapped = base;
    swapped["tenants"] = json::array{all[0], all[2]};
    write_config(file, swapped);
    auto reloaded = co_await post("/admin/reload");
    CHECK(reloaded.status == 200);
    CHECK(co_await eventually([&] { return node.find(third) != nullptr && node.find(second) == nullptr; }));
    CHECK(co_await eventually([&] {
      return !emu.state(third).at("jira").at(third).at("issues").as_array().empty();
    }));
    // A config that no longer parses is ignored; the node keeps running.
    std::ofstream(file) << "{ this is not json";
    CHECK((co_await post("/admin/reload")).status == 200);
    CHECK(node.find(first) != nullptr);

    node.stop();
    CHECK(co_await eventually([&] { return finished; }));
    CHECK_FALSE(failure);
    co_await emu.stop();
  });
  engine::log::configure(engine::log::level::warn, true);
}

TEST_CASE("a tenant polling less often than the idle timeout holds no connection between cycles") {
  test::run([&](asio::io_context& ioc) -> awaitable<void> {
    test::temp_dir dir;
    emu::emulator_options eo;
    eo.tenants = 1;
    eo.records_per_tenant = 3;
    eo.initial.jira.search_lag = 0ms;
    emu::emulator emu(ioc.get_executor(), eo);
    emu.start();
    // The first cycle comes within interval/10 (at most 5 s); the next a minute later.
    auto config = node_config(emu, dir, "1m");
    auto file = dir.path() / "node.json";
    write_config(file, config);
    engine::node node(ioc, config::load_node_config(file), unthrottled());
    bool finished = false;
    asio::co_spawn(ioc, node.run(), [&](std::exception_ptr) { finished = true; });
    auto id = std::string{config.at("tenants").as_array()[0].at("id").as_string()};
    CHECK(co_await eventually([&] { return !emu.state(id).at("jira").at(id).at("issues").as_array().empty(); }));
    // The cycle used connections to X3 and Jira; once it ends the tenant closes them, where
    // the client's idle timeout (15 s) would have kept them past this deadline.
    CHECK(co_await eventually([&] { return emu.connections_open() == 0; }, 10s));
    node.stop();
    CHECK(co_await eventually([&] { return finished; }));
    co_await emu.stop();
  });
}

TEST_CASE("the node refuses a non-loopback listen address without an admin token") {
  test::run([](asio::io_context& ioc) -> awaitable<void> {
    test::temp_dir dir;
    config::node_config c;
    c.listen = "0.0.0.0:0";
    c.data_dir = (dir.path() / "data").string();
    engine::node node(ioc, c);
    std::string message;
    try {
      co_await node.run();
    } catch (std::exception const& e) {
      message = e.what();
    }
    CHECK(message.find("without an admin token") != std::string::npos);
  });
}
