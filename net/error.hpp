#pragma once
// Typed transport errors thrown by the HTTP client, so callers can sort transient from
// permanent failures without parsing messages (model: userver clients/http/error.hpp).
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

namespace mlc::net {

enum class error_kind {
  timeout,         // connect, operation or whole-request deadline passed
  connect,         // refused, reset, DNS failure, unreachable, proxy refused CONNECT
  tls,             // handshake or certificate verification failed
  http_status,     // a non-success status the caller asked to treat as an error
  rate_limited,    // 429/503 with Retry-After after retries were exhausted
  body_too_large,  // response body over the configured limit
  protocol,        // malformed HTTP from the peer, bad URL
};

std::string_view to_string(error_kind);

class error : public std::runtime_error {
 public:
  error(error_kind kind, std::string message, int status = 0, std::string body_excerpt = {},
        std::optional<std::chrono::milliseconds> retry_after = std::nullopt);

  error_kind kind() const noexcept { return kind_; }
  int status() const noexcept { return status_; }
  std::string const& body_excerpt() const noexcept { return body_excerpt_; }
  std::optional<std::chrono::milliseconds> retry_after() const noexcept { return retry_after_; }
  // Timeouts, connection failures, 429, 5xx: worth another try later.
  bool transient() const noexcept;

 private:
  error_kind kind_;
  int status_;
  std::string body_excerpt_;
  std::optional<std::chrono::milliseconds> retry_after_;
};

// First `max` bytes of a body, safe to put in a log line (control characters replaced).
std::string excerpt(std::string_view body, std::size_t max = 300);

}  // namespace mlc::net
