#include "net/waitable_clock.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mlc::net {
namespace {

class steady_clock_impl final : public waitable_clock {
 public:
  time_point now() const override { return std::chrono::steady_clock::now(); }
  awaitable<void> wait_until(time_point when) override {
    asio::steady_timer timer{co_await asio::this_coro::executor, when};
    co_await timer.async_wait(asio::use_awaitable);
  }
};

}  // namespace

std::shared_ptr<waitable_clock> steady_waitable_clock() {
  static auto const instance = std::make_shared<steady_clock_impl>();
  return instance;
}

}  // namespace mlc::net
