#include "engine/node.hpp"

#include <fstream>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <openssl/crypto.h>
#include <prometheus/gauge.h>

#include "engine/content_hash.hpp"
#include "engine/log.hpp"
#include "metrics/http_observer.hpp"
#include "net/host_limiter.hpp"
#include "net/http_server.hpp"

namespace mlc::engine {

namespace json = boost::json;

namespace {

net::http_response text(int status, std::string body, std::string type = "text/plain; charset=utf-8") {
  net::http_response r;
  r.status = status;
  r.headers.set("Content-Type", std::move(type));
  r.body = std::move(body);
  return r;
}

net::http_response json_response(int status, json::value const& body) {
  return text(status, json::serialize(body) + "\n", "application/json");
}

std::string read_token_file(std::string const& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read admin_token_file " + path);
  std::string token((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.size() < 16) throw std::runtime_error("admin_token_file " + path + " holds a token shorter than 16 characters");
  return token;
}

// Compares digests, so neither the content nor the length of the token leaks through timing.
bool token_matches(std::string_view given, std::string const& expected) {
  auto a = sha256_hex(given);
  auto b = sha256_hex(expected);
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

json::object status_json(tenant_status const& s) {
  json::object o;
  o["id"] = s.id;
  o["state"] = to_string(s.state);
  o["last_error"] = s.last_error;
  if (s.last_success)
    o["last_success"] = format_timestamp(std::chrono::floor<std::chrono::seconds>(*s.last_success));
  json::object lag;
  for (auto const& [e, v] : s.lag_seconds) lag[e] = v;
  o["lag_seconds"] = std::move(lag);
  o["parked"] = s.parked;
  return o;
}

std::string query_param(std::string_view target, std::string_view name) {
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return {};
  for (auto const& p : parsed->params())
    if (p.key == name) return p.value;
  return {};
}

// The config's warnings (plaintext secrets, TLS verification off), at start and on reload:
// the first few in full, then a count; `ml-connector check` lists every one.
void log_config_warnings(std::vector<config::config_error> const& warnings) {
  constexpr std::size_t shown = 20;
  for (std::size_t i = 0; i < warnings.size() && i < shown; ++i) log::warn({}, "config.warning", warnings[i].what());
  if (warnings.size() > shown)
    log::warn({}, "config.warning",
              std::to_string(warnings.size() - shown) + " more configuration warning(s); `ml-connector check` lists them all");
}

}  // namespace

std::pair<std::string, unsigned short> split_listen(std::string const& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size())
    throw std::invalid_argument("listen address \"" + listen + "\" must be HOST:PORT");
  auto host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
    port = -1;
  }
  if (port < 0 || port > 65535) throw std::invalid_argument("listen address \"" + listen + "\" has a bad port");
  return {host, static_cast<unsigned short>(port)};
}

bool is_loopback(std::string const& address) {
  boost::system::error_code ec;
  auto a = asio::ip::make_address(address, ec);
  return !ec && a.is_loopback();
}

node_options options_from(config::node_config const& config) {
  node_options o;
  o.x3_limits = to_limiter(config.x3_limits);
  o.jira_limits = to_limiter(config.jira_limits);
  o.search_window = config.search_window;
  return o;
}

node_services open_services(config::node_config const& config, node_options const& options, bool read_only) {
  node_services services;
  services.metrics = std::make_shared<metrics::catalog>(MLC_VERSION);
  auto catalog = services.metrics;
  storage::store_options store_options;
  store_options.read_only = read_only;
  store_options.sync = options.durable;
  store_options.on_batch = [catalog](std::size_t records, std::chrono::duration<double> took) {
    catalog->observe_storage_batch(records, took.count());
  };
  services.store = storage::store::open(config.data_dir, store_options);
  services.http_observer = std::make_shared<metrics::http_observer>(*catalog);
  services.x3_limiter = std::make_shared<net::host_limiter_registry>("x3", options.x3_limits, services.http_observer);
  services.jira_limiter =
      std::make_shared<net::host_limiter_registry>("jira", options.jira_limits, services.http_observer);
  services.search_window = options.search_window;
  services.request_deadline = options.request_deadline;
  if (!config.master_key_file.empty())
    services.secrets = std::make_shared<config::secret_box const>(config::keyring::load_file(config.master_key_file));
  else if (auto const* env = std::getenv(config.master_key_env.c_str()); env && *env)
    services.secrets = std::make_shared<config::secret_box const>(config::keyring::from_env(config.master_key_env));
  return services;
}

node::node(asio::io_context& ioc, config::node_config config, node_options options)
    : ioc_(ioc), config_(std::move(config)), options_(std::move(options)) {}

node::~node() = default;

std::shared_ptr<tenant> node::find(std::string const& id) const {
  auto it = tenants_.find(id);
  return it == tenants_.end() ? nullptr : it->second;
}

void node::stop() {
  if (stopping_) return;
  stopping_ = true;
  log::info({}, "node.stopping", "stopping: finishing in-flight records");
  if (stop_signal_) stop_signal_->cancel();
}

void node::start_tenant(config::tenant_config const& tc) {
  auto t = std::make_shared<tenant>(ioc_.get_executor(), services_, tc);
  tenants_[tc.id] = t;
  ++loops_running_;
  auto id = tc.id;
  asio::co_spawn(ioc_, t->run(), [this, id](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (std::exception const& ex) {
        log::error({id, {}, {}}, "tenant.loop_failed", std::string{"poll loop ended: "} + ex.what());
      }
    }
    loop_ended(id);
  });
}

