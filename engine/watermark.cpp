#include "engine/watermark.hpp"

#include <algorithm>
#include <cstdio>

namespace mlc::engine {

namespace {

using namespace std::chrono;

// Reads exactly `n` digits at `pos`; advances pos.
std::optional<int> digits(std::string_view s, std::size_t& pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  pos += n;
  return v;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

std::optional<sys_days> make_date(int y, int m, int d) {
  if (y < 1) return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd};
}

// "YYYY-MM-DD" at pos (dashed form only); advances pos.
std::optional<sys_days> dashed_date(std::string_view s, std::size_t& pos) {
  auto y = digits(s, pos, 4);
  if (!y || !expect(s, pos, '-')) return std::nullopt;
  auto m = digits(s, pos, 2);
  if (!m || !expect(s, pos, '-')) return std::nullopt;
  auto d = digits(s, pos, 2);
  if (!d) return std::nullopt;
  return make_date(*y, *m, *d);
}

}  // namespace

std::optional<sys_days> parse_date(std::string_view text) {
  std::size_t pos = 0;
  if (text.size() == 8) {
    auto y = digits(text, pos, 4);
    auto m = y ? digits(text, pos, 2) : std::nullopt;
    auto d = m ? digits(text, pos, 2) : std::nullopt;
    if (!d) return std::nullopt;
    return make_date(*y, *m, *d);
  }
  auto date = dashed_date(text, pos);
  if (!date || pos != text.size()) return std::nullopt;
  return date;
}

namespace {

// "YYYY-MM-DD" into out[0..10) for years 0..9999 (what the text forms hold); false otherwise.
bool put_date(char* out, sys_days d) {
  year_month_day ymd{d};
  int y = static_cast<int>(ymd.year());
  if (y < 0 || y > 9999) return false;
  auto m = static_cast<unsigned>(ymd.month()), day = static_cast<unsigned>(ymd.day());
  char const text[10] = {static_cast<char>('0' + y / 1000), static_cast<char>('0' + y / 100 % 10),
                         static_cast<char>('0' + y / 10 % 10), static_cast<char>('0' + y % 10), '-',
                         static_cast<char>('0' + m / 10), static_cast<char>('0' + m % 10), '-',
                         static_cast<char>('0' + day / 10), static_cast<char>('0' + day % 10)};
  std::copy(text, text + 10, out);
  return true;
}

}  // namespace

std::string format_date(sys_days d) {
  char buf[16];
  if (put_date(buf, d)) return std::string(buf, 10);
  year_month_day ymd{d};
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::optional<sys_seconds> parse_timestamp(std::string_view text) {
  std::size_t pos = 0;
  auto date = dashed_date(text, pos);
  if (!date) return std::nullopt;
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != ' ')) return std::nullopt;
  ++pos;
  auto h = digits(text, pos, 2);
  if (!h || !expect(text, pos, ':')) return std::nullopt;
  auto mi = digits(text, pos, 2);
  if (!mi || !expect(text, pos, ':')) return std::nullopt;
  auto s = digits(text, pos, 2);
  if (!s || *h > 23 || *mi > 59 || *s > 59) return std::nullopt;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    auto start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
  }
  seconds offset{0};
  if (pos < text.size()) {
    char z = text[pos++];
    if (z == 'Z' || z == 'z') {
      // UTC
    } else if (z == '+' || z == '-') {
      auto oh = digits(text, pos, 2);
      if (!oh) return std::nullopt;
      int om = 0;
      if (pos < text.size()) {
        expect(text, pos, ':');
        auto m = digits(text, pos, 2);
        if (!m) return std::nullopt;
        om = *m;
      }
      if (*oh > 23 || om > 59) return std::nullopt;
      offset = hours{*oh} + minutes{om};
      if (z == '-') offset = -offset;
    } else {
      return std::nullopt;
    }
  }
  if (pos != text.size()) return std::nullopt;
  // Local time minus its offset is UTC. An offset may carry it out of years 1..9999, which
  // the fixed-width text forms cannot hold (found by tests/fuzz): refuse those.
  auto utc = sys_seconds{*date} + hours{*h} + minutes{*mi} + seconds{*s} - offset;
  auto year = int{year_month_day{floor<days>(utc)}.year()};
  if (year < 1 || year > 9999) return std::nullopt;
  return utc;
}

std::string format_timestamp(sys_seconds t) {
  auto day = floor<days>(t);
  hh_mm_ss<seconds> tod{t - day};
  auto h = static_cast<int>(tod.hours().count()), m = static_cast<int>(tod.minutes().count()),
       s = static_cast<int>(tod.seconds().count());
  char buf[20];
  if (put_date(buf, day)) {
    char const time[10] = {'T', static_cast<char>('0' + h / 10), static_cast<char>('0' + h % 10), ':',
                           static_cast<char>('0' + m / 10), static_cast<char>('0' + m % 10), ':',
                           static_cast<char>('0' + s / 10), static_cast<char>('0' + s % 10), 'Z'};
    std::copy(time, time + 10, buf + 10);
    return std::string(buf, 20);
  }
  char rest[16];
  std::snprintf(rest, sizeof rest, "T%02d:%02d:%02dZ", h, m, s);
  return format_date(day) + rest;
}

sys_seconds query_from(watermark const& wm, std::chrono::seconds lookback) {
  return wm.updated - lookback;
}

watermark cap(watermark const& candidate, sys_seconds poll_start, std::chrono::seconds skew_margin) {
  sys_seconds limit = poll_start - skew_margin;
  if (candidate.updated <= limit) return candidate;
  return watermark{limit, {}};
}

watermark advance(watermark const& current, record_key const& written, sys_seconds poll_start,
                  std::chrono::seconds skew_margin) {
  watermark capped = cap(watermark{written.updated, written.id}, poll_start, skew_margin);
  return capped > current ? capped : current;
}

bool after(record_key const& key, watermark const& wm) {
  return record_key{wm.updated, wm.id} < key;
}

std::string to_string(watermark const& wm) { return format_timestamp(wm.updated) + "/" + wm.id; }

std::optional<watermark> parse_watermark(std::string_view text) {
  constexpr std::size_t ts_len = 20;  // "YYYY-MM-DDTHH:MM:SSZ"
  if (text.size() < ts_len + 1 || text[ts_len] != '/' || text[ts_len - 1] != 'Z') return std::nullopt;
  auto t = parse_timestamp(text.substr(0, ts_len));
  if (!t) return std::nullopt;
  return watermark{*t, std::string(text.substr(ts_len + 1))};
}

}  // namespace mlc::engine
