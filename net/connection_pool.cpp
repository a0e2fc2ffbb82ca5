#include "net/connection_pool.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/error.hpp"

namespace mlc::net {

connection_pool::lease::lease(lease&& other) noexcept
    : connection(std::move(other.connection)),
      reused(other.reused),
      pool_(std::exchange(other.pool_, nullptr)),
      origin_(std::move(other.origin_)) {}

connection_pool::lease& connection_pool::lease::operator=(lease&& other) noexcept {
  if (this != &other) {
    if (pool_) give_back(false);
    connection = std::move(other.connection);
    reused = other.reused;
    pool_ = std::exchange(other.pool_, nullptr);
    origin_ = std::move(other.origin_);
  }
  return *this;
}

connection_pool::lease::~lease() {
  if (pool_) give_back(false);
}

void connection_pool::lease::give_back(bool reusable) {
  if (!pool_) return;
  auto* pool = std::exchange(pool_, nullptr);
  bool keep = reusable && connection != nullptr;
  pool->release(origin_, std::move(connection), keep);
}

connection_pool::connection_pool(asio::any_io_executor ex, std::size_t max_per_origin, clock::duration idle_timeout)
    : executor_(std::move(ex)),
      max_per_origin_(std::max<std::size_t>(1, max_per_origin)),
      idle_timeout_(idle_timeout),
      reaper_(executor_) {}

connection_pool::~connection_pool() = default;

connection_pool::lease connection_pool::make_lease(std::string const& origin,
                                                   std::shared_ptr<client_connection> connection) {
  lease l;
  l.pool_ = this;
  l.origin_ = origin;
  l.reused = connection != nullptr;
  l.connection = std::move(connection);
  return l;
}

awaitable<connection_pool::lease> connection_pool::acquire(std::string origin, clock::time_point deadline) {
  auto& state = origins_[origin];
  auto now = clock::now();
  // Idle connections past the idle timeout are likely closed by the server already.
  std::erase_if(state.idle, [&](idle_entry const& e) { return now - e.since > idle_timeout_; });
  if (!state.idle.empty()) {
    // Most recently used first: the least likely to have been closed by the server.
    auto connection = std::move(state.idle.back().connection);
    state.idle.pop_back();
    ++state.active;
    co_return make_lease(origin, std::move(connection));
  }
  if (state.active < max_per_origin_) {
    ++state.active;
    co_return make_lease(origin, nullptr);
  }

  waiter w{asio::steady_timer{executor_, deadline}, false, nullptr};
  state.waiters.push_back(&w);
  struct leave_queue {
    connection_pool* pool;
    origin_state& state;
    waiter& w;
    std::string const& origin;
    ~leave_queue() {
      if (!w.granted) {
        state.waiters.remove(&w);
      } else if (pool) {
        // Granted but never resumed (the coroutine was destroyed): hand the slot on.
        bool keep = w.handed != nullptr;
        pool->release(origin, std::move(w.handed), keep);
      }
    }
  } guard{this, state, w, origin};
  while (!w.granted) {
    auto [ec] = co_await w.timer.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;  // cancelled: granted; expired: the deadline check below
    if (!w.granted && clock::now() >= deadline)
      throw error(error_kind::timeout, "request deadline passed while waiting for one of the " +
                                           std::to_string(max_per_origin_) + " connections to " + origin);
  }
  guard.pool = nullptr;  // the slot now belongs to the lease
  co_return make_lease(origin, std::move(w.handed));
}

void connection_pool::release(std::string const& origin, std::shared_ptr<client_connection> connection,
                              bool reusable) {
  auto& state = origins_[origin];
  if (!state.waiters.empty()) {
    // The slot passes to the first waiter: with the connection, or empty to open its own.
    auto* w = state.waiters.front();
    state.waiters.pop_front();
    w->granted = true;
    if (reusable) w->handed = std::move(connection);
    w->timer.cancel();
    return;
  }
  --state.active;
  if (reusable) {
    state.idle.push_back(idle_entry{std::move(connection), clock::now()});
    arm_reaper();
  }
}

void connection_pool::arm_reaper() {
  if (reaper_armed_) return;
  reaper_armed_ = true;
  reaper_.expires_after(idle_timeout_);
  reaper_.async_wait([this, alive = std::weak_ptr<char>(alive_)](boost::system::error_code ec) {
    if (alive.expired()) return;  // the pool is gone
    reaper_armed_ = false;
    if (!ec) reap();
  });
}

void connection_pool::reap() {
  auto now = clock::now();
  bool left = false;
  for (auto& [origin, state] : origins_) {
    std::erase_if(state.idle, [&](idle_entry const& e) { return now - e.since >= idle_timeout_; });
    left = left || !state.idle.empty();
  }
  if (left) arm_reaper();  // younger ones: look again one idle_timeout later
}

void connection_pool::clear_idle() {
  for (auto& [origin, state] : origins_) state.idle.clear();
}

std::size_t connection_pool::idle_count(std::string const& origin) const {
  auto it = origins_.find(origin);
  return it == origins_.end() ? 0 : it->second.idle.size();
}

std::size_t connection_pool::active_count(std::string const& origin) const {
  auto it = origins_.find(origin);
  return it == origins_.end() ? 0 : it->second.active;
}

}  // namespace mlc::net
