// The node configuration file and the tenant files of tenants_dir.
#include "config/node_config.hpp"

#include <algorithm>
#include <set>

#include "config/json_reader.hpp"

namespace mlc::config {

using detail::object_reader;
using namespace std::chrono_literals;

namespace {

void check_listen(object_reader const& r, std::string const& listen) {
  // host:port or [v6]:port; port 0..65535 (0 = any free port, for tests)
  auto colon = listen.rfind(':');
  std::string_view host = colon == std::string::npos ? std::string_view{} : std::string_view{listen}.substr(0, colon);
  std::string_view port = colon == std::string::npos ? std::string_view{} : std::string_view{listen}.substr(colon + 1);
  bool host_ok = host.size() >= 2 && host.front() == '[' && host.back() == ']'
                     ? all_of_chars(host.substr(1, host.size() - 2), "0123456789abcdefABCDEF:.", false)
                     : !host.empty() && all_of_chars(host, ".-");
  bool port_ok = !port.empty() && port.size() <= 5 && all_of_chars(port, "0123456789", false) &&
                 std::stoi(std::string{port}) <= 65535;
  if (!host_ok || !port_ok)
    r.fail("listen", "expected \"host:port\" such as \"127.0.0.1:9464\" or \"[::1]:9464\"");
}

void read_limits(object_reader const& parent, std::string_view key, host_limits& out) {
  auto const* v = parent.find(key);
  if (!v) return;
  object_reader r{*v, parent.file(), parent.at(key), {"requests_per_second", "burst", "max_in_flight"}};
  r.read("requests_per_second", out.requests_per_second, 0.0, 1e6);
  r.read("burst", out.burst, 1.0, 1e6);
  r.read("max_in_flight", out.max_in_flight, 0, 100000);
}

}  // namespace

tenant_config load_tenant_file(std::filesystem::path const& file, tenant_config const& defaults,
                               std::vector<config_error>* warnings) {
  auto value = read_json_file(file);
  return parse_tenant(value, file.string(), "", defaults, file.stem().string(), warnings);
}

node_config load_node_config(std::filesystem::path const& file) {
  node_config node;
  node.file = file.string();
  auto const name = file.string();
  auto const root = read_json_file(file);
  object_reader r{root,
                  name,
                  "",
                  {"listen", "data_dir", "log_level", "log_format", "admin_token_file", "master_key_file",
                   "master_key_env", "audit_retention", "limits", "search_window", "tenants", "tenants_dir", "defaults"}};

  r.read_nonempty("listen", node.listen);
  check_listen(r, node.listen);
  node.data_dir = r.resolve(node.data_dir);
  r.read_path("data_dir", node.data_dir);
  r.read_enum("log_level", node.log_level, {"trace", "debug", "info", "warn", "error"});
  r.read_enum("log_format", node.log_format, {"json", "text"});
  r.read_path("admin_token_file", node.admin_token_file);
  r.read_path("master_key_file", node.master_key_file);
  r.read("master_key_env", node.master_key_env);
  auto const& env = node.master_key_env;
  bool env_ok = !env.empty() && !(env[0] >= '0' && env[0] <= '9') && all_of_chars(env, "_");
  if (r.has("master_key_env") && !env.empty() && !env_ok)
    r.fail("master_key_env", "expected an environment variable name of A-Z a-z 0-9 _");
  std::chrono::seconds retention = node.audit_retention;
  r.read("audit_retention", retention, 3600s, 10 * 365 * 86400s);
  node.audit_retention = std::chrono::ceil<std::chrono::hours>(retention);
  if (auto const* v = r.find("limits")) {
    object_reader limits{*v, name, r.at("limits"), {"x3", "jira"}};
    read_limits(limits, "x3", node.x3_limits);
    read_limits(limits, "jira", node.jira_limits);
  }
  r.read("search_window", node.search_window, 5s, 3600s);

  if (auto const* v = r.find("defaults")) node.defaults = parse_tenant_defaults(*v, name, "defaults", &node.warnings);

  std::set<std::string> ids;
  if (auto const* v = r.find("tenants")) {
    if (!v->is_array()) r.fail("tenants", "expected an array of tenant objects, got " + std::string{detail::type_name(*v)});
    auto const& array = v->as_array();
    for (std::size_t i = 0; i < array.size(); ++i) {
      auto path = path_index("tenants", i);
      auto tenant = parse_tenant(array[i], name, path, node.defaults, {}, &node.warnings);
      if (!ids.insert(tenant.id).second)
        throw config_error(name, path_key(path, "id"), "tenant id \"" + tenant.id + "\" is used twice");
      node.tenants.push_back(std::move(tenant));
    }
  }

  if (r.has("tenants_dir")) {
    r.read_path("tenants_dir", node.tenants_dir);
    std::error_code ec;
    if (!std::filesystem::is_directory(node.tenants_dir, ec))
      r.fail("tenants_dir", "expected a directory; " + node.tenants_dir + " does not exist or is not a directory");
    std::vector<std::filesystem::path> files;
    for (auto const& entry : std::filesystem::directory_iterator{node.tenants_dir, ec})
      if (entry.path().extension() == ".json" && entry.is_regular_file()) files.push_back(entry.path());
    if (ec) r.fail("tenants_dir", "cannot list " + node.tenants_dir + ": " + ec.message());
    std::sort(files.begin(), files.end());  // deterministic: the first file wins an id clash
    for (auto const& path : files) {
      try {
        std::vector<config_error> warnings;
        auto tenant = load_tenant_file(path, node.defaults, &warnings);
        if (!ids.insert(tenant.id).second)
          throw config_error(path.string(), "id", "tenant id \"" + tenant.id + "\" is already defined; this file is ignored");
        node.tenants.push_back(std::move(tenant));
        node.warnings.insert(node.warnings.end(), warnings.begin(), warnings.end());
      } catch (config_error const& e) {
        node.tenant_errors.push_back(e);
      }
    }
  }
  return node;
}

}  // namespace mlc::config
