#include "net/request_runner.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "net/error.hpp"
#include "net/http_server.hpp"
#include "tests/net/manual_clock.hpp"
#include "tests/net/raw_client.hpp"
#include "tests/support/test_support.hpp"

namespace {

using namespace std::chrono_literals;
using mlc::awaitable;
using mlc::net::client_options;
using mlc::net::execute_options;
using mlc::net::host_limiter_registry;
using mlc::net::http_client;
using mlc::net::http_request;
using mlc::net::http_response;
using mlc::net::http_server;
using mlc::net::limiter_settings;
using mlc::net::server_options;
namespace asio = boost::asio;

http_response with_status(int status, std::string retry_after = {}) {
  http_response r;
  r.status = status;
  r.body = "status " + std::to_string(status);
  if (!retry_after.empty()) r.headers.set("Retry-After", retry_after);
  return r;
}

execute_options no_jitter() {
  execute_options o;
  o.random = [] { return 0.0; };
  return o;
}

limiter_settings unlimited() { return limiter_settings{0, 1, 0}; }

struct rate_limit_observer : mlc::net::observer {
  explicit rate_limit_observer(asio::any_io_executor ex) : limited(ex) {}
  mlc::test::event limited;
  int count = 0;
  void on_rate_limited(std::string_view system, std::string_view host) override {
    CHECK(system == "jira");
    ++count;
    limited.notify();
  }
};

}  // namespace

TEST_CASE("execute: a 429 with Retry-After pauses that host for every caller, not other hosts", "[net][runner]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    auto ex = ioc.get_executor();
    std::map<std::string, int> hits;
    http_server server{ex, server_options{}, [&](http_request r) -> awaitable<http_response> {
                         int n = ++hits[r.local_address];
                         if (r.local_address == "127.0.0.1" && n == 1) co_return with_status(429, "2");
                         co_return with_status(200);
                       }};
    auto port = std::to_string(server.listen("127.0.0.1", 0));
    server.listen("127.0.0.2", static_cast<unsigned short>(std::stoi(port)));
    auto clock = std::make_shared<mlc::test::manual_clock>();
    auto events = std::make_shared<rate_limit_observer>(ex);
    host_limiter_registry limiter{"jira", unlimited(), events, clock};
    http_client client{ex, client_options{}};

    std::optional<http_response> a, b;
    std::exception_ptr a_error, b_error;
    mlc::test::event a_done{ex}, b_done{ex};
    auto spawn = [&](std::string url, std::optional<http_response>& out, std::exception_ptr& failure,
                     mlc::test::event& done) {
      asio::co_spawn(
          ex,
          [&client, &limiter, &out, url]() -> awaitable<void> {
            auto r = co_await mlc::net::execute(client, limiter, url, http_request{}, no_jitter());
            out = std::move(r);
          },
          [&failure, &done](std::exception_ptr e) {
            failure = e;
            done.notify();
          });
    };
    spawn("http://127.0.0.1:" + port + "/a", a, a_error, a_done);
    co_await events->limited.wait();
    CHECK(limiter.paused_until("127.0.0.1") == clock->now() + 2s);
    spawn("http://127.0.0.1:" + port + "/b", b, b_error, b_done);

    auto other = co_await mlc::net::execute(client, limiter, "http://127.0.0.2:" + port + "/c", http_request{},
                                            no_jitter());
    CHECK(other.status == 200);
    CHECK(hits["127.0.0.1"] == 1);  // b is held by the pause, a by its retry delay
    CHECK_FALSE(b_done.is_set());
    CHECK(clock->sleepers() == 2);

    clock->advance(2s);
    co_await a_done.wait();
    co_await b_done.wait();
    if (a_error) std::rethrow_exception(a_error);
    if (b_error) std::rethrow_exception(b_error);
    CHECK(a->status == 200);
    CHECK(b->status == 200);
    CHECK(hits["127.0.0.1"] == 3);
    CHECK(events->count == 1);
    co_await server.shutdown(1s);
  });
}

