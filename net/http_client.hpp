#pragma once
// Coroutine HTTP/1.1 client over plain TCP or TLS, with a keep-alive pool per origin.
// Thread/coroutine safety: one http_client belongs to one io_context (single-threaded);
// any number of coroutines on that io_context may call send() concurrently.
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "net/asio.hpp"
#include "net/http.hpp"
#include "net/observer.hpp"
#include "net/url.hpp"

namespace mlc::net {

struct tls_options {
  bool verify_peer = true;   // false only for test systems: logged as a warning
  std::string ca_file;       // extra CA bundle (on-premise servers with a private CA)
  // A new connection to an origin this client has spoken TLS with offers the session the
  // server gave it last time (a TLS 1.3 ticket), which spares both sides the certificate
  // and most of the handshake. Sessions stay within one client, so within one set of these
  // options: a session made under one tenant's settings is never offered under another's.
  bool resume_sessions = true;
};

struct client_options {
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds operation_timeout{30'000};  // each read or write
  std::chrono::milliseconds request_timeout{60'000};    // whole request, retries included
  std::size_t body_limit = 32 * 1024 * 1024;
  std::size_t max_connections_per_origin = 8;
  // Pooled connections idle this long are closed. Servers close idle keep-alive connections
  // after seconds (Node.js, under Sage X3's Syracuse, after 5 s; Apache after 5 s), so a
  // longer hold mostly keeps dead sockets and buffers of tenants between polls.
  std::chrono::seconds idle_timeout{15};
  std::optional<std::string> proxy;       // http://host:port; default from HTTPS_PROXY / HTTP_PROXY
  tls_options tls;
  std::string system = "other";  // label for metrics: "x3", "jira"
  std::string user_agent = "ml-connector";
};

class http_client {
 public:
  http_client(asio::any_io_executor ex, client_options options, std::shared_ptr<observer> obs = nullptr);
  ~http_client();
  http_client(http_client const&) = delete;
  http_client& operator=(http_client const&) = delete;

  // Sends one request to an absolute http:// or https:// URL and returns the response,
  // whatever its status. Throws net::error for transport failures (timeout, connect,
  // TLS, protocol, body_too_large). A pooled connection found stale is retried once on
  // a fresh connection, for idempotent methods only.
  awaitable<http_response> send(std::string url, http_request request);
  // The same with an explicit whole-request deadline instead of now + request_timeout
  // (the request runner passes its overall deadline, shared by all attempts). `request`
  // is read, not copied (its body is sent from where it is): await the call at once.
  awaitable<http_response> send(std::string url, http_request const& request,
                                std::chrono::steady_clock::time_point deadline);
  // The same for a URL parsed already; `target` is read, not copied: await the call at once.
  awaitable<http_response> send(origin_url const& target, http_request const& request,
                                std::chrono::steady_clock::time_point deadline);

  // Closes the pooled idle connections when the next request is at least idle_timeout
  // away, so they would be closed unused anyway: a tenant between polls then holds no
  // socket, and over TLS none of the ~70 KB of record buffers each connection keeps
  // (Asio's stream_core and BIO pair, whatever SSL_MODE_RELEASE_BUFFERS frees). The TLS
  // sessions kept for resumption stay. Connections in use are not touched.
  void release_idle(std::chrono::steady_clock::duration next_use);

  // Connections opened so far (for tests and metrics).
  std::size_t connections_opened() const;
  // Reads from connections so far, each taking what has arrived of a response: a large
  // body takes a few, not one per 512 bytes (for tests).
  std::size_t response_reads() const;
  // TLS handshakes that resumed a session from an earlier connection (for tests and benchmarks).
  std::size_t tls_resumptions() const;
  client_options const& options() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace mlc::net
