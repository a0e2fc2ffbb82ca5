#include "net/http_client.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/error.hpp"
#include "net/http_server.hpp"
#include "tests/net/raw_client.hpp"
#include "tests/support/test_support.hpp"

namespace {

using namespace std::chrono_literals;
using mlc::awaitable;
using mlc::net::client_options;
using mlc::net::error_kind;
using mlc::net::http_client;
using mlc::net::http_request;
using mlc::net::http_response;
using mlc::net::http_server;
using mlc::net::server_options;
namespace asio = boost::asio;

std::string const cert_file = mlc::test::source_path("tests/net/data/localhost.pem").string();
std::string const key_file = mlc::test::source_path("tests/net/data/localhost.key").string();

mlc::net::request_handler echo_handler() {
  return [](http_request r) -> awaitable<http_response> {
    http_response out;
    out.body = r.method + " " + r.target + " " + r.body;
    out.headers.set("X-Host", std::string{r.headers.get("Host").value_or("")});
    co_return out;
  };
}

server_options tls_server_options() {
  server_options o;
  o.tls_cert_file = cert_file;
  o.tls_key_file = key_file;
  return o;
}

client_options trusting_test_ca() {
  client_options o;
  o.tls.ca_file = cert_file;
  return o;
}

// Runs `request` and returns the net::error it throws; fails the test when it succeeds.
awaitable<mlc::net::error> expect_error(http_client& client, std::string url, http_request request = {}) {
  try {
    auto r = co_await client.send(std::move(url), std::move(request));
    FAIL("expected net::error, got status " << r.status);
  } catch (mlc::net::error const& e) {
    co_return e;
  }
  throw std::logic_error("unreachable");
}

http_request post(std::string body) {
  http_request r;
  r.method = "POST";
  r.body = std::move(body);
  return r;
}

struct recording_observer : mlc::net::observer {
  struct call {
    std::string system, host;
    int status;
  };
  std::vector<call> calls;
  void on_request(std::string_view system, std::string_view host, int status, double) override {
    calls.push_back(call{std::string{system}, std::string{host}, status});
  }
};

}  // namespace

TEST_CASE("http_client sends requests and reuses one kept-alive connection", "[net][http_client]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    http_server server{ioc.get_executor(), server_options{}, echo_handler()};
    auto port = server.listen("127.0.0.1", 0);
    auto events = std::make_shared<recording_observer>();
    client_options options;
    options.system = "jira";
    http_client client{ioc.get_executor(), options, events};
    auto base = "http://127.0.0.1:" + std::to_string(port);
    for (int i = 0; i < 3; ++i) {
      auto r = co_await client.send(base + "/issue?n=" + std::to_string(i), post("body"));
      CHECK(r.status == 200);
      CHECK(r.body == "POST /issue?n=" + std::to_string(i) + " body");
      CHECK(r.headers.get("X-Host") == "127.0.0.1:" + std::to_string(port));
    }
    CHECK(server.connections_accepted() == 1);
    CHECK(client.connections_opened() == 1);
    REQUIRE(events->calls.size() == 3);
    CHECK(events->calls[0].system == "jira");
    CHECK(events->calls[0].host == "127.0.0.1");
    CHECK(events->calls[0].status == 200);
    co_await server.shutdown(1s);
  });
}

TEST_CASE("http_client queues requests past max_connections_per_origin", "[net][http_client]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    auto ex = ioc.get_executor();
    mlc::test::event two_inside{ex};
    mlc::test::event release{ex};
    int inside = 0;
    http_server server{ex, server_options{}, [&](http_request) -> awaitable<http_response> {
                         if (++inside == 2) two_inside.notify();
                         co_await release.wait();
                         co_return http_response{};
                       }};
    auto port = server.listen("127.0.0.1", 0);
    client_options options;
    options.max_connections_per_origin = 2;
    http_client client{ex, options};
    auto url = "http://127.0.0.1:" + std::to_string(port) + "/";
    int done = 0;
    mlc::test::event all_done{ex};
    for (int i = 0; i < 6; ++i)
      asio::co_spawn(
          ex,
          [&]() -> awaitable<void> {
            auto r = co_await client.send(url, http_request{});
            CHECK(r.status == 200);
          },
          [&](std::exception_ptr e) {
            CHECK_FALSE(static_cast<bool>(e));
            if (++done == 6) all_done.notify();
          });
    co_await two_inside.wait();
    release.notify();
    co_await all_done.wait();
    CHECK(inside == 6);
    CHECK(server.connections_accepted() == 2);
    CHECK(client.connections_opened() == 2);
    co_await server.shutdown(1s);
  });
}

