#pragma once
// OAuth 2.0 access tokens from a token endpoint (RFC 6749 §4.4 client credentials, §6
// refresh). Refresh tokens may rotate on every use (Atlassian 3LO, Sage cloud): the new one
// is persisted before the new access token is handed out, and only one refresh runs at a
// time, because a second refresh with the old token would fail with invalid_grant.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/credentials.hpp"

namespace mlc::engine {

// application/x-www-form-urlencoded: unreserved characters kept, everything else %XX.
std::string form_encode(std::vector<std::pair<std::string, std::string>> const& fields);

// A successful token response (RFC 6749 §5.1).
struct token_grant {
  std::string access_token;
  std::optional<std::chrono::seconds> expires_in;
  std::optional<std::string> refresh_token;
};

// Parses a 2xx token response body. Throws auth_error(bad_response) when the body is not a
// JSON object, has no usable access_token, a token_type other than Bearer, or a bad
// expires_in. `what` starts the message ("tenant acme, jira: token response from …").
token_grant parse_token_response(std::string_view body, std::string_view what);

// The error for a non-2xx token endpoint response: 429/5xx unavailable, 400/401/403
// rejected (with the RFC 6749 §5.2 error code), anything else bad_response. Every string in
// `secrets` is masked out of the server's error_description before it enters the message.
auth_error token_endpoint_error(int status, std::string_view body, std::string_view what,
                                std::vector<std::string_view> const& secrets);

// The source for credential_kind::oauth2_refresh and oauth2_client_credentials.
// Thread/coroutine safety: one io_context; any number of coroutines on it may call in.
// The token exchange runs in its own coroutine, so a caller that is cancelled while waiting
// does not abort a refresh whose rotated token the others need.
class oauth2_source final : public credential_source {
 public:
  // Throws auth_error(misconfigured) for a token_url that is not an absolute http(s) URL.
  oauth2_source(credential_spec spec, http_transport transport, clock_fn clock, persist_fn persist,
                refresh_listener on_refresh);
  awaitable<std::string> authorization() override;
  void reject(std::string const& rejected) override;

 private:
  struct state;
  struct flight;
  static std::shared_ptr<flight> start_refresh(std::shared_ptr<state> const& s, asio::any_io_executor ex);
  static awaitable<void> run_refresh(std::shared_ptr<state> s, std::shared_ptr<flight> f);
  static awaitable<net::http_response> exchange(std::shared_ptr<state> s);

  std::shared_ptr<state> state_;
};

}  // namespace mlc::engine
