#include "engine/schedule.hpp"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <mutex>
#include <vector>

namespace mlc::engine {

namespace {

// The parts of a TZif file (RFC 8536) needed to find an offset: transition times and the
// offset in force after each. Times after the last transition keep its offset (Debian's
// tzdata carries explicit transitions far into the future).
struct zone_table {
  std::vector<std::int64_t> transitions;
  std::vector<std::int32_t> offsets;  // offset after transitions[i]
  std::int32_t initial = 0;
};

std::uint32_t be32(std::string const& d, std::size_t at) {
  return (std::uint32_t(std::uint8_t(d[at])) << 24) | (std::uint32_t(std::uint8_t(d[at + 1])) << 16) |
         (std::uint32_t(std::uint8_t(d[at + 2])) << 8) | std::uint32_t(std::uint8_t(d[at + 3]));
}

std::optional<zone_table> parse_tzif(std::string const& d) {
  auto header = [&](std::size_t at, std::uint32_t (&counts)[6]) {
    if (d.size() < at + 44 || d.compare(at, 4, "TZif") != 0) return false;
    for (int i = 0; i < 6; ++i) counts[i] = be32(d, at + 20 + 4 * i);
    return true;
  };
  std::uint32_t c[6];  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  if (!header(0, c)) return std::nullopt;
  std::size_t at = 44;
  std::size_t time_size = 4;
  if (d[4] >= '2') {  // skip the 32-bit block, read the 64-bit one
    at += c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
    if (!header(at, c)) return std::nullopt;
    at += 44;
    time_size = 8;
  }
  auto need = at + c[3] * time_size + c[3] + c[4] * 6;
  if (d.size() < need || c[4] == 0) return std::nullopt;
  zone_table z;
  std::vector<std::int32_t> type_offsets(c[4]);
  auto types_at = at + c[3] * time_size + c[3];
  for (std::uint32_t i = 0; i < c[4]; ++i) type_offsets[i] = static_cast<std::int32_t>(be32(d, types_at + 6 * i));
  z.initial = type_offsets[0];
  for (std::uint32_t i = 0; i < c[3]; ++i) {
    std::int64_t t = time_size == 8 ? (std::int64_t(be32(d, at + 8 * i)) << 32) | be32(d, at + 8 * i + 4)
                                    : std::int32_t(be32(d, at + 4 * i));
    auto type = std::uint8_t(d[at + c[3] * time_size + i]);
    if (type >= c[4]) return std::nullopt;
    z.transitions.push_back(t);
    z.offsets.push_back(type_offsets[type]);
  }
  return z;
}

std::optional<zone_table> load_zone(std::string const& zone) {
  if (zone == "UTC" || zone.find("..") != std::string::npos) return zone == "UTC" ? std::optional{zone_table{}} : std::nullopt;
  std::ifstream in("/usr/share/zoneinfo/" + zone, std::ios::binary);
  if (!in) return std::nullopt;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_tzif(data);
}

}  // namespace

std::optional<std::chrono::seconds> utc_offset(std::string const& zone, std::chrono::system_clock::time_point t) {
  static std::mutex mutex;
  static std::map<std::string, std::optional<zone_table>> cache;
  std::lock_guard lock{mutex};
  auto it = cache.find(zone);
  if (it == cache.end()) it = cache.emplace(zone, load_zone(zone)).first;
  if (!it->second) return std::nullopt;
  auto const& z = *it->second;
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  auto pos = std::upper_bound(z.transitions.begin(), z.transitions.end(), secs);
  if (pos == z.transitions.begin()) return std::chrono::seconds{z.initial};
  return std::chrono::seconds{z.offsets[static_cast<std::size_t>(pos - z.transitions.begin() - 1)]};
}

bool in_business_hours(config::schedule const& s, std::chrono::system_clock::time_point t) {
  auto local = t + utc_offset(s.time_zone, t).value_or(std::chrono::seconds{0});
  auto day = std::chrono::floor<std::chrono::days>(local);
  auto weekday = std::chrono::weekday{day}.iso_encoding();  // 1 = Monday
  auto hour = std::chrono::duration_cast<std::chrono::hours>(local - day).count();
  bool day_ok = std::find(s.days.begin(), s.days.end(), static_cast<int>(weekday)) != s.days.end();
  return day_ok && hour >= s.start_hour && hour < s.end_hour;
}

std::chrono::seconds interval_at(config::schedule const& s, std::chrono::system_clock::time_point t) {
  if (s.off_hours_interval.count() <= 0 || in_business_hours(s, t)) return s.interval;
  return s.off_hours_interval;
}

std::chrono::steady_clock::duration jittered(std::chrono::seconds interval, double jitter, jitter_rng& rng) {
  using namespace std::chrono;
  auto base = duration_cast<milliseconds>(interval).count();
  auto spread = static_cast<std::int64_t>(static_cast<double>(base) * std::clamp(jitter, 0.0, 0.5));
  if (spread <= 0) return interval;
  std::uniform_int_distribution<std::int64_t> pick(0, spread);
  return milliseconds{std::max<std::int64_t>(base - pick(rng), 1)};
}

}  // namespace mlc::engine
