#include "metrics/http_observer.hpp"

#include <optional>

namespace mlc::metrics {

namespace {
std::optional<remote> remote_of(std::string_view system) {
  if (system == "x3") return remote::x3;
  if (system == "jira") return remote::jira;
  return std::nullopt;
}
}  // namespace

void http_observer::on_request(std::string_view system, std::string_view, int status, double seconds) {
  auto r = remote_of(system);
  if (!r) return;
  catalog_.http_requests(*r, status).Increment();
  catalog_.http_request_duration(*r).Observe(seconds);
}

void http_observer::on_rate_limited(std::string_view system, std::string_view) {
  if (auto r = remote_of(system)) catalog_.http_rate_limited(*r).Increment();
}

void http_observer::on_limiter_wait(std::string_view system, std::string_view, double seconds) {
  if (auto r = remote_of(system)) catalog_.rate_limit_wait_seconds(*r).Increment(seconds);
}

}  // namespace mlc::metrics
