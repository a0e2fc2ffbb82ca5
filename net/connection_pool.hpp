#pragma once
// Keep-alive connections per origin with a cap on how many exist at once; callers past the
// cap queue in FIFO order until a connection or a slot is handed back.
// Thread/coroutine safety: single io_context; any number of coroutines on it.
#include <chrono>
#include <cstddef>
#include <vector>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include <boost/asio/steady_timer.hpp>

#include "net/asio.hpp"

namespace mlc::net {

struct client_connection;  // defined where Beast is (http_client.cpp); the pool only holds it

class connection_pool {
 public:
  using clock = std::chrono::steady_clock;

  // The right to use one connection slot of an origin. `connection` is an idle connection
  // taken from the pool, or null: then the holder opens one in this slot. Destroying a
  // lease frees the slot and drops the connection; give_back() keeps it for reuse.
  class lease {
   public:
    lease() = default;
    lease(lease&& other) noexcept;
    lease& operator=(lease&& other) noexcept;
    ~lease();
    void give_back(bool reusable);  // reusable: the connection returns to the pool

    std::shared_ptr<client_connection> connection;
    bool reused = false;  // connection came from the pool (it may have gone stale)

   private:
    friend class connection_pool;
    connection_pool* pool_ = nullptr;
    std::string origin_;
  };

  connection_pool(asio::any_io_executor ex, std::size_t max_per_origin, clock::duration idle_timeout);
  ~connection_pool();
  connection_pool(connection_pool const&) = delete;
  connection_pool& operator=(connection_pool const&) = delete;

  // Waits (FIFO) while the origin is at its cap; throws net::error(timeout) at `deadline`.
  awaitable<lease> acquire(std::string origin, clock::time_point deadline);

  void clear_idle();  // closes every idle connection
  std::size_t idle_count(std::string const& origin) const;
  std::size_t active_count(std::string const& origin) const;

 private:
  struct waiter {
    asio::steady_timer timer;
    bool granted = false;
    std::shared_ptr<client_connection> handed;  // null when granted an empty slot
  };
  struct idle_entry {
    std::shared_ptr<client_connection> connection;
    clock::time_point since;
  };
  struct origin_state {
    std::size_t active = 0;  // slots held by leases (connections in use or being opened)
    std::vector<idle_entry> idle;  // used from the back; a deque allocates 512 bytes even empty
    std::list<waiter*> waiters;
  };

  void release(std::string const& origin, std::shared_ptr<client_connection> connection, bool reusable);
  lease make_lease(std::string const& origin, std::shared_ptr<client_connection> connection);
  // Idle connections are closed once idle_timeout passes, not only when the origin is
  // next used: a tenant polling every few minutes holds no socket in between.
  void arm_reaper();
  void reap();

  asio::any_io_executor executor_;
  std::size_t max_per_origin_;
  clock::duration idle_timeout_;
  std::unordered_map<std::string, origin_state> origins_;
  asio::steady_timer reaper_;
  bool reaper_armed_ = false;
  std::shared_ptr<char> alive_ = std::make_shared<char>();  // the reaper's handler checks it
};

}  // namespace mlc::net