TEST_CASE("execute retries a GET on 503 and returns a POST's 503 as is", "[net][runner]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    int hits = 0;
    http_server server{ioc.get_executor(), server_options{}, [&](http_request) -> awaitable<http_response> {
                         ++hits;
                         co_return with_status(hits % 3 == 0 ? 200 : 503);
                       }};
    auto url = "http://127.0.0.1:" + std::to_string(server.listen("127.0.0.1", 0)) + "/";
    auto clock = std::make_shared<mlc::test::manual_clock>();
    host_limiter_registry limiter{"x3", unlimited(), nullptr, clock};
    http_client client{ioc.get_executor(), client_options{}};

    auto got = co_await mlc::net::execute(client, limiter, url, http_request{}, no_jitter());
    CHECK(got.status == 200);
    CHECK(hits == 3);

    http_request post;
    post.method = "POST";
    auto posted = co_await mlc::net::execute(client, limiter, url, post, no_jitter());
    CHECK(posted.status == 503);
    CHECK(hits == 4);
    co_await server.shutdown(1s);
  });
}

TEST_CASE("execute sends a POST's whole body again on each attempt after a 429", "[net][runner]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    std::vector<std::string> bodies;
    http_server server{ioc.get_executor(), server_options{}, [&](http_request r) -> awaitable<http_response> {
                         bodies.push_back(r.body);
                         co_return with_status(bodies.size() < 3 ? 429 : 201);
                       }};
    auto url = "http://127.0.0.1:" + std::to_string(server.listen("127.0.0.1", 0)) + "/rest/api/3/issue/bulk";
    auto clock = std::make_shared<mlc::test::manual_clock>();
    host_limiter_registry limiter{"jira", unlimited(), nullptr, clock};
    http_client client{ioc.get_executor(), client_options{}};

    http_request post;
    post.method = "POST";
    // Larger than a socket buffer, so each attempt writes it in several pieces.
    post.body = "{\"issueUpdates\":\"" + std::string(300'000, 'u') + "\"}";
    auto options = no_jitter();
    options.retry.retry_non_idempotent_on_429 = true;
    auto answer = co_await mlc::net::execute(client, limiter, url, post, options);
    CHECK(answer.status == 201);
    CHECK(bodies.size() == 3);
    for (auto const& b : bodies) {
      CHECK(b.size() == post.body.size());
      CHECK(b == post.body);
    }
    co_await server.shutdown(1s);
  });
}

TEST_CASE("execute gives up with rate_limited when 429s outlast the attempts or the deadline", "[net][runner]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    int hits = 0;
    http_server server{ioc.get_executor(), server_options{}, [&](http_request r) -> awaitable<http_response> {
                         ++hits;
                         co_return with_status(429, r.target == "/long" ? "120" : "");
                       }};
    auto base = "http://127.0.0.1:" + std::to_string(server.listen("127.0.0.1", 0));
    auto clock = std::make_shared<mlc::test::manual_clock>();
    host_limiter_registry limiter{"jira", unlimited(), nullptr, clock};
    http_client client{ioc.get_executor(), client_options{}};

    auto options = no_jitter();
    options.retry.max_attempts = 3;
    try {
      co_await mlc::net::execute(client, limiter, base + "/short", http_request{}, options);
      FAIL("expected rate_limited");
    } catch (mlc::net::error const& e) {
      CHECK(e.kind() == mlc::net::error_kind::rate_limited);
      CHECK(e.status() == 429);
      CHECK_THAT(e.what(), Catch::Contains("3 attempts"));
    }
    CHECK(hits == 3);

    options.deadline = clock->now() + 60s;
    try {
      co_await mlc::net::execute(client, limiter, base + "/long", http_request{}, options);
      FAIL("expected rate_limited");
    } catch (mlc::net::error const& e) {
      CHECK(e.kind() == mlc::net::error_kind::rate_limited);
      CHECK(e.retry_after() == 120s);
      CHECK_THAT(e.what(), Catch::Contains("past the request deadline"));
    }
    CHECK(hits == 4);
    co_await server.shutdown(1s);
  });
}