TEST_CASE("http_client speaks HTTPS to a server trusted through ca_file", "[net][http_client][tls]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    http_server server{ioc.get_executor(), tls_server_options(), echo_handler()};
    auto port = server.listen("127.0.0.1", 0);
    server.listen("127.0.0.2", port);
    http_client client{ioc.get_executor(), trusting_test_ca()};
    auto by_ip = co_await client.send("https://127.0.0.1:" + std::to_string(port) + "/a", http_request{});
    CHECK(by_ip.body == "GET /a ");
    auto by_name = co_await client.send("https://localhost:" + std::to_string(port) + "/b", http_request{});
    CHECK(by_name.body == "GET /b ");

    // The certificate names 127.0.0.1 and localhost only: another address must be refused.
    auto mismatch = co_await expect_error(client, "https://127.0.0.2:" + std::to_string(port) + "/");
    CHECK(mismatch.kind() == error_kind::tls);

    // Without the test CA the self-signed certificate is not trusted.
    http_client strict{ioc.get_executor(), client_options{}};
    auto untrusted = co_await expect_error(strict, "https://127.0.0.1:" + std::to_string(port) + "/");
    CHECK(untrusted.kind() == error_kind::tls);
    CHECK_THAT(untrusted.what(), Catch::Contains("self-signed") || Catch::Contains("self signed"));

    // verify_peer=false accepts it (test systems only; logged as a warning).
    client_options lax;
    lax.tls.verify_peer = false;
    http_client unchecked{ioc.get_executor(), lax};
    auto accepted = co_await unchecked.send("https://127.0.0.2:" + std::to_string(port) + "/c", http_request{});
    CHECK(accepted.status == 200);

    // A TLS write takes at most one record (16 KB): a large body leaves in many writes,
    // each resuming where the last one stopped.
    std::string body;
    for (int i = 0; body.size() < 200'000; ++i) body += std::to_string(i) + ",";
    auto posted = co_await client.send("https://127.0.0.1:" + std::to_string(port) + "/big", post(body));
    CHECK(posted.body == "POST /big " + body);
    co_await server.shutdown(1s);
  });
}

TEST_CASE("http_client resumes its TLS session on a new connection to the same origin, and nowhere else",
          "[net][http_client][tls]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    http_server server{ioc.get_executor(), tls_server_options(), echo_handler()};
    auto port = std::to_string(server.listen("127.0.0.1", 0));
    // Each request on a connection of its own: the server closes it after answering.
    http_request closing;
    closing.headers.set("Connection", "close");

    http_client client{ioc.get_executor(), trusting_test_ca()};
    for (int i = 0; i < 3; ++i) {
      auto r = co_await client.send("https://127.0.0.1:" + port + "/" + std::to_string(i), closing);
      CHECK(r.body == "GET /" + std::to_string(i) + " ");
    }
    CHECK(client.connections_opened() == 3);
    CHECK(client.tls_resumptions() == 2);  // the first connection had no session to offer
    // Another origin on the same server (another name for it) gets a full handshake.
    auto other_name = co_await client.send("https://localhost:" + port + "/n", closing);
    CHECK(other_name.status == 200);
    CHECK(client.tls_resumptions() == 2);

    // Another client with the same settings (another tenant) has no session of this one's.
    http_client other{ioc.get_executor(), trusting_test_ca()};
    auto first = co_await other.send("https://127.0.0.1:" + port + "/o", closing);
    CHECK(first.status == 200);
    CHECK(other.tls_resumptions() == 0);

    auto options = trusting_test_ca();
    options.tls.resume_sessions = false;
    http_client fresh{ioc.get_executor(), options};
    for (int i = 0; i < 2; ++i) {
      auto r = co_await fresh.send("https://127.0.0.1:" + port + "/f", closing);
      CHECK(r.status == 200);
    }
    CHECK(fresh.connections_opened() == 2);
    CHECK(fresh.tls_resumptions() == 0);
    co_await server.shutdown(1s);
  });
}

