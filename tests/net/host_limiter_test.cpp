#include "net/host_limiter.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>

#include "net/error.hpp"
#include "tests/net/manual_clock.hpp"
#include "tests/support/test_support.hpp"

namespace {

using namespace std::chrono_literals;
using mlc::awaitable;
using mlc::net::host_limiter_registry;
using mlc::net::limiter_settings;
namespace asio = boost::asio;

struct wait_recorder : mlc::net::observer {
  std::vector<double> waits;
  void on_limiter_wait(std::string_view, std::string_view, double seconds) override { waits.push_back(seconds); }
};

// Starts acquire() on the side; `permits` collects what it got, in completion order.
struct acquirer {
  std::vector<host_limiter_registry::permit> permits;
  std::vector<std::string> order;
  std::exception_ptr failure;

  void start(asio::any_io_executor ex, host_limiter_registry& limiter, std::string host,
             host_limiter_registry::time_point deadline, std::string name) {
    asio::co_spawn(
        ex,
        [this, &limiter, host, deadline, name]() -> awaitable<void> {
          auto p = co_await limiter.acquire(host, deadline);
          permits.push_back(std::move(p));
          order.push_back(name);
        },
        [this](std::exception_ptr e) {
          if (e) failure = e;
        });
  }
};

}  // namespace

TEST_CASE("host_limiter lets a burst through, then one request per interval", "[net][limiter]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    auto clock = std::make_shared<mlc::test::manual_clock>();
    auto events = std::make_shared<wait_recorder>();
    host_limiter_registry limiter{"jira", limiter_settings{10, 2, 0}, events, clock};
    auto deadline = clock->now() + 1h;
    acquirer a;
    for (int i = 0; i < 4; ++i) a.start(ioc.get_executor(), limiter, "h", deadline, "r" + std::to_string(i));
    co_await mlc::test::settle();
    CHECK(a.order.size() == 2);  // the burst
    clock->advance(99ms);
    co_await mlc::test::settle();
    CHECK(a.order.size() == 2);
    clock->advance(1ms);
    co_await mlc::test::settle();
    CHECK(a.order.size() == 3);
    clock->advance(100ms);
    co_await mlc::test::settle();
    CHECK(a.order == std::vector<std::string>{"r0", "r1", "r2", "r3"});
    REQUIRE(events->waits.size() == 2);
    CHECK(events->waits[0] == Approx(0.1));
    CHECK(events->waits[1] == Approx(0.2));
    CHECK(clock->sleepers() == 0);
    if (a.failure) std::rethrow_exception(a.failure);
  });
}

TEST_CASE("host_limiter caps requests in flight per host, not across hosts", "[net][limiter]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    auto clock = std::make_shared<mlc::test::manual_clock>();
    host_limiter_registry limiter{"x3", limiter_settings{0, 1, 2}, nullptr, clock};
    auto deadline = clock->now() + 1h;
    acquirer a;
    for (int i = 0; i < 3; ++i) a.start(ioc.get_executor(), limiter, "h", deadline, "h" + std::to_string(i));
    a.start(ioc.get_executor(), limiter, "other", deadline, "other");
    co_await mlc::test::settle();
    CHECK(a.order == std::vector<std::string>{"h0", "h1", "other"});
    CHECK(limiter.in_flight("h") == 2);
    a.permits.front().release();
    co_await mlc::test::settle();
    CHECK(a.order.back() == "h2");
    CHECK(limiter.in_flight("h") == 2);
    a.permits.clear();
    CHECK(limiter.in_flight("h") == 0);
    if (a.failure) std::rethrow_exception(a.failure);
  });
}

TEST_CASE("host_limiter pause holds every caller of that host until it ends", "[net][limiter]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    auto clock = std::make_shared<mlc::test::manual_clock>();
    host_limiter_registry limiter{"jira", limiter_settings{10, 5, 0}, nullptr, clock};
    auto deadline = clock->now() + 1h;
    limiter.pause_until("h", clock->now() + 2s);
    CHECK(limiter.paused_until("h") == clock->now() + 2s);
    acquirer a;
    a.start(ioc.get_executor(), limiter, "h", deadline, "h0");
    a.start(ioc.get_executor(), limiter, "h", deadline, "h1");
    a.start(ioc.get_executor(), limiter, "free", deadline, "free");
    co_await mlc::test::settle();
    CHECK(a.order == std::vector<std::string>{"free"});
    clock->advance(2s);
    co_await mlc::test::settle();
    // After a pause requests resume one interval apart, not as a burst.
    CHECK(a.order == std::vector<std::string>{"free", "h0"});
    clock->advance(100ms);
    co_await mlc::test::settle();
    CHECK(a.order == std::vector<std::string>{"free", "h0", "h1"});
    CHECK_FALSE(limiter.paused_until("h"));
    if (a.failure) std::rethrow_exception(a.failure);
  });
}

TEST_CASE("host_limiter fails fast when the wait would pass the deadline", "[net][limiter]") {
  mlc::test::run([](asio::io_context& ioc) -> awaitable<void> {
    auto clock = std::make_shared<mlc::test::manual_clock>();
    host_limiter_registry limiter{"jira", limiter_settings{1, 1, 0}, nullptr, clock};
    limiter.pause_until("paused", clock->now() + 30s);
    try {
      co_await limiter.acquire("paused", clock->now() + 10s);
      FAIL("expected rate_limited");
    } catch (mlc::net::error const& e) {
      CHECK(e.kind() == mlc::net::error_kind::rate_limited);
      CHECK(e.retry_after() == 30'000ms);
    }
    auto first = co_await limiter.acquire("slow", clock->now() + 10s);
    try {
      co_await limiter.acquire("slow", clock->now() + 500ms);  // next token in 1 s
      FAIL("expected timeout");
    } catch (mlc::net::error const& e) {
      CHECK(e.kind() == mlc::net::error_kind::timeout);
      CHECK_THAT(e.what(), Catch::Contains("slow"));
    }
  });
}
