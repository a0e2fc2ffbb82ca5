#include "engine/oauth2.hpp"

#include <catch2/catch.hpp>

#include <deque>
#include <map>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/system/system_error.hpp>

#include "tests/support/test_support.hpp"

using namespace mlc;
using namespace mlc::engine;
using std::chrono::seconds;
using sys_time = std::chrono::system_clock::time_point;

namespace {

sys_time const t0 = sys_time{seconds{1'767'225'600}};  // 2026-01-01T00:00:00Z

// A one-shot event: an Asio timer that never expires on its own; set() wakes the waiters.
class event {
 public:
  explicit event(asio::any_io_executor ex) : timer_(std::move(ex), asio::steady_timer::time_point::max()) {}
  void set() {
    set_ = true;
    timer_.cancel();
  }
  bool is_set() const { return set_; }
  awaitable<void> wait() {
    if (set_) co_return;
    auto w = timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    co_await std::move(w);
    // The timer never expires: woken while not set means this waiter was cancelled.
    if (!set_) throw boost::system::system_error(asio::error::operation_aborted);
  }

 private:
  asio::steady_timer timer_;
  bool set_ = false;
};

struct fake_clock {
  sys_time now = t0;
  clock_fn fn() {
    return [this] { return now; };
  }
};

std::map<std::string, std::string> form_fields(std::string const& body) {
  auto hex = [](char c) { return c <= '9' ? c - '0' : c - 'A' + 10; };
  std::map<std::string, std::string> out;
  std::size_t at = 0;
  while (at <= body.size()) {
    auto end = body.find('&', at);
    if (end == std::string::npos) end = body.size();
    auto pair = body.substr(at, end - at);
    auto eq = pair.find('=');
    std::string decoded[2];
    std::string parts[2] = {pair.substr(0, eq), eq == std::string::npos ? "" : pair.substr(eq + 1)};
    for (int k = 0; k < 2; ++k)
      for (std::size_t i = 0; i < parts[k].size(); ++i) {
        if (parts[k][i] == '%' && i + 2 < parts[k].size() + 1) {
          decoded[k] += static_cast<char>(hex(parts[k][i + 1]) * 16 + hex(parts[k][i + 2]));
          i += 2;
        } else {
          decoded[k] += parts[k][i];
        }
      }
    out[decoded[0]] = decoded[1];
    at = end + 1;
  }
  return out;
}

net::http_response json_response(int status, std::string body) {
  net::http_response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

std::string grant_json(std::string const& access, int expires_in, std::string const& refresh = {}) {
  std::string body = R"({"access_token":")" + access + R"(","token_type":"Bearer","expires_in":)" +
                     std::to_string(expires_in);
  if (!refresh.empty()) body += R"(,"refresh_token":")" + refresh + "\"";
  return body + "}";
}

// The token endpoint, faked: records requests, answers from a queue, and can hold each
// request open until the test opens `gate`.
struct fake_token_server {
  struct seen {
    std::string url;
    net::http_request request;
    std::map<std::string, std::string> form() const { return form_fields(request.body); }
  };
  std::vector<seen> requests;
  std::deque<net::http_response> responses;
  std::vector<std::string>* log = nullptr;
  event* entered = nullptr;  // set when a request arrives
  event* gate = nullptr;     // when not null, requests wait for it
  std::string throw_message;  // when not empty, the transport throws this (a network failure)

  awaitable<net::http_response> handle(std::string url, net::http_request request) {
    requests.push_back({std::move(url), std::move(request)});
    if (log) log->push_back("request " + requests.back().form()["refresh_token"]);
    if (entered) entered->set();
    if (gate) co_await gate->wait();
    if (!throw_message.empty()) throw std::runtime_error(throw_message);
    REQUIRE_FALSE(responses.empty());
    auto response = std::move(responses.front());
    responses.pop_front();
    co_return response;
  }

  http_transport transport() {
    return [this](std::string url, net::http_request request) { return handle(std::move(url), std::move(request)); };
  }
};

struct persisted_store {
  std::vector<std::string> tokens;
  std::vector<std::string>* log = nullptr;
  event* entered = nullptr;  // set when a store begins
  event* gate = nullptr;     // when not null, stores wait for it
  bool fail = false;

  awaitable<void> store(std::string token) {
    if (log) log->push_back("persist " + token);
    if (entered) entered->set();
    if (gate) co_await gate->wait();
    if (fail) throw std::runtime_error("disk full while writing " + token);
    tokens.push_back(token);
    if (log) log->push_back("persisted " + token);
  }

  persist_fn fn() {
    return [this](std::string token) { return store(std::move(token)); };
  }
};

credential_spec refresh_spec() {
  credential_spec spec;
  spec.kind = credential_kind::oauth2_refresh;
  spec.name = "tenant acme, jira";
  spec.client_id = "client-id-1";
  spec.client_secret = "client-SECRET-xyz";
  spec.refresh_token = "rt-0";
  spec.token_url = "https://auth.example.com/oauth/token";
  spec.refresh_margin = seconds{60};
  return spec;
}

// Results of concurrent authorization() calls started with spawn_calls.
struct call_results {
  std::vector<std::string> headers;
  std::vector<std::exception_ptr> errors;
  int started = 0;
  std::size_t finished() const { return headers.size() + errors.size(); }
};

awaitable<std::string> counted_call(credential_source& source, call_results& results) {
  ++results.started;
  auto header = co_await source.authorization();
  co_return header;
}

void spawn_calls(asio::any_io_executor ex, credential_source& source, call_results& results, int count,
                 event& all_done) {
  for (int i = 0; i < count; ++i)
    asio::co_spawn(ex, counted_call(source, results),
                   [&results, &all_done, count](std::exception_ptr e, std::string header) {
                     if (e) results.errors.push_back(e);
                     else results.headers.push_back(std::move(header));
                     if (results.finished() == static_cast<std::size_t>(count)) all_done.set();
                   });
}

template <class F>
auth_error expect_auth_error(F&& f) {
  try {
    f();
  } catch (auth_error const& e) {
    return e;
  }
  FAIL("expected auth_error");
  throw std::logic_error("unreachable");
}

auth_error as_auth_error(std::exception_ptr e) {
  return expect_auth_error([&] { std::rethrow_exception(e); });
}

}  // namespace

// ---------------------------------------------------------------------------------------
// OAuth2 refresh-token grant

TEST_CASE("oauth2 refresh: 20 concurrent callers share exactly one token request") {
  fake_clock clock;
  fake_token_server server;
  persisted_store store;
  server.responses.push_back(json_response(200, grant_json("at-1", 3600, "rt-1")));
  std::vector<refresh_outcome> outcomes;
  auto source = make_credential_source(refresh_spec(), server.transport(), clock.fn(), store.fn(),
                                       [&](refresh_outcome o) { outcomes.push_back(o); });
  call_results results;

  test::run([&](asio::io_context& ioc) -> awaitable<void> {
    event entered(ioc.get_executor()), gate(ioc.get_executor()), all_done(ioc.get_executor());
    server.entered = &entered;
    server.gate = &gate;
    spawn_calls(ioc.get_executor(), *source, results, 20, all_done);
    co_await entered.wait();
    // Every caller has run up to its first suspension, i.e. it is waiting on the flight.
    REQUIRE(results.started == 20);
    CHECK(results.finished() == 0);
    gate.set();
    co_await all_done.wait();
    server.entered = server.gate = nullptr;
  });

  REQUIRE(server.requests.size() == 1);
  CHECK(results.errors.empty());
  REQUIRE(results.headers.size() == 20);
  for (auto const& h : results.headers) CHECK(h == "Bearer at-1");
  CHECK(outcomes == std::vector<refresh_outcome>{refresh_outcome::ok});

  auto const& seen = server.requests.front();
  CHECK(seen.url == "https://auth.example.com/oauth/token");
  CHECK(seen.request.method == "POST");
  CHECK(seen.request.target == "/oauth/token");
  CHECK(seen.request.headers.get("Content-Type") == "application/x-www-form-urlencoded");
  CHECK(seen.form() == std::map<std::string, std::string>{{"grant_type", "refresh_token"},
                                                           {"refresh_token", "rt-0"},
                                                           {"client_id", "client-id-1"},
                                                           {"client_secret", "client-SECRET-xyz"}});

  // Cached afterwards: no second request.
  auto again = test::run([&](asio::io_context&) { return source->authorization(); });
  CHECK(again == "Bearer at-1");
  CHECK(server.requests.size() == 1);
}

TEST_CASE("oauth2 refresh: the rotated refresh token is persisted before the access token is used") {
  fake_clock clock;
  std::vector<std::string> log;
  fake_token_server server;
  persisted_store store;
  server.log = &log;
  store.log = &log;
  server.responses.push_back(json_response(200, grant_json("at-1", 3600, "rt-1")));
  server.responses.push_back(json_response(200, grant_json("at-2", 3600, "rt-2")));
  auto source = make_credential_source(refresh_spec(), server.transport(), clock.fn(), store.fn());
  call_results results;

  test::run([&](asio::io_context& ioc) -> awaitable<void> {
    event store_entered(ioc.get_executor()), persisting(ioc.get_executor()), all_done(ioc.get_executor());
    store.entered = &store_entered;
    store.gate = &persisting;
    spawn_calls(ioc.get_executor(), *source, results, 3, all_done);
    co_await store_entered.wait();  // the exchange reached the persist step, which is held open
    CHECK(log == std::vector<std::string>{"request rt-0", "persist rt-1"});
    CHECK(results.finished() == 0);  // nobody has the new access token while it is unpersisted
    persisting.set();
    co_await all_done.wait();
    for (auto const& h : results.headers) log.push_back("got " + h);
  });
  CHECK(log == std::vector<std::string>{"request rt-0", "persist rt-1", "persisted rt-1", "got Bearer at-1",
                                        "got Bearer at-1", "got Bearer at-1"});
  CHECK(store.tokens == std::vector<std::string>{"rt-1"});

  // The next refresh presents the rotated token.
  clock.now = t0 + seconds{3600};
  store.entered = nullptr;  // those events died with the first io_context
  store.gate = nullptr;
  CHECK(test::run([&](asio::io_context&) { return source->authorization(); }) == "Bearer at-2");
  REQUIRE(server.requests.size() == 2);
  CHECK(server.requests[1].form()["refresh_token"] == "rt-1");
  CHECK(store.tokens == std::vector<std::string>{"rt-1", "rt-2"});
}

TEST_CASE("oauth2 refresh: a failed persist withholds the access token but keeps the new refresh token") {
  fake_clock clock;
  fake_token_server server;
  persisted_store store;
  store.fail = true;
  server.responses.push_back(json_response(200, grant_json("at-1", 3600, "rt-1")));
  server.responses.push_back(json_response(200, grant_json("at-2", 3600, "rt-2")));
  auto source = make_credential_source(refresh_spec(), server.transport(), clock.fn(), store.fn());

  auto e = expect_auth_error([&] { test::run([&](asio::io_context&) { return source->authorization(); }); });
  CHECK(e.failure() == auth_failure::persist_failed);
  CHECK_FALSE(e.transient());
  CHECK_THAT(e.what(), Catch::Contains("tenant acme, jira") && Catch::Contains("disk full"));
  CHECK_THAT(e.what(), !Catch::Contains("rt-1") && !Catch::Contains("at-1"));

  store.fail = false;
  CHECK(test::run([&](asio::io_context&) { return source->authorization(); }) == "Bearer at-2");
  REQUIRE(server.requests.size() == 2);
  CHECK(server.requests[1].form()["refresh_token"] == "rt-1");
  CHECK(store.tokens == std::vector<std::string>{"rt-2"});
}

TEST_CASE("oauth2 refresh: invalid_grant becomes auth_error without secrets, for every waiter") {
  fake_clock clock;
  fake_token_server server;
  persisted_store store;
  // A careless server that echoes the refresh token back.
  server.responses.push_back(json_response(
      400, R"({"error":"invalid_grant","error_description":"Unknown or invalid refresh token rt-0 for client-SECRET-xyz"})"));
  std::vector<refresh_outcome> outcomes;
  auto source = make_credential_source(refresh_spec(), server.transport(), clock.fn(), store.fn(),
                                       [&](refresh_outcome o) { outcomes.push_back(o); });
  call_results results;
  test::run([&](asio::io_context& ioc) -> awaitable<void> {
    event all_done(ioc.get_executor());
    spawn_calls(ioc.get_executor(), *source, results, 3, all_done);
    co_await all_done.wait();
  });
  CHECK(server.requests.size() == 1);
  REQUIRE(results.errors.size() == 3);
  CHECK(outcomes == std::vector<refresh_outcome>{refresh_outcome::rejected});
  for (auto const& error : results.errors) {
    auto e = as_auth_error(error);
    CHECK(e.failure() == auth_failure::rejected);
    CHECK(e.status() == 400);
    CHECK(e.oauth_error() == "invalid_grant");
    CHECK_FALSE(e.transient());
    std::string what = e.what();
    CHECK_THAT(what, Catch::Contains("tenant acme, jira") && Catch::Contains("https://auth.example.com/oauth/token") &&
                         Catch::Contains("invalid_grant") && Catch::Contains("authorize the app again"));
    CHECK_THAT(what, !Catch::Contains("client-SECRET-xyz") && !Catch::Contains("rt-0"));
  }
  CHECK(store.tokens.empty());
}

TEST_CASE("oauth2 refresh: reject() of the current header forces one refresh, of an old one none") {
  fake_clock clock;
  fake_token_server server;
  persisted_store store;
  server.responses.push_back(json_response(200, grant_json("at-1", 3600, "rt-1")));
  server.responses.push_back(json_response(200, grant_json("at-2", 3600, "rt-2")));
  auto source = make_credential_source(refresh_spec(), server.transport(), clock.fn(), store.fn());
  auto get = [&] { return test::run([&](asio::io_context&) { return source->authorization(); }); };

  CHECK(get() == "Bearer at-1");
  source->reject("Bearer at-1");
  CHECK(get() == "Bearer at-2");
  CHECK(server.requests.size() == 2);
  source->reject("Bearer at-1");  // a late 401 for the old token: someone already refreshed
  CHECK(get() == "Bearer at-2");
  CHECK(server.requests.size() == 2);
}

TEST_CASE("oauth2 refresh: the expiry margin is honoured and clamped to half the lifetime") {
  fake_clock clock;
  fake_token_server server;
  persisted_store store;
  server.responses.push_back(json_response(200, grant_json("at-1", 3600)));  // no rotation
  server.responses.push_back(json_response(200, grant_json("at-2", 60)));
  server.responses.push_back(json_response(200, R"({"access_token":"at-3"})"));  // no expires_in
  server.responses.push_back(json_response(200, grant_json("at-4", 60)));
  auto spec = refresh_spec();
  spec.lifetime = seconds{120};
  auto source = make_credential_source(spec, server.transport(), clock.fn(), store.fn());
  auto get = [&] { return test::run([&](asio::io_context&) { return source->authorization(); }); };

  CHECK(get() == "Bearer at-1");
  clock.now = t0 + seconds{3539};
  CHECK(get() == "Bearer at-1");
  clock.now = t0 + seconds{3540};  // 60 s before expiry
  CHECK(get() == "Bearer at-2");
  CHECK(server.requests[1].form()["refresh_token"] == "rt-0");  // not rotated: same token again
  CHECK(store.tokens.empty());

  // expires_in 60 with a 60 s margin: clamped to 30 s.
  clock.now += seconds{29};
  CHECK(get() == "Bearer at-2");
  clock.now += seconds{1};
  CHECK(get() == "Bearer at-3");
  // No expires_in: spec.lifetime (120 s) with the 60 s margin.
  clock.now += seconds{59};
  CHECK(get() == "Bearer at-3");
  clock.now += seconds{1};
  CHECK(get() == "Bearer at-4");
  CHECK(server.requests.size() == 4);
}

TEST_CASE("oauth2: a cancelled waiter does not abort the shared refresh") {
  fake_clock clock;
  fake_token_server server;
  persisted_store store;
  server.responses.push_back(json_response(200, grant_json("at-1", 3600, "rt-1")));
  auto source = make_credential_source(refresh_spec(), server.transport(), clock.fn(), store.fn());
  std::exception_ptr first_error;
  bool first_done = false;
  std::string second_header;

  test::run([&](asio::io_context& ioc) -> awaitable<void> {
    event entered(ioc.get_executor()), gate(ioc.get_executor()), first_finished(ioc.get_executor());
    server.entered = &entered;
    server.gate = &gate;
    asio::cancellation_signal cancel;
    asio::co_spawn(ioc, source->authorization(),
                   asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, std::string) {
                     first_error = e;
                     first_done = true;
                     first_finished.set();
                   }));
    co_await entered.wait();
    cancel.emit(asio::cancellation_type::terminal);
    co_await first_finished.wait();
    gate.set();
    auto second = source->authorization();
    second_header = co_await std::move(second);
  });
  REQUIRE(first_done);
  REQUIRE(first_error);
  CHECK_THROWS_AS(std::rethrow_exception(first_error), boost::system::system_error);
  CHECK(second_header == "Bearer at-1");
  CHECK(server.requests.size() == 1);
  CHECK(store.tokens == std::vector<std::string>{"rt-1"});
}

