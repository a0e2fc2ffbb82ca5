#pragma once
// JQL text and search request builders for finding an issue by its external-key label
// (DESIGN §4: adopt an issue created before a crash instead of creating a second one).
// Pure functions; no shared state.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

namespace mlc::engine {

// A JQL string literal: `"` and `\` escaped with a backslash; control characters, which
// JQL strings cannot hold and labels never contain, become spaces.
std::string jql_quote(std::string_view text);

// labels = "x3-po-acme-4500123"
std::string jql_label(std::string_view label);
// project = "OPS" AND labels = "x3-po-acme-4500123"
std::string jql_project_label(std::string_view project_key, std::string_view label);

// Cloud: body of POST /rest/api/3/search/jql:
// {"jql":…,"fields":["labels","status"],"maxResults":N[,"nextPageToken":…][,"reconcileIssues":[…]]}
// reconcileIssues lists issue ids just written (strong read-after-write for them); Jira
// accepts at most 50, so only the last 50 given are sent. Empty → the key is omitted.
boost::json::object cloud_search_body(std::string_view jql, int max_results,
                                      std::optional<std::string> const& next_page_token,
                                      std::vector<std::int64_t> const& reconcile_issue_ids);

// Data Center: absolute URL of GET /rest/api/2/search under `base_url` (which may carry a
// context path, e.g. https://jira.corp/jira):
// {base}/rest/api/2/search?jql=…&startAt=N&maxResults=M&fields=labels,status
// Query values are percent-encoded (RFC 3986 unreserved characters kept).
// Throws std::invalid_argument when base_url is not an http(s) URL without query/fragment.
std::string dc_search_url(std::string_view base_url, std::string_view jql, int start_at, int max_results);

}  // namespace mlc::engine