void node::loop_ended(std::string const& id) {
  if (auto it = replacing_.find(id); it != replacing_.end()) {
    auto next = std::move(it->second);
    replacing_.erase(it);
    tenants_.erase(id);
    services_.metrics->remove_tenant(id);
    if (next && !stopping_) {
      log::info({id, {}, {}}, "tenant.restarted", "tenant configuration changed: restarted");
      start_tenant(*next);
    } else if (!next) {
      log::info({id, {}, {}}, "tenant.removed", "tenant removed from the configuration; its stored state is kept");
    }
  }
  if (--loops_running_ == 0 && loops_done_) loops_done_->cancel();
}

void node::reload() {
  if (stopping_ || config_.file.empty()) return;
  config::node_config fresh;
  try {
    fresh = config::load_node_config(config_.file);
  } catch (std::exception const& e) {
    log::error({}, "config.reload_failed", std::string{"configuration not reloaded: "} + e.what());
    return;
  }
  for (auto const& e : fresh.tenant_errors) log::error({}, "config.tenant_rejected", e.what());
  log_config_warnings(fresh.warnings);
  if (fresh.listen != config_.listen || fresh.data_dir != config_.data_dir || fresh.x3_limits != config_.x3_limits ||
      fresh.jira_limits != config_.jira_limits || fresh.search_window != config_.search_window)
    log::warn({}, "config.restart_needed", "listen, data_dir, limits and search_window changes take effect after a restart");
  std::map<std::string, config::tenant_config const*> wanted;
  for (auto const& tc : fresh.tenants) wanted[tc.id] = &tc;
  int started = 0, changed = 0, removed = 0;
  for (auto const& [id, t] : tenants_) {
    auto it = wanted.find(id);
    if (it == wanted.end()) {
      replacing_[id] = std::nullopt;
      t->stop();
      ++removed;
    } else if (!(*it->second == t->config())) {
      replacing_[id] = *it->second;
      t->stop();
      ++changed;
    }
  }
  for (auto const& tc : fresh.tenants)
    if (!tenants_.count(tc.id)) {
      start_tenant(tc);
      ++started;
    }
  log::info({}, "config.reloaded",
            "configuration reloaded: " + std::to_string(started) + " tenant(s) added, " + std::to_string(changed) +
                " changed, " + std::to_string(removed) + " removed");
}

awaitable<void> node::housekeeping_loop() {
  asio::steady_timer timer(ioc_);
  auto next_prune = std::chrono::steady_clock::now();
  while (!stopping_) {
    if (std::chrono::steady_clock::now() >= next_prune) {
      auto cutoff = std::chrono::system_clock::now() - config_.audit_retention;
      try {
        services_.store->prune_audit(cutoff);
      } catch (std::exception const& e) {
        log::warn({}, "audit.prune_failed", e.what());
      }
      next_prune = std::chrono::steady_clock::now() + std::chrono::hours{1};
    }
#ifdef __GLIBC__
    // Cycles of many tenants allocate coroutine frames and buffers in bursts, and glibc
    // keeps the freed pages: return them, or RSS stays at the busiest minute's peak.
    ::malloc_trim(0);
#endif
    timer.expires_after(std::chrono::minutes{1});
    stop_signal_prune_ = &timer;
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    stop_signal_prune_ = nullptr;
  }
}

