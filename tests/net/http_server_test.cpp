#include "net/http_server.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/error.hpp"
#include "net/http_client.hpp"
#include "net/retry_policy.hpp"
#include "tests/net/raw_client.hpp"
#include "tests/support/test_support.hpp"

namespace {

using namespace std::chrono_literals;
using mlc::awaitable;
using mlc::net::http_request;
using mlc::net::http_response;
using mlc::net::http_server;
using mlc::net::server_options;
namespace asio = boost::asio;

http_response echo(http_request const& r) {
  http_response out;
  out.headers.set("Content-Type", "text/plain");
  out.headers.set("X-Local", r.local_address + ":" + std::to_string(r.local_port));
  out.headers.set("X-Remote", r.remote_address);
  out.body = r.method + " " + r.target + " " + std::string{r.headers.get("x-test").value_or("-")} + " " + r.body;
  return out;
}

mlc::net::request_handler echo_handler() {
  return [](http_request r) -> awaitable<http_response> { co_return echo(r); };
}

// Keeps the exception of a coroutine the test starts on the side, and signals its end.
auto report_to(std::exception_ptr& slot, mlc::test::event& done) {
  return [&slot, &done](std::exception_ptr e) {
    slot = e;
    done.notify();
  };
}

}  // namespace

TEST_CASE("http_server answers requests and keeps the connection alive", "[net][http_server]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    http_server server{ioc.get_executor(), server_options{}, echo_handler()};
    auto port = server.listen("127.0.0.1", 0);
    REQUIRE(port != 0);

    mlc::test::raw_connection c{ioc.get_executor()};
    co_await c.connect("127.0.0.1", port);
    co_await c.write("POST /orders?x=1 HTTP/1.1\r\nHost: a\r\nX-Test: yes\r\nContent-Length: 5\r\n\r\nhello");
    auto first = co_await c.read_response();
    CHECK(first.status == 200);
    CHECK(first.body == "POST /orders?x=1 yes hello");
    CHECK(first.header("X-Local") == "127.0.0.1:" + std::to_string(port));
    CHECK(first.header("X-Remote") == "127.0.0.1");
    CHECK_FALSE(first.connection_close);

    co_await c.write("GET /second HTTP/1.1\r\nHost: a\r\n\r\n");
    auto second = co_await c.read_response();
    CHECK(second.body == "GET /second - ");
    CHECK(server.connections_accepted() == 1);
    CHECK(server.connections_open() == 1);

    co_await server.shutdown(1s);
    CHECK(server.connections_open() == 0);
  });
}

TEST_CASE("http_server listens on several addresses and reports which one was used", "[net][http_server]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    http_server server{ioc.get_executor(), server_options{}, echo_handler()};
    auto port1 = server.listen("127.0.0.1", 0);
    auto port2 = server.listen("127.0.0.2", port1);
    CHECK(port2 == port1);
    auto a = co_await mlc::test::raw_exchange("127.0.0.1", port1, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    auto b = co_await mlc::test::raw_exchange("127.0.0.2", port1, "GET / HTTP/1.1\r\nHost: b\r\n\r\n");
    CHECK(a.header("X-Local") == "127.0.0.1:" + std::to_string(port1));
    CHECK(b.header("X-Local") == "127.0.0.2:" + std::to_string(port1));
    CHECK(server.connections_accepted() == 2);
    co_await server.shutdown(1s);
  });
}

