#pragma once
// Per-host request limits shared by every tenant's client of one remote system: a token
// bucket (rate, burst), a cap on requests in flight, and a pause that a 429/503 with
// Retry-After puts on the host for all callers at once.
// Thread/coroutine safety: single io_context; any number of coroutines on it.
#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/asio/steady_timer.hpp>

#include "net/asio.hpp"
#include "net/observer.hpp"
#include "net/waitable_clock.hpp"

namespace mlc::net {

struct limiter_settings {
  double requests_per_second = 10;  // <= 0: no rate limit
  double burst = 10;                // requests allowed at once after a quiet period (>= 1)
  std::size_t max_in_flight = 16;   // 0: no cap
};

class host_limiter_registry {
 public:
  using time_point = waitable_clock::time_point;
  struct host_state;

  // The right to send one request to a host; frees its in-flight slot when destroyed.
  class permit {
   public:
    permit() = default;
    explicit permit(std::shared_ptr<host_state> state) : state_(std::move(state)) {}
    permit(permit&& other) noexcept = default;
    permit& operator=(permit&& other) noexcept;
    ~permit() { release(); }
    void release();

   private:
    std::shared_ptr<host_state> state_;
  };

  // `system` labels observer calls ("x3", "jira"). Waits use `clock` (tests inject one).
  host_limiter_registry(std::string system, limiter_settings defaults, std::shared_ptr<observer> events = nullptr,
                        std::shared_ptr<waitable_clock> clock = steady_waitable_clock());
  ~host_limiter_registry();
  host_limiter_registry(host_limiter_registry const&) = delete;
  host_limiter_registry& operator=(host_limiter_registry const&) = delete;

  // Settings for one host (a tenant's contract with a lower limit, say).
  void configure(std::string const& host, limiter_settings settings);

  // Waits until the host is not paused, a slot is free and the bucket has a token.
  // Throws net::error(rate_limited, with retry_after) when the host is paused past
  // `deadline`, net::error(timeout) when no slot or token comes before it.
  awaitable<permit> acquire(std::string host, time_point deadline);

  // No request to `host` starts before `until` (only ever extends a pause). After it,
  // requests resume one token interval apart rather than as a burst.
  void pause_until(std::string const& host, time_point until);
  // Reports a 429 (or 503 with Retry-After) to the observer.
  void note_rate_limited(std::string const& host);

  std::optional<time_point> paused_until(std::string const& host) const;  // nullopt: not paused now
  std::size_t in_flight(std::string const& host) const;
  std::string const& system() const { return system_; }
  waitable_clock& clock() const { return *clock_; }
  std::shared_ptr<waitable_clock> clock_ptr() const { return clock_; }

 private:
  host_state& state(std::string const& host);
  std::shared_ptr<host_state> state_ptr(std::string const& host);

  std::string system_;
  limiter_settings defaults_;
  std::shared_ptr<observer> events_;
  std::shared_ptr<waitable_clock> clock_;
  std::unordered_map<std::string, std::shared_ptr<host_state>> hosts_;
};

}  // namespace mlc::net
