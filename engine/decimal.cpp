#include "engine/decimal.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

namespace mlc::engine {

namespace {

__extension__ using int128 = __int128;

__extension__ using uint128 = unsigned __int128;

constexpr int max_pow10 = 38;  // 10^38 < 2^127
constexpr auto pow10_table = [] {
  std::array<int128, max_pow10 + 1> t{};
  t[0] = 1;
  for (std::size_t i = 1; i < t.size(); ++i) t[i] = t[i - 1] * 10;
  return t;
}();

// 10^n for 0 <= n <= 38: every exponent the bounds above allow (19 integer digits + 18 decimals).
constexpr int128 pow10(int n) { return pow10_table[static_cast<std::size_t>(n)]; }

// Largest magnitude allowed: 19 integer digits at scale 18, i.e. |value| < 10^19.
constexpr int128 limit_at(int scale) { return pow10(decimal::max_integer_digits + scale); }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The decimal digits of `magnitude`, at least `min_digits` of them (zero-padded), written
// backwards ending at `end`; returns the first. 128-bit division is a library call, so
// values are cut into 19-digit pieces that 64-bit arithmetic writes.
char* write_digits(char* end, uint128 magnitude, int min_digits) {
  constexpr std::uint64_t piece = 10'000'000'000'000'000'000ull;  // 10^19
  char* p = end;
  while (magnitude > std::numeric_limits<std::uint64_t>::max()) {
    auto low = static_cast<std::uint64_t>(magnitude % piece);
    magnitude /= piece;
    for (int i = 0; i < 19; ++i, low /= 10) *--p = static_cast<char>('0' + low % 10);
  }
  auto rest = static_cast<std::uint64_t>(magnitude);
  do {
    *--p = static_cast<char>('0' + rest % 10);
    rest /= 10;
  } while (rest > 0);
  while (end - p < min_digits) *--p = '0';
  return p;
}

}  // namespace

decimal::decimal(int128 mantissa, int scale) : mantissa_(mantissa), scale_(scale) {
  if (mantissa_ == 0) {
    scale_ = 0;
    return;
  }
  if (scale_ <= 0) return;
  if (mantissa_ >= std::numeric_limits<std::int64_t>::min() && mantissa_ <= std::numeric_limits<std::int64_t>::max()) {
    auto m = static_cast<std::int64_t>(mantissa_);  // 64-bit division is an instruction, 128-bit a call
    while (scale_ > 0 && m % 10 == 0) {
      m /= 10;
      --scale_;
    }
    mantissa_ = m;
    return;
  }
  while (scale_ > 0 && mantissa_ % 10 == 0) {
    mantissa_ /= 10;
    --scale_;
  }
}

std::optional<decimal> decimal::checked(int128 mantissa, int scale) {
  decimal d(mantissa, scale);
  if (d.scale_ > max_scale) return std::nullopt;
  int128 magnitude = d.mantissa_ < 0 ? -d.mantissa_ : d.mantissa_;
  if (magnitude >= limit_at(d.scale_)) return std::nullopt;
  return d;
}

decimal decimal::from_int(std::int64_t value) { return decimal(static_cast<int128>(value), 0); }

std::optional<decimal> decimal::parse(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';

  // The digits go straight into the mantissa: leading zeros are skipped and a run of zeros
  // is multiplied in only when a non-zero digit follows it, so trailing zeros (moved into
  // the scale) and long zero runs never reach the 128-bit integer.
  int128 mantissa = 0;
  int significant = 0;     // digits in the mantissa
  int pending_zeros = 0;   // zeros read after them, not yet in the mantissa
  int fraction_digits = 0;
  bool any_digit = false;
  bool too_long = false;   // more significant digits than any in-range value has
  auto digit = [&](char c) {
    any_digit = true;
    if (c == '0') {
      if (significant > 0) ++pending_zeros;
      return;
    }
    if (significant + pending_zeros + 1 > max_integer_digits + max_scale) {
      too_long = true;
      return;
    }
    mantissa = mantissa * pow10(pending_zeros + 1) + (c - '0');
    significant += pending_zeros + 1;
    pending_zeros = 0;
  };
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') digit(text[i++]);
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      digit(text[i++]);
      ++fraction_digits;
    }
  }
  if (!any_digit) return std::nullopt;

  int exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) exp_negative = text[i++] == '-';
    auto start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      // Exponents beyond a few dozen cannot give an in-range value; stop before int overflow.
      if (exponent > 1000) return std::nullopt;
      exponent = exponent * 10 + (text[i++] - '0');
    }
    if (i == start) return std::nullopt;
    if (exp_negative) exponent = -exponent;
  }
  if (i != text.size()) return std::nullopt;
  if (significant == 0) return decimal{};
  if (too_long) return std::nullopt;

  // value = mantissa * 10^(pending_zeros + exponent - fraction_digits)
  int scale = fraction_digits - exponent - pending_zeros;
  if (scale > max_scale) return std::nullopt;
  if (significant - scale > max_integer_digits) return std::nullopt;
  if (scale < 0) {
    mantissa *= pow10(-scale);
    scale = 0;
  }
  return checked(negative ? -mantissa : mantissa, scale);
}

