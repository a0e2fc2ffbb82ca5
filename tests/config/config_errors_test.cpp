#include <catch2/catch.hpp>

#include "config/node_config.hpp"
#include "tests/config/config_files.hpp"
#include "tests/support/test_support.hpp"

using namespace mlc::config;
using mlc::test::tenant_body;
using mlc::test::write_file;

namespace {

// Loads a node config holding `node_json`; returns the error (or fails the test).
config_error load_error(std::string const& node_json) {
  mlc::test::temp_dir dir;
  auto file = write_file(dir.path() / "node.json", node_json);
  try {
    load_node_config(file);
  } catch (config_error const& e) {
    CHECK(e.file() == file.string());
    return e;
  }
  FAIL("no config_error for: " << node_json);
  throw std::logic_error("unreachable");
}

// A node config with one inline tenant whose body is tenant_body(...) plus `id`.
std::string one_tenant(std::string const& extra, std::string const& id = "\"acme\"") {
  return R"({ "tenants": [ { "id": )" + id + ", " + tenant_body(extra) + "} ] }";
}
std::string x3_tenant(std::string const& x3_extra) {
  return R"({ "tenants": [ { "id": "acme", )" + tenant_body("", x3_extra) + "} ] }";
}
std::string jira_tenant(std::string const& jira_extra) {
  return R"({ "tenants": [ { "id": "acme", )" + tenant_body("", "", jira_extra) + "} ] }";
}

// The second of two tenants (to check indices in paths).
std::string second_tenant(std::string const& extra, std::string const& jira_extra = "") {
  return R"({ "tenants": [ { "id": "first", )" + tenant_body() + R"( }, { "id": "second", )" +
         tenant_body(extra, "", jira_extra) + "} ] }";
}

}  // namespace

TEST_CASE("unknown keys are rejected with their path") {
  auto e = load_error(R"({ "listen": "127.0.0.1:1", "colour": "blue" })");
  CHECK(e.path() == "colour");
  CHECK_THAT(e.what(), Catch::Contains("unknown key; expected one of \"listen\""));

  e = load_error(second_tenant("", R"("project_key": "OPS", "projectKey": "OPS")"));
  CHECK(e.path() == "tenants[1].jira.projectKey");
  e = load_error(R"({ "limits": { "jira": { "rps": 5 } } })");
  CHECK(e.path() == "limits.jira.rps");
  e = load_error(R"({ "limits": { "jira": { "burst": 0 } } })");
  CHECK(e.path() == "limits.jira.burst");
  e = load_error(one_tenant(R"("schedule": { "every": 5 })"));
  CHECK(e.path() == "tenants[0].schedule.every");
}

TEST_CASE("wrong types name the path and the expected type") {
  auto e = load_error(R"({ "listen": 9464 })");
  CHECK(e.path() == "listen");
  CHECK_THAT(e.what(), Catch::Contains("expected a string, got an integer"));

  e = load_error(second_tenant(R"("paused": "yes")"));
  CHECK(e.path() == "tenants[1].paused");
  CHECK_THAT(e.what(), Catch::Contains("expected true or false, got a string"));

  e = load_error(R"({ "tenants": {} })");
  CHECK(e.path() == "tenants");

  e = load_error(R"({ "tenants": [ 42 ] })");
  CHECK(e.path() == "tenants[0]");
  CHECK_THAT(e.what(), Catch::Contains("expected an object, got an integer"));

  e = load_error(one_tenant(R"("lookback": "soon")"));
  CHECK(e.path() == "tenants[0].lookback");
  CHECK_THAT(e.what(), Catch::Contains("expected a duration"));

  e = load_error(one_tenant(R"("schedule": { "days": [1, 8] })"));
  CHECK(e.path() == "tenants[0].schedule.days[1]");
}

TEST_CASE("field_map keys must be logical field names, values non-empty") {
  auto e = load_error(jira_tenant(R"("field_map": { "vendor": "" })"));
  CHECK(e.path() == "tenants[0].jira.field_map.vendor");
  CHECK_THAT(e.what(), Catch::Contains("expected a non-empty string"));

  e = load_error(second_tenant("", R"("field_map": { "colour": "Colour" })"));
  CHECK(e.path() == "tenants[1].jira.field_map.colour");
  CHECK_THAT(e.what(), Catch::Contains("\"vendor\"") && Catch::Contains("\"related_po\""));

  e = load_error(jira_tenant(R"("field_map": { "odd key": "X" })"));
  CHECK(e.path() == "tenants[0].jira.field_map[\"odd key\"]");
}

