#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

#include "metrics/catalog.hpp"
#include "tests/support/test_support.hpp"

using namespace mlc::metrics;

namespace {

// The block of one family in the exposition: its HELP and TYPE lines and its samples.
std::string family_block(std::string const& text, std::string const& name) {
  std::istringstream in{text};
  std::string line, out;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.starts_with("# HELP ")) inside = line.starts_with("# HELP " + name + " ");
    if (inside) out += line + "\n";
  }
  return out;
}

std::vector<std::string> type_lines(std::string const& text) {
  std::istringstream in{text};
  std::string line;
  std::vector<std::string> out;
  while (std::getline(in, line))
    if (line.starts_with("# TYPE ")) out.push_back(line);
  std::sort(out.begin(), out.end());  // the registry groups families by type
  return out;
}

// Runs promtool on `text`; returns its exit status and output.
std::pair<int, std::string> promtool_check(std::string const& text) {
  mlc::test::temp_dir dir;
  auto input = dir.path() / "metrics.prom";
  auto output = dir.path() / "promtool.out";
  std::ofstream{input} << text;
  auto cmd = "promtool check metrics < '" + input.string() + "' > '" + output.string() + "' 2>&1";
  int rc = std::system(cmd.c_str());
  std::ifstream result{output};
  std::stringstream buf;
  buf << result.rdbuf();
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, buf.str()};
}

bool promtool_on_path() { return std::system("command -v promtool > /dev/null 2>&1") == 0; }

}  // namespace

TEST_CASE("catalog exposes every family with its contract name and type") {
  catalog c{"1.2.3"};
  c.add_tenant("acme");  // families without any series are left out of the exposition
  auto expected = std::vector<std::string>{
      "# TYPE mlc_build_info gauge",
      "# TYPE mlc_errors_total counter",
      "# TYPE mlc_http_rate_limited_total counter",
      "# TYPE mlc_http_request_duration_seconds histogram",
      "# TYPE mlc_http_requests_total counter",
      "# TYPE mlc_last_successful_poll_timestamp_seconds gauge",
      "# TYPE mlc_poll_cycles_total counter",
      "# TYPE mlc_poll_duration_seconds histogram",
      "# TYPE mlc_rate_limit_wait_seconds_total counter",
      "# TYPE mlc_records_synced_total counter",
      "# TYPE mlc_replay_oldest_age_seconds gauge",
      "# TYPE mlc_replay_queue_size gauge",
      "# TYPE mlc_storage_batch_records histogram",
      "# TYPE mlc_storage_commit_duration_seconds histogram",
      "# TYPE mlc_storage_size_bytes gauge",
      "# TYPE mlc_sync_lag_seconds gauge",
      "# TYPE mlc_tenant_up gauge",
      "# TYPE mlc_tenants gauge",
      "# TYPE mlc_token_refreshes_total counter",
  };
  std::sort(expected.begin(), expected.end());
  CHECK(type_lines(c.serialize()) == expected);
  CHECK(family_block(c.serialize(), "mlc_build_info") ==
        "# HELP mlc_build_info Build information; the value is always 1.\n"
        "# TYPE mlc_build_info gauge\n"
        "mlc_build_info{version=\"1.2.3\"} 1\n");
}

