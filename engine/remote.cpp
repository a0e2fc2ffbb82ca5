#include "engine/remote.hpp"

#include "net/host_limiter.hpp"
#include "net/http_client.hpp"
#include "net/request_runner.hpp"
#include "net/url.hpp"

namespace mlc::engine {

namespace {

std::string trim_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// Scheme, host and port, as a connection sees them (host names are case-insensitive): a
// paging link elsewhere must not receive the tenant's credentials.
bool same_origin(net::origin_url const& a, net::origin_url const& b) {
  return a.tls == b.tls && a.port == b.port && net::iequals(a.host, b.host);
}

}  // namespace

remote::remote(std::string system, std::string base_url, std::shared_ptr<net::http_client> client,
               std::shared_ptr<net::host_limiter_registry> limiter, std::shared_ptr<credential_source> credentials,
               remote_options options)
    : system_(std::move(system)),
      base_url_(trim_slash(std::move(base_url))),
      client_(std::move(client)),
      limiter_(std::move(limiter)),
      credentials_(std::move(credentials)),
      options_(options) {}

void remote::release_idle(std::chrono::steady_clock::duration next_use) {
  if (client_) client_->release_idle(next_use);
}

net::origin_url const& remote::base() const {
  if (!base_) base_ = net::parse_origin_url(base_url_);
  return *base_;
}

awaitable<net::http_response> remote::call(std::string method, std::string target, std::string body,
                                           call_safety safety, net::header_list headers) {
  // The URL is parsed once here; the runner and the client take it as it is.
  net::origin_url url;
  if (target.starts_with("http://") || target.starts_with("https://")) {
    // Credentials go only where the tenant configured them to go.
    std::optional<net::origin_url> parsed;
    try {
      parsed = net::parse_origin_url(target);
    } catch (net::error const&) {
    }
    if (!parsed || !same_origin(*parsed, base()))
      throw net::error(net::error_kind::protocol,
                       system_ + ": refusing to send credentials to " + net::excerpt(target, 80) +
                           ", which is not the configured server");
    url = std::move(*parsed);
  } else {
    url = net::parse_origin_url(base_url_ + target);
  }
  net::execute_options options;
  options.retry.max_attempts = options_.max_attempts;
  options.limit_key = options_.limit_key;
  // Reads sent as POST (GraphQL queries, Jira searches) may be repeated; a create only
  // after a 429, which says the server did not act on it.
  options.retry.retry_non_idempotent = safety == call_safety::idempotent;
  options.retry.retry_non_idempotent_on_429 = true;
  if (!headers.get("Accept")) headers.set("Accept", "application/json");
  if (!body.empty() && !headers.get("Content-Type")) headers.set("Content-Type", "application/json");

  net::http_request request;
  request.method = std::move(method);
  request.headers = std::move(headers);
  request.body = std::move(body);
  for (int attempt = 0;; ++attempt) {
    auto authorization = co_await credentials_->authorization();
    request.headers.set("Authorization", authorization);
    auto response = co_await net::execute(*client_, *limiter_, url, request, options);
    // An expired or revoked token: refresh once and try again; a second 401 is final.
    if (response.status == 401 && attempt == 0) {
      credentials_->reject(authorization);
      continue;
    }
    co_return response;
  }
}

}  // namespace mlc::engine