TEST_CASE("http_client releases its idle connections when the next request is past the idle timeout",
          "[net][http_client][tls]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    http_server server{ioc.get_executor(), tls_server_options(), echo_handler()};
    auto url = "https://127.0.0.1:" + std::to_string(server.listen("127.0.0.1", 0)) + "/";
    auto options = trusting_test_ca();
    options.idle_timeout = std::chrono::seconds{15};
    http_client client{ioc.get_executor(), options};
    auto first = co_await client.send(url, http_request{});
    CHECK(first.status == 200);

    // Next use sooner than the idle timeout: the connection stays for it.
    client.release_idle(std::chrono::seconds{14});
    auto second = co_await client.send(url, http_request{});
    CHECK(second.status == 200);
    CHECK(client.connections_opened() == 1);

    // Next use later: closed now, and the next request opens a connection that resumes
    // the session the closed one had.
    client.release_idle(std::chrono::seconds{15});
    auto third = co_await client.send(url, http_request{});
    CHECK(third.status == 200);
    CHECK(client.connections_opened() == 2);
    CHECK(client.tls_resumptions() == 1);
    co_await server.shutdown(1s);
  });
}

TEST_CASE("http_client retries a GET, never a POST, when a kept-alive connection turns out closed",
          "[net][http_client]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    // First connection: answers one request, then reads the next and hangs up without an
    // answer (a server closing an idle connection just as the request arrives).
    mlc::test::raw_server server{ioc.get_executor(), [](mlc::test::raw_connection& c, std::size_t) -> awaitable<void> {
                                   co_await c.read_request();
                                   co_await c.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst");
                                   co_await c.read_request();
                                   c.socket().close();
                                 }};
    auto url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
    http_client client{ioc.get_executor(), client_options{}};
    auto first = co_await client.send(url, http_request{});
    CHECK(first.body == "first");
    auto second = co_await client.send(url, http_request{});
    CHECK(second.body == "first");  // answered on a fresh connection
    CHECK(client.connections_opened() == 2);
    CHECK(server.accepted() == 2);

    auto refused = co_await expect_error(client, url, post("once"));
    CHECK(refused.kind() == error_kind::connect);
    CHECK_THAT(refused.what(), Catch::Contains("not idempotent"));
    CHECK(server.accepted() == 2);  // no second attempt
  });
}

TEST_CASE("http_client notices a pooled connection the server closed and opens a new one", "[net][http_client]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    mlc::test::event closed{ioc.get_executor()};
    mlc::test::raw_server server{ioc.get_executor(),
                                 [&](mlc::test::raw_connection& c, std::size_t) -> awaitable<void> {
                                   co_await c.read_request();
                                   // Keep-alive response, then close anyway (an idle timeout).
                                   co_await c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                                   c.socket().close();
                                   closed.notify();
                                 }};
    auto url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
    http_client client{ioc.get_executor(), client_options{}};
    co_await client.send(url, post("a"));
    co_await closed.wait();
    auto r = co_await client.send(url, post("b"));  // even a POST: the close was seen before sending
    CHECK(r.body == "ok");
    CHECK(client.connections_opened() == 2);
  });
}

TEST_CASE("http_client closes pooled connections once idle_timeout passes, without another request", "[net][http_client]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    mlc::test::event client_closed{ioc.get_executor()};
    std::string after;
    mlc::test::raw_server server{ioc.get_executor(),
                                 [&](mlc::test::raw_connection& c, std::size_t) -> awaitable<void> {
                                   co_await c.read_request();
                                   co_await c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                                   after = co_await c.read_until_closed();  // ends when the client closes
                                   client_closed.notify();
                                 }};
    client_options options;
    options.idle_timeout = std::chrono::seconds{0};
    http_client client{ioc.get_executor(), options};
    auto r = co_await client.send("http://127.0.0.1:" + std::to_string(server.port()) + "/", http_request{});
    CHECK(r.body == "ok");
    co_await client_closed.wait();  // the pool's reaper closed it: no request was sent since
    CHECK(after.empty());
  });
}

