#pragma once
// When and how long to wait before trying an HTTP request again. Pure functions: the
// clock readings and the random source are arguments, so the schedule is unit-tested
// (model: Envoy's JitteredExponentialBackOffStrategy, AWS's "full" and "decorrelated"
// jitter from the Architecture blog "Exponential Backoff And Jitter").
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "net/error.hpp"

namespace mlc::net {

enum class jitter_kind {
  full,          // uniform in [0, min(cap, base * 2^(attempt-1))]
  decorrelated,  // uniform in [base, previous * 3], capped
};

struct retry_settings {
  int max_attempts = 4;  // the first try included
  std::chrono::milliseconds base_delay{250};
  std::chrono::milliseconds max_delay{30'000};
  jitter_kind jitter = jitter_kind::full;
  // Non-idempotent requests (POST, PATCH) are never sent twice unless the caller says the
  // request is safe to repeat (a search sent as POST, say).
  bool retry_non_idempotent = false;
  // A 429 says the server did not act on the request, so repeating even a POST is safe;
  // still off by default: a caller that cannot afford a duplicate opts in.
  bool retry_non_idempotent_on_429 = false;
};

// Outcome of one attempt: an HTTP status, or the transport error that replaced it.
struct attempt_outcome {
  int status = 0;
  std::optional<error_kind> failure;
};

struct retry_decision {
  bool retry = false;
  std::chrono::milliseconds delay{0};  // before the next attempt, when retry
  std::string reason;                  // why not, when !retry: goes into the final error
};

// Uniform random numbers in [0, 1).
using unit_random = std::function<double()>;

// Retry-After as delta-seconds or an HTTP-date (IMF-fixdate, RFC 850, asctime), relative
// to `now`. A date in the past gives 0. Nullopt when the value is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                            std::chrono::system_clock::time_point now);

// Statuses worth another attempt: 429, 502, 503, 504.
bool is_retryable_status(int status);

// Whether the outcome may be retried at all, ignoring attempts and time.
bool is_retryable(std::string_view method, attempt_outcome const& outcome, retry_settings const& settings);

// The jittered backoff before attempt `attempts_done + 1`; `previous` is the last delay
// used (decorrelated jitter grows from it; pass base_delay before the first retry).
std::chrono::milliseconds backoff_delay(retry_settings const& settings, int attempts_done,
                                        std::chrono::milliseconds previous, unit_random const& random);

// The whole decision after `attempts_done` attempts: retryable, attempts left, delay at
// least Retry-After, and the next attempt able to start before `deadline`.
retry_decision decide_retry(retry_settings const& settings, std::string_view method, attempt_outcome const& outcome,
                            int attempts_done, std::optional<std::chrono::milliseconds> retry_after,
                            std::chrono::steady_clock::time_point now, std::chrono::steady_clock::time_point deadline,
                            std::chrono::milliseconds previous_delay, unit_random const& random);

}  // namespace mlc::net