TEST_CASE("a tenant's series appear when added, count, and vanish when removed") {
  catalog c{"1.2.3"};
  auto& t = c.add_tenant("acme", {"purchase_orders"});
  t.entity("purchase_orders")->records(sync_action::created).Increment(3);
  t.entity("purchase_orders")->sync_lag_seconds.Set(42.5);
  CHECK(t.entity("supplier_invoices") == nullptr);
  t.errors(error_kind::tenant_fault, component::jira).Increment();
  t.poll_cycles(poll_result::ok).Increment();
  t.token_refreshes(remote::x3, true).Increment();
  c.set_tenant_state("acme", tenant_state::degraded);
  c.set_tenant_state("paused-one", tenant_state::paused);
  c.http_requests(remote::jira, 429).Increment();
  c.http_requests(remote::jira, 0).Increment();
  c.http_rate_limited(remote::jira).Increment();

  auto text = c.serialize();
  CHECK(family_block(text, "mlc_records_synced_total") ==
        "# HELP mlc_records_synced_total ERP records processed, by what happened to them in Jira.\n"
        "# TYPE mlc_records_synced_total counter\n"
        "mlc_records_synced_total{action=\"created\",entity=\"purchase_orders\",tenant=\"acme\"} 3\n"
        "mlc_records_synced_total{action=\"parked\",entity=\"purchase_orders\",tenant=\"acme\"} 0\n"
        "mlc_records_synced_total{action=\"replayed\",entity=\"purchase_orders\",tenant=\"acme\"} 0\n"
        "mlc_records_synced_total{action=\"unchanged\",entity=\"purchase_orders\",tenant=\"acme\"} 0\n"
        "mlc_records_synced_total{action=\"updated\",entity=\"purchase_orders\",tenant=\"acme\"} 0\n");
  CHECK(family_block(text, "mlc_sync_lag_seconds") ==
        "# HELP mlc_sync_lag_seconds Seconds between now and the watermark time of the last record written, "
        "per tenant and entity.\n"
        "# TYPE mlc_sync_lag_seconds gauge\n"
        "mlc_sync_lag_seconds{entity=\"purchase_orders\",tenant=\"acme\"} 42.5\n");
  CHECK(family_block(text, "mlc_tenant_up") ==
        "# HELP mlc_tenant_up 1 while the tenant is active, 0 while degraded; absent while paused.\n"
        "# TYPE mlc_tenant_up gauge\n"
        "mlc_tenant_up{tenant=\"acme\"} 0\n");
  CHECK(family_block(text, "mlc_tenants") ==
        "# HELP mlc_tenants Tenants on this node by state.\n"
        "# TYPE mlc_tenants gauge\n"
        "mlc_tenants{state=\"active\"} 0\n"
        "mlc_tenants{state=\"degraded\"} 1\n"
        "mlc_tenants{state=\"paused\"} 1\n");
  CHECK(family_block(text, "mlc_poll_cycles_total") ==
        "# HELP mlc_poll_cycles_total Tenant poll cycles by result.\n"
        "# TYPE mlc_poll_cycles_total counter\n"
        "mlc_poll_cycles_total{result=\"failed\",tenant=\"acme\"} 0\n"
        "mlc_poll_cycles_total{result=\"ok\",tenant=\"acme\"} 1\n");
  CHECK(text.find("mlc_errors_total{kind=\"tenant_fault\",system=\"jira\",tenant=\"acme\"} 1\n") != std::string::npos);
  CHECK(text.find("mlc_token_refreshes_total{result=\"success\",system=\"x3\",tenant=\"acme\"} 1\n") != std::string::npos);
  CHECK(text.find("mlc_http_requests_total{status_class=\"4xx\",system=\"jira\"} 1\n") != std::string::npos);
  CHECK(text.find("mlc_http_requests_total{status_class=\"error\",system=\"jira\"} 1\n") != std::string::npos);
  CHECK(text.find("mlc_http_rate_limited_total{system=\"jira\"} 1\n") != std::string::npos);

  // Adding again returns the same handles: counts survive.
  auto& again = c.add_tenant("acme", {"purchase_orders", "supplier_invoices"});
  CHECK(&again == &t);
  CHECK(again.entity("purchase_orders")->records(sync_action::created).Value() == 3);
  CHECK(again.entity("supplier_invoices") != nullptr);

  // Paused: tenant_up disappears, the rest stays.
  c.set_tenant_state("acme", tenant_state::paused);
  CHECK(family_block(c.serialize(), "mlc_tenant_up").empty());  // no series left: no family block
  c.set_tenant_state("acme", tenant_state::active);
  CHECK(c.serialize().find("mlc_tenant_up{tenant=\"acme\"} 1\n") != std::string::npos);

  c.remove_tenant("acme");
  text = c.serialize();
  CHECK(text.find("tenant=\"acme\"") == std::string::npos);
  CHECK(family_block(text, "mlc_tenants") ==
        "# HELP mlc_tenants Tenants on this node by state.\n"
        "# TYPE mlc_tenants gauge\n"
        "mlc_tenants{state=\"active\"} 0\n"
        "mlc_tenants{state=\"degraded\"} 0\n"
        "mlc_tenants{state=\"paused\"} 1\n");
}