awaitable<void> node::run() {
  auto [host, port] = split_listen(config_.listen);
  if (options_.admin_token) admin_token_ = options_.admin_token;
  else if (!config_.admin_token_file.empty()) admin_token_ = read_token_file(config_.admin_token_file);
  if (!is_loopback(host) && !admin_token_)
    throw std::runtime_error("refusing to listen on " + config_.listen +
                             ", which is not a loopback address, without an admin token — set admin_token_file");

  services_ = open_services(config_, options_);

  stop_signal_ = std::make_unique<asio::steady_timer>(ioc_, asio::steady_timer::time_point::max());
  loops_done_ = std::make_unique<asio::steady_timer>(ioc_, asio::steady_timer::time_point::max());

  net::server_options server_options;
  server_options.body_limit = 64 * 1024;
  server_ = std::make_unique<net::http_server>(
      ioc_.get_executor(), server_options,
      [this](net::http_request request) -> awaitable<net::http_response> { co_return co_await handle(std::move(request)); });
  port_ = server_->listen(host, port);

  for (auto const& e : config_.tenant_errors) log::error({}, "config.tenant_rejected", e.what());
  log_config_warnings(config_.warnings);
  for (auto const& tc : config_.tenants) start_tenant(tc);
  // Each tenant keeps its own config (reload compares against it): no second copy here,
  // and the messages already logged are not kept either.
  config_.tenants = {};
  config_.tenant_errors = {};
  config_.warnings = {};
  asio::co_spawn(ioc_, housekeeping_loop(), [](std::exception_ptr) {});
  ready_ = true;
  log::info({}, "node.ready",
            "listening on " + host + ":" + std::to_string(port_) + " with " + std::to_string(tenants_.size()) +
                " tenant(s); data in " + config_.data_dir);

  if (!stopping_) co_await stop_signal_->async_wait(asio::as_tuple(asio::use_awaitable));
  ready_ = false;
  if (stop_signal_prune_) stop_signal_prune_->cancel();
  for (auto& [id, t] : tenants_) t->stop();
  if (loops_running_ > 0) {
    loops_done_->expires_after(options_.drain);
    co_await loops_done_->async_wait(asio::as_tuple(asio::use_awaitable));
    if (loops_running_ > 0)
      log::warn({}, "node.drain_timeout",
                std::to_string(loops_running_) + " tenant loop(s) still busy after the drain time; their in-flight "
                "records will be resumed on the next start");
  }
  co_await server_->shutdown(std::chrono::seconds{2});
  services_.store->close();
  log::info({}, "node.stopped", "stopped cleanly");
}

awaitable<net::http_response> node::handle(net::http_request request) {
  auto path = request.target.substr(0, request.target.find('?'));
  if (path == "/metrics" && request.method == "GET") {
    if (services_.store) services_.metrics->storage_size_bytes().Set(static_cast<double>(services_.store->size_bytes()));
    co_return text(200, services_.metrics->serialize(), "text/plain; version=0.0.4; charset=utf-8");
  }
  if (path == "/healthz") co_return text(200, "ok\n");
  if (path == "/readyz") {
    bool ready = ready_ && !stopping_ && services_.store && loops_running_ == tenants_.size();
    co_return text(ready ? 200 : 503, ready ? "ready\n" : "not ready\n");
  }
  if (path.starts_with("/admin/")) co_return co_await handle_admin(request);
  co_return text(404, "not found\n");
}

awaitable<net::http_response> node::handle_admin(net::http_request const& request) {
  if (!admin_token_)
    co_return json_response(403, json::object{{"error", "the admin API is disabled: set admin_token_file"}});
  auto auth = request.headers.get("Authorization");
  if (!auth || !auth->starts_with("Bearer "))
    co_return json_response(401, json::object{{"error", "a bearer token is required"}});
  if (!token_matches(auth->substr(7), *admin_token_))
    co_return json_response(403, json::object{{"error", "the bearer token is not valid"}});

  auto path = request.target.substr(0, request.target.find('?'));
  if (path == "/admin/reload" && request.method == "POST") {
    reload();
    co_return json_response(200, json::object{{"reloaded", true}, {"tenants", tenants_.size()}});
  }
  if (path == "/admin/tenants" && request.method == "GET") {
    json::array list;
    for (auto const& [id, t] : tenants_) list.push_back(status_json(t->status()));
    co_return json_response(200, list);
  }
  // /admin/tenants/{id}/{action}
  constexpr std::string_view prefix = "/admin/tenants/";
  if (!path.starts_with(prefix)) co_return json_response(404, json::object{{"error", "unknown admin path"}});
  auto rest = path.substr(prefix.size());
  auto slash = rest.find('/');
  auto id = rest.substr(0, slash);
  auto action = slash == std::string::npos ? std::string{} : rest.substr(slash + 1);
  auto t = find(id);
  if (!t) co_return json_response(404, json::object{{"error", "no tenant " + id}});
  if (action.empty() && request.method == "GET") co_return json_response(200, status_json(t->status()));
  if (action == "audit" && request.method == "GET") {
    auto record = query_param(request.target, "record");
    auto failed = query_param(request.target, "failed") == "1";
    tenant_store view(services_.store, id);
    json::array entries;
    for (auto const& a : view.audit(200, record.empty() ? std::nullopt : std::optional{record}, failed))
      entries.push_back(json::object{{"time", a.time}, {"entity", a.entity}, {"record", a.record},
                                     {"action", a.action}, {"issue", a.issue}, {"message", a.message}});
    co_return json_response(200, entries);
  }
  if (request.method != "POST") co_return json_response(405, json::object{{"error", "use POST"}});
  if (action == "pause") t->set_paused(true);
  else if (action == "resume") t->set_paused(false);
  else if (action == "sync") t->sync_now();
  else if (action == "replay") {
    // Parked records are replayed by the tenant's own loop (one writer per tenant, so a
    // record is never written twice at once): wake it now.
    t->sync_now();
    co_return json_response(202, json::object{{"scheduled", true}, {"tenant", id}});
  } else
    co_return json_response(404, json::object{{"error", "unknown action " + action}});
  co_return json_response(200, status_json(t->status()));
}

}  // namespace mlc::engine
