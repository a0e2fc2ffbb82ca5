#pragma once
// The node configuration file: JSON with comments and trailing commas allowed.
//
//   { "listen": "127.0.0.1:9464", "data_dir": "data", "master_key_file": "master.key",
//     "defaults": { "schedule": { "interval": "2m" }, "jira": { "flavour": "cloud" } },
//     "tenants": [ { "id": "acme", "x3": {...}, "jira": {...} } ],
//     "tenants_dir": "tenants.d" }
//
// Relative paths (data_dir, tenants_dir, key and token files, secret files, ca_file) are
// relative to the directory of the file that names them. Durations are either an integer
// number of seconds or a string with a unit: "90s", "5m", "2h", "30d".
// Unknown keys, wrong types, bad URLs, bad enum values and missing required fields are
// config_errors naming the file, the JSON path (tenants[2].jira.field_map.vendor) and
// what is expected.
#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "config/json_path.hpp"
#include "config/secret.hpp"

namespace mlc::config {

struct x3_settings {
  std::string base_url;
  std::string folder;
  std::string api = "graphql";  // "graphql" | "api1"
  std::string auth = "jwt";     // "jwt" | "oauth2" | "basic"
  // jwt: iss = client_id, sub = user, aud = audience, HS256 signed with secret
  std::string client_id;
  std::string user;
  std::string audience;
  config::secret secret;  // jwt: shared secret; oauth2: client secret; basic: password
  // oauth2 (refresh token stored encrypted in tenant_state under this name)
  std::string token_url;
  std::string refresh_token_secret_name;
  std::string username;  // basic
  std::chrono::seconds token_lifetime{300};
  std::map<std::string, std::string> query_templates;  // purchase_orders | supplier_invoices | suppliers
  bool tls_verify = true;
  std::string ca_file;

  friend bool operator==(x3_settings const&, x3_settings const&) = default;
};

struct jira_settings {
  std::string base_url;
  std::string flavour = "cloud";  // "cloud" (REST v3) | "datacenter" (REST v2)
  std::string auth = "basic";     // "basic" | "oauth2" (cloud) | "pat" (datacenter)
  std::string email;              // basic: account email (cloud) or user name (datacenter)
  config::secret secret;          // basic: API token / password; pat: token; oauth2: client secret
  std::string client_id;          // oauth2 (3LO)
  std::string token_url;          // oauth2; default https://auth.atlassian.com/oauth/token
  config::secret refresh_token;   // oauth2 initial refresh token (rotated ones live in tenant_state)
  std::string project_key;
  std::map<std::string, std::string> issue_types = {{"purchase_orders", "Task"}, {"supplier_invoices", "Task"}};
  std::map<std::string, std::string> field_map;  // logical field -> Jira field NAME ("vendor" -> "Vendor")
  std::string transition_closed = "Done";
  std::string transition_received = "Done";
  bool comment_on_change = true;
  bool recreate_deleted = false;
  bool tls_verify = true;
  std::string ca_file;

  friend bool operator==(jira_settings const&, jira_settings const&) = default;
};

struct schedule {
  std::chrono::seconds interval{60};
  std::chrono::seconds off_hours_interval{0};  // 0 = same as interval
  std::vector<int> days{1, 2, 3, 4, 5};        // ISO weekdays, 1 = Monday .. 7 = Sunday; sorted, unique
  int start_hour = 0;                          // business hours [start_hour, end_hour) in time_zone
  int end_hour = 24;
  std::string time_zone = "UTC";  // IANA name
  double jitter = 0.1;            // polls come up to this fraction of the interval early, 0..1 (at most 0.5 applies)

  friend bool operator==(schedule const&, schedule const&) = default;
};

struct tenant_config {
  std::string id;
  std::string source_file;
  bool paused = false;
  std::vector<std::string> entities{"purchase_orders", "supplier_invoices"};
  x3_settings x3;
  jira_settings jira;
  config::schedule schedule;
  std::chrono::seconds lookback{300};
  std::chrono::seconds skew_margin{5};
  int page_size = 100;

  friend bool operator==(tenant_config const&, tenant_config const&) = default;
};

// Request budget per remote host (per Jira site for 3LO tenants), shared by every tenant on it.
struct host_limits {
  double requests_per_second;  // 0: no rate limit
  double burst;                // requests allowed at once after a quiet period
  int max_in_flight;           // 0: no cap
  bool operator==(host_limits const&) const = default;
};

struct node_config {
  std::string listen = "127.0.0.1:9464";
  std::string data_dir = "./data";  // made absolute against the config file's directory
  std::string log_level = "info";   // trace | debug | info | warn | error
  std::string log_format = "json";  // json | text
  std::string admin_token_file;
  std::string master_key_file;
  std::string master_key_env = "MLC_MASTER_KEY";
  std::chrono::hours audit_retention{24 * 30};
  // "limits": {"x3": {...}, "jira": {...}}. Sage X3 app servers are modest; Jira Cloud
  // answers 429 past its budget, and every 429 pauses that host for all its tenants.
  static constexpr host_limits default_x3_limits{20, 20, 4};
  static constexpr host_limits default_jira_limits{20, 40, 8};
  host_limits x3_limits = default_x3_limits;
  host_limits jira_limits = default_jira_limits;
  // How long Jira search may lag a create before a record with an open create intent and
  // no issue found by search is created again (DESIGN §4).
  std::chrono::seconds search_window{60};
  std::vector<tenant_config> tenants;
  std::vector<config_error> tenant_errors;  // a broken tenant FILE does not stop the others
  // Additions:
  std::string file;         // the config file, as given
  std::string tenants_dir;  // absolute, empty when not configured
  tenant_config defaults;   // built-in defaults with the "defaults" object applied
  std::vector<config_error> warnings;  // plaintext secrets, tls_verify off: `check` prints them
};

// What a "defaults" object parses into: a tenant_config without id, not yet validated.
using tenant_defaults = tenant_config;

// Logical field names accepted as keys of jira.field_map.
std::vector<std::string> const& logical_fields();
// Entities a tenant may sync.
std::vector<std::string> const& known_entities();

// Throws config_error for node-level problems (unreadable file, syntax, an inline tenant
// or the defaults object being wrong, duplicate inline ids). Errors in files of
// tenants_dir are collected in tenant_errors instead; those tenants are left out.
node_config load_node_config(std::filesystem::path const& file);

// Parses a "defaults" object on top of the built-in defaults; required fields may be absent.
tenant_config parse_tenant_defaults(boost::json::value const& value, std::string const& file,
                                    std::string const& path, std::vector<config_error>* warnings = nullptr);

// Parses one tenant object on top of `defaults` (maps merge key by key, everything else
// replaces) and validates the result. `file` names the source in errors and anchors
// relative paths; `path` is the JSON path of `value` ("tenants[2]", or "" for a tenant
// file). When the object has no "id", `default_id` is used (tenant files: the file stem).
// Warnings (plaintext secrets, tls_verify off) are appended to `warnings` when given.
tenant_config parse_tenant(boost::json::value const& value, std::string const& file, std::string const& path,
                           tenant_config const& defaults = tenant_config{}, std::string const& default_id = {},
                           std::vector<config_error>* warnings = nullptr);

// A tenant file of tenants_dir: read, parse and validate.
tenant_config load_tenant_file(std::filesystem::path const& file, tenant_config const& defaults = tenant_config{},
                               std::vector<config_error>* warnings = nullptr);

}  // namespace mlc::config
