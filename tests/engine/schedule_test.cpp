#include <catch2/catch.hpp>

#include "engine/schedule.hpp"

using namespace mlc;
using namespace std::chrono;

namespace {
system_clock::time_point at(int y, unsigned m, unsigned d, int h, int min = 0) {
  return sys_days{year{y} / month{m} / day{d}} + hours{h} + minutes{min};
}
}  // namespace

TEST_CASE("utc_offset reads the system zone database, daylight saving included") {
  CHECK(engine::utc_offset("UTC", at(2026, 7, 1, 12)) == seconds{0});
  CHECK(engine::utc_offset("Europe/Paris", at(2026, 1, 15, 12)) == hours{1});
  CHECK(engine::utc_offset("Europe/Paris", at(2026, 7, 15, 12)) == hours{2});
  CHECK(engine::utc_offset("America/New_York", at(2026, 1, 15, 12)) == hours{-5});
  CHECK(engine::utc_offset("Asia/Kolkata", at(2026, 1, 15, 12)) == hours{5} + minutes{30});
  CHECK_FALSE(engine::utc_offset("Nowhere/Atlantis", at(2026, 1, 15, 12)));
  CHECK_FALSE(engine::utc_offset("../etc/passwd", at(2026, 1, 15, 12)));
}

TEST_CASE("business hours are judged in the tenant's time zone") {
  config::schedule s;
  s.interval = minutes{2};
  s.off_hours_interval = minutes{30};
  s.days = {1, 2, 3, 4, 5};
  s.start_hour = 8;
  s.end_hour = 18;
  s.time_zone = "Europe/Paris";
  // 2026-07-15 is a Wednesday. 06:30 UTC = 08:30 in Paris (summer time).
  CHECK(engine::in_business_hours(s, at(2026, 7, 15, 6, 30)));
  CHECK(engine::interval_at(s, at(2026, 7, 15, 6, 30)) == minutes{2});
  // 05:30 UTC = 07:30 in Paris: before opening.
  CHECK_FALSE(engine::in_business_hours(s, at(2026, 7, 15, 5, 30)));
  CHECK(engine::interval_at(s, at(2026, 7, 15, 5, 30)) == minutes{30});
  // 16:00 UTC = 18:00 in Paris: closed (end hour is exclusive).
  CHECK_FALSE(engine::in_business_hours(s, at(2026, 7, 15, 16)));
  // Saturday.
  CHECK_FALSE(engine::in_business_hours(s, at(2026, 7, 18, 10)));
  // Friday 23:30 UTC is Saturday 01:30 in Paris; Sunday 22:30 UTC is Monday 00:30.
  s.start_hour = 0;
  s.end_hour = 24;
  CHECK_FALSE(engine::in_business_hours(s, at(2026, 7, 17, 23, 30)));
  CHECK(engine::in_business_hours(s, at(2026, 7, 19, 22, 30)));
}

TEST_CASE("without an off-hours interval the interval always applies") {
  config::schedule s;
  s.interval = seconds{45};
  s.days = {1};
  CHECK(engine::interval_at(s, at(2026, 7, 18, 3)) == seconds{45});
}

TEST_CASE("jitter spreads polls over [interval - jitter, interval] and is repeatable per seed") {
  engine::jitter_rng rng(42);
  milliseconds lo = milliseconds::max(), hi = milliseconds::zero();
  for (int i = 0; i < 2000; ++i) {
    auto d = duration_cast<milliseconds>(engine::jittered(seconds{60}, 0.2, rng));
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  CHECK(lo >= milliseconds{48'000});
  CHECK(hi <= milliseconds{60'000});  // never later than the configured interval
  CHECK(hi - lo > milliseconds{10'000});  // really spread, not constant
  engine::jitter_rng a(7), b(7);
  CHECK(engine::jittered(seconds{60}, 0.2, a) == engine::jittered(seconds{60}, 0.2, b));
  engine::jitter_rng none(1);
  CHECK(engine::jittered(seconds{60}, 0.0, none) == seconds{60});
}