TEST_CASE("http_client times out connecting to a listener that never accepts", "[net][http_client][timeout]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    // Backlog 0 holds one pending connection; the filler takes it, later SYNs are dropped.
    asio::ip::tcp::acceptor blackhole{ioc, asio::ip::tcp::v4()};
    blackhole.bind(asio::ip::tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0});
    blackhole.listen(0);
    auto port = blackhole.local_endpoint().port();
    mlc::test::raw_connection filler{ioc.get_executor()};
    co_await filler.connect("127.0.0.1", port);
    client_options options;
    options.connect_timeout = 100ms;
    http_client client{ioc.get_executor(), options};
    auto e = co_await expect_error(client, "http://127.0.0.1:" + std::to_string(port) + "/");
    CHECK(e.kind() == error_kind::timeout);
    CHECK_THAT(e.what(), Catch::Contains("connecting"));
  });
}

TEST_CASE("http_client times out an operation and the whole request", "[net][http_client][timeout]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    auto ex = ioc.get_executor();
    mlc::test::event release{ex};
    http_server server{ex, server_options{}, [&](http_request) -> awaitable<http_response> {
                         co_await release.wait();
                         co_return http_response{};
                       }};
    auto url = "http://127.0.0.1:" + std::to_string(server.listen("127.0.0.1", 0)) + "/";

    client_options per_operation;
    per_operation.operation_timeout = 50ms;
    http_client impatient{ex, per_operation};
    auto op = co_await expect_error(impatient, url);
    CHECK(op.kind() == error_kind::timeout);
    CHECK_THAT(op.what(), Catch::Contains("no progress for 50 ms"));

    client_options whole;
    whole.request_timeout = 80ms;
    http_client deadline_bound{ex, whole};
    auto all = co_await expect_error(deadline_bound, url);
    CHECK(all.kind() == error_kind::timeout);
    // On a loaded machine the 80 ms may already run out while connecting.
    CHECK_THAT(all.what(), Catch::Contains("deadline") || Catch::Contains("took longer than the connect timeout"));

    release.notify();
    co_await server.shutdown(1s);
  });
}

TEST_CASE("http_client enforces the response body limit and reads chunked bodies", "[net][http_client]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    http_server server{ioc.get_executor(), server_options{}, [](http_request r) -> awaitable<http_response> {
                         http_response out;
                         out.body = std::string(100, 'x');
                         if (r.target == "/chunked") out.headers.set("Transfer-Encoding", "chunked");
                         co_return out;
                       }};
    auto base = "http://127.0.0.1:" + std::to_string(server.listen("127.0.0.1", 0));
    client_options options;
    options.body_limit = 100;
    http_client client{ioc.get_executor(), options};
    auto chunked = co_await client.send(base + "/chunked", http_request{});
    CHECK(chunked.body == std::string(100, 'x'));
    CHECK(chunked.headers.get("Transfer-Encoding") == "chunked");

    options.body_limit = 99;
    http_client small{ioc.get_executor(), options};
    auto e = co_await expect_error(small, base + "/plain");
    CHECK(e.kind() == error_kind::body_too_large);
    auto e2 = co_await expect_error(small, base + "/chunked");
    CHECK(e2.kind() == error_kind::body_too_large);
    co_await server.shutdown(1s);
  });
}

