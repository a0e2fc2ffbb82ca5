#include "engine/jql.hpp"

#include <boost/json/array.hpp>

#include "engine/url_text.hpp"

namespace mlc::engine {

std::string jql_quote(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7f) {
      out += ' ';
    } else {
      out += ch;
    }
  }
  out += '"';
  return out;
}

std::string jql_label(std::string_view label) { return "labels = " + jql_quote(label); }

std::string jql_project_label(std::string_view project_key, std::string_view label) {
  return "project = " + jql_quote(project_key) + " AND " + jql_label(label);
}

boost::json::object cloud_search_body(std::string_view jql, int max_results,
                                      std::optional<std::string> const& next_page_token,
                                      std::vector<std::int64_t> const& reconcile_issue_ids) {
  constexpr std::size_t max_reconcile = 50;  // Jira's documented limit for reconcileIssues
  boost::json::object body;
  body["jql"] = jql;
  body["fields"] = boost::json::array{"labels", "status", "issuelinks"};
  body["maxResults"] = max_results;
  if (next_page_token) body["nextPageToken"] = *next_page_token;
  if (!reconcile_issue_ids.empty()) {
    boost::json::array ids;
    std::size_t skip =
        reconcile_issue_ids.size() > max_reconcile ? reconcile_issue_ids.size() - max_reconcile : 0;
    for (std::size_t i = skip; i < reconcile_issue_ids.size(); ++i) ids.push_back(reconcile_issue_ids[i]);
    body["reconcileIssues"] = std::move(ids);
  }
  return body;
}

std::string dc_search_url(std::string_view base_url, std::string_view jql, int start_at, int max_results) {
  return base_url_root(base_url) + "/rest/api/2/search?jql=" + percent_encode(jql) +
         "&startAt=" + std::to_string(start_at) + "&maxResults=" + std::to_string(max_results) +
         "&fields=labels,status,issuelinks";
}

}  // namespace mlc::engine
