#include "net/request_runner.hpp"

#include <random>

#include "net/error.hpp"
#include "net/url.hpp"

namespace mlc::net {
namespace {

double default_random() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>{0.0, 1.0}(engine);
}

std::optional<std::chrono::milliseconds> retry_after_of(http_response const& response) {
  auto value = response.headers.get("Retry-After");
  if (!value) return std::nullopt;
  return parse_retry_after(*value, std::chrono::system_clock::now());
}

}  // namespace

void throw_for_status(http_response const& response, std::string_view what) {
  if (response.status < 400) return;
  auto message = std::string{what} + ": HTTP " + std::to_string(response.status);
  auto body = excerpt(response.body);
  if (!body.empty()) message += ": " + body;
  if (response.status == 429)
    throw error(error_kind::rate_limited, std::move(message), 429, std::move(body), retry_after_of(response));
  throw error(error_kind::http_status, std::move(message), response.status, std::move(body));
}

awaitable<http_response> execute(http_client& client, host_limiter_registry& limiter, std::string url,
                                 http_request const& request, execute_options options) {
  auto target = parse_origin_url(url);
  auto response = co_await execute(client, limiter, target, request, std::move(options));
  co_return response;
}

awaitable<http_response> execute(http_client& client, host_limiter_registry& limiter, origin_url const& target,
                                 http_request const& request, execute_options options) {
  auto clock = limiter.clock_ptr();
  auto deadline = options.deadline.value_or(clock->now() + client.options().request_timeout);
  unit_random random = options.random ? options.random : unit_random{default_random};
  auto what = [&] { return request.method + " " + target.redacted(); };  // for errors only
  auto previous_delay = options.retry.base_delay;
  auto const& key = options.limit_key.empty() ? target.host : options.limit_key;

  for (int attempt = 1;; ++attempt) {
    auto permit = co_await limiter.acquire(key, deadline);
    // The client runs on steady_clock; translate what is left of the deadline.
    auto remaining = deadline - clock->now();
    auto send_deadline = std::chrono::steady_clock::now() + remaining;
    std::optional<http_response> response;
    std::optional<error> failure;
    try {
      response = co_await client.send(target, request, send_deadline);
    } catch (error const& e) {
      failure = e;
    }
    permit.release();

    attempt_outcome outcome;
    std::optional<std::chrono::milliseconds> retry_after;
    if (response) {
      outcome.status = response->status;
      if (response->status == 429 || response->status == 503) retry_after = retry_after_of(*response);
      if (response->status == 429 || (response->status == 503 && retry_after)) limiter.note_rate_limited(key);
      // Every caller of this host waits, not only this request.
      if (retry_after) limiter.pause_until(key, clock->now() + *retry_after);
    } else {
      outcome.failure = failure->kind();
    }

    auto decision = decide_retry(options.retry, request.method, outcome, attempt, retry_after, clock->now(), deadline,
                                 previous_delay, random);
    if (decision.retry) {
      previous_delay = decision.delay;
      co_await clock->wait_until(clock->now() + decision.delay);
      continue;
    }
    auto suffix = attempt > 1 || outcome.status == 429 ? " (" + decision.reason + ")" : std::string{};
    if (failure) {
      if (suffix.empty()) throw *failure;
      throw error(failure->kind(), std::string{failure->what()} + suffix, failure->status(), failure->body_excerpt(),
                  failure->retry_after());
    }
    if (response->status == 429)
      throw error(error_kind::rate_limited, what() + ": still rate limited (HTTP 429)" + suffix, 429,
                  excerpt(response->body), retry_after);
    co_return std::move(*response);
  }
}

}  // namespace mlc::net
