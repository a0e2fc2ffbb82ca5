#include "engine/remote.hpp"

#include <catch2/catch.hpp>

#include <vector>

#include "net/error.hpp"
#include "net/host_limiter.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "tests/support/test_support.hpp"

namespace {

using namespace std::chrono_literals;
using mlc::awaitable;
using mlc::net::http_request;
using mlc::net::http_response;
namespace asio = boost::asio;

// "Bearer 1" until a 401 rejects it, then "Bearer 2".
struct rotating_token : mlc::engine::credential_source {
  int generation = 1;
  std::vector<std::string> rejected;
  awaitable<std::string> authorization() override { co_return "Bearer " + std::to_string(generation); }
  void reject(std::string const& header) override {
    rejected.push_back(header);
    ++generation;
  }
};

struct received {
  std::string authorization;
  std::string body;
};

}  // namespace

TEST_CASE("remote::call sends a create's whole body again after a 401, with the refreshed token", "[engine][remote]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    auto ex = ioc.get_executor();
    std::vector<received> seen;
    mlc::net::http_server server{ex, mlc::net::server_options{}, [&](http_request r) -> awaitable<http_response> {
                                   auto auth = r.headers.get("Authorization");
                                   seen.push_back({std::string{auth.value_or("")}, r.body});
                                   http_response out;
                                   out.status = seen.back().authorization == "Bearer 1" ? 401 : 201;
                                   co_return out;
                                 }};
    auto port = server.listen("127.0.0.1", 0);
    auto client = std::make_shared<mlc::net::http_client>(ex, mlc::net::client_options{});
    auto limiter = std::make_shared<mlc::net::host_limiter_registry>("jira", mlc::net::limiter_settings{0, 1, 0});
    auto token = std::make_shared<rotating_token>();
    mlc::engine::remote jira{"jira", "http://127.0.0.1:" + std::to_string(port), client, limiter, token};

    // Larger than a socket buffer: the body goes out in several writes on each attempt.
    std::string body = "{\"fields\":\"" + std::string(300'000, 'x') + "\"}";
    auto response = co_await jira.call("POST", "/rest/api/3/issue", body, mlc::engine::call_safety::create);
    CHECK(response.status == 201);
    CHECK(seen.size() == 2);
    for (std::size_t i = 0; i < seen.size(); ++i) {
      CHECK(seen[i].authorization == "Bearer " + std::to_string(i + 1));
      CHECK(seen[i].body.size() == body.size());
      CHECK(seen[i].body == body);
    }
    CHECK(token->rejected == std::vector<std::string>{"Bearer 1"});
    co_await server.shutdown(1s);
  });
}

TEST_CASE("remote::call sends credentials to absolute URLs on its own origin only", "[engine][remote]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    auto ex = ioc.get_executor();
    std::vector<std::string> targets;
    mlc::net::http_server server{ex, mlc::net::server_options{}, [&](http_request r) -> awaitable<http_response> {
                                   targets.push_back(r.target + " " + std::string{r.headers.get("Authorization").value_or("")});
                                   http_response out;
                                   out.status = 200;
                                   co_return out;
                                 }};
    auto port = std::to_string(server.listen("127.0.0.1", 0));
    auto client = std::make_shared<mlc::net::http_client>(ex, mlc::net::client_options{});
    auto limiter = std::make_shared<mlc::net::host_limiter_registry>("x3", mlc::net::limiter_settings{0, 1, 0});
    auto token = std::make_shared<rotating_token>();
    mlc::engine::remote x3{"x3", "http://localhost:" + port + "/base/", client, limiter, token};

    // The same scheme, host (in any case) and port: sent, as given.
    auto same = co_await x3.call("GET", "http://LocalHost:" + port + "/base/next?page=2");
    CHECK(same.status == 200);
    auto relative = co_await x3.call("GET", "/page?x=1");
    CHECK(relative.status == 200);
    CHECK(targets == std::vector<std::string>{"/base/next?page=2 Bearer 1", "/base/page?x=1 Bearer 1"});

    // Another port, scheme or host, or no valid URL at all: refused before anything is sent.
    for (std::string other : std::vector<std::string>{
             "http://localhost:1/base/next", "https://localhost:" + port + "/base/next",
             "http://127.0.0.1:" + port + "/base/next", "http://localhost:" + port + "x/next", "http://"}) {
      std::string message;
      try {
        co_await x3.call("GET", other);
      } catch (mlc::net::error const& e) {
        CHECK(e.kind() == mlc::net::error_kind::protocol);
        message = e.what();
      }
      INFO(other);
      CHECK(message.find("refusing to send credentials") != std::string::npos);
    }
    CHECK(targets.size() == 2);
    co_await server.shutdown(1s);
  });
}
