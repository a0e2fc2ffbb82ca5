// Authentication of the emulated systems: X3 connected-app JWTs, X3 cloud OAuth2 with
// rotating refresh tokens, Atlassian 3LO via the gateway, Jira Basic and PAT.
#include <catch2/catch.hpp>

#include "tests/emulators/atlassian_gateway.hpp"
#include "tests/emulators/jira_site.hpp"
#include "tests/emulators/json_text.hpp"
#include "tests/emulators/jwt.hpp"
#include "tests/emulators/test_fixture.hpp"
#include "tests/emulators/text.hpp"
#include "tests/emulators/x3_site.hpp"

namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using mlc::emu::test::fixture;

std::string const k_query = R"({"query":"{ x3Purchasing { purchaseOrder { query { totalCount } } } }"})";

int graphql_status(fixture& f, std::string const& authorization) {
  auto req = f.x3(0, "POST", "/xtrem/api", k_query);
  req.headers.set("Authorization", authorization);
  req.headers.set("x-xtrem-endpoint", f.emu->x3(0).credentials().folder);
  return f.call(req).status;
}

std::string jwt(fixture& f, json::object overrides, std::string const& secret = {}, std::string const& alg = "HS256") {
  auto const& c = f.emu->x3(0).credentials();
  std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(f.clk->now().time_since_epoch()).count();
  json::object claims{{"iss", c.client_id}, {"sub", c.user}, {"aud", c.audience}, {"iat", now}, {"exp", now + 300}};
  for (auto const& kv : overrides) claims[kv.key()] = kv.value();
  return "Bearer " + mlc::emu::sign_jwt(claims, secret.empty() ? c.secret : secret, alg);
}

mlc::net::http_response token_call(fixture& f, std::string const& form, std::string const& content_type =
                                                                           "application/x-www-form-urlencoded") {
  auto req = f.x3(0, "POST", "/token", form);
  req.headers.set("Content-Type", content_type);
  return f.call(req);
}

}  // namespace

TEST_CASE("X3 GraphQL accepts only well-formed, signed, current connected-app JWTs", "[x3][auth]") {
  fixture f;
  std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(f.clk->now().time_since_epoch()).count();
  CHECK(graphql_status(f, jwt(f, {})) == 200);
  CHECK(graphql_status(f, jwt(f, {{"aud", json::array{"other", f.emu->x3(0).credentials().audience}}})) == 200);
  CHECK(graphql_status(f, jwt(f, {}, "not-the-secret")) == 401);
  CHECK(graphql_status(f, jwt(f, {{"aud", "x3:OTHER"}})) == 401);
  CHECK(graphql_status(f, jwt(f, {{"iss", "someone-else"}})) == 401);
  CHECK(graphql_status(f, jwt(f, {{"sub", "ADMIN"}})) == 401);
  CHECK(graphql_status(f, jwt(f, {{"iat", now - 600}, {"exp", now - 60}})) == 401);
  CHECK(graphql_status(f, jwt(f, {{"exp", now + 7200}})) == 401);  // lifetime beyond jwt_max_lifetime
  CHECK(graphql_status(f, jwt(f, {}, "", "none")) == 401);
  CHECK(graphql_status(f, jwt(f, {}, "", "HS512")) == 401);
  CHECK(graphql_status(f, "Bearer abc.def") == 401);
  CHECK(graphql_status(f, f.x3_basic(0)) == 401);

  // A token expires with the clock, not with wall time.
  auto token = jwt(f, {});
  f.clk->advance(299s);
  CHECK(graphql_status(f, token) == 200);
  f.clk->advance(40s);  // 339 s: past exp + 30 s leeway
  CHECK(graphql_status(f, token) == 401);

  auto req = f.x3(0, "POST", "/xtrem/api", k_query);
  req.headers.set("x-xtrem-endpoint", "T0000");
  auto r = f.call(req);
  CHECK(r.status == 401);
  CHECK(r.headers.get("WWW-Authenticate") == "Bearer error=\"invalid_token\"");
}

TEST_CASE("verify_jwt names what is wrong", "[x3][auth]") {
  mlc::emu::jwt_expectation e{"app", "USER", "aud", "secret", 3600s, 30s};
  auto now = *mlc::emu::parse_timestamp("2026-01-01T00:00:00Z");
  std::int64_t t = 1767225600;
  json::object ok{{"iss", "app"}, {"sub", "USER"}, {"aud", "aud"}, {"iat", t}, {"exp", t + 60}};
  CHECK_FALSE(mlc::emu::verify_jwt(mlc::emu::sign_jwt(ok, "secret"), e, now));
  CHECK(mlc::emu::verify_jwt(mlc::emu::sign_jwt(ok, "wrong"), e, now) == "bad signature");
  CHECK(mlc::emu::verify_jwt(mlc::emu::sign_jwt(ok, "secret"), e, now + 120s) == "token expired");
  CHECK(mlc::emu::verify_jwt(mlc::emu::sign_jwt(ok, "secret", "none"), e, now)->find("unsupported alg") == 0);
  auto no_exp = ok;
  no_exp.erase("exp");
  CHECK(mlc::emu::verify_jwt(mlc::emu::sign_jwt(no_exp, "secret"), e, now) == "missing exp");
  CHECK(mlc::emu::verify_jwt("a.b", e, now)->find("malformed") == 0);
}

