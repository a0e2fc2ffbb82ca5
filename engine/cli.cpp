#include "engine/cli.hpp"

#include <charconv>
#include <csignal>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json/serialize.hpp>

#include "config/secret_box.hpp"
#include "engine/log.hpp"
#include "engine/node.hpp"
#include "engine/tenant_connect.hpp"
#include "net/http_client.hpp"
#include "storage/keys.hpp"
#include "storage/store.hpp"

namespace mlc::engine {

namespace json = boost::json;

namespace {

constexpr char const* k_usage = R"(usage: ml-connector COMMAND [options]

commands:
  run      --config FILE        run the node: poll every tenant, serve /metrics, /healthz, /readyz, /admin
  setup    --config FILE [--tenant ID]
                                resolve Jira field ids, check project, issue types and create screens; store them
  check    --config FILE [--tenant ID]
                                check each tenant's Sage X3 and Jira access; one line per check; exit 1 on any failure
  audit    --config FILE --tenant ID [--record ID] [--failed] [--limit N]
                                print the tenant's audit trail (newest first), from a running or stopped node
  replay   --config FILE --tenant ID [--record ID | --all]
                                write parked records again (a running node is asked through its admin API)
  secret encrypt --config FILE --tenant ID
                                read a secret on standard input, print its encrypted config form
  keys rotate --config FILE     re-seal stored secrets with the newest master key (node stopped)
  --version, --help

options:
  --data-dir DIR     overrides data_dir        --listen HOST:PORT   overrides listen
  --log-level L      debug|info|warn|error     --log-format F       json|text
)";

struct arguments {
  std::string command;
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;
  bool has(std::string const& k) const { return options.count(k) > 0; }
  std::optional<std::string> get(std::string const& k) const {
    auto it = options.find(k);
    return it == options.end() ? std::nullopt : std::optional{it->second};
  }
};

arguments parse_args(std::vector<std::string> const& args) {
  static std::set<std::string> const flags{"--all", "--failed", "--version", "--help", "-h"};
  arguments a;
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto const& s = args[i];
    if (s.starts_with("--")) {
      auto eq = s.find('=');
      if (eq != std::string::npos) a.options[s.substr(0, eq)] = s.substr(eq + 1);
      else if (flags.count(s)) a.options[s] = "1";
      else if (i + 1 < args.size()) a.options[s] = args[++i];
      else throw std::invalid_argument("option " + s + " needs a value");
    } else if (a.command.empty()) {
      a.command = s;
    } else {
      a.positional.push_back(s);
    }
  }
  return a;
}

config::node_config load(arguments const& a) {
  auto file = a.get("--config");
  if (!file) throw std::invalid_argument("--config FILE is required");
  auto c = config::load_node_config(*file);
  if (auto d = a.get("--data-dir")) c.data_dir = *d;
  if (auto l = a.get("--listen")) c.listen = *l;
  if (auto l = a.get("--log-level")) c.log_level = *l;
  if (auto f = a.get("--log-format")) c.log_format = *f;
  auto level = log::parse_level(c.log_level == "trace" ? "debug" : c.log_level);
  log::configure(level.value_or(log::level::info), c.log_format != "text");
  return c;
}

// Runs `body` as a coroutine on a fresh io_context and returns its result.
template <class T>
T run_coroutine(asio::io_context& ioc, awaitable<T> body) {
  std::exception_ptr failure;
  std::optional<T> result;
  asio::co_spawn(ioc, std::move(body), [&](std::exception_ptr e, T v) {
    failure = e;
    if (!e) result.emplace(std::move(v));
    ioc.stop();
  });
  ioc.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

std::vector<config::tenant_config> selected(config::node_config const& c, arguments const& a) {
  std::vector<config::tenant_config> out;
  auto only = a.get("--tenant");
  for (auto const& t : c.tenants)
    if (!only || t.id == *only) out.push_back(t);
  if (only && out.empty()) throw std::invalid_argument("no tenant \"" + *only + "\" in the config");
  return out;
}

int cmd_run(arguments const& a) {
  auto c = load(a);
  asio::io_context ioc;
  auto options = options_from(c);
  node n(ioc, std::move(c), options);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (!ec) n.stop();
  });
  // SIGHUP re-reads the configuration: tenants added, changed, paused or removed live.
  asio::signal_set hangup(ioc, SIGHUP);
  std::function<void(boost::system::error_code, int)> on_hangup = [&](boost::system::error_code ec, int) {
    if (ec) return;
    n.reload();
    hangup.async_wait(on_hangup);
  };
  hangup.async_wait(on_hangup);
  std::exception_ptr failure;
  asio::co_spawn(ioc, n.run(), [&](std::exception_ptr e) {
    failure = e;
    signals.cancel();
    hangup.cancel();
    ioc.stop();  // loops past the drain time are abandoned: their intents make them resumable
  });
  ioc.run();
  if (failure) std::rethrow_exception(failure);
  return 0;
}

