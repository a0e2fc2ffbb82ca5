#include "engine/decimal.hpp"

#include <charconv>
#include <cmath>
#include <limits>

namespace mlc::engine {

namespace {

__extension__ using int128 = __int128;

constexpr int128 pow10(int n) {
  int128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

// Largest magnitude allowed: 19 integer digits at scale 18, i.e. |value| < 10^19.
constexpr int128 limit_at(int scale) { return pow10(decimal::max_integer_digits + scale); }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string digits_of(int128 magnitude) {
  if (magnitude == 0) return "0";
  std::string out;
  while (magnitude > 0) {
    out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  }
  return out;
}

// Integer and fraction digits of |m| / 10^scale, fraction exactly `scale` long.
std::pair<std::string, std::string> split(int128 magnitude, int scale) {
  std::string all = digits_of(magnitude);
  if (static_cast<int>(all.size()) <= scale) all.insert(0, scale + 1 - all.size(), '0');
  auto cut = all.size() - static_cast<std::size_t>(scale);
  return {all.substr(0, cut), all.substr(cut)};
}

}  // namespace

decimal::decimal(int128 mantissa, int scale) : mantissa_(mantissa), scale_(scale) {
  while (scale_ > 0 && mantissa_ % 10 == 0) {
    mantissa_ /= 10;
    --scale_;
  }
  if (mantissa_ == 0) scale_ = 0;
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

  std::string digits;  // integer digits then fraction digits
  int fraction_digits = 0;
  bool any_digit = false;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    digits += text[i++];
    any_digit = true;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      digits += text[i++];
      ++fraction_digits;
      any_digit = true;
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

  // value = digits * 10^(exponent - fraction_digits). Drop leading zeros and trailing
  // zeros (moving them into the exponent) so long zero runs never reach the 128-bit integer.
  int scale = fraction_digits - exponent;
  auto first = digits.find_first_not_of('0');
  if (first == std::string::npos) return decimal{};
  digits.erase(0, first);
  while (digits.size() > 1 && digits.back() == '0') {
    digits.pop_back();
    --scale;
  }
  if (scale > max_scale) return std::nullopt;
  int integer_digits = static_cast<int>(digits.size()) - scale;
  if (integer_digits > max_integer_digits) return std::nullopt;

  int128 mantissa = 0;
  for (char c : digits) mantissa = mantissa * 10 + (c - '0');
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

std::string decimal::to_string() const { return to_string(scale_); }

std::string decimal::to_string(int scale) const {
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
  auto [integer, fraction] = split(magnitude, scale);
  std::string out = (mantissa_ < 0 && magnitude != 0) ? "-" : "";
  out += integer;
  if (scale > 0) out += "." + fraction;
  return out;
}

std::string decimal::grouped(int scale) const {
  std::string plain = to_string(scale);
  std::size_t sign = plain.starts_with('-') ? 1 : 0;
  std::size_t point = plain.find('.');
  if (point == std::string::npos) point = plain.size();
  std::string out = plain.substr(0, sign);
  std::string_view integer(plain.data() + sign, point - sign);
  for (std::size_t i = 0; i < integer.size(); ++i) {
    if (i > 0 && (integer.size() - i) % 3 == 0) out += ',';
    out += integer[i];
  }
  out += plain.substr(point);
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