TEST_CASE("bad URLs are rejected") {
  auto e = load_error(x3_tenant(R"("base_url": "ftp://x3.example.com")"));
  CHECK(e.path() == "tenants[0].x3.base_url");
  CHECK_THAT(e.what(), Catch::Contains("http:// or https://"));

  e = load_error(jira_tenant(R"("base_url": "not a url")"));
  CHECK(e.path() == "tenants[0].jira.base_url");
  CHECK_THAT(e.what(), Catch::Contains("absolute URL"));

  e = load_error(jira_tenant(R"("base_url": "https://user:pw@jira.example")"));
  CHECK_THAT(e.what(), Catch::Contains("credentials do not belong in the URL"));

  e = load_error(x3_tenant(R"("base_url": "https://")"));
  CHECK(e.path() == "tenants[0].x3.base_url");
}

TEST_CASE("missing required fields name the field and what it is") {
  auto e = load_error(R"({ "tenants": [ { "id": "acme",
      "x3": { "base_url": "https://x3.example.com", "folder": "SEED", "client_id": "c", "user": "u", "secret": {"env": "S"} },
      "jira": { "base_url": "https://acme.atlassian.net", "email": "e@x.example", "secret": {"env": "T"} } } ] })");
  CHECK(e.path() == "tenants[0].jira.project_key");
  CHECK_THAT(e.what(), Catch::Contains("missing required field") && Catch::Contains("project key"));

  e = load_error(R"({ "tenants": [ { "id": "acme", "jira": {} } ] })");
  CHECK(e.path() == "tenants[0].x3.base_url");

  e = load_error(R"({ "tenants": [ { )" + tenant_body() + "} ] }");
  CHECK(e.path() == "tenants[0].id");

  e = load_error(x3_tenant(R"("auth": "basic")"));
  CHECK(e.path() == "tenants[0].x3.username");

  e = load_error(jira_tenant(R"("auth": "oauth2", "client_id": "c")"));
  CHECK(e.path() == "tenants[0].jira.refresh_token");
}

TEST_CASE("enum values and combinations are checked") {
  auto e = load_error(x3_tenant(R"("api": "soap")"));
  CHECK(e.path() == "tenants[0].x3.api");
  CHECK_THAT(e.what(), Catch::Contains("expected one of \"graphql\", \"api1\""));

  e = load_error(jira_tenant(R"("flavour": "server")"));
  CHECK(e.path() == "tenants[0].jira.flavour");

  e = load_error(jira_tenant(R"("auth": "pat")"));
  CHECK(e.path() == "tenants[0].jira.auth");
  CHECK_THAT(e.what(), Catch::Contains("datacenter"));

  e = load_error(x3_tenant(R"("api": "api1")"));
  CHECK(e.path() == "tenants[0].x3.auth");

  e = load_error(one_tenant(R"("entities": ["purchase_orders", "sales_orders"])"));
  CHECK(e.path() == "tenants[0].entities[1]");

  e = load_error(R"({ "log_level": "loud" })");
  CHECK(e.path() == "log_level");

  e = load_error(one_tenant(R"("schedule": { "time_zone": "Mars/Olympus" })"));
  CHECK(e.path() == "tenants[0].schedule.time_zone");

  e = load_error(one_tenant(R"("schedule": { "start_hour": 18, "end_hour": 8 })"));
  CHECK(e.path() == "tenants[0].schedule.end_hour");
}

TEST_CASE("tenant ids: charset, length and uniqueness") {
  auto e = load_error(one_tenant("", "\"acme corp\""));
  CHECK(e.path() == "tenants[0].id");
  CHECK_THAT(e.what(), Catch::Contains("A-Z a-z 0-9 _ -"));

  e = load_error(one_tenant("", "\"" + std::string(65, 'a') + "\""));
  CHECK(e.path() == "tenants[0].id");

  e = load_error(R"({ "tenants": [ { "id": "acme", )" + tenant_body() + R"( }, { "id": "acme", )" + tenant_body() + "} ] }");
  CHECK(e.path() == "tenants[1].id");
  CHECK_THAT(e.what(), Catch::Contains("used twice"));
}

TEST_CASE("secrets: allowed forms only") {
  auto e = load_error(jira_tenant(R"("secret": {"env": "A", "file": "b"})"));
  CHECK(e.path() == "tenants[0].jira.secret");
  CHECK_THAT(e.what(), Catch::Contains("exactly one of"));

  e = load_error(jira_tenant(R"("secret": {"vault": "x"})"));
  CHECK(e.path() == "tenants[0].jira.secret.vault");

  e = load_error(jira_tenant(R"("secret": {"env": "1BAD"})"));
  CHECK(e.path() == "tenants[0].jira.secret.env");

  e = load_error(jira_tenant(R"("secret": "enc:v1:k1")"));
  CHECK(e.path() == "tenants[0].jira.secret");
  CHECK_THAT(e.what(), Catch::Contains("enc:v1:<key id>:<base64>"));
}

TEST_CASE("errors in the defaults object point into it") {
  auto e = load_error(R"({ "defaults": { "jira": { "flavour": "server" } } })");
  CHECK(e.path() == "defaults.jira.flavour");
  e = load_error(R"({ "defaults": { "id": "x" } })");
  CHECK(e.path() == "defaults.id");
}

TEST_CASE("syntax errors give line and column, missing files are named") {
  auto e = load_error("{\n  \"listen\": \"a:1\",\n  oops\n}");
  CHECK(e.path().empty());
  CHECK_THAT(e.what(), Catch::Contains("invalid JSON at line 3"));
  CHECK_THAT(e.what(), Catch::Contains("(top level)"));

  mlc::test::temp_dir dir;
  CHECK_THROWS_WITH(load_node_config(dir.path() / "missing.json"), Catch::Contains("cannot open the file"));
  auto file = write_file(dir.path() / "node.json", R"({ "tenants_dir": "nowhere" })");
  CHECK_THROWS_WITH(load_node_config(file), Catch::Contains("tenants_dir") && Catch::Contains("does not exist"));
}

TEST_CASE("listen and durations are range-checked") {
  auto e = load_error(R"({ "listen": "localhost:70000" })");
  CHECK(e.path() == "listen");
  e = load_error(R"({ "audit_retention": "10m" })");
  CHECK(e.path() == "audit_retention");
  CHECK_THAT(e.what(), Catch::Contains("from 3600s"));
  e = load_error(one_tenant(R"("schedule": { "jitter": 1.5 })"));
  CHECK(e.path() == "tenants[0].schedule.jitter");
}
