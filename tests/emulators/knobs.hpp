#pragma once
// Run-time behaviour switches ("knobs") of an emulated system, global or per tenant, set
// from the command line, the control API (POST /_emulator/faults) or in-process tests.
#include <chrono>
#include <map>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

namespace mlc::emu {

struct system_knobs {
  // Fault injection, per request, before authentication.
  std::map<int, double> error_rates;  // HTTP status -> probability (429 and 503 carry Retry-After)
  std::chrono::milliseconds latency{0};
  std::chrono::milliseconds latency_jitter{0};  // added uniformly in [0, jitter]
  double drop_rate = 0;  // reset the connection after reading the request, no answer
  double hang_rate = 0;  // hold the request for emulator_options::drop_hang, then reset
  double lost_answer_rate = 0;  // carry the request out, then reset the connection: no answer
  std::chrono::seconds retry_after{1};

  // Tokens.
  std::chrono::seconds token_lifetime{300};
  std::chrono::milliseconds refresh_grace{0};  // reuse window of a rotated refresh token
  std::chrono::seconds jwt_max_lifetime{3600};

  // Sage X3 data behaviour.
  std::chrono::seconds clock_lag{0};  // app-server clock behind real time: stamps in the past
  int churn_per_page = 0;             // records modified after each list page is served
  double late_commit_rate = 0;        // share of modifications stamped `late_commit_age` ago
  std::chrono::seconds late_commit_age{120};

  // Jira behaviour.
  std::chrono::milliseconds search_lag{1500};  // writes become visible to JQL after this
  double site_rate = 0, site_burst = 0;        // requests/s and bucket size per site; 0: off
  double client_rate = 0, client_burst = 0;    // per credential (OAuth app, API token, PAT)
  int issue_write_limit = 0;                   // writes per issue per window; 0: off
  std::chrono::milliseconds issue_write_window{2000};
  bool bulk_create = true;  // false: POST /issue/bulk is 404, as behind a proxy that does not route it
};

struct knobs {
  system_knobs x3;
  system_knobs jira;

  knobs();
};

// Applies {"x3": {...}, "jira": {...}} (see README.md for the names); returns an error
// naming the bad key, leaving `k` unchanged on error.
std::optional<std::string> apply_knobs(knobs& k, boost::json::object const& patch);
boost::json::object to_json(knobs const& k);

}  // namespace mlc::emu