TEST_CASE("large bodies are read in a few large reads, by the client and by the server", "[net][http_client]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    std::string big;
    for (int i = 0; big.size() < 300'000; ++i) big += std::to_string(i) + ",";
    server_options options;
    options.body_limit = 1024 * 1024;
    http_server server{ioc.get_executor(), options, [&big](http_request r) -> awaitable<http_response> {
                         http_response out;
                         out.body = r.body.size() == big.size() ? big : "wrong body";
                         if (r.target == "/chunked") out.headers.set("Transfer-Encoding", "chunked");
                         co_return out;
                       }};
    auto base = "http://127.0.0.1:" + std::to_string(server.listen("127.0.0.1", 0));
    http_client client{ioc.get_executor(), client_options{}};
    for (std::string target : {"/plain", "/chunked"}) {
      INFO(target);
      auto const client_before = client.response_reads();
      auto const server_before = server.body_reads();
      auto answer = co_await client.send(base + target, post(big));
      CHECK(answer.body == big);
      // Beast alone would read 512 bytes at a time here: some 600 reads each way (~20 now).
      CHECK(client.response_reads() - client_before < big.size() / 4096);
      CHECK(server.body_reads() - server_before < big.size() / 4096);
      CHECK(server.body_reads() - server_before > 0);
    }
    // Small bodies afterwards still arrive whole on the same connection.
    auto small = co_await client.send(base + "/plain", post("x"));
    CHECK(small.body == "wrong body");
    CHECK(client.connections_opened() == 1);
    co_await server.shutdown(1s);
  });
}

TEST_CASE("http_client reports bad URLs and refused connections clearly", "[net][http_client]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    http_client client{ioc.get_executor(), client_options{}};
    auto bad = co_await expect_error(client, "ftp://example.com/x?token=secret");
    CHECK(bad.kind() == error_kind::protocol);
    CHECK_THAT(bad.what(), Catch::Contains("ftp://example.com/x") && !Catch::Contains("secret"));

    // A port nobody listens on: bind one, note it, close it.
    unsigned short port = 0;
    {
      asio::ip::tcp::acceptor probe{ioc, asio::ip::tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}};
      port = probe.local_endpoint().port();
    }
    auto refused = co_await expect_error(client, "http://127.0.0.1:" + std::to_string(port) + "/");
    CHECK(refused.kind() == error_kind::connect);
    CHECK(refused.transient());
  });
}

TEST_CASE("http_client tunnels HTTPS through an HTTP proxy with CONNECT", "[net][http_client][proxy]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    auto ex = ioc.get_executor();
    http_server origin{ex, tls_server_options(), echo_handler()};
    auto origin_port = origin.listen("127.0.0.1", 0);
    std::string connect_head;
    // A tiny proxy: checks the CONNECT line, then copies bytes both ways.
    mlc::test::raw_server proxy{ex, [&](mlc::test::raw_connection& c, std::size_t) -> awaitable<void> {
                                  auto request = co_await c.read_request();
                                  connect_head = request.head;
                                  mlc::test::raw_connection upstream{c.socket().get_executor()};
                                  co_await upstream.connect("127.0.0.1", origin_port);
                                  co_await c.write("HTTP/1.1 200 Connection established\r\n\r\n");
                                  co_await mlc::test::pipe_both_ways(c, upstream);
                                }};
    auto options = trusting_test_ca();
    options.proxy = "http://user:pw@127.0.0.1:" + std::to_string(proxy.port());
    http_client client{ex, options};
    auto r = co_await client.send("https://localhost:" + std::to_string(origin_port) + "/through", http_request{});
    CHECK(r.body == "GET /through ");
    CHECK_THAT(connect_head, Catch::StartsWith("CONNECT localhost:" + std::to_string(origin_port) + " HTTP/1.1"));
    CHECK_THAT(connect_head, Catch::Contains("Proxy-Authorization: Basic dXNlcjpwdw=="));
    CHECK(proxy.accepted() == 1);
    co_await origin.shutdown(1s);
  });
}