TEST_CASE("X3 cloud OAuth2: client credentials, expiry, rotating refresh tokens with grace", "[x3][auth]") {
  mlc::emu::emulator_options o;
  o.x3_auth = "oauth2";
  fixture f{o};
  auto const& c = f.emu->x3(0).credentials();
  std::string client = "client_id=" + c.client_id + "&client_secret=" + c.secret;

  CHECK(token_call(f, "grant_type=client_credentials&client_id=" + c.client_id + "&client_secret=bad").status == 401);
  CHECK(token_call(f, "grant_type=password&" + client).status == 400);
  CHECK(token_call(f, "{}", "application/json").status == 400);

  auto granted = token_call(f, "grant_type=client_credentials&" + client);
  REQUIRE(granted.status == 200);
  std::string err;
  auto g = mlc::emu::parse_json(granted.body, err).as_object();
  CHECK(g.at("expires_in").as_int64() == 300);
  CHECK(g.at("token_type") == "Bearer");
  std::string access{g.at("access_token").as_string()};
  std::string refresh{g.at("refresh_token").as_string()};
  CHECK(graphql_status(f, "Bearer " + access) == 200);
  CHECK(graphql_status(f, jwt(f, {})) == 401);  // this tenant takes OAuth2 tokens, not JWTs

  // Client secret in a Basic header works too (RFC 6749 §2.3.1).
  auto basic = f.x3(0, "POST", "/token", "grant_type=client_credentials");
  basic.headers.set("Content-Type", "application/x-www-form-urlencoded");
  basic.headers.set("Authorization", mlc::emu::test::basic(c.client_id, c.secret));
  CHECK(f.call(basic).status == 200);

  f.clk->advance(301s);
  CHECK(graphql_status(f, "Bearer " + access) == 401);

  auto rotated = token_call(f, "grant_type=refresh_token&refresh_token=" + refresh + "&" + client);
  REQUIRE(rotated.status == 200);
  auto r1 = mlc::emu::parse_json(rotated.body, err).as_object();
  CHECK(r1.at("refresh_token").as_string() != refresh);
  CHECK(graphql_status(f, "Bearer " + std::string(r1.at("access_token").as_string())) == 200);

  // Grace 0 (the default): the old refresh token is dead at once.
  auto reuse = token_call(f, "grant_type=refresh_token&refresh_token=" + refresh + "&" + client);
  CHECK(reuse.status == 400);
  CHECK(mlc::emu::parse_json(reuse.body, err).at("error") == "invalid_grant");

  // With a grace period, a second use inside it gets the same successor; after it, invalid_grant.
  f.emu->global_knobs().x3.refresh_grace = 5000ms;
  std::string r1_refresh{r1.at("refresh_token").as_string()};
  auto second = token_call(f, "grant_type=refresh_token&refresh_token=" + r1_refresh + "&" + client);
  REQUIRE(second.status == 200);
  auto successor = mlc::emu::parse_json(second.body, err).at("refresh_token");
  f.clk->advance(4s);
  auto within = token_call(f, "grant_type=refresh_token&refresh_token=" + r1_refresh + "&" + client);
  REQUIRE(within.status == 200);
  CHECK(mlc::emu::parse_json(within.body, err).at("refresh_token") == successor);
  f.clk->advance(2s);
  auto after = token_call(f, "grant_type=refresh_token&refresh_token=" + r1_refresh + "&" + client);
  CHECK(after.status == 400);
  CHECK(mlc::emu::parse_json(after.body, err).at("error") == "invalid_grant");
}

