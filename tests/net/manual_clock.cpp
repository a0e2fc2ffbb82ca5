#include "tests/net/manual_clock.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mlc::test {

awaitable<void> manual_clock::wait_until(time_point when) {
  if (when <= now_) co_return;
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer{ex, asio::steady_timer::time_point::max()};
  sleeper s{when, &timer};
  sleepers_.push_back(&s);
  struct leave {
    std::list<sleeper*>& list;
    sleeper* s;
    ~leave() { list.remove(s); }
  } guard{sleepers_, &s};
  while (now_ < when) co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

void manual_clock::advance(std::chrono::steady_clock::duration by) {
  now_ += by;
  for (auto* s : sleepers_)
    if (s->when <= now_) s->timer->cancel();
}

awaitable<void> settle(int rounds) {
  auto ex = co_await asio::this_coro::executor;
  for (int i = 0; i < rounds; ++i) co_await asio::post(ex, asio::use_awaitable);
}

}  // namespace mlc::test
