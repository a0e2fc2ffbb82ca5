#include "tests/emulators/time_text.hpp"

#include <cstdio>

namespace mlc::emu {
namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

unsigned days_in_month(int y, unsigned m) {
  static constexpr unsigned k[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : k[m - 1];
}

}  // namespace

// Howard Hinnant's algorithms (http://howardhinnant.github.io/date_algorithms.html).
std::int64_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = unsigned(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + std::int64_t(doe) - 719468;
}

void civil_from_days(std::int64_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = unsigned(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = int(yoe + era * 400);
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

namespace {
struct parts {
  int y;
  unsigned mo, d;
  int h, mi, s, ms;
};
parts split_time(sys_ms t) {
  auto ms_total = t.time_since_epoch().count();
  std::int64_t days = ms_total >= 0 ? ms_total / 86'400'000 : (ms_total - 86'399'999) / 86'400'000;
  std::int64_t rem = ms_total - days * 86'400'000;
  parts p{};
  civil_from_days(days, p.y, p.mo, p.d);
  p.h = int(rem / 3'600'000);
  p.mi = int(rem / 60'000 % 60);
  p.s = int(rem / 1000 % 60);
  p.ms = int(rem % 1000);
  return p;
}
}  // namespace

namespace {
// Fixed-width digits without printf: formatting dates is on every emulated response.
void put(char* at, int value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    at[i] = char('0' + value % 10);
    value /= 10;
  }
}
}  // namespace

void write_stamp(char* out, sys_ms t) {
  auto p = split_time(t);
  put(out, p.y, 4);
  out[4] = '-';
  put(out + 5, int(p.mo), 2);
  out[7] = '-';
  put(out + 8, int(p.d), 2);
  out[10] = 'T';
  put(out + 11, p.h, 2);
  out[13] = ':';
  put(out + 14, p.mi, 2);
  out[16] = ':';
  put(out + 17, p.s, 2);
  out[19] = 'Z';
}

std::string format_stamp(sys_ms t) {
  std::string out(k_stamp_chars, '0');
  write_stamp(out.data(), t);
  return out;
}

std::string format_iso_ms(sys_ms t) {
  auto p = split_time(t);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", p.y, p.mo, p.d, p.h, p.mi, p.s, p.ms);
  return buf;
}

std::string format_jira_time(sys_ms t) {
  auto p = split_time(t);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03d+0000", p.y, p.mo, p.d, p.h, p.mi, p.s, p.ms);
  return buf;
}

void write_date(char* out, std::int64_t days) {
  int y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  put(out, y, 4);
  out[4] = '-';
  put(out + 5, int(m), 2);
  out[7] = '-';
  put(out + 8, int(d), 2);
}

std::string format_date(std::int64_t days) {
  std::string out(k_date_chars, '0');
  write_date(out.data(), days);
  return out;
}

std::string format_date(sys_ms t) { return format_stamp(t).substr(0, 10); }

std::optional<std::int64_t> parse_date(std::string_view s) {
  int y, m, d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (!digits(s, 0, 4, y) || !digits(s, 5, 2, m) || !digits(s, 8, 2, d)) return std::nullopt;
  if (m < 1 || m > 12 || d < 1 || unsigned(d) > days_in_month(y, unsigned(m))) return std::nullopt;
  return days_from_civil(y, unsigned(m), unsigned(d));
}

std::optional<sys_ms> parse_timestamp(std::string_view s) {
  auto day = parse_date(s.substr(0, std::min<std::size_t>(s.size(), 10)));
  if (!day) return std::nullopt;
  std::int64_t ms = *day * 86'400'000;
  if (s.size() == 10) return sys_ms{std::chrono::milliseconds{ms}};
  int h, mi, sec;
  if (s.size() < 19 || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':') return std::nullopt;
  if (!digits(s, 11, 2, h) || !digits(s, 14, 2, mi) || !digits(s, 17, 2, sec)) return std::nullopt;
  if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
  ms += (h * 3600 + mi * 60 + sec) * 1000LL;
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int frac = 0, n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 3) frac = frac * 10 + (s[pos] - '0'), ++n;
      ++pos;
    }
    if (n == 0) return std::nullopt;
    while (n < 3) frac *= 10, ++n;
    ms += frac;
  }
  if (pos == s.size()) return sys_ms{std::chrono::milliseconds{ms}};  // no zone: UTC
  if (s[pos] == 'Z' && pos + 1 == s.size()) return sys_ms{std::chrono::milliseconds{ms}};
  if (s[pos] == '+' || s[pos] == '-') {
    int sign = s[pos] == '-' ? -1 : 1;
    int oh, om;
    std::string_view z = s.substr(pos + 1);
    if (z.size() == 5 && z[2] == ':' && digits(z, 0, 2, oh) && digits(z, 3, 2, om)) {
    } else if (z.size() == 4 && digits(z, 0, 2, oh) && digits(z, 2, 2, om)) {
    } else {
      return std::nullopt;
    }
    ms -= sign * (oh * 60 + om) * 60'000LL;
    return sys_ms{std::chrono::milliseconds{ms}};
  }
  return std::nullopt;
}

}  // namespace mlc::emu
