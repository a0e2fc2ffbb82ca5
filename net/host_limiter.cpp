#include "net/host_limiter.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/error.hpp"

namespace mlc::net {
namespace {

using duration = waitable_clock::time_point::duration;

duration seconds_to_duration(double seconds) {
  return std::chrono::duration_cast<duration>(std::chrono::duration<double>(seconds));
}

long long to_ms(duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

}  // namespace

struct host_limiter_registry::host_state {
  struct slot_waiter {
    asio::steady_timer timer;
    bool granted = false;
  };

  std::string host;
  limiter_settings settings;
  time_point paused_until{};
  // Token bucket as GCRA ("theoretical arrival time"): each request books the next
  // interval, so waiters get distinct start times instead of all waking for one token.
  time_point tat{};
  std::size_t in_flight = 0;
  std::list<slot_waiter*> waiters;

  duration interval() const { return seconds_to_duration(1.0 / settings.requests_per_second); }
  duration tolerance() const { return seconds_to_duration((std::max(settings.burst, 1.0) - 1.0) / settings.requests_per_second); }

  void release_slot() {
    if (!waiters.empty()) {
      auto* w = waiters.front();  // the slot passes on; in_flight stays
      waiters.pop_front();
      w->granted = true;
      w->timer.cancel();
      return;
    }
    if (in_flight > 0) --in_flight;
  }
};

host_limiter_registry::permit& host_limiter_registry::permit::operator=(permit&& other) noexcept {
  if (this != &other) {
    release();
    state_ = std::move(other.state_);
  }
  return *this;
}

void host_limiter_registry::permit::release() {
  if (auto s = std::move(state_)) s->release_slot();
}

host_limiter_registry::host_limiter_registry(std::string system, limiter_settings defaults,
                                             std::shared_ptr<observer> events, std::shared_ptr<waitable_clock> clock)
    : system_(std::move(system)), defaults_(defaults), events_(std::move(events)), clock_(std::move(clock)) {
  if (!clock_) clock_ = steady_waitable_clock();
}

host_limiter_registry::~host_limiter_registry() = default;

std::shared_ptr<host_limiter_registry::host_state> host_limiter_registry::state_ptr(std::string const& host) {
  auto& slot = hosts_[host];
  if (!slot) {
    slot = std::make_shared<host_state>();
    slot->host = host;
    slot->settings = defaults_;
  }
  return slot;
}

host_limiter_registry::host_state& host_limiter_registry::state(std::string const& host) { return *state_ptr(host); }

void host_limiter_registry::configure(std::string const& host, limiter_settings settings) {
  state(host).settings = settings;
}

void host_limiter_registry::pause_until(std::string const& host, time_point until) {
  auto& h = state(host);
  h.paused_until = std::max(h.paused_until, until);
  if (h.settings.requests_per_second > 0) h.tat = std::max(h.tat, until + h.tolerance());
}

void host_limiter_registry::note_rate_limited(std::string const& host) {
  if (events_) events_->on_rate_limited(system_, host);
}

std::optional<host_limiter_registry::time_point> host_limiter_registry::paused_until(std::string const& host) const {
  auto it = hosts_.find(host);
  if (it == hosts_.end() || it->second->paused_until <= clock_->now()) return std::nullopt;
  return it->second->paused_until;
}

std::size_t host_limiter_registry::in_flight(std::string const& host) const {
  auto it = hosts_.find(host);
  return it == hosts_.end() ? 0 : it->second->in_flight;
}

awaitable<host_limiter_registry::permit> host_limiter_registry::acquire(std::string host, time_point deadline) {
  auto clock = clock_;
  auto h = state_ptr(host);
  auto started = clock->now();

  auto wait_out_pause = [&]() -> awaitable<void> {
    while (h->paused_until > clock->now()) {
      auto now = clock->now();
      if (h->paused_until > deadline)
        throw error(error_kind::rate_limited,
                    system_ + " host " + host + " is paused for " + std::to_string(to_ms(h->paused_until - now)) +
                        " ms after a rate-limit answer, past the request deadline",
                    429, {}, std::chrono::ceil<std::chrono::milliseconds>(h->paused_until - now));
      co_await clock->wait_until(h->paused_until);
    }
  };
  co_await wait_out_pause();

  // A slot among max_in_flight, in arrival order.
  if (h->settings.max_in_flight > 0 && h->in_flight >= h->settings.max_in_flight) {
    auto executor = co_await asio::this_coro::executor;
    host_state::slot_waiter w{asio::steady_timer{executor, deadline}, false};
    h->waiters.push_back(&w);
    struct leave_queue {
      host_state& h;
      host_state::slot_waiter& w;
      bool keep = false;
      ~leave_queue() {
        if (!w.granted)
          h.waiters.remove(&w);
        else if (!keep)
          h.release_slot();  // granted but abandoned: pass it on
      }
    } guard{*h, w};
    while (!w.granted) {
      auto [ec] = co_await w.timer.async_wait(asio::as_tuple(asio::use_awaitable));
      (void)ec;  // cancelled: granted; expired: checked below
      if (!w.granted && clock->now() >= deadline)
        throw error(error_kind::timeout, system_ + " host " + host + ": request deadline passed while waiting for one of " +
                                             std::to_string(h->settings.max_in_flight) + " request slots");
    }
    guard.keep = true;
  } else {
    ++h->in_flight;
  }
  permit p{h};

  if (h->settings.requests_per_second > 0) {
    auto now = clock->now();
    auto tat = std::max(h->tat, now);
    auto allowed = tat - h->tolerance();
    if (allowed > deadline)
      throw error(error_kind::timeout, system_ + " host " + host + ": the rate limit of " +
                                           std::to_string(h->settings.requests_per_second) +
                                           "/s allows the next request only after the request deadline");
    h->tat = tat + h->interval();
    if (allowed > now) co_await clock->wait_until(allowed);
  }
  co_await wait_out_pause();  // a 429 may have arrived while this request waited

  auto waited = clock->now() - started;
  if (waited > duration::zero() && events_)
    events_->on_limiter_wait(system_, host, std::chrono::duration<double>(waited).count());
  co_return p;
}

}  // namespace mlc::net
