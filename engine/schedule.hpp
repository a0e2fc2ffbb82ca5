#pragma once
// When a tenant polls next (DESIGN §4 "Schedules belong to the tenant"): its interval, or
// the off-hours interval outside its business days and hours in its own time zone, with
// jitter so hundreds of tenants don't fire in the same millisecond.
// Pure functions, except that time zones are read once from the system zone database
// (/usr/share/zoneinfo, TZif) and cached (thread-safe).
#include <chrono>
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

// `interval` moved by up to ±jitter/2 of itself, uniformly.
std::chrono::steady_clock::duration jittered(std::chrono::seconds interval, double jitter, std::mt19937_64& rng);

}  // namespace mlc::engine