awaitable<int> setup_all(asio::io_context& ioc, node_services services, std::vector<config::tenant_config> tenants,
                         bool check_only) {
  int failures = 0;
  bool node_running = services.store->read_only();
  // Kept until the next tenant is set up: its clients hold the shared TLS contexts, which
  // would otherwise be freed with it and built again (the system CA store parsed, ~13 ms
  // a context) for every tenant.
  std::shared_ptr<tenant> last;
  for (auto const& tc : tenants) {
    if (node_running && tc.jira.auth == "oauth2") {
      // Jira 3LO refresh tokens rotate on use: a refresh here would spend the running
      // node's token and could not store the new one. The node's own state tells.
      std::cout << "skip " << tc.id << ": a running node holds this tenant's rotating Jira refresh token; "
                << "see its state at /admin/tenants/" << tc.id << ", or stop the node to check it\n";
      continue;
    }
    auto t = std::make_shared<tenant>(ioc.get_executor(), services, tc);
    if (check_only) {
      std::exception_ptr x3_failure;
      try {
        co_await t->probe_x3();
      } catch (...) {
        x3_failure = std::current_exception();
      }
      if (x3_failure) {
        ++failures;
        std::cout << "FAIL " << tc.id << " x3: " << classify(x3_failure, "x3").what() << "\n";
      } else {
        std::cout << "ok   " << tc.id << " x3: signed in to " << tc.x3.base_url << " (folder " << tc.x3.folder
                  << ", " << tc.x3.api << ") and read a page of each entity\n";
      }
    }
    std::exception_ptr jira_failure_ptr;
    std::size_t fields = 0;
    try {
      if (check_only) {
        auto m = co_await resolve_mapping(t->jira(), tc, true);
        for (auto const& [e, s] : m) fields += s.fields.size();
      } else {
        co_await t->setup(true);
        fields = tc.jira.field_map.size();
      }
    } catch (...) {
      jira_failure_ptr = std::current_exception();
    }
    if (jira_failure_ptr) {
      ++failures;
      std::cout << "FAIL " << tc.id << " jira: " << classify(jira_failure_ptr, "jira").what() << "\n";
    } else {
      std::cout << "ok   " << tc.id << " jira: project " << tc.jira.project_key << ", issue types and " << fields
                << " mapped field(s) found on the create screens" << (check_only ? "" : "; stored") << "\n";
    }
    last = std::move(t);
  }
  co_return failures;
}

int cmd_setup_or_check(arguments const& a, bool check_only) {
  auto c = load(a);
  int failures = 0;
  if (check_only) {
    for (auto const& w : c.warnings) std::cout << "warn config: " << w.what() << "\n";
    for (auto const& e : c.tenant_errors) {
      std::cout << "FAIL config: " << e.what() << "\n";
      ++failures;
    }
  }
  node_services services;
  try {
    services = open_services(c, options_from(c), false);
  } catch (storage::storage_error const&) {
    if (!check_only) throw;
    // A running node holds the store: check reads only.
    services = open_services(c, options_from(c), true);
  }
  asio::io_context ioc;
  failures += run_coroutine(ioc, setup_all(ioc, services, selected(c, a), check_only));
  services.store->close();
  return failures == 0 ? 0 : 1;
}

int cmd_audit(arguments const& a) {
  auto c = load(a);
  auto id = a.get("--tenant");
  if (!id) throw std::invalid_argument("--tenant ID is required");
  selected(c, a);  // the tenant must be in the config
  std::size_t limit = 100;
  if (auto text = a.get("--limit")) {
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
    if (ec != std::errc{} || end != text->data() + text->size() || limit == 0)
      throw std::invalid_argument("--limit expects a positive whole number, got \"" + *text + "\"");
  }
  storage::store_options o;
  o.read_only = true;
  auto store = storage::store::open(c.data_dir, o);
  tenant_store view(store, *id);
  for (auto const& e : view.audit(limit, a.get("--record"), a.has("--failed")))
    std::cout << json::serialize(json::object{{"time", e.time}, {"entity", e.entity}, {"record", e.record},
                                              {"action", e.action}, {"issue", e.issue}, {"message", e.message}})
              << "\n";
  if (a.has("--failed"))
    for (auto const& p : view.all_parked())
      if (!a.get("--record") || p.id == *a.get("--record"))
        std::cout << json::serialize(json::object{{"parked", p.id}, {"entity", entity_name(p.what)},
                                                  {"since", format_timestamp(p.parked_at)},
                                                  {"attempts", p.attempts}, {"error", p.error}, {"field", p.field}})
                  << "\n";
  return 0;
}

