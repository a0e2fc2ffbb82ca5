#include "engine/remote.hpp"

#include <boost/url/parse.hpp>

#include "net/host_limiter.hpp"
#include "net/http_client.hpp"
#include "net/request_runner.hpp"

namespace mlc::engine {

namespace {

std::string trim_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

struct origin {
  std::string scheme, host, port;
  bool operator==(origin const&) const = default;
};

std::optional<origin> origin_of(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return std::nullopt;
  auto lower = [](std::string_view text) {
    std::string out{text};
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  auto scheme = lower(parsed->scheme());  // schemes and host names are case-insensitive
  auto port = std::string{parsed->port()};
  if (port.empty()) port = scheme == "https" ? "443" : "80";
  return origin{scheme, lower(parsed->host()), port};
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

bool remote::same_origin(std::string const& absolute_url) const {
  auto a = origin_of(absolute_url);
  auto b = origin_of(base_url_);
  return a && b && *a == *b;
}

awaitable<net::http_response> remote::call(std::string method, std::string target, std::string body,
                                           call_safety safety, net::header_list headers) {
  std::string url;
  if (target.starts_with("http://") || target.starts_with("https://")) {
    // Credentials go only where the tenant configured them to go.
    if (!same_origin(target))
      throw net::error(net::error_kind::protocol,
                       system_ + ": refusing to send credentials to " + net::excerpt(target, 80) +
                           ", which is not the configured server");
    url = std::move(target);
  } else {
    url = base_url_ + target;
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
