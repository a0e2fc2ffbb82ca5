#pragma once
// net::observer that records HTTP exchanges, 429/503s and limiter waits in the catalog.
// Thread-safe (the catalog's handles are). Systems other than "x3" and "jira" are not
// recorded: the catalog's label values are a fixed set.
#include "metrics/catalog.hpp"
#include "net/observer.hpp"

namespace mlc::metrics {

class http_observer final : public net::observer {
 public:
  explicit http_observer(catalog& c) : catalog_(c) {}
  void on_request(std::string_view system, std::string_view host, int status, double seconds) override;
  void on_rate_limited(std::string_view system, std::string_view host) override;
  void on_limiter_wait(std::string_view system, std::string_view host, double seconds) override;

 private:
  catalog& catalog_;
};

}  // namespace mlc::metrics
