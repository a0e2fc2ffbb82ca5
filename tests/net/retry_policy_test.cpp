#include "net/retry_policy.hpp"

#include <catch2/catch.hpp>

namespace {

using namespace std::chrono_literals;
using mlc::net::attempt_outcome;
using mlc::net::decide_retry;
using mlc::net::error_kind;
using mlc::net::parse_retry_after;
using mlc::net::retry_settings;
using std::chrono::milliseconds;

// 1994-11-06T08:49:37Z, the example date of RFC 9110.
auto const rfc_date = std::chrono::sys_days{std::chrono::year{1994} / 11 / 6} + 8h + 49min + 37s;

auto fixed(double value) {
  return [value] { return value; };
}

attempt_outcome status(int s) { return attempt_outcome{s, std::nullopt}; }
attempt_outcome failed(error_kind k) { return attempt_outcome{0, k}; }

}  // namespace

TEST_CASE("parse_retry_after reads delta-seconds and the three HTTP-date forms", "[net][retry]") {
  auto now = rfc_date - 10s;
  CHECK(parse_retry_after("120", now) == milliseconds{120'000});
  CHECK(parse_retry_after(" 0 ", now) == milliseconds{0});
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now) == milliseconds{10'000});
  CHECK(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now) == milliseconds{10'000});
  CHECK(parse_retry_after("Sun Nov  6 08:49:37 1994", now) == milliseconds{10'000});
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", rfc_date + 1h) == milliseconds{0});  // past
  CHECK(parse_retry_after("99999999999999999999", now) == milliseconds{1'000'000'000'000});  // clamped
  CHECK_FALSE(parse_retry_after("", now));
  CHECK_FALSE(parse_retry_after("-5", now));
  CHECK_FALSE(parse_retry_after("1.5", now));
  CHECK_FALSE(parse_retry_after("Sun, 31 Feb 1994 08:49:37 GMT", now));
  CHECK_FALSE(parse_retry_after("Sun, 06 Nov 1994 25:49:37 GMT", now));
  CHECK_FALSE(parse_retry_after("tomorrow", now));
}

TEST_CASE("is_retryable follows method idempotency and the outcome", "[net][retry]") {
  retry_settings s;
  for (int code : {429, 502, 503, 504}) CHECK(mlc::net::is_retryable("GET", status(code), s));
  for (int code : {200, 400, 401, 404, 409, 500}) CHECK_FALSE(mlc::net::is_retryable("GET", status(code), s));
  CHECK(mlc::net::is_retryable("PUT", failed(error_kind::timeout), s));
  CHECK(mlc::net::is_retryable("GET", failed(error_kind::connect), s));
  CHECK_FALSE(mlc::net::is_retryable("GET", failed(error_kind::tls), s));
  CHECK_FALSE(mlc::net::is_retryable("GET", failed(error_kind::body_too_large), s));
  CHECK_FALSE(mlc::net::is_retryable("POST", status(503), s));
  CHECK_FALSE(mlc::net::is_retryable("POST", status(429), s));
  CHECK_FALSE(mlc::net::is_retryable("POST", failed(error_kind::timeout), s));
  s.retry_non_idempotent_on_429 = true;
  CHECK(mlc::net::is_retryable("POST", status(429), s));
  CHECK_FALSE(mlc::net::is_retryable("POST", status(503), s));
  s.retry_non_idempotent = true;
  CHECK(mlc::net::is_retryable("POST", failed(error_kind::timeout), s));
}

TEST_CASE("full jitter doubles the window each attempt up to the cap", "[net][retry]") {
  retry_settings s;
  s.base_delay = 100ms;
  s.max_delay = 1'000ms;
  auto top = fixed(1.0);
  CHECK(mlc::net::backoff_delay(s, 1, 0ms, top) == 100ms);
  CHECK(mlc::net::backoff_delay(s, 2, 0ms, top) == 200ms);
  CHECK(mlc::net::backoff_delay(s, 3, 0ms, top) == 400ms);
  CHECK(mlc::net::backoff_delay(s, 5, 0ms, top) == 1'000ms);
  CHECK(mlc::net::backoff_delay(s, 60, 0ms, top) == 1'000ms);
  CHECK(mlc::net::backoff_delay(s, 3, 0ms, fixed(0.5)) == 200ms);
  CHECK(mlc::net::backoff_delay(s, 3, 0ms, fixed(0.0)) == 0ms);
}

TEST_CASE("decorrelated jitter grows from the previous delay", "[net][retry]") {
  retry_settings s;
  s.jitter = mlc::net::jitter_kind::decorrelated;
  s.base_delay = 100ms;
  s.max_delay = 2'000ms;
  CHECK(mlc::net::backoff_delay(s, 1, 100ms, fixed(0.0)) == 100ms);
  CHECK(mlc::net::backoff_delay(s, 1, 100ms, fixed(1.0)) == 300ms);
  CHECK(mlc::net::backoff_delay(s, 2, 300ms, fixed(0.5)) == 500ms);  // 100 + 0.5 * (900 - 100)
  CHECK(mlc::net::backoff_delay(s, 3, 1'500ms, fixed(1.0)) == 2'000ms);
}

TEST_CASE("decide_retry bounds attempts, honours Retry-After and the deadline", "[net][retry]") {
  retry_settings s;
  s.max_attempts = 3;
  s.base_delay = 100ms;
  s.max_delay = 10s;
  auto now = std::chrono::steady_clock::time_point{} + 1h;
  auto deadline = now + 5s;
  auto half = fixed(0.5);

  auto first = decide_retry(s, "GET", status(503), 1, std::nullopt, now, deadline, s.base_delay, half);
  CHECK(first.retry);
  CHECK(first.delay == 50ms);
  auto second = decide_retry(s, "GET", status(503), 2, std::nullopt, now, deadline, first.delay, half);
  CHECK(second.retry);
  CHECK(second.delay == 100ms);
  auto third = decide_retry(s, "GET", status(503), 3, std::nullopt, now, deadline, second.delay, half);
  CHECK_FALSE(third.retry);
  CHECK_THAT(third.reason, Catch::Contains("3 attempts"));

  auto told = decide_retry(s, "GET", status(429), 1, 2s, now, deadline, s.base_delay, half);
  CHECK(told.retry);
  CHECK(told.delay == 2s);
  auto too_late = decide_retry(s, "GET", status(429), 1, 6s, now, deadline, s.base_delay, half);
  CHECK_FALSE(too_late.retry);
  CHECK_THAT(too_late.reason, Catch::Contains("past the request deadline"));
  auto no_room = decide_retry(s, "GET", failed(error_kind::timeout), 1, std::nullopt, deadline - 10ms, deadline,
                              s.base_delay, half);
  CHECK_FALSE(no_room.retry);

  auto post = decide_retry(s, "POST", status(503), 1, std::nullopt, now, deadline, s.base_delay, half);
  CHECK_FALSE(post.retry);
  CHECK_THAT(post.reason, Catch::Contains("not idempotent"));
  auto ok = decide_retry(s, "GET", status(200), 1, std::nullopt, now, deadline, s.base_delay, half);
  CHECK_FALSE(ok.retry);
}
