#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <thread>

#include "storage/keys.hpp"
#include "storage/store.hpp"
#include "tests/support/test_support.hpp"

using namespace mlc::storage;
namespace asio = mlc::asio;

namespace {
// Commits one record and counts down; the last one wakes the waiting coroutine.
mlc::awaitable<void> commit_one(std::shared_ptr<store> s, int n, std::shared_ptr<int> left,
                                std::shared_ptr<asio::steady_timer> all_done) {
  write_batch batch;
  batch.push_back({column::watermarks, make_key("t", "k" + std::to_string(n)), std::to_string(n)});
  co_await s->commit(std::move(batch));
  // Durable before resuming: the value is readable now.
  auto v = s->get(column::watermarks, make_key("t", "k" + std::to_string(n)));
  if (!v || *v != std::to_string(n)) throw std::runtime_error("value not visible after commit");
  if (--*left == 0) all_done->cancel();
}
}  // namespace

TEST_CASE("200 concurrent commits from one io_context are grouped and durable") {
  mlc::test::temp_dir dir;
  constexpr int count = 200;
  {
    auto s = store::open(dir.path());  // sync = true: each group is one WAL fsync
    mlc::test::run([&](asio::io_context& ioc) -> mlc::awaitable<void> {
      auto left = std::make_shared<int>(count);
      auto done = std::make_shared<asio::steady_timer>(ioc, asio::steady_timer::time_point::max());
      auto failure = std::make_shared<std::exception_ptr>();
      for (int n = 0; n < count; ++n)
        asio::co_spawn(ioc, commit_one(s, n, left, done), [failure, done](std::exception_ptr e) {
          if (e && !*failure) {
            *failure = e;
            done->cancel();
          }
        });
      auto waited = co_await done->async_wait(asio::as_tuple(asio::use_awaitable));
      (void)waited;  // cancelled on purpose when the last commit finishes
      if (*failure) std::rethrow_exception(*failure);
      if (*left != 0) throw std::runtime_error("not every commit completed");
    });
    CHECK(s->commits() == count);
    CHECK(s->batches() < s->commits());
    CHECK(s->batches() >= 1);
  }
  auto s = store::open(dir.path());
  for (int n = 0; n < count; ++n)
    CHECK(s->get(column::watermarks, make_key("t", "k" + std::to_string(n))) == std::optional<std::string>{std::to_string(n)});
}

TEST_CASE("commit resumes the coroutine on its own executor") {
  mlc::test::temp_dir dir;
  auto s = store::open(dir.path());
  mlc::test::run([&](asio::io_context& ioc) -> mlc::awaitable<void> {
    auto const caller = std::this_thread::get_id();
    write_batch batch;
    batch.push_back({column::audit, "k", "v"});
    co_await s->commit(std::move(batch));
    if (std::this_thread::get_id() != caller) throw std::runtime_error("resumed on a foreign thread");
  });
}

TEST_CASE("close drains commits already queued") {
  mlc::test::temp_dir dir;
  auto s = store::open(dir.path());
  std::atomic<int> completed{0};
  asio::io_context ioc;
  for (int n = 0; n < 50; ++n) {
    write_batch batch;
    batch.push_back({column::replay, make_key("t", std::to_string(n)), "r"});
    s->async_commit(std::move(batch), [&](std::exception_ptr e) {
      if (!e) ++completed;
    });
  }
  s->close();  // returns after the queued records are written
  ioc.run();
  CHECK(completed == 50);
  auto reopened = store::open(dir.path());
  int found = 0;
  reopened->scan(column::replay, tenant_prefix("t"), [&](std::string_view, std::string_view) {
    ++found;
    return true;
  });
  CHECK(found == 50);
}