TEST_CASE("histograms carry no tenant label and storage batches are observed") {
  catalog c{"1.2.3"};
  c.add_tenant("acme");
  c.poll_duration("purchase_orders").Observe(0.3);
  c.observe_storage_batch(7, 0.002);
  auto text = c.serialize();
  CHECK(text.find("mlc_poll_duration_seconds_count{entity=\"purchase_orders\"} 1\n") != std::string::npos);
  CHECK(text.find("mlc_poll_duration_seconds_bucket{entity=\"purchase_orders\",le=\"0.5\"} 1\n") != std::string::npos);
  CHECK(text.find("mlc_storage_batch_records_sum 7\n") != std::string::npos);
  CHECK(text.find("mlc_storage_commit_duration_seconds_bucket{le=\"0.0025\"} 1\n") != std::string::npos);
  for (auto const* family : {"mlc_poll_duration_seconds", "mlc_http_request_duration_seconds",
                             "mlc_storage_commit_duration_seconds", "mlc_storage_batch_records"})
    CHECK(family_block(text, family).find("tenant=") == std::string::npos);
}

TEST_CASE("status classes") {
  CHECK(status_class(101) == "1xx");
  CHECK(status_class(200) == "2xx");
  CHECK(status_class(304) == "3xx");
  CHECK(status_class(429) == "4xx");
  CHECK(status_class(599) == "5xx");
  CHECK(status_class(0) == "error");
  CHECK(status_class(600) == "error");
}

TEST_CASE("promtool accepts the exposition") {
  REQUIRE(promtool_on_path());  // promtool ships with Debian's prometheus package (./mlc.sh deps)
  catalog c{"1.2.3"};
  auto& t = c.add_tenant("acme");
  t.entity("supplier_invoices")->records(sync_action::parked).Increment();
  c.add_tenant("beta");
  c.set_tenant_state("beta", tenant_state::degraded);
  c.http_request_duration(remote::x3).Observe(0.12);
  c.storage_size_bytes().Set(4096);
  auto text = c.serialize();
  auto [rc, output] = promtool_check(text);
  INFO(output);
  CHECK(rc == 0);
  CHECK(output.empty());
  // Every series of both tenants, each once.
  auto samples = [&](std::string const& family) {
    auto block = family_block(text, family);
    return std::count(block.begin(), block.end(), '\n') - 2;  // less HELP and TYPE
  };
  CHECK(samples("mlc_errors_total") == 2 * 9);
  CHECK(samples("mlc_records_synced_total") == 2 * 2 * 5);
  CHECK(samples("mlc_token_refreshes_total") == 2 * 4);
  CHECK(samples("mlc_tenant_up") == 2);
  CHECK(text.find("mlc_records_synced_total{action=\"parked\",entity=\"supplier_invoices\",tenant=\"acme\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("mlc_tenant_up{tenant=\"beta\"} 0\n") != std::string::npos);
}

TEST_CASE("mlc_tenants counts each tenant once however often its state is reported") {
  catalog c{"1.2.3"};
  c.add_tenant("a");
  c.add_tenant("b");
  for (int i = 0; i < 3; ++i) {
    c.set_tenant_state("a", tenant_state::active);
    c.set_tenant_state("b", tenant_state::degraded);
  }
  c.set_tenant_state("b", tenant_state::paused);
  c.set_tenant_state("b", tenant_state::paused);
  CHECK(family_block(c.serialize(), "mlc_tenants").find("mlc_tenants{state=\"active\"} 1\n"
                                                         "mlc_tenants{state=\"degraded\"} 0\n"
                                                         "mlc_tenants{state=\"paused\"} 1\n") != std::string::npos);
  c.remove_tenant("a");
  c.remove_tenant("a");
  CHECK(family_block(c.serialize(), "mlc_tenants").find("mlc_tenants{state=\"active\"} 0\n") != std::string::npos);
}
