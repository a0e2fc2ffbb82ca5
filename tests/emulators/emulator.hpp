#pragma once
// The Sage X3 and Jira emulators for N tenants behind one HTTP server on loopback, plus a
// control API. Tenant i answers as X3 on 127.10.(i/250).(i%250+1) and as Jira on
// 127.20.(i/250).(i%250+1), all on one port; 127.30.0.1 plays api.atlassian.com; the
// control API listens on its own address. See tests/emulators/README.md.
//
// Use in-process (engine tests) on the caller's io_context:
//   mlc::emu::emulator emu{ioc.get_executor(), options};
//   emu.start();                       // binds; throws when an address cannot be bound
//   ... emu.endpoints(0).x3_url ...
//   co_await emu.stop();
// Thread/coroutine safety: everything runs on the one io_context thread it was given.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "net/asio.hpp"
#include "net/http.hpp"
#include "tests/emulators/clock.hpp"
#include "tests/emulators/counters.hpp"
#include "tests/emulators/knobs.hpp"

namespace mlc::emu {

class x3_site;
class jira_site;
class atlassian_gateway;

struct emulator_options {
  std::size_t tenants = 1;
  std::uint64_t seed = 1;
  std::size_t records_per_tenant = 50;  // purchase orders; invoices are half as many
  std::size_t suppliers_per_tenant = 0;  // 0: a quarter of records_per_tenant, between 5 and 40
  std::string x3_api = "graphql";       // graphql | api1 | mixed (alternating)
  std::string x3_auth = "jwt";          // for GraphQL tenants: jwt | oauth2 | mixed
  std::string jira_flavour = "cloud";   // cloud | datacenter | mixed
  std::string jira_auth = "basic";      // for cloud tenants: basic | oauth2 | mixed
  std::string control_address = "127.0.0.1";
  unsigned short control_port = 0;  // 0: pick one
  unsigned short port = 0;          // the one port of every tenant address; 0: pick one
  bool bind_any = false;  // one 0.0.0.0 listener instead of one per address (very many tenants)
  // Both set: the tenants' X3, Jira and gateway addresses serve HTTPS with this certificate
  // (the control API stays plain HTTP).
  std::string tls_cert_file;
  std::string tls_key_file;
  bool listen = true;     // false: no sockets; drive handle() directly (unit tests)
  knobs initial;          // starting knobs for every tenant
  std::shared_ptr<clock> clk;  // default: wall clock
  std::chrono::milliseconds drop_hang{60'000};  // how long a `hang_rate` request hangs (README)
};

struct tenant_endpoints {
  std::string id;
  std::string x3_address;
  std::string jira_address;
  std::string x3_url;    // http://127.10.0.1:PORT (https with TLS)
  std::string jira_url;  // http://127.20.0.1:PORT, or the gateway's /ex/jira/{cloudId} for OAuth tenants
  std::string cloud_id;  // cloud sites
};

class emulator {
 public:
  emulator(asio::any_io_executor ex, emulator_options options);
  ~emulator();
  emulator(emulator const&) = delete;
  emulator& operator=(emulator const&) = delete;

  void start();
  // Stops listening, cancels emulated latency and hangs, drains connections.
  awaitable<void> stop();

  // The whole request path (faults, routing, counters) without a socket. The request's
  // local_address picks the system and tenant.
  awaitable<net::http_response> handle(net::http_request request);

  std::string control_url() const;
  unsigned short port() const { return port_; }
  std::size_t tenant_count() const;
  // Connections to the tenants' addresses (and, without TLS, the control API) now open.
  std::size_t connections_open() const;
  tenant_endpoints endpoints(std::size_t i) const;
  std::optional<std::size_t> tenant_index(std::string const& id) const;
  // {"x3": {id: …}, "jira": {id: …}}, optionally one tenant.
  boost::json::object state(std::optional<std::string> tenant = std::nullopt) const;
  // A complete ml-connector node config for these tenants (config/node_config.hpp).
  // `master_key_file` (relative to the config file) is set when given: the connector
  // needs a master key to store rotated OAuth refresh tokens.
  boost::json::object node_config(std::string const& master_key_file = {}) const;
  // A master keyring line "k1:<64 hex>" derived from the seed, for that file (test data).
  std::string master_key_line() const;

  x3_site& x3(std::size_t i);
  jira_site& jira(std::size_t i);
  atlassian_gateway& gateway();
  knobs& global_knobs();
  knobs& tenant_knobs(std::size_t i);  // creates a per-tenant override from the global knobs
  knobs const& effective_knobs(std::size_t i) const;
  void reset_tenant_knobs(std::size_t i);
  counters const& request_counts() const;
  // The next `n` requests to `endpoint` (a counter template, "POST /rest/api/3/issue") are
  // carried out and their answers lost, as lost_answer_rate does at random.
  void lose_next_answers(std::string const& endpoint, int n);
  clock& time();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
  unsigned short port_ = 0;
};

// Tenant i's loopback addresses (tenants beyond 62,500 are not addressable).
std::string x3_address(std::size_t i);
std::string jira_address(std::size_t i);
inline constexpr char k_gateway_address[] = "127.30.0.1";

}  // namespace mlc::emu
