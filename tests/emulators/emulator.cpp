#include "tests/emulators/emulator.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "tests/emulators/emulator_impl.hpp"
#include "tests/emulators/responses.hpp"
#include "tests/emulators/x3_api1.hpp"
#include "tests/emulators/x3_generator.hpp"

namespace mlc::emu {
namespace json = boost::json;

std::string x3_address(std::size_t i) {
  return "127.10." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
}
std::string jira_address(std::size_t i) {
  return "127.20." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
}

namespace {

std::string pad(std::size_t n, int width) {
  std::string s = std::to_string(n);
  if (int(s.size()) < width) s.insert(0, std::size_t(width - int(s.size())), '0');
  return s;
}

std::string random_hex(rng& r, std::size_t chars) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  while (out.size() < chars) out += hex[r.below(16)];
  return out;
}

std::string random_uuid(rng& r) {
  auto h = random_hex(r, 32);
  h[12] = '4';
  h[16] = "89ab"[r.below(4)];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

bool pick(std::string const& mode, char const* first, bool alternate) {
  if (mode == "mixed") return alternate;
  return mode == first;
}

// 127.A.B.C -> {A, B*250 + C - 1}; nullopt for anything else.
std::optional<std::pair<int, std::size_t>> decode_address(std::string const& a) {
  unsigned o[4];
  char tail;
  if (std::sscanf(a.c_str(), "%u.%u.%u.%u%c", &o[0], &o[1], &o[2], &o[3], &tail) != 4) return std::nullopt;
  if (o[0] != 127 || o[3] < 1 || o[3] > 250) return std::nullopt;
  return std::make_pair(int(o[1]), std::size_t(o[2]) * 250 + o[3] - 1);
}

}  // namespace

emulator::impl::impl(asio::any_io_executor e, emulator_options o)
    : ex{std::move(e)}, opt{std::move(o)}, global{opt.initial}, fault_random{mix_seed(opt.seed, 0xfa17)} {
  clk = opt.clk ? opt.clk : std::make_shared<wall_clock>();
  for (auto const* mode : {&opt.x3_api, &opt.x3_auth, &opt.jira_flavour, &opt.jira_auth})
    if (mode->empty()) throw std::invalid_argument("emulator: empty mode option");
  if (opt.x3_api != "graphql" && opt.x3_api != "api1" && opt.x3_api != "mixed")
    throw std::invalid_argument("x3 api must be graphql, api1 or mixed, not \"" + opt.x3_api + "\"");
  if (opt.x3_auth != "jwt" && opt.x3_auth != "oauth2" && opt.x3_auth != "mixed")
    throw std::invalid_argument("x3 auth must be jwt, oauth2 or mixed, not \"" + opt.x3_auth + "\"");
  if (opt.jira_flavour != "cloud" && opt.jira_flavour != "datacenter" && opt.jira_flavour != "mixed")
    throw std::invalid_argument("jira flavour must be cloud, datacenter or mixed, not \"" + opt.jira_flavour + "\"");
  if (opt.jira_auth != "basic" && opt.jira_auth != "oauth2" && opt.jira_auth != "mixed")
    throw std::invalid_argument("jira auth must be basic, oauth2 or mixed, not \"" + opt.jira_auth + "\"");
  if (opt.tenants > 62'500) throw std::invalid_argument("at most 62500 tenants fit the loopback address plan");

  rng app{mix_seed(opt.seed, 0x3105)};
  gw = std::make_unique<atlassian_gateway>(clk, opt.seed, "mlc-3lo-" + random_hex(app, 8), random_hex(app, 40));
  int width = opt.tenants > 10'000 ? 5 : 4;
  tenants.reserve(opt.tenants);
  for (std::size_t i = 0; i < opt.tenants; ++i) {
    rng r{mix_seed(opt.seed, i)};
    emulator_tenant t;
    t.id = "t" + pad(i, width);

    x3_credentials xc;
    xc.folder = "T" + pad(i, width);
    xc.api = pick(opt.x3_api, "graphql", i % 2 == 0) ? x3_api::graphql : x3_api::api1;
    xc.graphql_auth = pick(opt.x3_auth, "jwt", (i / 2) % 2 == 0) ? x3_graphql_auth::jwt : x3_graphql_auth::oauth2;
    xc.client_id = "mlc-" + t.id;
    xc.user = "INTEGRATION";
    xc.audience = "x3:" + xc.folder;
    xc.secret = random_hex(r, 40);
    xc.username = "MLC";
    xc.password = random_hex(r, 20);
    x3_generation g;
    g.orders = opt.records_per_tenant;
    g.invoices = opt.records_per_tenant / 2;
    g.suppliers = opt.suppliers_per_tenant ? opt.suppliers_per_tenant
                                           : std::clamp<std::size_t>(opt.records_per_tenant / 4, 5, 40);
    auto data = generate_x3_data(r, g);
    t.x3 = std::make_unique<x3_site>(t.id, std::move(xc), std::move(data), clk, mix_seed(opt.seed, 1'000'000 + i));

    jira_credentials jc;
    bool cloud = pick(opt.jira_flavour, "cloud", (i / 2) % 2 == 0);
    jc.flavour = cloud ? jira_flavour::cloud : jira_flavour::datacenter;
    jc.auth = cloud ? (pick(opt.jira_auth, "basic", i % 2 == 0) ? "basic" : "oauth2") : "pat";
    jc.email = cloud ? "integration@" + t.id + ".example.com" : "ml-connector";
    jc.api_token = random_hex(r, 24);
    jc.pat = random_hex(r, 44);
    jc.cloud_id = random_uuid(r);
    jc.account_id = "712020:" + random_uuid(r);
    jc.site_name = cloud ? t.id + ".atlassian.example" : "jira-" + t.id + ".example";
    t.jira = std::make_unique<jira_site>(t.id, jc, "OPS", clk, limiter);
    if (cloud) {
      t.jira_refresh_token = gw->register_site(jc.cloud_id, t.jira.get(), "code-" + t.id);
      by_cloud_id[jc.cloud_id] = i;
    }
    by_id[t.id] = i;
    tenants.push_back(std::move(t));
  }
}

awaitable<bool> emulator::impl::pause(std::chrono::milliseconds d) {
  if (d.count() <= 0) co_return !stopping;
  asio::steady_timer timer{ex, d};
  timers.insert(&timer);
  auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  timers.erase(&timer);
  co_return !ec && !stopping;
}

tenant_endpoints emulator::impl::endpoints(std::size_t i) const {
  auto const& t = tenants.at(i);
  tenant_endpoints e;
  e.id = t.id;
  e.x3_address = x3_address(i);
  e.jira_address = jira_address(i);
  e.x3_url = tenant_scheme() + e.x3_address + ":" + std::to_string(port);
  auto const& jc = t.jira->credentials();
  if (jc.auth == "oauth2")
    e.jira_url = gateway_origin() + "/ex/jira/" + jc.cloud_id;
  else
    e.jira_url = tenant_scheme() + e.jira_address + ":" + std::to_string(port);
  if (jc.flavour == jira_flavour::cloud) e.cloud_id = jc.cloud_id;
  return e;
}

namespace {

// The body an injected error carries, in each system's own error format.
net::http_response injected(std::string const& system, std::string const& target, int status,
                            std::chrono::seconds retry_after) {
  std::string message = "Injected fault: HTTP " + std::to_string(status);
  net::http_response r;
  if (system == "x3" && target.rfind("/xtrem/api", 0) == 0)
    r = json_response(status, json::object{{"errors", json::array{json::object{{"message", message}}}}});
  else if (system == "x3")
    r = json_response(status, api1_diagnoses(message));
  else if (target.rfind("/oauth/", 0) == 0)
    r = json_response(status, json::object{{"error", "temporarily_unavailable"}, {"error_description", message}});
  else
    r = jira_error(status, {message});
  if (status == 429 || status == 503) r.headers.set("Retry-After", std::to_string(retry_after.count()));
  if (status == 429 && system != "x3") {
    r.headers.set("X-RateLimit-Limit", "100");
    r.headers.set("X-RateLimit-Remaining", "0");
    r.headers.set("RateLimit-Reason", "jira-burst-based");
  }
  return r;
}

}  // namespace

awaitable<net::http_response> emulator::impl::handle(net::http_request req) {
  auto decoded = decode_address(req.local_address);
  std::string system = "control";
  std::optional<std::size_t> tenant;
  if (decoded && decoded->first == 10 && decoded->second < tenants.size()) {
    system = "x3";
    tenant = decoded->second;
  } else if (decoded && decoded->first == 20 && decoded->second < tenants.size()) {
    system = "jira";
    tenant = decoded->second;
  } else if (req.local_address == k_gateway_address) {
    system = "gateway";
    auto [path, q] = split_target(req.target);
    if (path.rfind("/ex/jira/", 0) == 0) {
      auto rest = path.substr(9);
      auto it = by_cloud_id.find(std::string(rest.substr(0, rest.find('/'))));
      if (it != by_cloud_id.end()) tenant = it->second;
    }
  }
  std::string endpoint = "other";
  if (system == "control") {
    auto r = control(req, endpoint);
    counts.count(system, endpoint, r.status);
    co_return r;
  }

  std::string origin = tenant_scheme() + std::string(req.headers.get("Host").value_or(
                                       req.local_address + ":" + std::to_string(req.local_port)));
  knobs const& k = effective(tenant);
  system_knobs const& sk = system == "x3" ? k.x3 : k.jira;
  auto [raw_path, raw_query] = split_target(req.target);

  auto delay = sk.latency;
  if (sk.latency_jitter.count() > 0)
    delay += std::chrono::milliseconds{std::int64_t(fault_random.below(std::uint64_t(sk.latency_jitter.count()) + 1))};
  if (delay.count() > 0) {
    bool alive = co_await pause(delay);
    if (!alive) co_return text_response(503, "emulator stopping\n");
  }
  // Dropped and hung connections (README: "Dropped and hung connections"): the server
  // resets the connection instead of answering, at once or after a hang past any sane
  // client timeout (cut short by stop()).
  if (fault_random.chance(sk.drop_rate)) {
    counts.count(system, "dropped", 0);
    net::http_response r;
    r.drop_connection = true;
    co_return r;
  }
  if (fault_random.chance(sk.hang_rate)) {
    co_await pause(opt.drop_hang);
    counts.count(system, "hung", 0);
    net::http_response r;
    r.drop_connection = true;
    co_return r;
  }
  if (!sk.error_rates.empty()) {
    double draw = fault_random.unit(), acc = 0;
    for (auto const& [status, p] : sk.error_rates) {
      acc += p;
      if (draw < acc) {
        auto r = injected(system, std::string(raw_path), status, sk.retry_after);
        counts.count(system, "injected", status);
        co_return r;
      }
    }
  }

  net::http_response r;
  if (system == "x3") {
    r = tenants[*tenant].x3->handle(req, sk, origin, endpoint);
  } else if (system == "jira") {
    r = tenants[*tenant].jira->handle(req, sk, origin, req.target, std::nullopt, endpoint);
  } else {
    auto knobs_for = [this](jira_site const* s) -> knobs const& {
      if (!s) return global;
      return effective(by_id.at(s->tenant_id()));
    };
    r = gw->handle(req, knobs_for, origin, endpoint, system);
  }
  counts.count(system, endpoint, r.status);
  // The work is done, the answer never arrives (a proxy or the network failing on the
  // way back): the client cannot tell whether anything happened.
  auto scripted = lose_next.find(endpoint);
  bool const lose_scripted = scripted != lose_next.end() && scripted->second > 0;
  if (lose_scripted) --scripted->second;
  if (lose_scripted || fault_random.chance(sk.lost_answer_rate)) {
    counts.count(system, "answer_lost", 0);
    net::http_response lost;
    lost.drop_connection = true;
    co_return lost;
  }
  co_return r;
}

emulator::emulator(asio::any_io_executor ex, emulator_options options)
    : impl_{std::make_unique<impl>(std::move(ex), std::move(options))} {}

emulator::~emulator() = default;

void emulator::start() {
  auto& m = *impl_;
  if (!m.opt.listen) return;
  net::server_options so;
  so.body_limit = 4 * 1024 * 1024;
  so.read_timeout = std::chrono::seconds{60};
  auto handler = [this](net::http_request r) { return impl_->handle(std::move(r)); };
  m.server = std::make_unique<net::http_server>(m.ex, so, handler);
  m.control_port = m.server->listen(m.opt.control_address, m.opt.control_port);
  auto* tenants_on = m.server.get();
  if (!m.opt.tls_cert_file.empty()) {
    so.tls_cert_file = m.opt.tls_cert_file;
    so.tls_key_file = m.opt.tls_key_file;
    m.tenant_server = std::make_unique<net::http_server>(m.ex, so, handler);
    tenants_on = m.tenant_server.get();
  }
  auto bind = [&](std::string const& address) {
    try {
      auto p = tenants_on->listen(address, m.port);
      if (m.port == 0) m.port = p;
    } catch (std::exception const& e) {
      throw std::runtime_error("emulator: cannot listen on " + address + ":" + std::to_string(m.port) + ": " + e.what() +
                               (m.tenants.size() > 4000 ? " (many tenants: raise `ulimit -n` or use --bind-any)" : ""));
    }
  };
  m.port = m.opt.port;
  if (m.opt.bind_any) {
    bind("0.0.0.0");
  } else {
    bind(k_gateway_address);
    for (std::size_t i = 0; i < m.tenants.size(); ++i) {
      bind(x3_address(i));
      bind(jira_address(i));
    }
  }
  port_ = m.port;
}

awaitable<void> emulator::stop() {
  auto& m = *impl_;
  m.stopping = true;
  for (auto* t : m.timers) t->cancel();
  auto drain = std::chrono::milliseconds{2000};
  if (m.tenant_server) co_await m.tenant_server->shutdown(drain);
  if (m.server) co_await m.server->shutdown(drain);
}

awaitable<net::http_response> emulator::handle(net::http_request request) { return impl_->handle(std::move(request)); }

std::string emulator::control_url() const {
  return "http://" + impl_->opt.control_address + ":" + std::to_string(impl_->control_port);
}
std::size_t emulator::tenant_count() const { return impl_->tenants.size(); }
std::size_t emulator::connections_open() const {
  auto const& server = impl_->tenant_server ? impl_->tenant_server : impl_->server;
  return server ? server->connections_open() : 0;
}
tenant_endpoints emulator::endpoints(std::size_t i) const { return impl_->endpoints(i); }
std::optional<std::size_t> emulator::tenant_index(std::string const& id) const {
  auto it = impl_->by_id.find(id);
  if (it == impl_->by_id.end()) return std::nullopt;
  return it->second;
}
x3_site& emulator::x3(std::size_t i) { return *impl_->tenants.at(i).x3; }
jira_site& emulator::jira(std::size_t i) { return *impl_->tenants.at(i).jira; }
atlassian_gateway& emulator::gateway() { return *impl_->gw; }
knobs& emulator::global_knobs() { return impl_->global; }
knobs& emulator::tenant_knobs(std::size_t i) {
  auto& t = impl_->tenants.at(i);
  if (!t.override_knobs) t.override_knobs = impl_->global;
  return *t.override_knobs;
}
knobs const& emulator::effective_knobs(std::size_t i) const { return impl_->effective(i); }
void emulator::reset_tenant_knobs(std::size_t i) { impl_->tenants.at(i).override_knobs.reset(); }
counters const& emulator::request_counts() const { return impl_->counts; }
void emulator::lose_next_answers(std::string const& endpoint, int n) { impl_->lose_next[endpoint] = n; }
clock& emulator::time() { return *impl_->clk; }

json::object emulator::state(std::optional<std::string> tenant) const {
  json::object x3, jira;
  for (std::size_t i = 0; i < impl_->tenants.size(); ++i) {
    auto const& t = impl_->tenants[i];
    if (tenant && *tenant != t.id) continue;
    x3[t.id] = to_state(t.x3->data());
    jira[t.id] = t.jira->state();
  }
  json::object o;
  o["x3"] = std::move(x3);
  o["jira"] = std::move(jira);
  return o;
}

json::object emulator::node_config(std::string const& master_key_file) const {
  auto cfg = impl_->node_config();
  if (!master_key_file.empty()) cfg["master_key_file"] = master_key_file;
  return cfg;
}

std::string emulator::master_key_line() const {
  rng r{mix_seed(impl_->opt.seed, 0x6b6579)};
  return "k1:" + random_hex(r, 64);
}

}  // namespace mlc::emu
