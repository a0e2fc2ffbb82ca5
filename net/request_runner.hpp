#pragma once
// One logical HTTP request with everything around the wire: the host limiter, retries
// with backoff, Retry-After pausing the host for every caller, one overall deadline.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "net/asio.hpp"
#include "net/host_limiter.hpp"
#include "net/http.hpp"
#include "net/http_client.hpp"
#include "net/retry_policy.hpp"
#include "net/url.hpp"

namespace mlc::net {

struct execute_options {
  // Whole request, every attempt and wait included, on the limiter's clock.
  // Default: now + the client's request_timeout.
  std::optional<waitable_clock::time_point> deadline;
  retry_settings retry;
  // The limiter budget the request draws from; empty: the URL's host. Sites reached through
  // one gateway host (Jira 3LO: api.atlassian.com/ex/jira/{cloudId}) are limited per site.
  std::string limit_key;
  unit_random random;  // default: a per-thread Mersenne Twister
};

// Sends `request` to `url` through `limiter`, retrying per `options.retry`. Returns the
// final response whatever its status (the caller sorts statuses), except that a 429
// still standing at the end throws net::error(rate_limited, with retry_after). Transport
// failures left after the retries throw their net::error. `client`, `limiter` and
// `request` must outlive the call (await it at once): every attempt sends `request` as it
// is, without a copy.
awaitable<http_response> execute(http_client& client, host_limiter_registry& limiter, std::string url,
                                 http_request const& request, execute_options options = {});
// The same for a URL parsed already; `target` too must outlive the call.
awaitable<http_response> execute(http_client& client, host_limiter_registry& limiter, origin_url const& target,
                                 http_request const& request, execute_options options = {});

// Throws net::error(http_status) for a status of 400 or more (rate_limited for 429, with
// Retry-After), naming `what` (e.g. "POST /rest/api/3/issue") with an excerpt of the body.
void throw_for_status(http_response const& response, std::string_view what);

}  // namespace mlc::net