TEST_CASE("Atlassian 3LO gateway: refresh rotation, site binding, expiry", "[jira][auth]") {
  mlc::emu::emulator_options o;
  o.tenants = 2;
  o.jira_auth = "oauth2";
  fixture f{o};
  auto cfg = f.emu->node_config();
  auto const& j0 = cfg.at("tenants").as_array()[0].at("jira").as_object();
  REQUIRE(j0.at("auth") == "oauth2");
  std::string cloud0 = f.emu->jira(0).credentials().cloud_id;
  std::string cloud1 = f.emu->jira(1).credentials().cloud_id;
  CHECK(std::string(j0.at("base_url").as_string()).find("/ex/jira/" + cloud0) != std::string::npos);

  auto refresh = [&](std::string const& token) {
    json::object body{{"grant_type", "refresh_token"},
                      {"client_id", j0.at("client_id")},
                      {"client_secret", j0.at("secret")},
                      {"refresh_token", token}};
    return f.call(f.gateway("POST", "/oauth/token", mlc::emu::to_json_text(body)));
  };
  std::string err;
  std::string initial{j0.at("refresh_token").as_string()};
  auto first = refresh(initial);
  REQUIRE(first.status == 200);
  auto g = mlc::emu::parse_json(first.body, err).as_object();
  CHECK(g.at("expires_in").as_int64() == 3600);
  std::string access{g.at("access_token").as_string()};

  auto call = [&](std::string const& cloud, std::string const& path) {
    auto req = f.gateway("GET", "/ex/jira/" + cloud + path);
    req.headers.set("Authorization", "Bearer " + access);
    return f.call(req);
  };
  auto me = call(cloud0, "/rest/api/3/myself");
  CHECK(me.status == 200);
  CHECK(call(cloud1, "/rest/api/3/myself").status == 403);  // the grant covers tenant 0's site only
  CHECK(call("no-such-cloud", "/rest/api/3/myself").status == 404);
  auto issue = call(cloud0, "/rest/api/3/project/OPS");
  REQUIRE(issue.status == 200);
  CHECK(issue.body.find("/ex/jira/" + cloud0 + "/rest/api/3/project/10000") != std::string::npos);

  auto resources = f.gateway("GET", "/oauth/token/accessible-resources");
  resources.headers.set("Authorization", "Bearer " + access);
  auto rv = f.call_json(resources, 200);
  CHECK(rv.as_array().at(0).at("id") == json::value(cloud0));

  // Reusing the initial refresh token after rotation: Atlassian answers 403 invalid_grant.
  auto reuse = refresh(initial);
  CHECK(reuse.status == 403);
  CHECK(mlc::emu::parse_json(reuse.body, err).at("error") == "invalid_grant");
  auto next = refresh(std::string(g.at("refresh_token").as_string()));
  CHECK(next.status == 200);

  f.clk->advance(3601s);
  CHECK(call(cloud0, "/rest/api/3/myself").status == 401);

  json::object bad{{"grant_type", "refresh_token"}, {"client_id", j0.at("client_id")}, {"client_secret", "x"}, {"refresh_token", initial}};
  CHECK(f.call(f.gateway("POST", "/oauth/token", mlc::emu::to_json_text(bad))).status == 401);

  // Direct Basic calls to an OAuth tenant's site address still work (a site takes both).
  CHECK(f.call(f.jira(0, "GET", "/rest/api/3/myself")).status == 200);
}

TEST_CASE("Jira credentials: cloud Basic, Data Center PAT and Basic", "[jira][auth]") {
  mlc::emu::emulator_options o;
  o.tenants = 4;
  o.jira_flavour = "mixed";
  fixture f{o};
  REQUIRE(f.emu->jira(0).credentials().flavour == mlc::emu::jira_flavour::cloud);
  REQUIRE(f.emu->jira(2).credentials().flavour == mlc::emu::jira_flavour::datacenter);
  CHECK(f.call(f.jira(0, "GET", "/rest/api/3/myself")).status == 200);
  CHECK(f.call(f.jira(0, "GET", "/rest/api/2/myself")).status == 404);  // the cloud emulation serves v3
  CHECK(f.call(f.jira(2, "GET", "/rest/api/2/myself")).status == 200);
  auto wrong = f.jira(0, "GET", "/rest/api/3/myself");
  wrong.headers.set("Authorization", mlc::emu::test::basic(f.emu->jira(0).credentials().email, "nope"));
  auto r = f.call(wrong);
  CHECK(r.status == 401);
  CHECK(r.body.find("errorMessages") != std::string::npos);
  auto pat_on_cloud = f.jira(0, "GET", "/rest/api/3/myself");
  pat_on_cloud.headers.set("Authorization", "Bearer " + f.emu->jira(0).credentials().pat);
  CHECK(f.call(pat_on_cloud).status == 401);
  auto dc_basic = f.jira(2, "GET", "/rest/api/2/myself");
  auto const& dc = f.emu->jira(2).credentials();
  dc_basic.headers.set("Authorization", mlc::emu::test::basic(dc.email, dc.api_token));
  CHECK(f.call(dc_basic).status == 200);
  auto no_auth = f.jira(2, "GET", "/rest/api/2/myself");
  no_auth.headers.erase("Authorization");
  CHECK(f.call(no_auth).status == 401);
}
