#pragma once
// The running node: one io_context, the store, the metrics catalogue, the HTTP server
// (/metrics, /healthz, /readyz, the admin API) and one poll loop per tenant.
// Coroutine safety: everything on the io_context passed in; stop() may be called from a
// signal handler running on it.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/node_config.hpp"
#include "engine/tenant.hpp"
#include "net/host_limiter.hpp"
#include "net/http.hpp"

#include <boost/asio/steady_timer.hpp>

namespace mlc::net {
class http_server;
}

namespace mlc::engine {

inline net::limiter_settings to_limiter(config::host_limits const& l) {
  return {l.requests_per_second, l.burst, static_cast<std::size_t>(l.max_in_flight)};
}

struct node_options {
  std::chrono::seconds drain{10};               // bounded wait for loops at shutdown
  std::chrono::seconds search_window{60};       // see writer_settings::search_window
  std::chrono::milliseconds request_deadline{60'000};
  std::optional<std::string> admin_token;       // overrides admin_token_file (tests)
  // Per-host request budgets (config "limits").
  bool durable = true;  // fsync the WAL on every group commit (off only in tests that don't crash)
  net::limiter_settings x3_limits = to_limiter(config::node_config::default_x3_limits);
  net::limiter_settings jira_limits = to_limiter(config::node_config::default_jira_limits);
};

// The node options a config file sets ("limits", "search_window"); the rest keep their
// defaults. Read at start: changing them needs a restart.
node_options options_from(config::node_config const& config);

class node {
 public:
  node(asio::io_context& ioc, config::node_config config, node_options options = {});
  ~node();

  // Opens the store, starts the server and every tenant; returns after stop() once the
  // loops have ended (or the drain time passed), the server is closed and the store too.
  // Throws for start-up failures (store locked, address in use, bad admin settings).
  awaitable<void> run();
  void stop();
  // Re-reads the config file: new tenants start, removed ones stop (their stored state is
  // kept), changed ones restart once their current loop has ended. A config that no longer
  // parses is logged and ignored. Listen address and data directory need a restart.
  void reload();

  // The bound HTTP port (valid once ready()).
  unsigned short port() const { return port_; }
  bool ready() const { return ready_; }
  std::shared_ptr<tenant> find(std::string const& id) const;
  metrics::catalog& metrics() { return *services_.metrics; }

 private:
  awaitable<net::http_response> handle(net::http_request request);
  awaitable<net::http_response> handle_admin(net::http_request const& request);
  void start_tenant(config::tenant_config const& config);
  void loop_ended(std::string const& id);
  awaitable<void> housekeeping_loop();  // audit pruning (hourly), memory trim (every minute)

  asio::io_context& ioc_;
  config::node_config config_;
  node_options options_;
  node_services services_;
  std::unique_ptr<net::http_server> server_;
  std::map<std::string, std::shared_ptr<tenant>> tenants_;
  // Tenants whose loop is ending: what to start in its place (nullopt: removed).
  std::map<std::string, std::optional<config::tenant_config>> replacing_;
  std::optional<std::string> admin_token_;
  unsigned short port_ = 0;
  bool ready_ = false;
  bool stopping_ = false;
  std::size_t loops_running_ = 0;
  std::unique_ptr<asio::steady_timer> stop_signal_;
  std::unique_ptr<asio::steady_timer> loops_done_;
  asio::steady_timer* stop_signal_prune_ = nullptr;
};

// The shared parts of a node (store, metrics, limiters, master keys) built from the config.
// `read_only` opens the store without its lock, to inspect a running node's data.
node_services open_services(config::node_config const& config, node_options const& options, bool read_only = false);

// "127.0.0.1:9464" → {"127.0.0.1", 9464}; "[::1]:80" too. Throws std::invalid_argument.
std::pair<std::string, unsigned short> split_listen(std::string const& listen);
bool is_loopback(std::string const& address);

}  // namespace mlc::engine
