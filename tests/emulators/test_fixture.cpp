#include "tests/emulators/test_fixture.hpp"

#include <stdexcept>

#include <boost/asio/co_spawn.hpp>

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

fixture::fixture(emulator_options o, bool listen) {
  clk = std::make_shared<manual_clock>(test_start());
  o.clk = clk;
  o.listen = listen;
  emu = std::make_unique<emulator>(ioc.get_executor(), o);
}

fixture::~fixture() = default;

net::http_response fixture::call(net::http_request req) {
  std::optional<net::http_response> out;
  std::exception_ptr failure;
  boost::asio::co_spawn(ioc, emu->handle(std::move(req)), [&](std::exception_ptr e, net::http_response r) {
    failure = e;
    if (!e) out = std::move(r);
  });
  ioc.restart();
  ioc.run();
  if (failure) std::rethrow_exception(failure);
  if (!out) throw std::runtime_error("emulator handle() did not complete");
  return std::move(*out);
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
