// Parsing and validating one tenant (inline, from a tenant file, or the defaults object).
#include <algorithm>

#include "config/json_reader.hpp"
#include "config/node_config.hpp"

namespace mlc::config {

using detail::object_reader;
using namespace std::chrono_literals;

std::vector<std::string> const& logical_fields() {
  static std::vector<std::string> const fields{"vendor",        "order_date",      "delivery_date", "total",
                                               "currency",      "line_count",      "site",          "invoice_number",
                                               "invoice_date",  "due_date_basis",  "amount_excl_tax",
                                               "tax_amount",    "related_po"};
  return fields;
}

std::vector<std::string> const& known_entities() {
  static std::vector<std::string> const entities{"purchase_orders", "supplier_invoices"};
  return entities;
}

namespace {

std::vector<std::string> const& template_names() {
  static std::vector<std::string> const names{"purchase_orders", "supplier_invoices", "suppliers"};
  return names;
}

struct context {
  std::vector<config_error>* warnings;
  void warn(std::string const& file, std::string const& path, std::string const& message) const {
    if (warnings) warnings->emplace_back(file, path, message);
  }
  void plaintext(object_reader const& r, std::string_view key) const {
    warn(r.file(), r.at(key),
         "plaintext secret in the config file; seal it (ml-connector secret encrypt) or use {\"env\": ...} or {\"file\": ...}");
  }
  void tls(object_reader const& r, bool verify) const {
    if (!verify && r.has("tls_verify"))
      warn(r.file(), r.at("tls_verify"), "TLS certificate verification is off; use this only for test systems");
  }
};

void apply_x3(object_reader const& r, x3_settings& x3, context const& ctx) {
  r.read_url("base_url", x3.base_url);
  r.read_nonempty("folder", x3.folder);
  r.read_enum("api", x3.api, {"graphql", "api1"});
  r.read_enum("auth", x3.auth, {"jwt", "oauth2", "basic"});
  r.read_nonempty("client_id", x3.client_id);
  r.read_nonempty("user", x3.user);
  r.read("audience", x3.audience);
  if (r.read("secret", x3.secret)) ctx.plaintext(r, "secret");
  r.read_url("token_url", x3.token_url);
  r.read_nonempty("refresh_token_secret_name", x3.refresh_token_secret_name);
  r.read_nonempty("username", x3.username);
  r.read("token_lifetime", x3.token_lifetime, 10s, 86400s);
  r.merge("query_templates", x3.query_templates, template_names());
  r.read("tls_verify", x3.tls_verify);
  ctx.tls(r, x3.tls_verify);
  r.read_path("ca_file", x3.ca_file);
}

void apply_jira(object_reader const& r, jira_settings& jira, context const& ctx) {
  r.read_url("base_url", jira.base_url);
  r.read_enum("flavour", jira.flavour, {"cloud", "datacenter"});
  r.read_enum("auth", jira.auth, {"basic", "oauth2", "pat"});
  r.read_nonempty("email", jira.email);
  if (r.read("secret", jira.secret)) ctx.plaintext(r, "secret");
  r.read_nonempty("client_id", jira.client_id);
  r.read_url("token_url", jira.token_url);
  if (r.read("refresh_token", jira.refresh_token)) ctx.plaintext(r, "refresh_token");
  r.read_nonempty("project_key", jira.project_key);
  r.merge("issue_types", jira.issue_types, known_entities());
  r.merge("field_map", jira.field_map, logical_fields());
  r.read_nonempty("transition_closed", jira.transition_closed);
  r.read_nonempty("transition_received", jira.transition_received);
  r.read("comment_on_change", jira.comment_on_change);
  r.read("recreate_deleted", jira.recreate_deleted);
  r.read("tls_verify", jira.tls_verify);
  ctx.tls(r, jira.tls_verify);
  r.read_path("ca_file", jira.ca_file);
}

bool valid_time_zone(std::string const& tz) {
  if (tz == "UTC") return true;
  // Letters first, then A-Z a-z 0-9 _ + - with single '/' between non-empty parts.
  if (tz.empty() || tz.size() > 64 || !std::isalpha(static_cast<unsigned char>(tz[0])) || tz.back() == '/' ||
      tz.find("//") != std::string::npos || !all_of_chars(tz, "_+-/"))
    return false;
  // Where the system zone database exists, the zone must be in it.
  std::filesystem::path const zoneinfo{"/usr/share/zoneinfo"};
  std::error_code ec;
  if (!std::filesystem::is_directory(zoneinfo, ec)) return true;
  return std::filesystem::is_regular_file(zoneinfo / tz, ec);
}

void apply_schedule(object_reader const& r, schedule& s) {
  r.read("interval", s.interval, 1s, 86400s);
  r.read("off_hours_interval", s.off_hours_interval, 0s, 86400s);
  if (auto const* v = r.find("days")) {
    if (!v->is_array() || v->as_array().empty())
      r.fail("days", "expected a non-empty array of ISO weekdays, 1 = Monday .. 7 = Sunday");
    std::vector<int> days;
    auto const& array = v->as_array();
    for (std::size_t i = 0; i < array.size(); ++i) {
      if (!array[i].is_int64() || array[i].as_int64() < 1 || array[i].as_int64() > 7)
        throw config_error(r.file(), path_index(r.at("days"), i), "expected an ISO weekday from 1 (Monday) to 7 (Sunday)");
      days.push_back(static_cast<int>(array[i].as_int64()));
    }
    std::sort(days.begin(), days.end());
    days.erase(std::unique(days.begin(), days.end()), days.end());
    s.days = std::move(days);
  }
  r.read("start_hour", s.start_hour, 0, 23);
  r.read("end_hour", s.end_hour, 1, 24);
  if (s.start_hour >= s.end_hour)
    r.fail(r.has("end_hour") ? "end_hour" : "start_hour", "start_hour must be before end_hour (hours are [start, end))");
  if (r.has("time_zone")) {
    r.read("time_zone", s.time_zone);
    if (!valid_time_zone(s.time_zone))
      r.fail("time_zone", "expected an IANA time zone name such as \"UTC\" or \"Europe/Paris\"");
  }
  r.read("jitter", s.jitter, 0.0, 1.0);
}

void apply_tenant(boost::json::value const& value, std::string const& file, std::string const& path,
                  tenant_config& t, bool is_defaults, context const& ctx) {
  object_reader r{value,
                  file,
                  path,
                  {"id", "paused", "entities", "x3", "jira", "schedule", "lookback", "skew_margin", "page_size"}};
  if (is_defaults && r.has("id")) r.fail("id", "the defaults cannot set a tenant id");
  r.read("id", t.id);
  r.read("paused", t.paused);
  r.read("entities", t.entities, known_entities());
  if (auto const* v = r.find("x3")) {
    object_reader x3{*v, file, r.at("x3"),
                     {"base_url", "folder", "api", "auth", "client_id", "user", "audience", "secret", "token_url",
                      "refresh_token_secret_name", "username", "token_lifetime", "query_templates", "tls_verify",
                      "ca_file"}};
    apply_x3(x3, t.x3, ctx);
  }
  if (auto const* v = r.find("jira")) {
    object_reader jira{*v, file, r.at("jira"),
                       {"base_url", "flavour", "auth", "email", "secret", "client_id", "token_url", "refresh_token",
                        "project_key", "issue_types", "field_map", "transition_closed", "transition_received",
                        "comment_on_change", "recreate_deleted", "tls_verify", "ca_file"}};
    apply_jira(jira, t.jira, ctx);
  }
  if (auto const* v = r.find("schedule")) {
    object_reader s{*v, file, r.at("schedule"),
                    {"interval", "off_hours_interval", "days", "start_hour", "end_hour", "time_zone", "jitter"}};
    apply_schedule(s, t.schedule);
  }
  r.read("lookback", t.lookback, 0s, 7 * 86400s);
  r.read("skew_margin", t.skew_margin, 0s, 3600s);
  r.read("page_size", t.page_size, 1, 1000);
}

// Checks that need the merged result: required fields and combinations.
class tenant_validator {
 public:
  tenant_validator(tenant_config& t, std::string const& file, std::string const& path)
      : t_(t), file_(file), path_(path) {}

