#pragma once
// A waitable_clock that only moves when the test says so: waits registered on it resume
// when advance() passes their time. Makes rate and retry timing exact and sleep-free.
#include <chrono>
#include <list>

#include <boost/asio/steady_timer.hpp>

#include "net/waitable_clock.hpp"

namespace mlc::test {

class manual_clock final : public net::waitable_clock {
 public:
  // Starts at the real steady_clock reading so deadlines handed to the HTTP client,
  // which runs on steady_clock, stay meaningful.
  manual_clock() : now_(std::chrono::steady_clock::now()) {}
  time_point now() const override { return now_; }
  awaitable<void> wait_until(time_point when) override;
  void advance(std::chrono::steady_clock::duration by);
  std::size_t sleepers() const { return sleepers_.size(); }

 private:
  struct sleeper {
    time_point when;
    asio::steady_timer* timer;
  };
  time_point now_;
  std::list<sleeper*> sleepers_;
};

// Lets every handler already queued on the io_context run (a few rounds), so that
// coroutines woken by advance() or a notify reach their next suspension point.
awaitable<void> settle(int rounds = 8);

}  // namespace mlc::test
