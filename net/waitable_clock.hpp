#pragma once
// A clock that can also be waited on, so the limiter and the retry loop run on a fake
// clock in tests (no sleeps) and on steady_clock + steady_timer in production.
// Thread/coroutine safety: as the io_context it is used on.
#include <chrono>
#include <memory>

#include "net/asio.hpp"

namespace mlc::net {

class waitable_clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  virtual ~waitable_clock() = default;
  virtual time_point now() const = 0;
  // Completes at or after `when` on this clock. Suspends on a timer, never spins.
  virtual awaitable<void> wait_until(time_point when) = 0;
};

// steady_clock, waits on an asio::steady_timer of the awaiting coroutine's executor.
std::shared_ptr<waitable_clock> steady_waitable_clock();

}  // namespace mlc::net
