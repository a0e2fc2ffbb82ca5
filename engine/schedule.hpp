#pragma once
// When a tenant polls next (DESIGN §4 "Schedules belong to the tenant"): its interval, or
// the off-hours interval outside its business days and hours in its own time zone, with
// jitter so hundreds of tenants don't fire in the same millisecond.
// Pure functions, except that time zones are read once from the system zone database
// (/usr/share/zoneinfo, TZif) and cached (thread-safe).
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>

#include "config/node_config.hpp"

namespace mlc::engine {

// Offset from UTC of `zone` ("UTC", "Europe/Paris") at `t`; nullopt for an unknown zone.
std::optional<std::chrono::seconds> utc_offset(std::string const& zone, std::chrono::system_clock::time_point t);

// True when `t` falls on one of the schedule's days, within [start_hour, end_hour), in its
// time zone. An unknown zone counts as UTC.
bool in_business_hours(config::schedule const& s, std::chrono::system_clock::time_point t);

// The interval that applies at `t`.
std::chrono::seconds interval_at(config::schedule const& s, std::chrono::system_clock::time_point t);

// Small PRNG for the jitter (splitmix64): 8 bytes of state per tenant, where
// std::mt19937_64 takes 2.5 KB. Meets UniformRandomBitGenerator.
class jitter_rng {
 public:
  using result_type = std::uint64_t;
  explicit jitter_rng(std::uint64_t seed) : state_(seed) {}
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }
  result_type operator()() {
    auto z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

// `interval` shortened by up to `jitter` of itself (at most half), uniformly: polls spread
// out, and the configured interval stays the longest a change waits for the next poll.
std::chrono::steady_clock::duration jittered(std::chrono::seconds interval, double jitter, jitter_rng& rng);

}  // namespace mlc::engine