TEST_CASE("http_client sends plain HTTP to a proxy in absolute form", "[net][http_client][proxy]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    std::string seen;
    mlc::test::raw_server proxy{ioc.get_executor(), [&](mlc::test::raw_connection& c, std::size_t) -> awaitable<void> {
                                  auto request = co_await c.read_request();
                                  seen = request.head;
                                  co_await c.write("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nproxied");
                                }};
    client_options options;
    options.proxy = "http://bob:pw@127.0.0.1:" + std::to_string(proxy.port());
    http_client client{ioc.get_executor(), options};
    http_request request;
    request.headers.set("Proxy-Authorization", "Basic bm90OnRoaXM=");  // the configured login replaces it
    auto r = co_await client.send("http://x3.example:8124/api1/x3/erp/SEED/PORDER?count=5", request);
    CHECK(r.body == "proxied");
    CHECK_THAT(seen, Catch::StartsWith("GET http://x3.example:8124/api1/x3/erp/SEED/PORDER?count=5 HTTP/1.1\r\n"));
    CHECK_THAT(seen, Catch::Contains("Host: x3.example:8124") && Catch::Contains("Proxy-Authorization: Basic Ym9iOnB3") &&
                         !Catch::Contains("bm90OnRoaXM"));
  });
}

TEST_CASE("http_client fails a proxy that refuses CONNECT with a connect error", "[net][http_client][proxy]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    mlc::test::raw_server proxy{ioc.get_executor(), [](mlc::test::raw_connection& c, std::size_t) -> awaitable<void> {
                                  co_await c.read_request();
                                  co_await c.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
                                }};
    client_options options;
    options.proxy = "http://127.0.0.1:" + std::to_string(proxy.port());
    http_client client{ioc.get_executor(), options};
    auto e = co_await expect_error(client, "https://acme.atlassian.net/rest/api/3/field");
    CHECK(e.kind() == error_kind::connect);
    CHECK_THAT(e.what(), Catch::Contains("refused CONNECT") && Catch::Contains("403"));
  });
}

TEST_CASE("http_client writes the request line, header fields and framing as HTTP/1.1 wants them", "[net][http_client]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    std::vector<mlc::test::raw_response> seen;
    // One connection, kept alive: every request arrives on it in turn.
    mlc::test::raw_server server{ioc.get_executor(), [&](mlc::test::raw_connection& c, std::size_t) -> awaitable<void> {
                                   for (;;) {
                                     auto request = co_await c.read_request();
                                     seen.push_back(request);
                                     co_await c.write("HTTP/1.1 204 No Content\r\n\r\n");
                                   }
                                 }};
    http_client client{ioc.get_executor(), client_options{}};
    auto base = "http://127.0.0.1:" + std::to_string(server.port());
    auto host = "127.0.0.1:" + std::to_string(server.port());

    http_request get;
    get.headers.set("Accept", "application/json");
    get.headers.set("X-Trace", "a b");
    co_await client.send(base + "/p?q=1", get);
    auto empty_post = post("");
    co_await client.send(base + "/e", empty_post);
    http_request put;
    put.method = "PUT";
    put.body = "{}";
    put.headers.set("Content-Length", "99");  // framing comes from the body
    put.headers.set("Transfer-Encoding", "chunked");
    put.headers.set("host", "jira.example");
    put.headers.set("User-Agent", "mine");
    co_await client.send(base + "/u", put);
    // Larger than a socket buffer: the head and the body leave in several writes.
    auto big = post(std::string(400'000, 'b'));
    co_await client.send(base + "/big", big);

    REQUIRE(seen.size() == 4);  // heads as received, without the blank line that ends them
    CHECK(seen[0].head == "GET /p?q=1 HTTP/1.1\r\nHost: " + host +
                              "\r\nUser-Agent: ml-connector\r\nAccept: application/json\r\nX-Trace: a b\r\n");
    CHECK(seen[0].body.empty());
    CHECK(seen[1].head == "POST /e HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: ml-connector\r\nContent-Length: 0\r\n");
    CHECK(seen[2].head == "PUT /u HTTP/1.1\r\nHost: jira.example\r\nUser-Agent: mine\r\nContent-Length: 2\r\n");
    CHECK(seen[2].body == "{}");
    CHECK(seen[3].body == big.body);

    // A field that would split the head is refused before anything is sent.
    for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"X-Evil", "a\r\nInjected: 1"}, {"X-Evil\r\nInjected", "1"}, {"Bad:Name", "1"}, {"", "1"}}) {
      http_request bad;
      bad.headers.add(name, value);
      auto e = co_await expect_error(client, base + "/bad", bad);
      CHECK(e.kind() == error_kind::protocol);
    }
    CHECK(seen.size() == 4);
  });
}