TEST_CASE("execute rethrows transport failures once the attempts are spent", "[net][runner]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    unsigned short port = 0;
    {
      asio::ip::tcp::acceptor probe{ioc, asio::ip::tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}};
      port = probe.local_endpoint().port();
    }
    auto clock = std::make_shared<mlc::test::manual_clock>();
    host_limiter_registry limiter{"x3", unlimited(), nullptr, clock};
    http_client client{ioc.get_executor(), client_options{}};
    auto options = no_jitter();
    options.retry.max_attempts = 2;
    try {
      co_await mlc::net::execute(client, limiter, "http://127.0.0.1:" + std::to_string(port) + "/", http_request{},
                                 options);
      FAIL("expected a connect error");
    } catch (mlc::net::error const& e) {
      CHECK(e.kind() == mlc::net::error_kind::connect);
      CHECK_THAT(e.what(), Catch::Contains("2 attempts"));
    }
  });
}

TEST_CASE("throw_for_status names the request and quotes the body", "[net][runner]") {
  mlc::net::throw_for_status(with_status(204), "GET /x");
  try {
    http_response r = with_status(400);
    r.body = R"({"errors":{"customfield_10050":"Field is not on the screen"}})";
    mlc::net::throw_for_status(r, "POST /rest/api/3/issue");
    FAIL("expected http_status");
  } catch (mlc::net::error const& e) {
    CHECK(e.kind() == mlc::net::error_kind::http_status);
    CHECK(e.status() == 400);
    CHECK_THAT(e.what(), Catch::StartsWith("POST /rest/api/3/issue: HTTP 400: ") && Catch::Contains("customfield_10050"));
    CHECK_FALSE(e.transient());
  }
  try {
    mlc::net::throw_for_status(with_status(429, "7"), "GET /x");
    FAIL("expected rate_limited");
  } catch (mlc::net::error const& e) {
    CHECK(e.kind() == mlc::net::error_kind::rate_limited);
    CHECK(e.retry_after() == 7s);
  }
}

TEST_CASE("execute: a limit key gives sites behind one gateway host budgets of their own", "[net][runner]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    auto ex = ioc.get_executor();
    std::map<std::string, int> hits;
    http_server server{ex, server_options{}, [&](http_request r) -> awaitable<http_response> {
                         int n = ++hits[r.target];
                         if (r.target == "/ex/jira/a/issue" && n == 1) co_return with_status(429, "5");
                         co_return with_status(200);
                       }};
    auto base = "http://127.0.0.1:" + std::to_string(server.listen("127.0.0.1", 0));
    auto clock = std::make_shared<mlc::test::manual_clock>();
    auto events = std::make_shared<rate_limit_observer>(ex);
    host_limiter_registry limiter{"jira", unlimited(), events, clock};
    http_client client{ex, client_options{}};
    auto site = [](std::string key) {
      auto o = no_jitter();
      o.limit_key = std::move(key);
      return o;
    };

    std::optional<http_response> a;
    std::exception_ptr a_error;
    mlc::test::event a_done{ex};
    asio::co_spawn(
        ex,
        [&]() -> awaitable<void> {
          auto o = site("127.0.0.1/ex/jira/a");
          a = co_await mlc::net::execute(client, limiter, base + "/ex/jira/a/issue", http_request{}, o);
        },
        [&](std::exception_ptr e) {
          a_error = e;
          a_done.notify();
        });
    co_await events->limited.wait();
    CHECK(limiter.paused_until("127.0.0.1/ex/jira/a") == clock->now() + 5s);
    CHECK_FALSE(limiter.paused_until("127.0.0.1"));

    // Site b on the same gateway host is not held by site a's 429.
    auto o = site("127.0.0.1/ex/jira/b");
    auto b = co_await mlc::net::execute(client, limiter, base + "/ex/jira/b/issue", http_request{}, o);
    CHECK(b.status == 200);
    CHECK_FALSE(a_done.is_set());

    clock->advance(5s);
    co_await a_done.wait();
    if (a_error) std::rethrow_exception(a_error);
    CHECK(a->status == 200);
    CHECK(hits["/ex/jira/a/issue"] == 2);
    co_await server.shutdown(1s);
  });
}