awaitable<int> replay_via_admin(config::node_config c, std::string tenant_id) {
  if (c.admin_token_file.empty())
    throw std::runtime_error("the node is running and has no admin_token_file, so replay cannot reach it — "
                             "set admin_token_file, or stop the node and replay again");
  std::ifstream in(c.admin_token_file);
  std::string token((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  auto ex = co_await asio::this_coro::executor;
  net::http_client client(ex, net::client_options{});
  net::http_request request;
  request.method = "POST";
  request.headers.set("Authorization", "Bearer " + token);
  auto url = "http://" + c.listen + "/admin/tenants/" + tenant_id + "/replay";
  auto response = co_await client.send(url, std::move(request));
  std::cout << "running node answered " << response.status << ": " << response.body;
  co_return response.status / 100 == 2 ? 0 : 1;
}

int cmd_replay(arguments const& a) {
  auto c = load(a);
  auto id = a.get("--tenant");
  if (!id) throw std::invalid_argument("--tenant ID is required");
  if (!a.get("--record") && !a.has("--all")) throw std::invalid_argument("give --record ID or --all");
  asio::io_context ioc;
  node_services services;
  try {
    services = open_services(c, options_from(c), false);
  } catch (storage::storage_error const&) {
    return run_coroutine(ioc, replay_via_admin(c, *id));
  }
  auto tenants = selected(c, a);
  auto t = std::make_shared<tenant>(ioc.get_executor(), services, tenants.front());
  auto landed = run_coroutine(ioc, t->replay(a.get("--record")));
  auto left = tenant_store(services.store, *id).all_parked().size();
  services.store->close();
  std::cout << "replayed " << landed << " record(s); " << left << " still parked\n";
  return left == 0 || !a.has("--all") ? 0 : 1;
}

config::secret_box master_box(config::node_config const& c) {
  auto keys = !c.master_key_file.empty() ? config::keyring::load_file(c.master_key_file)
                                         : config::keyring::from_env(c.master_key_env);
  return config::secret_box(std::move(keys));
}

// Re-seals every stored secret (rotated refresh tokens) with the newest master key, so an
// old key can be retired. Run it with the node stopped, after adding the new key.
int cmd_keys(arguments const& a) {
  if (a.positional.empty() || a.positional[0] != "rotate") throw std::invalid_argument("usage: keys rotate --config FILE");
  auto c = load(a);
  auto box = master_box(c);
  auto store = storage::store::open(c.data_dir);
  storage::write_batch batch;
  std::size_t already = 0;
  store->scan(storage::column::tenant_state, {}, [&](std::string_view key, std::string_view value) {
    if (!config::secret_box::is_sealed(value)) return true;
    auto parts = storage::split_key(key);
    if (!parts) return true;
    if (value.starts_with("enc:v1:" + box.current_key_id() + ":")) {
      ++already;
      return true;
    }
    auto plain = box.open(value, parts->tenant);
    batch.push_back({storage::column::tenant_state, std::string{key}, box.seal(plain, parts->tenant)});
    return true;
  });
  auto rewritten = batch.size();
  if (!batch.empty()) store->commit_now(std::move(batch));
  store->close();
  std::cout << "re-sealed " << rewritten << " stored secret(s) with key " << box.current_key_id() << "; " << already
            << " already used it\n";
  return 0;
}

int cmd_secret(arguments const& a) {
  if (a.positional.empty() || a.positional[0] != "encrypt") throw std::invalid_argument("usage: secret encrypt ...");
  auto c = load(a);
  auto id = a.get("--tenant");
  if (!id) throw std::invalid_argument("--tenant ID is required: the secret opens only for that tenant");
  auto box = master_box(c);
  std::string plaintext((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  while (!plaintext.empty() && (plaintext.back() == '\n' || plaintext.back() == '\r')) plaintext.pop_back();
  std::cout << box.seal(plaintext, *id) << "\n";
  return 0;
}

}  // namespace

int run_cli(std::vector<std::string> const& args) {
  try {
    auto a = parse_args(args);
    if (a.has("--version") || a.command == "version") {
      std::cout << "ml-connector " << MLC_VERSION << "\n";
      return 0;
    }
    if (a.command.empty() || a.command == "help" || a.has("--help") || a.has("-h")) {
      std::cout << k_usage;
      return a.command.empty() && !a.has("--help") ? 2 : 0;
    }
    if (a.command == "run") return cmd_run(a);
    if (a.command == "setup") return cmd_setup_or_check(a, false);
    if (a.command == "check") return cmd_setup_or_check(a, true);
    if (a.command == "audit") return cmd_audit(a);
    if (a.command == "replay") return cmd_replay(a);
    if (a.command == "secret") return cmd_secret(a);
    if (a.command == "keys") return cmd_keys(a);
    std::cerr << "ml-connector: unknown command '" << a.command << "'\n" << k_usage;
    return 2;
  } catch (std::exception const& e) {
    std::cerr << "ml-connector: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace mlc::engine
