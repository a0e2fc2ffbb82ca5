#pragma once
// The Jira REST calls the connector makes, for Cloud (/rest/api/3, ADF) and Data Center
// (/rest/api/2, wiki markup). Responses are parsed here; errors come out as sync_error,
// already sorted (engine/failure.hpp).
// Coroutine safety: as remote.
#include <optional>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "engine/failure.hpp"
#include "engine/mapper.hpp"
#include "engine/remote.hpp"

namespace mlc::engine {

struct jira_field {
  std::string id;    // "customfield_10050" or "summary"
  std::string name;  // "Vendor"
  std::string type;  // schema.type: "string", "number", "date", "option", …
};

struct jira_issue_ref {
  std::string id;
  std::string key;
  // A create that asked for a transition: the status Jira gave it (CreatedIssue.transition;
  // 200 when carried out). nullopt when the answer says nothing about one.
  std::optional<int> transition_status;
};

struct jira_issue {
  std::string id;
  std::string key;
  std::string status;  // status name
  std::vector<std::string> labels;
  std::vector<std::string> linked_keys;  // the issues at the other end of its links
};

struct jira_transition {
  std::string id;
  std::string name;
  std::string to_status;
};

class jira_client {
 public:
  jira_client(std::shared_ptr<remote> remote, jira_flavour flavour);

  jira_flavour flavour() const { return flavour_; }
  std::string api_prefix() const { return flavour_ == jira_flavour::cloud ? "/rest/api/3" : "/rest/api/2"; }

  awaitable<std::vector<jira_field>> fields();
  // nullopt when the project does not exist (404).
  awaitable<std::optional<boost::json::object>> project(std::string key);
  // Issue types of the project's create screen: name → id.
  awaitable<std::vector<std::pair<std::string, std::string>>> issue_types(std::string project_key);
  // Field ids on the create screen of (project, issue type).
  awaitable<std::vector<std::string>> create_screen_fields(std::string project_key, std::string issue_type_id);

  // `body` is a POST /issue body ({"fields":…,"properties":[…]}) as JSON text
  // (create_body). Never resent blindly.
  awaitable<jira_issue_ref> create_issue(std::string body);
  // POST /issue/bulk with up to `bulk_create_limit` POST /issue bodies (JSON text, as
  // create_issue takes them). Element i of the
  // answer belongs to body i: the created issue, or Jira's refusal of that element (a
  // sync_error, already sorted). Throws sync_error when the request as a whole failed: a
  // transient one leaves every element's outcome unknown. Never resent blindly.
  static constexpr std::size_t bulk_create_limit = 50;
  struct bulk_element {
    std::optional<jira_issue_ref> issue;
    // Why there is no issue: Jira refused the element, or (transient) the whole request
    // failed and the outcome is unknown.
    std::optional<sync_error> failure;
  };
  awaitable<std::vector<bulk_element>> create_issues(std::vector<std::string> bodies);
  // `edit` is a PUT body ({"fields":…}). False when the issue no longer exists (404).
  awaitable<bool> update_issue(std::string key, boost::json::object edit);
  // nullopt when the issue does not exist (404: deleted by a user, or never created).
  awaitable<std::optional<jira_issue>> get_issue(std::string key);
  awaitable<std::vector<jira_transition>> transitions(std::string key);
  awaitable<void> transition(std::string key, std::string transition_id);
  // `comment` is a POST body ({"body": ADF or wiki text}). It is sent with the comment
  // property ml-connector.change = {"hash": change_hash} and, like a create, not resent
  // once Jira may have acted on it: a comment has no idempotency key.
  awaitable<void> comment(std::string key, boost::json::object comment, std::string change_hash);
  // The change hash of the newest of the issue's latest 100 comments that carry
  // ml-connector.change; nullopt when none does or the issue does not exist.
  awaitable<std::optional<std::string>> latest_change_comment(std::string key);
  // false when Jira answers 404: one of the issues, or the link type, does not exist. Sent
  // once (like a create): a lost answer is a transient failure, not a resend.
  awaitable<bool> link(std::string inward_key, std::string outward_key, std::string type_name);
  // Issues carrying `label` in `project`; `reconcile` lists issue ids just written so that
  // Cloud's eventually consistent search includes them.
  awaitable<std::vector<jira_issue>> search_label(std::string project_key, std::string label,
                                                  std::vector<std::int64_t> reconcile = {});

 private:
  awaitable<net::http_response> call(std::string method, std::string path, std::string body = {},
                                     call_safety safety = call_safety::idempotent);
  std::shared_ptr<remote> remote_;
  jira_flavour flavour_;
};

// Reads Jira's error body ({"errorMessages":[…],"errors":{field: message}}) and sorts it.
// `what` says what was attempted ("create issue in OPS").
sync_error jira_failure(net::http_response const& response, std::string_view what);

}  // namespace mlc::engine
