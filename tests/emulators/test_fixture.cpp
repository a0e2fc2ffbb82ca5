#include "tests/emulators/test_fixture.hpp"

#include <cstdlib>
#include <stdexcept>
#include <type_traits>

#include <boost/asio/co_spawn.hpp>

#include "net/http_client.hpp"
#include "tests/emulators/jira_site.hpp"
#include "tests/emulators/json_text.hpp"
#include "tests/emulators/jwt.hpp"
#include "tests/emulators/text.hpp"
#include "tests/emulators/x3_site.hpp"

namespace mlc::emu::test {
namespace json = boost::json;

std::string basic(std::string const& user, std::string const& password) {
  return "Basic " + base64_encode(user + ":" + password);
}

struct fixture::client_holder {
  client_holder(boost::asio::any_io_executor ex, net::client_options o) : client{std::move(ex), std::move(o)} {}
  net::http_client client;
};

fixture::fixture(emulator_options o) {
  char const* transport = std::getenv("MLC_EMU_TEST_TRANSPORT");
  over_http_ = transport && std::string_view(transport) == "http";
  clk = std::make_shared<manual_clock>(test_start());
  o.clk = clk;
  o.listen = over_http_;
  emu = std::make_unique<emulator>(ioc.get_executor(), o);
  if (over_http_) {
    emu->start();
    net::client_options co;
    co.request_timeout = std::chrono::seconds{30};
    client_ = std::make_unique<client_holder>(ioc.get_executor(), co);
  }
}

fixture::~fixture() {
  try {
    client_.reset();
    if (over_http_) run(emu->stop());
  } catch (std::exception const&) {
    // a failing stop must not hide the test's own failure
  }
}

template <class T>
T fixture::run(boost::asio::awaitable<T> work) {
  // Runs until `work` completes; with listeners open the io_context never runs dry.
  std::optional<std::conditional_t<std::is_void_v<T>, bool, T>> out;
  std::exception_ptr failure;
  bool done = false;
  if constexpr (std::is_void_v<T>) {
    boost::asio::co_spawn(ioc, std::move(work), [&](std::exception_ptr e) {
      failure = e;
      done = true;
    });
  } else {
    boost::asio::co_spawn(ioc, std::move(work), [&](std::exception_ptr e, T r) {
      failure = e;
      if (!e) out = std::move(r);
      done = true;
    });
  }
  ioc.restart();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{60};
  while (!done && std::chrono::steady_clock::now() < deadline) ioc.run_one_for(std::chrono::milliseconds{100});
  if (failure) std::rethrow_exception(failure);
  if (!done) throw std::runtime_error("emulator request did not complete within 60 s");
  if constexpr (!std::is_void_v<T>) return std::move(*out);
}

net::http_response fixture::call(net::http_request req) {
  if (!over_http_) return run(emu->handle(std::move(req)));
  std::string url = "http://" + req.local_address + ":" +
                    std::to_string(req.local_address == "127.0.0.1" ? std::stoi(emu->control_url().substr(emu->control_url().rfind(':') + 1))
                                                                   : emu->port()) +
                    req.target;
  req.headers.erase("Host");  // the client writes the real one
  return run(client_->client.send(std::move(url), std::move(req)));
}

std::string fixture::jira_origin(std::size_t i) const {
  return "http://" + jira_address(i) + ":" + std::to_string(over_http_ ? emu->port() : 8080);
}

std::string fixture::x3_origin(std::size_t i) const {
  return "http://" + x3_address(i) + ":" + std::to_string(over_http_ ? emu->port() : 8080);
}

json::value fixture::call_json(net::http_request req, int expected_status) {
  auto target = req.method + " " + req.target;
  auto r = call(std::move(req));
  if (r.status != expected_status)
    throw std::runtime_error(target + ": expected HTTP " + std::to_string(expected_status) + ", got " +
                             std::to_string(r.status) + ": " + r.body);
  if (r.body.empty()) return nullptr;
  std::string err;
  auto v = parse_json(r.body, err);
  if (!err.empty()) throw std::runtime_error(target + ": body is not JSON: " + r.body);
  return v;
}

namespace {
net::http_request make(std::string address, std::string method, std::string target, std::string body) {
  net::http_request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  r.local_address = address;
  r.local_port = 8080;
  r.headers.set("Host", address + ":8080");
  if (!r.body.empty()) r.headers.set("Content-Type", "application/json");
  return r;
}
}  // namespace

net::http_request fixture::x3(std::size_t i, std::string method, std::string target, std::string body) const {
  return make(x3_address(i), std::move(method), std::move(target), std::move(body));
}
net::http_request fixture::jira(std::size_t i, std::string method, std::string target, std::string body) const {
  auto r = make(jira_address(i), std::move(method), std::move(target), std::move(body));
  r.headers.set("Authorization", jira_auth(i));
  return r;
}
net::http_request fixture::gateway(std::string method, std::string target, std::string body) const {
  return make(k_gateway_address, std::move(method), std::move(target), std::move(body));
}
net::http_request fixture::control(std::string method, std::string target, std::string body) const {
  return make("127.0.0.1", std::move(method), std::move(target), std::move(body));
}

std::string fixture::x3_jwt(std::size_t i, std::int64_t lifetime_s) const {
  auto const& c = emu->x3(i).credentials();
  std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(clk->now().time_since_epoch()).count();
  json::object claims{{"iss", c.client_id}, {"sub", c.user}, {"aud", c.audience}, {"iat", now}, {"exp", now + lifetime_s}};
  return "Bearer " + sign_jwt(claims, c.secret);
}

std::string fixture::x3_basic(std::size_t i) const {
  auto const& c = emu->x3(i).credentials();
  return basic(c.username, c.password);
}

std::string fixture::jira_auth(std::size_t i) const {
  auto const& c = emu->jira(i).credentials();
  if (c.flavour == jira_flavour::datacenter) return "Bearer " + c.pat;
  return basic(c.email, c.api_token);
}

json::object fixture::graphql(std::size_t i, std::string const& query, json::object variables) {
  json::object body{{"query", query}, {"variables", std::move(variables)}};
  auto r = x3(i, "POST", "/xtrem/api", to_json_text(body));
  r.headers.set("Authorization", x3_jwt(i));
  r.headers.set("x-xtrem-endpoint", emu->x3(i).credentials().folder);
  auto v = call_json(std::move(r), 200);
  return v.as_object();
}

}  // namespace mlc::emu::test
