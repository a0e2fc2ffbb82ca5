#pragma once
// Exact decimal amounts and quantities. Sage X3 sends amounts as JSON numbers or as strings;
// binary floating point would turn 12480.10 into 12480.0999… and make content hashes and
// "total changed" comments flap, so every amount goes through this type.
// Value type; no shared state.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace mlc::engine {

class decimal {
 public:
  // Bounds that keep every sum, difference and scale alignment inside 128 bits:
  // at most 19 digits before the point and 18 after it.
  static constexpr int max_scale = 18;
  static constexpr int max_integer_digits = 19;

  decimal() = default;  // zero
  static decimal from_int(std::int64_t value);

  // "12480", "-3.25", "+1.5", "1.5e3", ".5", "5.", with surrounding whitespace allowed.
  // nullopt for garbage ("12abc", "", "1,5", "1 000", "inf"), more than 18 decimals after
  // normalisation, or more than 19 integer digits. Thousands separators are refused
  // because "1,234" means 1.234 in half of the ERP locales.
  static std::optional<decimal> parse(std::string_view text);
  // A JSON number (integer or double: the double's shortest round-trip text is parsed, so
  // 0.1 stays 0.1) or a string holding a number. nullopt for other kinds, non-finite
  // doubles and anything parse() refuses.
  static std::optional<decimal> from_json(boost::json::value const& value);
  // from_json(value)->to_string(), without building the decimal for the common forms
  // (an int64, or a double whose shortest text has no exponent and fits the bounds).
  static std::optional<std::string> canonical_text(boost::json::value const& value);

  // Canonical text: no trailing fractional zeros, no "-0": "12480", "12480.5", "-3.25".
  std::string to_string() const;
  // Exactly `scale` decimals (0..18), rounded half away from zero: "12480.00".
  std::string to_string(int scale) const;
  // Like to_string(scale) with "," every three integer digits: "12,480.00", "-1,234.50".
  std::string grouped(int scale) const;
  // For Jira number fields: an int64 when integral and in range, else the nearest double.
  boost::json::value to_json() const;

  int scale() const noexcept { return scale_; }  // decimals after normalisation
  bool is_zero() const noexcept { return mantissa_ == 0; }
  bool negative() const noexcept { return mantissa_ < 0; }
  decimal negated() const;

  friend bool operator==(decimal const& a, decimal const& b) noexcept {
    return a.mantissa_ == b.mantissa_ && a.scale_ == b.scale_;
  }
  friend std::strong_ordering operator<=>(decimal const& a, decimal const& b) noexcept;

  // nullopt when the result leaves the bounds above.
  friend std::optional<decimal> checked_add(decimal const& a, decimal const& b);
  friend std::optional<decimal> checked_sub(decimal const& a, decimal const& b);

 private:
  __extension__ using int128 = __int128;
  decimal(int128 mantissa, int scale);  // normalises trailing zeros
  static std::optional<decimal> checked(int128 mantissa, int scale);
  std::string format(int scale, bool group) const;  // to_string(scale), grouped(scale)

  int128 mantissa_ = 0;  // value = mantissa_ / 10^scale_
  int scale_ = 0;
};

}  // namespace mlc::engine