TEST_CASE("oauth2: the source may be destroyed while a refresh is in flight") {
  fake_clock clock;
  fake_token_server server;
  persisted_store store;
  server.responses.push_back(json_response(200, grant_json("at-1", 3600, "rt-1")));
  auto source = make_credential_source(refresh_spec(), server.transport(), clock.fn(), store.fn());
  test::run([&](asio::io_context& ioc) -> awaitable<void> {
    event entered(ioc.get_executor()), gate(ioc.get_executor()), done(ioc.get_executor());
    server.entered = &entered;
    server.gate = &gate;
    call_results results;
    spawn_calls(ioc.get_executor(), *source, results, 1, done);
    co_await entered.wait();
    source.reset();
    gate.set();
    co_await done.wait();
    CHECK(results.headers == std::vector<std::string>{"Bearer at-1"});
  });
  CHECK(store.tokens == std::vector<std::string>{"rt-1"});  // the rotation was still stored
}

// ---------------------------------------------------------------------------------------
// OAuth2 client credentials, errors and helpers

TEST_CASE("oauth2 client credentials: grant fields, JSON body option, no persistence") {
  fake_clock clock;
  fake_token_server server;
  server.responses.push_back(json_response(200, grant_json("cc-1", 300, "ignored")));
  server.responses.push_back(json_response(200, grant_json("cc-2", 300)));
  credential_spec spec;
  spec.kind = credential_kind::oauth2_client_credentials;
  spec.name = "tenant acme, x3";
  spec.client_id = "app";
  spec.client_secret = "s e/c&r=t";
  spec.scope = "api.dataDelivery";
  spec.token_url = "https://api.example.com/v1/token?region=eu";
  auto source = make_credential_source(spec, server.transport(), clock.fn(), {});
  CHECK(test::run([&](asio::io_context&) { return source->authorization(); }) == "Bearer cc-1");
  auto const& seen = server.requests.front();
  CHECK(seen.request.target == "/v1/token?region=eu");
  CHECK(seen.form() == std::map<std::string, std::string>{{"grant_type", "client_credentials"},
                                                           {"client_id", "app"},
                                                           {"client_secret", "s e/c&r=t"},
                                                           {"scope", "api.dataDelivery"}});

  spec.body = token_body::json;
  auto json_source = make_credential_source(spec, server.transport(), clock.fn(), {});
  CHECK(test::run([&](asio::io_context&) { return json_source->authorization(); }) == "Bearer cc-2");
  auto const& second = server.requests.back();
  CHECK(second.request.headers.get("Content-Type") == "application/json");
  auto body = boost::json::parse(second.request.body).as_object();
  CHECK(body.at("grant_type").as_string() == "client_credentials");
  CHECK(body.at("client_secret").as_string() == "s e/c&r=t");
  CHECK_FALSE(body.contains("refresh_token"));
}

