#include "net/retry_policy.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <vector>

#include "net/http.hpp"

namespace mlc::net {
namespace {

using std::chrono::milliseconds;

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<int> number(std::string_view s) {
  if (!all_digits(s) || s.size() > 4) return std::nullopt;
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

std::optional<unsigned> month_index(std::string_view name) {
  static constexpr std::array<std::string_view, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (unsigned i = 0; i < months.size(); ++i)
    if (iequals(months[i], name)) return i + 1;
  return std::nullopt;
}

// "08:49:37" -> seconds of the day.
std::optional<int> time_of_day(std::string_view s) {
  if (s.size() != 8 || s[2] != ':' || s[5] != ':') return std::nullopt;
  auto h = number(s.substr(0, 2)), m = number(s.substr(3, 2)), sec = number(s.substr(6, 2));
  if (!h || !m || !sec || *h > 23 || *m > 59 || *sec > 60) return std::nullopt;
  return *h * 3600 + *m * 60 + *sec;
}

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',')) ++i;
    auto start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != ',') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::optional<std::chrono::system_clock::time_point> make_time(int year, unsigned month, int day, int seconds) {
  std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{month},
                                   std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return std::nullopt;
  return std::chrono::sys_days{date} + std::chrono::seconds{seconds};
}

// RFC 9110 §5.6.7: IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", obsolete RFC 850
// "Sunday, 06-Nov-94 08:49:37 GMT" and asctime "Sun Nov  6 08:49:37 1994".
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view s) {
  auto parts = split(s);
  if (parts.size() == 6 && iequals(parts[5], "GMT")) {  // IMF-fixdate
    auto day = number(parts[1]);
    auto month = month_index(parts[2]);
    auto year = number(parts[3]);
    auto tod = time_of_day(parts[4]);
    if (day && month && year && tod && parts[3].size() == 4) return make_time(*year, *month, *day, *tod);
    return std::nullopt;
  }
  if (parts.size() == 4 && iequals(parts[3], "GMT") && parts[1].size() == 9) {  // RFC 850
    auto day = number(parts[1].substr(0, 2));
    auto month = month_index(parts[1].substr(3, 3));
    auto yy = number(parts[1].substr(7, 2));
    auto tod = time_of_day(parts[2]);
    if (!day || !month || !yy || !tod || parts[1][2] != '-' || parts[1][6] != '-') return std::nullopt;
    // Two-digit years: RFC 9110 says read them as the most recent past year with those digits;
    // "within 50 years" is the practical reading every HTTP library uses.
    int year = *yy < 70 ? 2000 + *yy : 1900 + *yy;
    return make_time(year, *month, *day, *tod);
  }
  if (parts.size() == 5) {  // asctime
    auto month = month_index(parts[1]);
    auto day = number(parts[2]);
    auto tod = time_of_day(parts[3]);
    auto year = number(parts[4]);
    if (month && day && tod && year && parts[4].size() == 4) return make_time(*year, *month, *day, *tod);
  }
  return std::nullopt;
}

}  // namespace

std::optional<milliseconds> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (all_digits(value)) {
    // Absurd values are clamped rather than overflowing; the deadline rejects them anyway.
    constexpr long long max_seconds = 1'000'000'000;
    long long seconds = 0;
    for (char c : value) {
      seconds = seconds * 10 + (c - '0');
      if (seconds > max_seconds) {
        seconds = max_seconds;
        break;
      }
    }
    return std::chrono::seconds{seconds};
  }
  auto when = parse_http_date(value);
  if (!when) return std::nullopt;
  if (*when <= now) return milliseconds{0};
  return std::chrono::ceil<milliseconds>(*when - now);
}

bool is_retryable_status(int status) { return status == 429 || status == 502 || status == 503 || status == 504; }

bool is_retryable(std::string_view method, attempt_outcome const& outcome, retry_settings const& settings) {
  bool retryable_kind = false;
  if (outcome.failure)
    retryable_kind = *outcome.failure == error_kind::timeout || *outcome.failure == error_kind::connect;
  else
    retryable_kind = is_retryable_status(outcome.status);
  if (!retryable_kind) return false;
  if (is_idempotent(method) || settings.retry_non_idempotent) return true;
  return !outcome.failure && outcome.status == 429 && settings.retry_non_idempotent_on_429;
}

milliseconds backoff_delay(retry_settings const& settings, int attempts_done, milliseconds previous,
                           unit_random const& random) {
  double u = std::clamp(random(), 0.0, 1.0);
  double base = static_cast<double>(settings.base_delay.count());
  double cap = static_cast<double>(settings.max_delay.count());
  double delay = 0;
  if (settings.jitter == jitter_kind::full) {
    int exponent = std::clamp(attempts_done - 1, 0, 40);
    delay = u * std::min(cap, base * std::ldexp(1.0, exponent));
  } else {
    double upper = std::max(base, static_cast<double>(previous.count()) * 3);
    delay = std::min(cap, base + u * (upper - base));
  }
  return milliseconds{static_cast<long long>(delay)};
}

retry_decision decide_retry(retry_settings const& settings, std::string_view method, attempt_outcome const& outcome,
                            int attempts_done, std::optional<milliseconds> retry_after,
                            std::chrono::steady_clock::time_point now, std::chrono::steady_clock::time_point deadline,
                            milliseconds previous_delay, unit_random const& random) {
  retry_decision d;
  if (!is_retryable(method, outcome, settings)) {
    bool kind_ok = outcome.failure ? (*outcome.failure == error_kind::timeout || *outcome.failure == error_kind::connect)
                                   : is_retryable_status(outcome.status);
    d.reason = kind_ok ? std::string{method} + " is not idempotent, so it is not retried" : "not a retryable outcome";
    return d;
  }
  if (attempts_done >= settings.max_attempts) {
    d.reason = "gave up after " + std::to_string(attempts_done) + " attempts";
    return d;
  }
  auto delay = backoff_delay(settings, attempts_done, previous_delay, random);
  if (retry_after && *retry_after > delay) delay = *retry_after;
  if (now + delay >= deadline) {
    d.reason = retry_after && *retry_after == delay
                   ? "the server asked to wait " + std::to_string(delay.count()) + " ms, past the request deadline"
                   : "no time left before the request deadline for another attempt";
    return d;
  }
  d.retry = true;
  d.delay = delay;
  return d;
}

}  // namespace mlc::net