std::optional<decimal> decimal::from_json(boost::json::value const& value) {
  switch (value.kind()) {
    case boost::json::kind::int64:
      return decimal(static_cast<int128>(value.get_int64()), 0);
    case boost::json::kind::uint64:
      return checked(static_cast<int128>(value.get_uint64()), 0);
    case boost::json::kind::double_: {
      double d = value.get_double();
      if (!std::isfinite(d)) return std::nullopt;
      char buffer[64];
      auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, d);
      if (ec != std::errc{}) return std::nullopt;
      return parse(std::string_view(buffer, static_cast<std::size_t>(end - buffer)));
    }
    case boost::json::kind::string:
      return parse(value.get_string());
    default:
      return std::nullopt;
  }
}

std::optional<std::string> decimal::canonical_text(boost::json::value const& value) {
  if (value.is_int64()) return std::to_string(value.get_int64());  // |int64| < 10^19: always in range
  if (value.is_double() && std::isfinite(value.get_double())) {
    // The shortest text that reads back as the double is what from_json parses; written
    // without an exponent it has no leading or trailing zeros to drop, so it is canonical
    // once it is within the bounds ("-0" is not: the canonical zero has no sign).
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value.get_double());
    std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
    if (ec == std::errc{} && text.find_first_of("eE") == std::string_view::npos && text != "-0") {
      auto digits = text.substr(text.front() == '-' ? 1 : 0);
      auto point = digits.find('.');
      auto integer_digits = point == std::string_view::npos ? digits.size() : point;
      auto fraction_digits = point == std::string_view::npos ? 0 : digits.size() - point - 1;
      if (integer_digits <= max_integer_digits && fraction_digits <= max_scale) return std::string{text};
    }
  }
  auto d = from_json(value);
  if (!d) return std::nullopt;
  return d->to_string();
}

std::string decimal::to_string() const { return to_string(scale_); }

std::string decimal::to_string(int scale) const { return format(scale, false); }

std::string decimal::grouped(int scale) const { return format(scale, true); }

std::string decimal::format(int scale, bool group) const {
  if (scale < 0) scale = 0;
  if (scale > max_scale) scale = max_scale;
  int128 magnitude = mantissa_ < 0 ? -mantissa_ : mantissa_;
  if (scale >= scale_) {
    magnitude *= pow10(scale - scale_);
  } else {
    int128 divisor = pow10(scale_ - scale);
    int128 rest = magnitude % divisor;
    magnitude /= divisor;
    if (rest * 2 >= divisor) ++magnitude;  // half away from zero (commercial rounding)
  }
  // At most 19 integer digits (20 once rounded up) and 18 decimals.
  char digits[48];
  char* const end = digits + sizeof digits;
  char const* first = write_digits(end, static_cast<uint128>(magnitude), scale + 1);
  std::string_view integer(first, static_cast<std::size_t>(end - first - scale));
  std::string out;
  out.reserve(integer.size() + integer.size() / 3 + static_cast<std::size_t>(scale) + 2);
  if (mantissa_ < 0 && magnitude != 0) out += '-';
  if (!group) {
    out += integer;
  } else {
    for (std::size_t i = 0; i < integer.size(); ++i) {
      if (i > 0 && (integer.size() - i) % 3 == 0) out += ',';
      out += integer[i];
    }
  }
  if (scale > 0) {
    out += '.';
    out.append(end - scale, static_cast<std::size_t>(scale));
  }
  return out;
}

boost::json::value decimal::to_json() const {
  if (scale_ == 0 && mantissa_ >= std::numeric_limits<std::int64_t>::min() &&
      mantissa_ <= std::numeric_limits<std::int64_t>::max())
    return static_cast<std::int64_t>(mantissa_);
  std::string text = to_string();
  double d = 0;
  std::from_chars(text.data(), text.data() + text.size(), d);
  return d;
}

decimal decimal::negated() const { return decimal(-mantissa_, scale_); }

std::strong_ordering operator<=>(decimal const& a, decimal const& b) noexcept {
  int scale = a.scale_ > b.scale_ ? a.scale_ : b.scale_;
  int128 x = a.mantissa_ * pow10(scale - a.scale_);
  int128 y = b.mantissa_ * pow10(scale - b.scale_);
  if (x < y) return std::strong_ordering::less;
  if (x > y) return std::strong_ordering::greater;
  return std::strong_ordering::equal;
}

std::optional<decimal> checked_add(decimal const& a, decimal const& b) {
  int scale = a.scale_ > b.scale_ ? a.scale_ : b.scale_;
  // Both magnitudes are below 10^37 at scale 18, so the aligned sum fits in 128 bits.
  return decimal::checked(a.mantissa_ * pow10(scale - a.scale_) + b.mantissa_ * pow10(scale - b.scale_),
                          scale);
}

std::optional<decimal> checked_sub(decimal const& a, decimal const& b) {
  return checked_add(a, b.negated());
}

}  // namespace mlc::engine