TEST_CASE("oauth2: 5xx and 429 are transient, bad bodies are not, transport errors pass through") {
  fake_clock clock;
  fake_token_server server;
  persisted_store store;
  std::vector<refresh_outcome> outcomes;
  server.responses.push_back(json_response(503, "<html>down</html>"));
  server.responses.push_back(json_response(429, "{}"));
  server.responses.push_back(json_response(200, "not json"));
  server.responses.push_back(json_response(200, R"({"access_token":"x","token_type":"mac"})"));
  server.responses.push_back(json_response(404, "no such endpoint"));
  auto source = make_credential_source(refresh_spec(), server.transport(), clock.fn(), store.fn(),
                                       [&](refresh_outcome o) { outcomes.push_back(o); });
  auto get = [&] { return test::run([&](asio::io_context&) { return source->authorization(); }); };

  auto unavailable = expect_auth_error(get);
  CHECK(unavailable.failure() == auth_failure::unavailable);
  CHECK(unavailable.status() == 503);
  CHECK(unavailable.transient());
  CHECK(expect_auth_error(get).status() == 429);
  auto not_json = expect_auth_error(get);
  CHECK(not_json.failure() == auth_failure::bad_response);
  CHECK_THAT(not_json.what(), Catch::Contains("not a JSON object"));
  CHECK_THAT(expect_auth_error(get).what(), Catch::Contains("token_type is not Bearer"));
  auto missing = expect_auth_error(get);
  CHECK(missing.failure() == auth_failure::bad_response);
  CHECK_THAT(missing.what(), Catch::Contains("HTTP 404") && Catch::Contains("check the token URL"));

  server.throw_message = "connection refused";
  CHECK_THROWS_WITH(get(), "connection refused");
  CHECK(outcomes.size() == 6);
  CHECK(outcomes.back() == refresh_outcome::failed);
}