TEST_CASE("http_server rejects bodies over the limit with 413", "[net][http_server]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    server_options options;
    options.body_limit = 10;
    http_server server{ioc.get_executor(), options, echo_handler()};
    auto port = server.listen("127.0.0.1", 0);
    auto ok = co_await mlc::test::raw_exchange("127.0.0.1", port,
                                                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789");
    CHECK(ok.status == 200);
    auto big = co_await mlc::test::raw_exchange(
        "127.0.0.1", port, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n0123456789A");
    CHECK(big.status == 413);
    CHECK(big.connection_close);
    auto chunked = co_await mlc::test::raw_exchange(
        "127.0.0.1", port,
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n01234567\r\n8\r\n01234567\r\n0\r\n\r\n");
    CHECK(chunked.status == 413);
    co_await server.shutdown(1s);
  });
}

TEST_CASE("http_server turns handler exceptions into 500 and malformed requests into 400", "[net][http_server]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    http_server server{ioc.get_executor(), server_options{},
                       [](http_request r) -> awaitable<http_response> {
                         if (r.target == "/boom") throw std::runtime_error("secret detail");
                         co_return echo(r);
                       }};
    auto port = server.listen("127.0.0.1", 0);
    auto boom = co_await mlc::test::raw_exchange("127.0.0.1", port, "GET /boom HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK(boom.status == 500);
    CHECK(boom.body.find("secret") == std::string::npos);
    auto bad = co_await mlc::test::raw_exchange("127.0.0.1", port, "GET / HTTP/1.1\r\nHost a\r\n\r\n");
    CHECK(bad.status == 400);
    co_await server.shutdown(1s);
  });
}

TEST_CASE("http_server drops a connection without answering when the handler asks", "[net][http_server]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    http_server server{ioc.get_executor(), server_options{}, [](http_request r) -> awaitable<http_response> {
                         http_response out = echo(r);
                         out.drop_connection = r.target == "/drop";
                         co_return out;
                       }};
    auto port = server.listen("127.0.0.1", 0);

    // On the wire: the request is read, then the connection is reset, not a byte answered.
    mlc::test::raw_connection raw{ioc.get_executor()};
    co_await raw.connect("127.0.0.1", port);
    co_await raw.write("GET /drop HTTP/1.1\r\nHost: a\r\n\r\n");
    char byte = 0;
    auto [read_ec, n] = co_await raw.socket().async_read_some(asio::buffer(&byte, 1), asio::as_tuple(asio::use_awaitable));
    CHECK(n == 0);
    CHECK(read_ec == asio::error::connection_reset);

    // The connector's client sees a connection-level error (no HTTP status), which the
    // retry policy and the callers treat as transient.
    mlc::net::http_client client{ioc.get_executor(), mlc::net::client_options{}};
    auto base = "http://127.0.0.1:" + std::to_string(port);
    std::optional<mlc::net::error> failure;
    try {
      co_await client.send(base + "/drop", http_request{});
    } catch (mlc::net::error const& e) {
      failure = e;
    }
    REQUIRE(failure);
    CHECK(failure->kind() == mlc::net::error_kind::connect);
    CHECK(failure->status() == 0);
    CHECK(failure->transient());
    mlc::net::attempt_outcome outcome{0, failure->kind()};
    CHECK(mlc::net::is_retryable("GET", outcome, mlc::net::retry_settings{}));

    // The server goes on serving, on the same client and on other connections.
    auto after = co_await client.send(base + "/after", http_request{});
    CHECK(after.status == 200);
    CHECK(after.body == "GET /after - ");
    auto other = co_await mlc::test::raw_exchange("127.0.0.1", port, "GET /other HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK(other.status == 200);
    co_await server.shutdown(1s);
    CHECK(server.connections_open() == 0);
  });
}

TEST_CASE("http_server can send a chunked response", "[net][http_server]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    http_server server{ioc.get_executor(), server_options{}, [](http_request) -> awaitable<http_response> {
                         http_response r;
                         r.headers.set("Transfer-Encoding", "chunked");
                         r.body = "abc";
                         co_return r;
                       }};
    auto port = server.listen("127.0.0.1", 0);
    mlc::test::raw_connection c{ioc.get_executor()};
    co_await c.connect("127.0.0.1", port);
    co_await c.write("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    auto r = co_await c.read_response();
    CHECK(r.header("Transfer-Encoding") == "chunked");
    CHECK(r.body == "3\r\nabc\r\n0\r\n\r\n");
    co_await server.shutdown(1s);
  });
}

