#pragma once
// One tenant's emulated Jira site: Cloud (/rest/api/3, ADF, Basic email+API token, or
// OAuth 2.0 bearer tokens via the gateway) or Data Center (/rest/api/2, wiki strings,
// personal access tokens). Rate limits per site and per credential, optional per-issue
// write limit, and search lag: JQL sees a write only `search_lag` after it happened,
// except for ids listed in reconcileIssues.
// Not thread-safe: owned by the emulator on its io_context thread.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/json/object.hpp>

#include "net/http.hpp"
#include "tests/emulators/clock.hpp"
#include "tests/emulators/jira_model.hpp"
#include "tests/emulators/knobs.hpp"
#include "tests/emulators/rate_limiter.hpp"
#include "tests/emulators/text.hpp"

namespace mlc::emu {

struct jira_credentials {
  jira_flavour flavour = jira_flavour::cloud;
  std::string auth = "basic";  // what the node config uses: basic | oauth2 (cloud), pat (DC)
  std::string email;           // Basic user: cloud account email, Data Center user name
  std::string api_token;       // Basic password: cloud API token, Data Center password
  std::string pat;             // Data Center personal access token
  std::string cloud_id;        // cloud: id under the gateway's /ex/jira/{cloudId}
  std::string account_id;      // the integration user
  std::string site_name;       // "t0001.atlassian.example"
};

class jira_site {
 public:
  jira_site(std::string tenant_id, jira_credentials creds, std::string project_key, std::shared_ptr<clock const> clk,
            rate_limiter& limiter);

  // `base` is the URL prefix the client used before /rest/api/N (for "self" links);
  // `path` starts at /rest/api/N. `principal` is set when the gateway already checked an
  // OAuth bearer token. `endpoint` receives the route template for counters.
  net::http_response handle(net::http_request const& req, system_knobs const& k, std::string const& base,
                            std::string_view path, std::optional<std::string> principal, std::string& endpoint);

  // Control API.
  jira_project& project() { return project_; }
  void set_project_exists(bool exists);
  std::int64_t issues_created() const { return next_issue_number_ - 1; }
  std::optional<std::string> set_on_screen(std::string const& field, bool on_screen);
  // The project moves to a copy of the workflow whose transitions have new ids (each id
  // plus 100: "31" becomes "131"), as when an admin switches it to another workflow
  // scheme. Transition ids learnt before no longer exist.
  void renumber_workflow();
  boost::json::object state() const;
  jira_issue const* find_issue(std::string const& key_or_id) const;
  std::size_t issue_count() const { return issues_.size(); }
  jira_credentials const& credentials() const { return creds_; }
  std::string const& tenant_id() const { return tenant_id_; }

 private:
  struct call {
    net::http_request const& req;
    system_knobs const& k;
    std::string api_base;  // e.g. http://127.20.0.1:8080/rest/api/3
    std::string path;      // after /rest/api/N, e.g. /issue/OPS-1
    query_params query;
    std::string principal;
    jira_flavour flavour;
  };

  // Routes (jira_issue_routes.cpp, jira_meta_routes.cpp, jira_search.cpp).
  net::http_response route(call& c, std::string& endpoint);
  net::http_response create_issue(call& c);
  net::http_response create_issues(call& c);  // POST /issue/bulk
  net::http_response edit_issue(call& c, jira_issue& issue);
  net::http_response get_issue(call& c, jira_issue const& issue);
  net::http_response delete_issue(call& c, jira_issue& issue);
  net::http_response get_transitions(call& c, jira_issue const& issue);
  net::http_response do_transition(call& c, jira_issue& issue);
  net::http_response add_comment(call& c, jira_issue& issue);
  net::http_response list_comments(call& c, jira_issue const& issue);
  net::http_response property_route(call& c, jira_issue& issue, std::string const& key);
  net::http_response list_properties(call& c, jira_issue const& issue);
  net::http_response create_link(call& c);
  net::http_response link_types(call& c);
  net::http_response fields_route(call& c);
  net::http_response project_route(call& c, std::string const& key);
  net::http_response createmeta_types(call& c, std::string const& project);
  net::http_response createmeta_fields(call& c, std::string const& project, std::string const& type_id);
  net::http_response myself(call& c);
  net::http_response server_info(call& c);
  net::http_response search_jql(call& c);
  net::http_response search_dc(call& c);

  // Shared pieces.
  boost::json::object render_issue(call const& c, jira_issue const& issue, std::vector<std::string> const& fields,
                                   std::vector<std::string> const& properties, bool names) const;
  boost::json::object render_comment(call const& c, jira_issue const& issue, jira_comment const& comment) const;
  boost::json::object render_status(call const& c, std::string const& id) const;
  boost::json::object render_issue_type(call const& c, std::string const& id) const;
  boost::json::object render_project(call const& c) const;
  boost::json::object render_user(call const& c) const;
  // Applies "fields" and "update" of a create/edit body; fills `errors` per field id.
  // One create, as POST /issue and each element of POST /issue/bulk do it: the created
  // issue's {id,key,self}, or Jira's error messages and field errors.
  struct create_outcome {
    std::optional<boost::json::object> created;
    std::vector<std::string> messages;
    boost::json::object errors;
  };
  static constexpr std::size_t k_bulk_create_limit = 50;
  create_outcome create_one(call const& c, boost::json::value const& body);
  // Links the body adds (update.issuelinks) come back in `links`, from the target's side
  // (other_id: the issue at the other end); link_to() makes them once the target exists.
  void apply_changes(call const& c, jira_issue& target, boost::json::object const& body, bool creating,
                     boost::json::object& errors, std::vector<jira_link>& links) const;
  void link_to(call const& c, jira_issue& issue, std::vector<jira_link> links);
  std::optional<net::http_response> issue_write_allowed(call const& c, jira_issue const& issue);
  jira_issue* lookup(std::string const& key_or_id);
  void touched(jira_issue& issue, system_knobs const& k);  // bump version, schedule indexing
  void drain_index();
  std::string new_comment_id() { return std::to_string(next_comment_id_++); }

  std::string tenant_id_;
  jira_credentials creds_;
  jira_project project_;
  std::shared_ptr<clock const> clock_;
  rate_limiter& limiter_;
  std::map<std::int64_t, jira_issue> issues_;
  std::unordered_map<std::string, std::int64_t> by_key_;
  std::int64_t next_issue_id_ = 10000;
  std::int64_t next_issue_number_ = 1;
  std::int64_t next_comment_id_ = 10000;
  std::int64_t next_link_id_ = 10000;

  // Search index: what JQL sees. Pending snapshots become visible at their time.
  struct pending_snapshot {
    std::int64_t id;
    std::optional<jira_issue> snapshot;  // nullopt: the issue was deleted
  };
  std::map<std::int64_t, jira_issue> indexed_;
  std::multimap<sys_ms, pending_snapshot> pending_;
};

// The Jira error body {"errorMessages":[…],"errors":{…}}.
net::http_response jira_error(int status, std::vector<std::string> messages, boost::json::object errors = {});

}  // namespace mlc::emu