TEST_CASE("oauth2: a token endpoint that never answers times out") {
  fake_clock clock;
  fake_token_server server;
  persisted_store store;
  auto spec = refresh_spec();
  spec.token_timeout = seconds{1};
  auto source = make_credential_source(spec, server.transport(), clock.fn(), store.fn());
  auto e = expect_auth_error([&] {
    test::run([&](asio::io_context& ioc) -> awaitable<std::string> {
      event never(ioc.get_executor());
      server.gate = &never;
      auto call = source->authorization();
      auto header = co_await std::move(call);
      co_return header;
    });
  });
  CHECK(e.failure() == auth_failure::timeout);
  CHECK(e.transient());
  CHECK_THAT(e.what(), Catch::Contains("no answer within 1 s"));
}

TEST_CASE("oauth2 spec validation names the missing piece") {
  fake_token_server server;
  persisted_store store;
  auto spec = refresh_spec();
  CHECK_THAT(expect_auth_error([&] { make_credential_source(spec, server.transport(), {}, {}); }).what(),
             Catch::Contains("persist"));
  spec.token_url = "auth.example.com/token";
  auto bad_url = expect_auth_error([&] { make_credential_source(spec, server.transport(), {}, store.fn()); });
  CHECK(bad_url.failure() == auth_failure::misconfigured);
  CHECK_THAT(bad_url.what(), Catch::Contains("token_url"));
  spec = refresh_spec();
  spec.refresh_token.clear();
  CHECK_THAT(expect_auth_error([&] { make_credential_source(spec, server.transport(), {}, store.fn()); }).what(),
             Catch::Contains("refresh_token"));
  spec = refresh_spec();
  CHECK_THAT(expect_auth_error([&] { make_credential_source(spec, {}, {}, store.fn()); }).what(),
             Catch::Contains("transport"));
}