  void run() {
    if (t_.id.empty()) fail(path_key(path_, "id"), "missing required field; expected a tenant id of A-Z a-z 0-9 _ - (1 to 64 characters)");
    if (t_.id.size() > 64 || !all_of_chars(t_.id, "_-"))
      fail(path_key(path_, "id"), "expected a tenant id of 1 to 64 characters A-Z a-z 0-9 _ -");
    if (t_.entities.empty()) fail(path_key(path_, "entities"), "expected at least one of " + detail::quoted_list(known_entities()));
    x3();
    jira();
  }

 private:
  [[noreturn]] void fail(std::string const& path, std::string const& message) const {
    throw config_error(file_, path, message);
  }
  void require(std::string const& section, std::string_view key, bool present, std::string const& what) const {
    if (!present) fail(path_key(path_key(path_, section), key), "missing required field; expected " + what);
  }

  void x3() {
    auto const& x = t_.x3;
    require("x3", "base_url", !x.base_url.empty(), "the Sage X3 server URL, e.g. \"https://x3.example.com\"");
    require("x3", "folder", !x.folder.empty(), "the X3 folder (endpoint) name, e.g. \"SEED\"");
    if (x.folder.size() > 64 || !all_of_chars(x.folder, "_-"))
      fail(path_key(path_key(path_, "x3"), "folder"), "expected an X3 folder name of A-Z a-z 0-9 _ -");
    if (x.api == "api1" && x.auth == "jwt")
      fail(path_key(path_key(path_, "x3"), "auth"), "the api1 (SData) API takes \"basic\" or \"oauth2\", not \"jwt\"");
    if (x.auth == "jwt") {
      require("x3", "client_id", !x.client_id.empty(), "the connected application's client id (JWT iss)");
      require("x3", "user", !x.user.empty(), "the X3 user the application acts as (JWT sub)");
      require("x3", "secret", !x.secret.empty(), "the connected application's shared secret");
    } else if (x.auth == "oauth2") {
      require("x3", "token_url", !x.token_url.empty(), "the OAuth2 token endpoint URL");
      require("x3", "client_id", !x.client_id.empty(), "the OAuth2 client id");
      require("x3", "secret", !x.secret.empty(), "the OAuth2 client secret");
    } else {
      require("x3", "username", !x.username.empty(), "the X3 user name for HTTP Basic");
      require("x3", "secret", !x.secret.empty(), "the X3 password for HTTP Basic");
    }
  }