TEST_CASE("http_server closes idle connections after the read timeout", "[net][http_server]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    server_options options;
    options.read_timeout = 50ms;
    http_server server{ioc.get_executor(), options, echo_handler()};
    auto port = server.listen("127.0.0.1", 0);
    mlc::test::raw_connection c{ioc.get_executor()};
    co_await c.connect("127.0.0.1", port);
    auto rest = co_await c.read_until_closed(5s);
    CHECK(rest.empty());
    co_await server.shutdown(1s);
  });
}

TEST_CASE("http_server shutdown lets in-flight requests finish and refuses new connections", "[net][http_server]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    auto ex = ioc.get_executor();
    mlc::test::event entered{ex};
    mlc::test::event release{ex};
    http_server server{ex, server_options{}, [&](http_request r) -> awaitable<http_response> {
                         entered.notify();
                         co_await release.wait();
                         co_return echo(r);
                       }};
    auto port = server.listen("127.0.0.1", 0);

    // An idle keep-alive connection, which shutdown closes at once.
    mlc::test::raw_connection idle{ex};
    co_await idle.connect("127.0.0.1", port);

    std::optional<mlc::test::raw_response> in_flight;
    std::exception_ptr client_error;
    mlc::test::event client_done{ex};
    asio::co_spawn(
        ex,
        [&]() -> awaitable<void> {
          auto r = co_await mlc::test::raw_exchange("127.0.0.1", port, "GET /slow HTTP/1.1\r\nHost: a\r\n\r\n");
          in_flight = std::move(r);
        },
        report_to(client_error, client_done));
    co_await entered.wait();

    bool shut_down = false;
    std::exception_ptr shutdown_error;
    mlc::test::event shutdown_done{ex};
    asio::co_spawn(
        ex,
        [&]() -> awaitable<void> {
          co_await server.shutdown(30s);
          shut_down = true;
        },
        report_to(shutdown_error, shutdown_done));

    auto idle_rest = co_await idle.read_until_closed(5s);
    CHECK(idle_rest.empty());
    CHECK_FALSE(shut_down);

    mlc::test::raw_connection late{ex};
    auto [connect_ec] = co_await late.socket().async_connect(
        asio::ip::tcp::endpoint{asio::ip::make_address("127.0.0.1"), port}, asio::as_tuple(asio::use_awaitable));
    CHECK(connect_ec == asio::error::connection_refused);

    release.notify();
    co_await shutdown_done.wait();
    co_await client_done.wait();
    CHECK(shut_down);
    if (shutdown_error) std::rethrow_exception(shutdown_error);
    if (client_error) std::rethrow_exception(client_error);
    REQUIRE(in_flight);
    CHECK(in_flight->status == 200);
    CHECK(in_flight->connection_close);
    CHECK(server.connections_open() == 0);
  });
}

TEST_CASE("http_server shutdown cuts off requests that outlast the drain time", "[net][http_server]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    auto ex = ioc.get_executor();
    mlc::test::event entered{ex};
    http_server server{ex, server_options{}, [&](http_request) -> awaitable<http_response> {
                         entered.notify();
                         asio::steady_timer forever{co_await asio::this_coro::executor,
                                                    asio::steady_timer::time_point::max()};
                         co_await forever.async_wait(asio::use_awaitable);
                         co_return http_response{};
                       }};
    auto port = server.listen("127.0.0.1", 0);
    mlc::test::raw_connection c{ex};
    co_await c.connect("127.0.0.1", port);
    co_await c.write("GET /hang HTTP/1.1\r\nHost: a\r\n\r\n");
    co_await entered.wait();
    co_await server.shutdown(20ms);
    CHECK(server.connections_open() == 0);
    auto rest = co_await c.read_until_closed(5s);
    CHECK(rest.empty());
  });
}

TEST_CASE("http_server rejects bad listen addresses with a clear error", "[net][http_server]") {
  asio::io_context ioc;
  http_server server{ioc.get_executor(), server_options{}, echo_handler()};
  REQUIRE_THROWS_WITH(server.listen("not-an-ip", 0), Catch::Contains("not-an-ip"));
}
