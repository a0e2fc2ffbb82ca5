#include "engine/tenant_connect.hpp"

#include <prometheus/counter.h>

#include <cctype>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "engine/credentials.hpp"
#include "engine/log.hpp"
#include "engine/tenant.hpp"
#include "net/http_client.hpp"

namespace mlc::engine {

namespace json = boost::json;

namespace {

// Credentials that could not be built: every use fails with the reason.
class unavailable_credentials final : public credential_source {
 public:
  explicit unavailable_credentials(std::string why) : why_(std::move(why)) {}
  awaitable<std::string> authorization() override { throw auth_error(auth_failure::misconfigured, why_); }
  void reject(std::string const&) override {}

 private:
  std::string why_;
};

std::shared_ptr<net::http_client> make_client(asio::any_io_executor ex, node_services const& services,
                                              std::string system, bool verify, std::string const& ca_file,
                                              std::string const& tenant) {
  net::client_options options;
  options.system = std::move(system);
  options.tls.verify_peer = verify;
  options.tls.ca_file = ca_file;
  options.request_timeout = services.request_deadline;
  if (!verify)
    log::warn({tenant, {}, {}}, "tls.insecure",
              "TLS certificate verification is OFF for this tenant's " + options.system + " server (test systems only)");
  return std::make_shared<net::http_client>(ex, std::move(options), services.http_observer);
}

http_transport transport_of(std::shared_ptr<net::http_client> client) {
  return [client](std::string url, net::http_request request) -> awaitable<net::http_response> {
    co_return co_await client->send(std::move(url), std::move(request));
  };
}

std::string reveal(config::secret const& s, node_services const& services, std::string const& tenant) {
  static config::secret_box const no_keys;
  return s.reveal(services.secrets ? *services.secrets : no_keys, tenant);
}

credential_spec x3_spec(config::tenant_config const& c, node_services const& services) {
  credential_spec spec;
  spec.name = "tenant " + c.id + ", Sage X3";
  auto const& x = c.x3;
  if (x.auth == "basic") {
    spec.kind = credential_kind::basic;
    spec.user = x.username;
    spec.secret = reveal(x.secret, services, c.id);
  } else if (x.auth == "oauth2") {
    // Sage's cloud gateway: client-credentials grant; access tokens live minutes.
    spec.kind = credential_kind::oauth2_client_credentials;
    spec.client_id = x.client_id;
    spec.client_secret = reveal(x.secret, services, c.id);
    spec.token_url = x.token_url;
    spec.lifetime = x.token_lifetime;
  } else {
    spec.kind = credential_kind::jwt;
    spec.client_id = x.client_id;
    spec.user = x.user;
    spec.audience = x.audience;
    spec.secret = reveal(x.secret, services, c.id);
    spec.lifetime = x.token_lifetime;
  }
  return spec;
}

constexpr std::string_view k_jira_refresh_state = "jira_refresh_token";

credential_spec jira_spec(config::tenant_config const& c, node_services const& services, tenant_store& store) {
  credential_spec spec;
  spec.name = "tenant " + c.id + ", Jira";
  auto const& j = c.jira;
  if (j.auth == "pat") {
    spec.kind = credential_kind::bearer;
    spec.secret = reveal(j.secret, services, c.id);
  } else if (j.auth == "oauth2") {
    spec.kind = credential_kind::oauth2_refresh;
    spec.client_id = j.client_id;
    spec.client_secret = reveal(j.secret, services, c.id);
    spec.token_url = j.token_url;
    // A rotated refresh token stored earlier wins over the one in the config.
    if (auto stored = store.state(k_jira_refresh_state); stored && services.secrets && services.secrets->has_keys())
      spec.refresh_token = services.secrets->open(*stored, c.id);
    else
      spec.refresh_token = reveal(j.refresh_token, services, c.id);
    spec.lifetime = std::chrono::hours{1};
  } else {
    spec.kind = credential_kind::basic;
    spec.user = j.email;
    spec.secret = reveal(j.secret, services, c.id);
  }
  return spec;
}

// host/path of a base URL: "https://api.atlassian.com/ex/jira/abc/" -> "api.atlassian.com/ex/jira/abc".
std::string limit_key_of(std::string url) {
  if (auto scheme = url.find("://"); scheme != std::string::npos) url.erase(0, scheme + 3);
  while (!url.empty() && url.back() == '/') url.pop_back();
  for (auto& ch : url) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return url;
}

template <class MakeSpec>
std::shared_ptr<credential_source> build_credentials(MakeSpec make_spec, http_transport transport, clock_fn clock,
                                                     persist_fn persist, refresh_listener listener,
                                                     std::string const& what) {
  try {
    auto spec = make_spec();
    return make_credential_source(spec, std::move(transport), std::move(clock), std::move(persist),
                                  std::move(listener));
  } catch (std::exception const& e) {
    return std::make_shared<unavailable_credentials>(what + ": " + e.what());
  }
}

}  // namespace

tenant_remotes connect_tenant(asio::any_io_executor ex, node_services const& services,
                              config::tenant_config const& c, tenant_store& store, metrics::tenant_metrics& m) {
  auto x3_client = make_client(ex, services, "x3", c.x3.tls_verify, c.x3.ca_file, c.id);
  auto jira_client_ptr = make_client(ex, services, "jira", c.jira.tls_verify, c.jira.ca_file, c.id);

  auto x3_listener = [&m](refresh_outcome r) {
    m.token_refreshes(metrics::remote::x3, r == refresh_outcome::ok).Increment();
  };
  auto jira_listener = [&m](refresh_outcome r) {
    m.token_refreshes(metrics::remote::jira, r == refresh_outcome::ok).Increment();
  };
  // Rotated Jira refresh tokens are sealed with the node key and stored before use.
  auto secrets = services.secrets;
  auto tenant_id = c.id;
  persist_fn persist = [&store, secrets, tenant_id](std::string token) -> awaitable<void> {
    if (!secrets || !secrets->has_keys())
      throw auth_error(auth_failure::persist_failed,
                       "tenant " + tenant_id + ": no master key is configured, so the rotated Jira refresh token "
                       "cannot be stored encrypted — set master_key_file or MLC_MASTER_KEY");
    storage::write_batch batch{store.put_state(k_jira_refresh_state, secrets->seal(token, tenant_id))};
    co_await store.commit(std::move(batch));
  };

  auto x3_creds = build_credentials([&] { return x3_spec(c, services); }, transport_of(x3_client), services.clock,
                                    {}, x3_listener, "tenant " + c.id + ": Sage X3 credentials");
  auto jira_creds = build_credentials([&] { return jira_spec(c, services, store); }, transport_of(jira_client_ptr),
                                      services.clock, persist, jira_listener, "tenant " + c.id + ": Jira credentials");
  remote_options options;
  options.deadline = services.request_deadline;
  tenant_remotes out;
  out.x3 = std::make_shared<remote>("x3", c.x3.base_url, x3_client, services.x3_limiter, x3_creds, options);
  // Every 3LO tenant calls api.atlassian.com/ex/jira/{cloudId}: Atlassian limits each site,
  // so each gets its own budget instead of all sharing the gateway host's.
  if (c.jira.auth == "oauth2") options.limit_key = limit_key_of(c.jira.base_url);
  out.jira = std::make_shared<remote>("jira", c.jira.base_url, jira_client_ptr, services.jira_limiter, jira_creds, options);
  return out;
}

x3_reader_settings reader_settings(config::tenant_config const& c) {
  x3_reader_settings s;
  s.api = c.x3.api == "api1" ? x3_api::api1 : x3_api::graphql;
  s.folder = c.x3.folder;
  s.page_size = c.page_size;
  s.query_templates = c.x3.query_templates;
  return s;
}

awaitable<std::map<entity, mapping_settings>> resolve_mapping(jira_client& jira, config::tenant_config const& c,
                                                              bool check_screens) {
  auto const& project_key = c.jira.project_key;
  auto project = co_await jira.project(project_key);
  if (!project)
    throw sync_error(failure_kind::tenant_fault, "jira",
                     "tenant " + c.id + ": Jira project " + project_key +
                         " does not exist or the account cannot see it — create it or fix jira.project_key");
  auto fields = co_await jira.fields();
  auto types = co_await jira.issue_types(project_key);

  std::map<entity, mapping_settings> out;
  for (auto const& entity_text : c.entities) {
    auto e = parse_entity(entity_text);
    if (!e) continue;
    mapping_settings m;
    m.tenant = c.id;
    m.folder = c.x3.folder;
    m.flavour = c.jira.flavour == "datacenter" ? jira_flavour::data_center : jira_flavour::cloud;
    m.project_key = project_key;
    auto type_name = c.jira.issue_types.count(entity_text) ? c.jira.issue_types.at(entity_text) : std::string{"Task"};
    m.issue_type_name = type_name;
    for (auto const& [name, id] : types)
      if (net::iequals(name, type_name)) m.issue_type_id = id;
    if (m.issue_type_id.empty())
      throw sync_error(failure_kind::tenant_fault, "jira",
                       "tenant " + c.id + ": project " + project_key + " has no issue type \"" + type_name +
                           "\" for " + entity_text + " — fix jira.issue_types." + entity_text);
    auto allowed = logical_fields(*e);
    for (auto const& [logical, jira_name] : c.jira.field_map) {
      if (std::find(allowed.begin(), allowed.end(), logical) == allowed.end()) continue;
      auto it = std::find_if(fields.begin(), fields.end(), [&](jira_field const& f) { return f.name == jira_name; });
      if (it == fields.end())
        it = std::find_if(fields.begin(), fields.end(),
                          [&](jira_field const& f) { return net::iequals(f.name, jira_name); });
      if (it == fields.end())
        throw sync_error(failure_kind::tenant_fault, "jira",
                         "tenant " + c.id + ": Jira has no field named \"" + jira_name + "\" (mapped from " + logical +
                             ") — create it or fix jira.field_map." + logical,
                         logical);
      m.fields[logical] = resolved_field{it->id, field_schema{it->type, {}}};
    }
    std::vector<std::string> on_screen;
    if (check_screens) {
      on_screen = co_await jira.create_screen_fields(project_key, m.issue_type_id);
    } else if (*e == entity::supplier_invoice) {
      // Only to learn whether creates can carry the order link: without it each invoice
      // gets a POST /issueLink of its own, so a failure here costs requests, not data.
      std::exception_ptr failure;
      try {
        on_screen = co_await jira.create_screen_fields(project_key, m.issue_type_id);
      } catch (...) {
        failure = std::current_exception();
      }
      if (failure)
        log::warn({c.id, {}, {}}, "tenant.setup",
                  "could not read the invoice create screen; invoices are linked to their orders one request each");
    }
    m.links_on_create =
        *e == entity::supplier_invoice && std::find(on_screen.begin(), on_screen.end(), "issuelinks") != on_screen.end();
    if (check_screens) {
      for (auto const& [logical, field] : m.fields)
        if (std::find(on_screen.begin(), on_screen.end(), field.id) == on_screen.end())
          throw sync_error(failure_kind::tenant_fault, "jira",
                           "tenant " + c.id + ": Jira field \"" + c.jira.field_map.at(logical) + "\" (" + field.id +
                               ") is not on the create screen of project " + project_key + ", issue type " + type_name +
                               " — add it to the screen or change the field map",
                           field.id);
    }
    out[*e] = std::move(m);
  }
  co_return out;
}

std::string mappings_to_json(std::map<entity, mapping_settings> const& mappings) {
  json::object root;
  for (auto const& [e, m] : mappings) {
    json::object fields;
    for (auto const& [logical, f] : m.fields)
      fields[logical] = json::object{{"id", f.id}, {"type", f.schema.type}, {"custom", f.schema.custom}};
    json::object o;
    o["project_key"] = m.project_key;
    o["issue_type_id"] = m.issue_type_id;
    o["issue_type_name"] = m.issue_type_name;
    o["fields"] = std::move(fields);
    if (m.links_on_create) o["links_on_create"] = true;  // absent when false: older stored mappings read the same
    root[entity_name(e)] = std::move(o);
  }
  return json::serialize(root);
}

std::optional<std::map<entity, mapping_settings>> mappings_from_json(std::string_view text,
                                                                     config::tenant_config const& c) {
  json::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  std::map<entity, mapping_settings> out;
  for (auto const& entity_text : c.entities) {
    auto e = parse_entity(entity_text);
    auto const* o = v.as_object().if_contains(entity_text);
    if (!e || !o || !o->is_object()) return std::nullopt;
    auto const& obj = o->as_object();
    mapping_settings m;
    m.tenant = c.id;
    m.folder = c.x3.folder;
    m.flavour = c.jira.flavour == "datacenter" ? jira_flavour::data_center : jira_flavour::cloud;
    auto str = [](json::object const& x, std::string_view k) {
      auto const* s = x.if_contains(k);
      return s && s->is_string() ? std::string{s->as_string()} : std::string{};
    };
    m.project_key = str(obj, "project_key");
    m.issue_type_id = str(obj, "issue_type_id");
    m.issue_type_name = str(obj, "issue_type_name");
    if (auto const* l = obj.if_contains("links_on_create"); l && l->is_bool()) m.links_on_create = l->as_bool();
    // A config edited since setup (other project or field map) needs a new resolution.
    if (m.project_key != c.jira.project_key) return std::nullopt;
    if (auto const* fields = obj.if_contains("fields"); fields && fields->is_object())
      for (auto const& [logical, f] : fields->as_object())
        if (f.is_object())
          m.fields[std::string{logical}] =
              resolved_field{str(f.as_object(), "id"), field_schema{str(f.as_object(), "type"), str(f.as_object(), "custom")}};
    auto allowed = logical_fields(*e);
    for (auto const& [logical, name] : c.jira.field_map)
      if (std::find(allowed.begin(), allowed.end(), logical) != allowed.end() && !m.fields.count(logical))
        return std::nullopt;
    out[*e] = std::move(m);
  }
  return out;
}

}  // namespace mlc::engine
