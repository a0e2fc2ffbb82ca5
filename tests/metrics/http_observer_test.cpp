#include <catch2/catch.hpp>

#include "metrics/catalog.hpp"
#include "metrics/http_observer.hpp"

using namespace mlc::metrics;

TEST_CASE("http_observer records requests, rate limits and limiter waits by system") {
  catalog c{"1.2.3"};
  http_observer o{c};
  mlc::net::observer& base = o;
  base.on_request("x3", "erp.example", 200, 0.05);
  base.on_request("x3", "erp.example", 503, 0.5);
  base.on_request("jira", "jira.example", 0, 1.0);
  base.on_request("other", "h", 200, 1.0);  // not a known system: ignored
  base.on_rate_limited("jira", "jira.example");
  base.on_limiter_wait("jira", "jira.example", 1.5);
  base.on_limiter_wait("jira", "jira.example", 0.25);

  CHECK(c.http_requests(remote::x3, 200).Value() == 1);
  CHECK(c.http_requests(remote::x3, 503).Value() == 1);
  CHECK(c.http_requests(remote::jira, 0).Value() == 1);
  CHECK(c.http_requests(remote::jira, 200).Value() == 0);
  CHECK(c.http_rate_limited(remote::jira).Value() == 1);
  CHECK(c.rate_limit_wait_seconds(remote::jira).Value() == 1.75);
  auto text = c.serialize();
  CHECK(text.find("mlc_http_request_duration_seconds_count{system=\"x3\"} 2\n") != std::string::npos);
  CHECK(text.find("mlc_http_request_duration_seconds_sum{system=\"x3\"} 0.55") != std::string::npos);
}
