#pragma once
// Coroutine HTTP/1.1 server (keep-alive, body limit, optional TLS, graceful drain).
// Serves /metrics, /healthz, the admin API and the emulators.
// Thread/coroutine safety: single io_context; handlers run as coroutines on it.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "net/asio.hpp"
#include "net/http.hpp"

namespace mlc::net {

using request_handler = std::function<awaitable<http_response>(http_request)>;

struct server_options {
  std::size_t body_limit = 1024 * 1024;           // larger request bodies get 413
  std::chrono::milliseconds read_timeout{30'000};  // idle keep-alive and slow clients
  std::string tls_cert_file;                       // both set: serve HTTPS
  std::string tls_key_file;
};

class http_server {
 public:
  http_server(asio::any_io_executor ex, server_options options, request_handler handler);
  ~http_server();
  http_server(http_server const&) = delete;
  http_server& operator=(http_server const&) = delete;

  // Binds and starts accepting on address:port (port 0 picks one); returns the bound
  // port. May be called several times to listen on several addresses.
  unsigned short listen(std::string const& address, unsigned short port);

  // Stops accepting, lets in-flight requests finish for up to `drain`, then closes
  // every connection. Completes when all connection coroutines have ended.
  awaitable<void> shutdown(std::chrono::milliseconds drain);

  std::size_t connections_accepted() const;
  std::size_t connections_open() const;
  // Reads of request bodies past their header so far: a large body takes a few, not one
  // per 512 bytes (for tests).
  std::size_t body_reads() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace mlc::net
