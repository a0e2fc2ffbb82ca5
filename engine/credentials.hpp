#pragma once
// Where the Authorization header of each (tenant, system) comes from (DESIGN §2 "Auth",
// §3): static Basic/Bearer, Sage X3 connected-app JWTs signed here, and OAuth2 access
// tokens obtained from a token endpoint (refresh-token grant with rotation, or
// client-credentials grant). Sources refresh before expiry and share one refresh among
// concurrent callers.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "net/asio.hpp"
#include "net/http.hpp"

namespace mlc::engine {

// Thread/coroutine safety: one source belongs to one io_context (single-threaded); any
// number of coroutines on it may call authorization() and reject() concurrently.
class credential_source {
 public:
  virtual ~credential_source() = default;
  // Header value ("Basic …", "Bearer …"), refreshed before expiry; concurrent callers
  // share ONE refresh (single flight). Throws auth_error, or the transport's own error
  // (e.g. net::error) when the token endpoint cannot be reached.
  virtual awaitable<std::string> authorization() = 0;
  // Called after a 401 with the header value that was rejected: the next authorization()
  // refreshes (unless another caller already did). Static credentials cannot refresh and
  // ignore this; a second 401 with them is the tenant's fault.
  virtual void reject(std::string const& rejected) = 0;
};

enum class credential_kind {
  basic,                      // user + secret (password or Jira API token)
  bearer,                     // secret is the token (Jira Data Center personal access token)
  jwt,                        // Sage X3 connected application: client_id + secret, user, audience
  oauth2_refresh,             // refresh-token grant; refresh tokens rotate (Jira 3LO, Sage cloud)
  oauth2_client_credentials,  // client-credentials grant (Sage cloud gateway)
};
std::string_view to_string(credential_kind);
std::optional<credential_kind> parse_credential_kind(std::string_view);  // the to_string names

// How the token request body is encoded. RFC 6749 §4.1.3 says form; Sage's cloud token
// API documents JSON and Atlassian accepts both.
enum class token_body { form, json };

struct credential_spec {
  credential_kind kind = credential_kind::basic;
  // Who these credentials belong to, for messages: e.g. "tenant acme, jira". Not a secret.
  std::string name;
  std::string user;           // basic: user name or e-mail; jwt: X3 user (sub)
  std::string secret;         // basic: password / API token; bearer: the token; jwt: shared secret
  std::string client_id;      // jwt: iss; oauth2: client id
  std::string client_secret;  // oauth2
  std::string audience;       // jwt: aud (left out of the claims when empty)
  std::string token_url;      // oauth2: absolute http(s) URL of the token endpoint
  std::string refresh_token;  // oauth2_refresh: the latest one (persisted rotation wins over config)
  std::string scope;          // oauth2: sent when not empty
  token_body body = token_body::form;
  // jwt: lifetime of each signed token. oauth2: assumed when the response has no expires_in.
  std::chrono::seconds lifetime{300};
  // oauth2: refresh this long before expiry; clamped to half the token's lifetime so a fresh
  // token is always usable for a while.
  std::chrono::seconds refresh_margin{60};
  std::chrono::seconds token_timeout{30};  // oauth2: deadline of one token request
};

// What a failed credential refresh means. Messages name the system and the step, never a
// token or secret.
enum class auth_failure {
  misconfigured,   // the spec cannot work (missing field, bad URL)
  rejected,        // the token endpoint refused the grant (invalid_grant, invalid_client, 401/403)
  bad_response,    // unexpected status or body (no access_token, not JSON, unknown token_type)
  unavailable,     // 429 or 5xx from the token endpoint
  timeout,         // no answer within token_timeout
  persist_failed,  // the rotated refresh token could not be stored: access token withheld
};
std::string_view to_string(auth_failure);

class auth_error : public std::runtime_error {
 public:
  auth_error(auth_failure failure, std::string message, int status = 0, std::string oauth_error = {});
  auth_failure failure() const noexcept { return failure_; }
  int status() const noexcept { return status_; }                        // HTTP status, 0 if none
  std::string const& oauth_error() const noexcept { return oauth_error_; }  // e.g. "invalid_grant"
  // unavailable and timeout are worth another try soon; the rest are tenant faults.
  bool transient() const noexcept;

 private:
  auth_failure failure_;
  int status_;
  std::string oauth_error_;
};

// Sends one HTTP request to an absolute URL (the engine binds http_client::send; tests fake it).
using http_transport = std::function<awaitable<net::http_response>(std::string url, net::http_request)>;
// Wall-clock time; empty means std::chrono::system_clock::now.
using clock_fn = std::function<std::chrono::system_clock::time_point()>;
// Stores a rotated refresh token durably; must complete before the new access token is used.
using persist_fn = std::function<awaitable<void>(std::string new_refresh_token)>;

enum class refresh_outcome { ok, rejected, failed };  // for mlc_token_refreshes_total{result}
std::string_view to_string(refresh_outcome);
// Told about every token-endpoint exchange (oauth2 kinds only).
using refresh_listener = std::function<void(refresh_outcome)>;

// Builds the source for `spec`. Throws auth_error(misconfigured) naming the missing or bad
// field. `transport` is needed by the oauth2 kinds, `persist` by oauth2_refresh.
std::unique_ptr<credential_source> make_credential_source(credential_spec const& spec, http_transport transport,
                                                          clock_fn clock, persist_fn persist,
                                                          refresh_listener on_refresh = {});

}  // namespace mlc::engine
