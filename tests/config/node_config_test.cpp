#include <catch2/catch.hpp>

#include "config/node_config.hpp"
#include "tests/config/config_files.hpp"
#include "tests/support/test_support.hpp"

using namespace mlc::config;
using namespace std::chrono_literals;
using mlc::test::tenant_body;
using mlc::test::write_file;

TEST_CASE("a full node config with comments, defaults, inline tenants and a tenants_dir") {
  mlc::test::temp_dir dir;
  write_file(dir.path() / "master.key", "k1:" + std::string(64, 'a') + "\n");
  write_file(dir.path() / "tenants.d" / "beta.json", R"({
    // id defaults to the file stem
    "x3": { "base_url": "http://erp.beta.example:8124", "folder": "BETA", "api": "api1", "auth": "basic",
            "username": "sync", "secret": {"file": "../secrets/beta-x3"} },
    "jira": { "base_url": "https://jira.beta.example", "flavour": "datacenter", "auth": "pat",
              "secret": "enc:v1:k1:AAAA", "project_key": "BETA" },
    "entities": ["purchase_orders"],
  })");
  write_file(dir.path() / "tenants.d" / "notes.txt", "not a tenant");
  auto file = write_file(dir.path() / "node.json", R"({
    /* the node */
    "listen": "0.0.0.0:9464",
    "data_dir": "var/data",
    "log_level": "debug",
    "log_format": "text",
    "master_key_file": "master.key",
    "audit_retention": "7d",
    "defaults": {
      "schedule": { "interval": "2m", "off_hours_interval": "30m", "days": [5, 1, 2, 3, 4, 1],
                    "start_hour": 7, "end_hour": 19, "time_zone": "UTC", "jitter": 0.2 },
      "lookback": "10m",
      "jira": { "field_map": { "vendor": "Vendor", "total": "Order total" }, "transition_closed": "Closed" },
    },
    "tenants": [
      { "id": "acme", )" + tenant_body(R"("page_size": 250, "skew_margin": 10,
        "schedule": { "interval": 45 },
        "jira": { "base_url": "https://acme.atlassian.net", "email": "bot@acme.example",
                  "secret": {"env": "MLC_TEST_JIRA_TOKEN"}, "project_key": "OPS",
                  "field_map": { "total": "Amount" }, "issue_types": { "supplier_invoices": "Invoice" } },)") + R"(
      },
    ],
    "tenants_dir": "tenants.d",
  })");

  auto node = load_node_config(file);
  CHECK(node.listen == "0.0.0.0:9464");
  CHECK(node.data_dir == (dir.path() / "var/data").string());
  CHECK(node.log_level == "debug");
  CHECK(node.log_format == "text");
  CHECK(node.master_key_file == (dir.path() / "master.key").string());
  CHECK(node.master_key_env == "MLC_MASTER_KEY");
  CHECK(node.audit_retention == std::chrono::hours{24 * 7});
  CHECK(node.tenants_dir == (dir.path() / "tenants.d").string());
  CHECK(node.tenant_errors.empty());
  CHECK(node.warnings.empty());
  REQUIRE(node.tenants.size() == 2);

  auto const& acme = node.tenants[0];
  CHECK(acme.id == "acme");
  CHECK(acme.source_file == file.string());
  CHECK_FALSE(acme.paused);
  CHECK(acme.entities == std::vector<std::string>{"purchase_orders", "supplier_invoices"});
  CHECK(acme.x3.base_url == "https://x3.example.com");
  CHECK(acme.x3.api == "graphql");
  CHECK(acme.x3.auth == "jwt");
  CHECK(acme.x3.client_id == "cid");
  CHECK(acme.x3.user == "admin");
  CHECK(acme.x3.audience == "x3");
  CHECK(acme.x3.secret == secret::from_env("MLC_TEST_X3_SECRET"));
  CHECK(acme.x3.token_lifetime == 300s);
  CHECK(acme.jira.flavour == "cloud");
  CHECK(acme.jira.auth == "basic");
  CHECK(acme.jira.project_key == "OPS");
  // Maps merge key by key over the defaults; scalars replace.
  CHECK(acme.jira.field_map == std::map<std::string, std::string>{{"vendor", "Vendor"}, {"total", "Amount"}});
  CHECK(acme.jira.issue_types == std::map<std::string, std::string>{{"purchase_orders", "Task"}, {"supplier_invoices", "Invoice"}});
  CHECK(acme.jira.transition_closed == "Closed");
  CHECK(acme.jira.transition_received == "Done");
  CHECK(acme.schedule.interval == 45s);
  CHECK(acme.schedule.off_hours_interval == 30min);
  CHECK(acme.schedule.days == std::vector<int>{1, 2, 3, 4, 5});
  CHECK(acme.schedule.start_hour == 7);
  CHECK(acme.schedule.end_hour == 19);
  CHECK(acme.schedule.jitter == 0.2);
  CHECK(acme.lookback == 10min);
  CHECK(acme.skew_margin == 10s);
  CHECK(acme.page_size == 250);

  auto const& beta = node.tenants[1];
  CHECK(beta.id == "beta");
  CHECK(beta.source_file == (dir.path() / "tenants.d" / "beta.json").string());
  CHECK(beta.entities == std::vector<std::string>{"purchase_orders"});
  CHECK(beta.x3.api == "api1");
  CHECK(beta.x3.secret == secret::from_file((dir.path() / "secrets" / "beta-x3").string()));
  CHECK(beta.jira.flavour == "datacenter");
  CHECK(beta.jira.secret.sealed());
  CHECK(beta.jira.secret.describe() == "sealed (key k1)");
  CHECK(beta.lookback == 10min);  // from the defaults
  CHECK(beta.schedule.interval == 2min);
}

