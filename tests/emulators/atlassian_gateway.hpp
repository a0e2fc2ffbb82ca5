#pragma once
// Plays api.atlassian.com and auth.atlassian.com for OAuth 2.0 (3LO) tenants on one
// shared loopback address:
//   POST /oauth/token                          refresh_token (and authorization_code) grants
//   GET  /oauth/token/accessible-resources     the sites a token may reach
//   ANY  /ex/jira/{cloudId}/rest/api/3/...     forwarded to that tenant's Jira site
// Access tokens last `token_lifetime` (1 h by default); refresh tokens rotate on every use.
// Like Atlassian, a refused grant is HTTP 403 {"error":"invalid_grant",…}.
// Not thread-safe: one io_context thread.
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "net/http.hpp"
#include "tests/emulators/clock.hpp"
#include "tests/emulators/jira_site.hpp"
#include "tests/emulators/knobs.hpp"
#include "tests/emulators/token_issuer.hpp"

namespace mlc::emu {

class atlassian_gateway {
 public:
  atlassian_gateway(std::shared_ptr<clock const> clk, std::uint64_t seed, std::string client_id, std::string client_secret);

  // A 3LO grant for one site: returns the initial refresh token for the node config.
  std::string register_site(std::string const& cloud_id, jira_site* site, std::string const& authorization_code);

  // `knobs_for` gives the knobs of the tenant behind a cloud id (global ones for token calls).
  net::http_response handle(net::http_request const& req, std::function<knobs const&(jira_site const*)> knobs_for,
                            std::string const& origin, std::string& endpoint, std::string& system);

  std::string const& client_id() const { return client_id_; }
  std::string const& client_secret() const { return client_secret_; }
  token_issuer& tokens() { return tokens_; }
  jira_site* site(std::string const& cloud_id) const;

 private:
  net::http_response token(net::http_request const& req, std::function<knobs const&(jira_site const*)> const& knobs_for);

  std::shared_ptr<clock const> clock_;
  token_issuer tokens_;
  std::string client_id_;
  std::string client_secret_;
  std::unordered_map<std::string, jira_site*> sites_;                // cloud id -> site
  std::unordered_map<std::string, std::string> authorization_codes_;  // code -> cloud id
  rng random_;
};

}  // namespace mlc::emu
