#include "engine/watermark.hpp"

#include <catch2/catch.hpp>

#include <cstdio>

using namespace mlc::engine;
using namespace std::chrono_literals;

namespace {
sys_seconds ts(std::string_view text) {
  auto t = parse_timestamp(text);
  REQUIRE(t);
  return *t;
}
}  // namespace

TEST_CASE("timestamps in X3's spellings normalise to UTC seconds") {
  CHECK(format_timestamp(ts("2026-01-31T10:00:00Z")) == "2026-01-31T10:00:00Z");
  CHECK(format_timestamp(ts("2026-01-31 10:00:00")) == "2026-01-31T10:00:00Z");
  CHECK(format_timestamp(ts("2026-01-31T10:00:00.999Z")) == "2026-01-31T10:00:00Z");  // floored
  CHECK(format_timestamp(ts("2026-01-31T12:00:00+02:00")) == "2026-01-31T10:00:00Z");
  CHECK(format_timestamp(ts("2026-01-31T12:30:00+0230")) == "2026-01-31T10:00:00Z");
  CHECK(format_timestamp(ts("2026-01-31T01:00:00.5-03")) == "2026-01-31T04:00:00Z");
  CHECK(format_timestamp(ts("2026-01-01T01:00:00+02:00")) == "2025-12-31T23:00:00Z");
  CHECK(format_timestamp(ts("2024-02-29T23:59:59z")) == "2024-02-29T23:59:59Z");
  for (std::string_view bad : {"", "2026-01-31", "2026-01-31T10:00", "2026-02-30T10:00:00Z", "2026-13-01T00:00:00Z",
                               "2026-01-31T24:00:00Z", "2026-01-31T10:60:00Z", "2026-01-31T10:00:00.Z",
                               "2026-01-31T10:00:00+2", "2026-01-31T10:00:00 UTC", "2026-01-31T10:00:00Zjunk",
                               "0000-01-01T00:00:00Z"}) {
    INFO(bad);
    CHECK_FALSE(parse_timestamp(bad));
  }
}

TEST_CASE("dates accept dashed and compact forms") {
  CHECK(format_date(*parse_date("2026-01-31")) == "2026-01-31");
  CHECK(format_date(*parse_date("20260131")) == "2026-01-31");
  CHECK_FALSE(parse_date("2026-1-31"));
  CHECK_FALSE(parse_date("20260230"));
  CHECK_FALSE(parse_date("2026-01-31T00:00:00Z"));
  CHECK_FALSE(parse_date("31/01/2026"));
  CHECK_FALSE(parse_date(""));
}

TEST_CASE("watermarks order by (updated, id) and records sharing a second stay distinct") {
  watermark wm{ts("2026-01-31T10:00:00Z"), "4500123"};
  CHECK(after(record_key{ts("2026-01-31T10:00:00Z"), "4500124"}, wm));
  CHECK_FALSE(after(record_key{ts("2026-01-31T10:00:00Z"), "4500123"}, wm));
  CHECK_FALSE(after(record_key{ts("2026-01-31T10:00:00Z"), "4500122"}, wm));
  CHECK(after(record_key{ts("2026-01-31T10:00:01Z"), "1"}, wm));
  CHECK_FALSE(after(record_key{ts("2026-01-31T09:59:59Z"), "9"}, wm));
  CHECK(watermark{ts("2026-01-31T10:00:00Z"), ""} < wm);
}

TEST_CASE("query_from subtracts the lookback") {
  watermark wm{ts("2026-01-01T00:03:00Z"), "X"};
  CHECK(format_timestamp(query_from(wm, 300s)) == "2025-12-31T23:58:00Z");
  CHECK(query_from(wm, 0s) == wm.updated);
}

TEST_CASE("the watermark never passes poll start minus the skew margin and never moves back") {
  sys_seconds poll_start = ts("2026-01-31T10:00:00Z");
  watermark below{ts("2026-01-31T09:58:00Z"), "A"};
  CHECK(cap(below, poll_start, 60s) == below);
  watermark at_limit{ts("2026-01-31T09:59:00Z"), "B"};
  CHECK(cap(at_limit, poll_start, 60s) == at_limit);
  watermark late{ts("2026-01-31T09:59:30Z"), "C"};
  CHECK(cap(late, poll_start, 60s) == watermark{ts("2026-01-31T09:59:00Z"), ""});

  watermark current{ts("2026-01-31T09:00:00Z"), "Z"};
  CHECK(advance(current, record_key{ts("2026-01-31T09:30:00Z"), "A"}, poll_start, 60s) ==
        watermark{ts("2026-01-31T09:30:00Z"), "A"});
  CHECK(advance(current, record_key{ts("2026-01-31T08:00:00Z"), "A"}, poll_start, 60s) == current);
  CHECK(advance(current, record_key{ts("2026-01-31T11:00:00Z"), "A"}, poll_start, 60s) ==
        watermark{ts("2026-01-31T09:59:00Z"), ""});
  watermark ahead{ts("2026-01-31T12:00:00Z"), "Q"};  // stored before the clock stepped back
  CHECK(advance(ahead, record_key{ts("2026-01-31T11:00:00Z"), "A"}, poll_start, 60s) == ahead);
}

TEST_CASE("watermarks round-trip through their storage form, any id bytes included") {
  watermark wm{ts("2026-01-31T10:00:00Z"), "PO/2026/'\"\\|x"};
  CHECK(to_string(wm) == "2026-01-31T10:00:00Z/PO/2026/'\"\\|x");
  CHECK(parse_watermark(to_string(wm)) == wm);
  watermark empty_id{ts("2026-01-01T00:00:00Z"), ""};
  CHECK(parse_watermark(to_string(empty_id)) == empty_id);
  CHECK_FALSE(parse_watermark(""));
  CHECK_FALSE(parse_watermark("2026-01-31T10:00:00Z"));
  CHECK_FALSE(parse_watermark("2026-01-31T10:00:00+0/x"));
  CHECK_FALSE(parse_watermark("2026-02-31T10:00:00Z/x"));
  CHECK_FALSE(parse_watermark("garbage-garbage-garb/x"));
}

TEST_CASE("dates and timestamps are written with four-digit years across the whole calendar") {
  using namespace std::chrono;
  auto reference = [](sys_days d) {
    year_month_day ymd{d};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return std::string(buf);
  };
  auto const first = sys_days{year{1} / 1 / 1}, last = sys_days{year{9999} / 12 / 31};
  for (auto d = first; d <= last; d += days{997}) {
    INFO(reference(d));
    CHECK(format_date(d) == reference(d));
    CHECK(parse_date(format_date(d)) == d);
    auto t = sys_seconds{d} + hours{23} + minutes{5} + seconds{59};
    CHECK(format_timestamp(t) == reference(d) + "T23:05:59Z");
  }
  CHECK(format_date(last) == "9999-12-31");
  CHECK(format_timestamp(sys_seconds{last + days{1}}) == "10000-01-01T00:00:00Z");  // past the text forms
}