TEST_CASE("form_encode percent-encodes everything but unreserved characters") {
  CHECK(form_encode({{"a b", "c&d=e/f"}, {"x", "é~-._"}}) == "a%20b=c%26d%3De%2Ff&x=%C3%A9~-._");
  CHECK(form_encode({}).empty());
}

TEST_CASE("parse_token_response accepts the usual shapes") {
  auto g = parse_token_response(R"({"access_token":"a","token_type":"bearer","expires_in":"3600","refresh_token":"r"})",
                                "t");
  CHECK(g.access_token == "a");
  CHECK(g.expires_in == seconds{3600});
  CHECK(g.refresh_token == "r");
  auto plain = parse_token_response(R"({"access_token":"a","refresh_token":null,"expires_in":299.9})", "t");
  CHECK(plain.expires_in == seconds{299});
  CHECK_FALSE(plain.refresh_token);
  CHECK_THROWS_AS(parse_token_response(R"({"access_token":"a","expires_in":0})", "t"), auth_error);
  CHECK_THROWS_AS(parse_token_response(R"({"access_token":"a","expires_in":"soon"})", "t"), auth_error);
  CHECK_THROWS_AS(parse_token_response(R"({"access_token":"a\r\nX: y"})", "t"), auth_error);
  CHECK_THROWS_AS(parse_token_response(R"({"access_token":""})", "t"), auth_error);
}

TEST_CASE("token_endpoint_error sorts statuses and masks secrets") {
  auto e = token_endpoint_error(401, R"({"error":"invalid_client","error_description":"bad secret hunter2"})", "w",
                                {"hunter2"});
  CHECK(e.failure() == auth_failure::rejected);
  CHECK(e.oauth_error() == "invalid_client");
  CHECK(std::string(e.what()) == "w: HTTP 401, invalid_client (bad secret ***) — check the client id and client secret");
  auto odd = token_endpoint_error(400, R"({"error":"bad\"code"})", "w", {});
  CHECK(odd.oauth_error().empty());  // not an RFC 6749 error code: not repeated
  CHECK(token_endpoint_error(502, "", "w", {}).failure() == auth_failure::unavailable);
  CHECK(token_endpoint_error(302, "", "w", {}).failure() == auth_failure::bad_response);
}
