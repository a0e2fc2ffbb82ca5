#pragma once
// One remote system of one tenant (its Sage X3 server or its Jira site): base URL, the shared
// HTTP client and host limiter, and the tenant's credentials. call() adds authentication,
// goes through the limiter and the retry policy, and on a 401 refreshes the credentials once.
// Coroutine safety: single io_context; many coroutines may call() at once.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "engine/credentials.hpp"
#include "net/asio.hpp"
#include "net/http.hpp"
#include "net/url.hpp"

namespace mlc::net {
class http_client;
class host_limiter_registry;
}  // namespace mlc::net

namespace mlc::engine {

struct remote_options {
  std::chrono::milliseconds deadline{60'000};  // whole call, retries included
  int max_attempts = 6;
  // Limiter budget of every call (net::execute_options::limit_key); empty: the URL's host.
  std::string limit_key;
};

// What a call may do on failure. Jira's create (of an issue or a comment) has no
// idempotency key: a create is only resent when the server certainly did not act on it
// (429, or a connection that never sent).
enum class call_safety { idempotent, create };

class remote {
 public:
  remote(std::string system, std::string base_url, std::shared_ptr<net::http_client> client,
         std::shared_ptr<net::host_limiter_registry> limiter, std::shared_ptr<credential_source> credentials,
         remote_options options = {});

  // METHOD base_url + target. Returns the response whatever its status; throws net::error
  // for transport failures that outlived the retries and auth errors from the credentials.
  // `target` is a path under base_url ("/rest/api/3/issue") or an absolute URL on the same
  // origin (api1 paging links). A non-empty body is sent as application/json unless
  // `headers` says otherwise.
  awaitable<net::http_response> call(std::string method, std::string target, std::string body = {},
                                     call_safety safety = call_safety::idempotent, net::header_list headers = {});

  // net::http_client::release_idle of this remote's client.
  void release_idle(std::chrono::steady_clock::duration next_use);

  std::string const& system() const { return system_; }
  std::string const& base_url() const { return base_url_; }

 private:
  net::origin_url const& base() const;  // base_url_ parsed, on first use

  std::string system_;
  std::string base_url_;
  std::shared_ptr<net::http_client> client_;
  std::shared_ptr<net::host_limiter_registry> limiter_;
  std::shared_ptr<credential_source> credentials_;
  remote_options options_;
  mutable std::optional<net::origin_url> base_;
};

}  // namespace mlc::engine
