// mlc-emulator-bench: requests per second the emulators answer over loopback.
// Not a test. The emulator runs on its own thread and io_context; the client's
// coroutines (net::http_client) share another. Each coroutine walks the tenants and sends
// the calls a connector makes, round robin ("mixed") or one kind only:
//   graphql-poll  GraphQL orders changed since a recent stamp (about 5 records)
//   graphql-page  GraphQL page of 20 orders with their lines
//   api1-poll     api1 PORDER changed since a recent stamp
//   api1-page     api1 page of 20 orders with lines
//   jira-get      GET /issue/{key}
//   jira-search   POST /search/jql on a label
//   jira-update   PUT /issue/{key} with two custom fields
//   mlc-emulator-bench [--tenants N] [--coroutines C] [--seconds S] [--mix mixed|KIND]
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/error.hpp"
#include "net/http_client.hpp"
#include "tests/emulators/emulator.hpp"
#include "tests/emulators/jira_site.hpp"
#include "tests/emulators/json_text.hpp"
#include "tests/emulators/jwt.hpp"
#include "tests/emulators/text.hpp"
#include "tests/emulators/x3_site.hpp"

namespace {

using namespace std::chrono_literals;
using mlc::awaitable;
namespace asio = boost::asio;
namespace json = boost::json;

struct settings {
  std::size_t tenants = 20;
  int coroutines = 64;
  int seconds = 5;
  std::string mix = "mixed";
};

struct tenant_calls {
  std::string graphql_url, api1_base, issue_url, search_url;
  std::string jwt, folder, x3_basic, jira_basic, recent_stamp;
};

std::vector<std::string> const k_kinds{"graphql-poll", "graphql-page", "api1-poll",  "api1-page",
                                       "jira-get",     "jira-search",  "jira-update"};

// The engine's default purchase order query (engine/x3_query.cpp), with a filter.
std::string graphql_body(std::string const& since) {
  std::string q =
      "query P($filter: String, $first: Int, $after: String, $orderBy: String) { x3Purchasing { purchaseOrder { "
      "query(filter: $filter, first: $first, after: $after, orderBy: $orderBy) { edges { node { id purchaseSite "
      "orderDate orderFromSupplier { code } currency { code } taxExcludedTotalAmount taxIncludedTotalAmount isClosed "
      "receiptStatus _updateStamp purchaseOrderLines { query(first: 500) { edges { node { lineNumber product { code } "
      "quantityInOrderUnitOrdered orderUnit { code } netPrice expectedReceiptDate isReceived } } pageInfo { hasNextPage } "
      "} } } cursor } pageInfo { endCursor hasNextPage } } } } }";
  json::object vars{{"filter", "{_updateStamp: {_gte: '" + since + "'}}"}, {"first", 20}, {"orderBy", "{_updateStamp: 1, id: 1}"}};
  return mlc::emu::to_json_text(json::object{{"query", q}, {"variables", vars}});
}

double cpu_seconds(int who = RUSAGE_SELF) {
  rusage u{};
  getrusage(who, &u);
  auto tv = [](timeval t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
  return tv(u.ru_utime) + tv(u.ru_stime);
}

awaitable<void> worker(mlc::net::http_client& client, std::vector<tenant_calls> const& calls, int id, std::string mix,
                       std::chrono::steady_clock::time_point until, std::atomic<long>& done, std::atomic<long>& failures) {
  std::size_t n = std::size_t(id);
  std::string const page_body = graphql_body("2026-01-01T00:00:00Z");
  while (std::chrono::steady_clock::now() < until) {
    auto const& t = calls[n % calls.size()];
    std::string kind = mix == "mixed" ? k_kinds[(n / calls.size() + std::size_t(id)) % k_kinds.size()] : mix;
    ++n;
    mlc::net::http_request r;
    std::string url;
    int expect = 200;
    if (kind == "graphql-poll" || kind == "graphql-page") {
      r.method = "POST";
      r.body = kind == "graphql-page" ? page_body : graphql_body(t.recent_stamp);
      r.headers.set("Content-Type", "application/json");
      r.headers.set("Authorization", t.jwt);
      r.headers.set("x-xtrem-endpoint", t.folder);
      url = t.graphql_url;
    } else if (kind == "api1-poll" || kind == "api1-page") {
      r.headers.set("Authorization", t.x3_basic);
      std::string since = kind == "api1-page" ? "2026-01-01T00:00:00Z" : t.recent_stamp;
      url = t.api1_base + "&where=" + mlc::emu::percent_encode("UPDDATTIM ge @" + since + "@");
    } else if (kind == "jira-get") {
      r.headers.set("Authorization", t.jira_basic);
      url = t.issue_url;
    } else if (kind == "jira-search") {
      r.method = "POST";
      r.body = R"({"jql":"project = OPS AND labels = \"bench\"","fields":["key","summary"],"maxResults":20})";
      r.headers.set("Content-Type", "application/json");
      r.headers.set("Authorization", t.jira_basic);
      url = t.search_url;
    } else {
      r.method = "PUT";
      r.body = R"({"fields":{"customfield_10053":)" + std::to_string(n % 1000) + R"(.5,"customfield_10052":"2026-03-01"}})";
      r.headers.set("Content-Type", "application/json");
      r.headers.set("Authorization", t.jira_basic);
      url = t.issue_url;
      expect = 204;
    }
    try {
      auto resp = co_await client.send(url, std::move(r));
      if (resp.status != expect && ++failures <= 3)
        std::fprintf(stderr, "HTTP %d from %s: %.200s\n", resp.status, url.c_str(), resp.body.c_str());
      ++done;
    } catch (mlc::net::error const& e) {
      if (++failures <= 3) std::fprintf(stderr, "request failed: %s\n", e.what());
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  settings s;
  auto usage = [] {
    std::fprintf(stderr, "usage: mlc-emulator-bench [--tenants N] [--coroutines C] [--seconds S] [--mix mixed|KIND]\n"
                         "kinds: graphql-poll graphql-page api1-poll api1-page jira-get jira-search jira-update\n");
    return 2;
  };
  for (int i = 1; i < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--help" || i + 1 >= argc) return usage();
    try {
      if (a == "--tenants") s.tenants = std::size_t(std::stoul(argv[i + 1]));
      else if (a == "--coroutines") s.coroutines = std::stoi(argv[i + 1]);
      else if (a == "--seconds") s.seconds = std::stoi(argv[i + 1]);
      else if (a == "--mix") s.mix = argv[i + 1];
      else return usage();
    } catch (std::exception const&) {
      return usage();
    }
  }
  if (s.mix != "mixed" && std::find(k_kinds.begin(), k_kinds.end(), s.mix) == k_kinds.end()) return usage();
  if (s.tenants == 0 || s.coroutines <= 0 || s.seconds <= 0) return usage();
  asio::io_context server_ioc{1};
  mlc::emu::emulator_options o;
  o.tenants = s.tenants;
  o.initial.jira.search_lag = 0ms;
  mlc::emu::emulator emu{server_ioc.get_executor(), o};
  emu.start();

  // Per tenant: credentials, and ten Jira issues labelled "bench" to read and search.
  std::vector<tenant_calls> calls;
  std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (std::size_t i = 0; i < s.tenants; ++i) {
    auto e = emu.endpoints(i);
    auto const& xc = emu.x3(i).credentials();
    auto const& jc = emu.jira(i).credentials();
    tenant_calls t;
    t.graphql_url = e.x3_url + "/xtrem/api";
    t.api1_base = e.x3_url + "/api1/x3/erp/" + xc.folder + "/PORDER?representation=PORDER.$query&count=20&orderBy=UPDDATTIM,POHNUM";
    std::vector<mlc::emu::sys_ms> stamps;
    for (auto const& [id, po] : emu.x3(i).data().orders) stamps.push_back(po.updated);
    std::sort(stamps.begin(), stamps.end());
    t.recent_stamp = mlc::emu::format_stamp(stamps[stamps.size() > 5 ? stamps.size() - 5 : 0]);
    t.issue_url = e.jira_url + "/rest/api/3/issue/OPS-5";
    t.search_url = e.jira_url + "/rest/api/3/search/jql";
    t.folder = xc.folder;
    t.jwt = "Bearer " + mlc::emu::sign_jwt(json::object{{"iss", xc.client_id}, {"sub", xc.user}, {"aud", xc.audience},
                                                        {"iat", now}, {"exp", now + 3500}},
                                           xc.secret);
    t.x3_basic = "Basic " + mlc::emu::base64_encode(xc.username + ":" + xc.password);
    t.jira_basic = "Basic " + mlc::emu::base64_encode(jc.email + ":" + jc.api_token);
    calls.push_back(std::move(t));
  }
  // The JWT above is valid for under an hour: keep runs short of that.
  if (s.seconds > 3000) s.seconds = 3000;

  // The emulator thread's own CPU time, sampled around the measured window.
  std::atomic<double> server_cpu_start{0}, server_cpu_end{0};
  std::thread server{[&] {
    server_ioc.run();
    server_cpu_end = cpu_seconds(RUSAGE_THREAD);
  }};
  asio::io_context client_ioc{1};
  std::atomic<long> done{0}, failures{0};
  double wall = 0, cpu = 0;
  {
    mlc::net::client_options co;
    co.max_connections_per_origin = 4;
    mlc::net::http_client client{client_ioc.get_executor(), co};
    // Seed issues over HTTP (the emulator lives on the other thread).
    asio::co_spawn(client_ioc, [&]() -> awaitable<void> {
      for (std::size_t i = 0; i < s.tenants; ++i) {
        auto e = emu.endpoints(i);
        for (int k = 0; k < 10; ++k) {
          mlc::net::http_request r;
          r.method = "POST";
          r.headers.set("Content-Type", "application/json");
          r.headers.set("Authorization", calls[i].jira_basic);
          r.body = R"({"fields":{"project":{"key":"OPS"},"issuetype":{"name":"Task"},"summary":"bench issue","labels":["bench"]}})";
          auto resp = co_await client.send(e.jira_url + "/rest/api/3/issue", std::move(r));
          if (resp.status != 201) throw std::runtime_error("seeding failed: " + resp.body);
        }
      }
    }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
    client_ioc.run();
    client_ioc.restart();

    asio::post(server_ioc, [&] { server_cpu_start = cpu_seconds(RUSAGE_THREAD); });
    auto start = std::chrono::steady_clock::now();
    double cpu0 = cpu_seconds();
    auto until = start + std::chrono::seconds{s.seconds};
    for (int c = 0; c < s.coroutines; ++c)
      asio::co_spawn(client_ioc, worker(client, calls, c, s.mix, until, done, failures), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
    client_ioc.run();
    wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    cpu = cpu_seconds() - cpu0;
  }
  asio::co_spawn(server_ioc, emu.stop(), [](std::exception_ptr) {});
  server.join();
  double emulator_cpu = server_cpu_end - server_cpu_start;  // includes the short stop()
  std::printf("mlc-emulator-bench: mix=%s tenants=%zu coroutines=%d seconds=%.1f requests=%ld failures=%ld "
              "rate=%.0f req/s cpu=%.2f s (client+emulator) emulator_cpu=%.2f s -> %.0f req per emulator CPU-second\n",
              s.mix.c_str(), s.tenants, s.coroutines, wall, done.load(), failures.load(), double(done.load()) / wall, cpu,
              emulator_cpu, double(done.load()) / emulator_cpu);
  return failures.load() == 0 ? 0 : 1;
}