TEST_CASE("built-in defaults apply when the file sets nothing") {
  mlc::test::temp_dir dir;
  auto file = write_file(dir.path() / "node.json", "{}");
  auto node = load_node_config(file);
  CHECK(node.listen == "127.0.0.1:9464");
  CHECK(node.data_dir == (dir.path() / "data").string());
  CHECK(node.audit_retention == std::chrono::hours{24 * 30});
  CHECK(node.tenants.empty());
  CHECK(node.tenants_dir.empty());
  CHECK(node.jira_limits.requests_per_second == 20);
  CHECK(node.x3_limits.max_in_flight == 4);
  CHECK(node.search_window == 60s);
}

TEST_CASE("per-host request limits and the search window are node settings") {
  mlc::test::temp_dir dir;
  auto file = write_file(dir.path() / "node.json", R"({
    "limits": { "jira": { "requests_per_second": 100, "burst": 200 }, "x3": { "max_in_flight": 0 } },
    "search_window": "2m"
  })");
  auto node = load_node_config(file);
  CHECK(node.jira_limits.requests_per_second == 100);
  CHECK(node.jira_limits.burst == 200);
  CHECK(node.jira_limits.max_in_flight == 8);  // unset: the default stays
  CHECK(node.x3_limits.requests_per_second == 20);
  CHECK(node.x3_limits.max_in_flight == 0);
  CHECK(node.search_window == 120s);
}

TEST_CASE("a broken tenant file is recorded and the other tenants load") {
  mlc::test::temp_dir dir;
  write_file(dir.path() / "t" / "good.json", "{" + tenant_body() + "}");
  write_file(dir.path() / "t" / "bad.json", "{" + tenant_body(R"("page_size": "many")") + "}");
  write_file(dir.path() / "t" / "broken.json", "{ \"x3\": ");
  write_file(dir.path() / "t" / "twin.json", "{ \"id\": \"good\", " + tenant_body() + "}");
  auto file = write_file(dir.path() / "node.json", R"({ "tenants_dir": "t" })");
  auto node = load_node_config(file);
  REQUIRE(node.tenants.size() == 1);
  CHECK(node.tenants[0].id == "good");
  REQUIRE(node.tenant_errors.size() == 3);
  // Files are read in name order: bad, broken, good, twin.
  CHECK(node.tenant_errors[0].file() == (dir.path() / "t" / "bad.json").string());
  CHECK(node.tenant_errors[0].path() == "page_size");
  CHECK_THAT(node.tenant_errors[0].what(), Catch::Contains("expected an integer from 1 to 1000"));
  CHECK(node.tenant_errors[1].file() == (dir.path() / "t" / "broken.json").string());
  CHECK_THAT(node.tenant_errors[1].what(), Catch::Contains("invalid JSON at line 1"));
  CHECK(node.tenant_errors[2].path() == "id");
  CHECK_THAT(node.tenant_errors[2].what(), Catch::Contains("\"good\" is already defined"));
}

TEST_CASE("plaintext secrets and disabled TLS verification are warned about") {
  mlc::test::temp_dir dir;
  auto file = write_file(dir.path() / "node.json", R"({ "tenants": [ { "id": "acme",
    "x3": { "base_url": "https://x3.example.com", "folder": "SEED", "client_id": "cid", "user": "admin",
            "secret": "hunter2", "tls_verify": false },
    "jira": { "base_url": "https://acme.atlassian.net", "email": "bot@acme.example",
              "secret": {"env": "T"}, "project_key": "OPS" } } ] })");
  auto node = load_node_config(file);
  REQUIRE(node.warnings.size() == 2);
  CHECK(node.warnings[0].path() == "tenants[0].x3.secret");
  CHECK_THAT(node.warnings[0].what(), Catch::Contains("plaintext secret"));
  CHECK_THAT(node.warnings[0].what(), !Catch::Contains("hunter2"));
  CHECK(node.warnings[1].path() == "tenants[0].x3.tls_verify");
  CHECK(node.tenants[0].x3.secret.plaintext());
  CHECK(node.tenants[0].x3.secret.describe() == "plaintext");
}
