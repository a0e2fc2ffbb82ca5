#pragma once
// Internals of mlc::emu::emulator shared by emulator.cpp, control_api.cpp and
// node_config_writer.cpp. Not a public header.
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "net/http_server.hpp"
#include "tests/emulators/atlassian_gateway.hpp"
#include "tests/emulators/emulator.hpp"
#include "tests/emulators/jira_site.hpp"
#include "tests/emulators/rate_limiter.hpp"
#include "tests/emulators/rng.hpp"
#include "tests/emulators/x3_site.hpp"

namespace mlc::emu {

struct emulator_tenant {
  std::string id;
  std::unique_ptr<x3_site> x3;
  std::unique_ptr<jira_site> jira;
  std::optional<knobs> override_knobs;
  std::string jira_refresh_token;  // initial 3LO refresh token (oauth2 cloud tenants)
};

struct emulator::impl {
  asio::any_io_executor ex;
  emulator_options opt;
  std::shared_ptr<clock> clk;
  knobs global;
  rate_limiter limiter;
  std::unique_ptr<atlassian_gateway> gw;
  std::vector<emulator_tenant> tenants;
  std::unordered_map<std::string, std::size_t> by_id;
  std::unordered_map<std::string, std::size_t> by_cloud_id;
  counters counts;
  rng fault_random;
  std::map<std::string, int> lose_next;  // endpoint template -> answers still to lose (tests)
  std::unique_ptr<net::http_server> server;         // the control API, and the tenants without TLS
  std::unique_ptr<net::http_server> tenant_server;  // the tenants' addresses with TLS
  // "http://" or "https://": how the tenants' addresses are reached.
  std::string tenant_scheme() const { return opt.tls_cert_file.empty() ? "http://" : "https://"; }
  // The shared Atlassian gateway: "http(s)://127.30.0.1:PORT".
  std::string gateway_origin() const {
    return tenant_scheme() + std::string(k_gateway_address) + ":" + std::to_string(port);
  }
  unsigned short control_port = 0;
  unsigned short port = 0;
  bool stopping = false;
  std::set<asio::steady_timer*> timers;  // pending latency / hang timers, cancelled by stop()

  impl(asio::any_io_executor e, emulator_options o);

  knobs const& effective(std::optional<std::size_t> i) const {
    if (i && tenants[*i].override_knobs) return *tenants[*i].override_knobs;
    return global;
  }
  awaitable<bool> pause(std::chrono::milliseconds d);  // false when cancelled by stop()
  awaitable<net::http_response> handle(net::http_request req);
  net::http_response control(net::http_request const& req, std::string& endpoint);
  boost::json::object tenant_state(std::size_t i) const;
  boost::json::object node_config() const;
  tenant_endpoints endpoints(std::size_t i) const;
};

}  // namespace mlc::emu
