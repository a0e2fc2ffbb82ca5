#pragma once
// What net/ reports about its work. The metrics module implements it; net/ does not
// include metrics/. Methods are called on the io_context thread and must not block.
#include <string_view>

namespace mlc::net {

class observer {
 public:
  virtual ~observer() = default;
  // One finished HTTP exchange; status 0 means a transport error.
  virtual void on_request(std::string_view system, std::string_view host, int status, double seconds) {}
  // A 429 (or 503 with Retry-After) was received.
  virtual void on_rate_limited(std::string_view system, std::string_view host) {}
  // Time a request spent waiting in the host limiter before it was sent.
  virtual void on_limiter_wait(std::string_view system, std::string_view host, double seconds) {}
};

}  // namespace mlc::net