  void jira() {
    auto& j = t_.jira;
    auto const section = path_key(path_, "jira");
    require("jira", "base_url", !j.base_url.empty(), "the Jira site URL, e.g. \"https://acme.atlassian.net\"");
    if (j.flavour == "cloud" && j.auth == "pat")
      fail(path_key(section, "auth"), "Jira Cloud takes \"basic\" (email + API token) or \"oauth2\"; \"pat\" is for datacenter");
    if (j.flavour == "datacenter" && j.auth == "oauth2")
      fail(path_key(section, "auth"), "Jira Data Center takes \"pat\" or \"basic\"; \"oauth2\" (3LO) is for cloud");
    if (j.auth == "basic") {
      require("jira", "email", !j.email.empty(), "the Jira account email (cloud) or user name (datacenter)");
      require("jira", "secret", !j.secret.empty(), j.flavour == "cloud" ? "the Jira API token" : "the Jira password");
    } else if (j.auth == "pat") {
      require("jira", "secret", !j.secret.empty(), "the personal access token");
    } else {
      require("jira", "client_id", !j.client_id.empty(), "the OAuth 2.0 (3LO) app's client id");
      require("jira", "secret", !j.secret.empty(), "the OAuth 2.0 (3LO) app's client secret");
      require("jira", "refresh_token", !j.refresh_token.empty(), "the initial OAuth 2.0 refresh token");
      if (j.token_url.empty()) j.token_url = "https://auth.atlassian.com/oauth/token";
    }
    require("jira", "project_key", !j.project_key.empty(), "the Jira project key, e.g. \"OPS\"");
    auto const& key = j.project_key;
    bool key_ok = !key.empty() && key.size() <= 255 && key[0] >= 'A' && key[0] <= 'Z' &&
                  std::all_of(key.begin(), key.end(),
                              [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; });
    if (!key_ok)
      fail(path_key(section, "project_key"), "expected a Jira project key: an upper-case letter, then A-Z 0-9 _");
    for (auto const& entity : t_.entities)
      if (!j.issue_types.contains(entity))
        fail(path_key(path_key(section, "issue_types"), entity), "missing required field; expected the issue type name for " + entity);
  }

  tenant_config& t_;
  std::string const& file_;
  std::string const& path_;
};

}  // namespace

tenant_config parse_tenant_defaults(boost::json::value const& value, std::string const& file, std::string const& path,
                                    std::vector<config_error>* warnings) {
  tenant_config t;
  apply_tenant(value, file, path, t, true, context{warnings});
  return t;
}

tenant_config parse_tenant(boost::json::value const& value, std::string const& file, std::string const& path,
                           tenant_config const& defaults, std::string const& default_id,
                           std::vector<config_error>* warnings) {
  tenant_config t = defaults;
  t.id = default_id;
  t.source_file = file;
  std::vector<config_error> local;
  apply_tenant(value, file, path, t, false, context{&local});
  tenant_validator{t, file, path}.run();
  if (warnings) warnings->insert(warnings->end(), local.begin(), local.end());
  return t;
}

}  // namespace mlc::config
