#include "engine/decimal.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

using mlc::engine::decimal;

namespace {
std::string canon(std::string_view text) {
  auto d = decimal::parse(text);
  REQUIRE(d);
  return d->to_string();
}
}  // namespace

TEST_CASE("decimal parses plain, signed, fractional and exponent forms") {
  CHECK(canon("12480") == "12480");
  CHECK(canon("12480.5") == "12480.5");
  CHECK(canon("12480.50") == "12480.5");
  CHECK(canon("-3.25") == "-3.25");
  CHECK(canon("+1.5") == "1.5");
  CHECK(canon("1.5e3") == "1500");
  CHECK(canon("1.5E-3") == "0.0015");
  CHECK(canon("  12480.5 \t") == "12480.5");
  CHECK(canon(".5") == "0.5");
  CHECK(canon("5.") == "5");
  CHECK(canon("-0") == "0");
  CHECK(canon("-0.000") == "0");
  CHECK(canon("000123.4500") == "123.45");
  CHECK(canon("1e0000000000000000000000001") == "10");
  CHECK(canon("120000e-4") == "12");
}

TEST_CASE("decimal rejects garbage and out-of-range input") {
  using namespace std::string_view_literals;
  for (std::string_view bad : std::initializer_list<std::string_view>{"", " ", "12abc", "abc", "1,5", "1 000", "-", "+", ".", "+-1", "1e", "1e+",
                               "0x10", "inf", "nan", "1.2.3", "--1", "1e5000", "12\0"sv}) {
    INFO(bad);
    CHECK_FALSE(decimal::parse(bad));
  }
  CHECK(decimal::parse("9999999999999999999"));          // 19 integer digits
  CHECK_FALSE(decimal::parse("10000000000000000000"));  // 20
  CHECK(decimal::parse("0.000000000000000001"));         // 18 decimals
  CHECK_FALSE(decimal::parse("0.0000000000000000001"));  // 19
  CHECK_FALSE(decimal::parse("1e19"));
  CHECK(decimal::parse(std::string(10'000, '0') + "1"));  // long zero runs are fine
  CHECK_FALSE(decimal::parse(std::string(10'000, '1')));
}

TEST_CASE("decimal reads JSON numbers and numeric strings exactly") {
  auto from = [](std::string_view json) { return decimal::from_json(boost::json::parse(json)); };
  CHECK(from("1.5e3")->to_string() == "1500");
  CHECK(from("0.1")->to_string() == "0.1");
  CHECK(from("12480.10")->to_string() == "12480.1");
  CHECK(from("-42")->to_string() == "-42");
  CHECK(from("9223372036854775807")->to_string() == "9223372036854775807");
  CHECK(from("9999999999999999999")->to_string() == "9999999999999999999");  // uint64
  CHECK_FALSE(from("18446744073709551615"));  // 20 integer digits
  CHECK(from("\" 12480.5 \"")->to_string() == "12480.5");
  CHECK_FALSE(from("\"12abc\""));
  CHECK_FALSE(from("null"));
  CHECK_FALSE(from("true"));
  CHECK_FALSE(from("[1]"));
  CHECK_FALSE(from("1e400"));  // Boost.JSON reads it as infinity
}

TEST_CASE("decimal formats with a fixed scale, rounding half away from zero") {
  CHECK(decimal::parse("12480")->to_string(2) == "12480.00");
  CHECK(decimal::parse("1.005")->to_string(2) == "1.01");
  CHECK(decimal::parse("-1.005")->to_string(2) == "-1.01");
  CHECK(decimal::parse("1.004")->to_string(2) == "1.00");
  CHECK(decimal::parse("-0.004")->to_string(2) == "0.00");
  CHECK(decimal::parse("2.5")->to_string(0) == "3");
  CHECK(decimal::parse("0.5")->to_string(3) == "0.500");
}

TEST_CASE("decimal groups thousands for summaries") {
  CHECK(decimal::parse("12480")->grouped(2) == "12,480.00");
  CHECK(decimal::parse("-1234.5")->grouped(2) == "-1,234.50");
  CHECK(decimal::parse("999")->grouped(0) == "999");
  CHECK(decimal::parse("1000")->grouped(0) == "1,000");
  CHECK(decimal::parse("0")->grouped(2) == "0.00");
  CHECK(decimal::parse("1234567890.123")->grouped(3) == "1,234,567,890.123");
  CHECK(decimal::parse("9999999999999999999.995")->grouped(2) == "10,000,000,000,000,000,000.00");
}

TEST_CASE("decimal compares by value and adds and subtracts with overflow checks") {
  auto d = [](std::string_view t) { return *decimal::parse(t); };
  CHECK(d("1.50") == d("1.5"));
  CHECK(d("1.5") < d("1.51"));
  CHECK(d("-2") < d("-1.999"));
  CHECK(d("100") > d("99.999999999999999999"));
  CHECK(checked_add(d("12480.5"), d("0.25"))->to_string() == "12480.75");
  CHECK(checked_sub(d("1234.5"), d("1481.4"))->to_string() == "-246.9");
  CHECK(checked_add(d("0.1"), d("0.2"))->to_string() == "0.3");
  CHECK_FALSE(checked_add(d("9999999999999999999"), d("1")));
  CHECK(checked_sub(d("-9999999999999999998"), d("1")));
  CHECK_FALSE(checked_sub(d("-9999999999999999999"), d("1")));
  CHECK(checked_add(d("9999999999999999999.999999999999999999"), d("-0.000000000000000001"))->to_string() ==
        "9999999999999999999.999999999999999998");
}

TEST_CASE("decimal converts to a JSON number for Jira number fields") {
  CHECK(decimal::parse("12480")->to_json().as_int64() == 12480);
  CHECK(decimal::parse("12480.50")->to_json().as_double() == 12480.5);
  CHECK(decimal::parse("9999999999999999999")->to_json().is_double());
}

TEST_CASE("decimal text round-trips for random values across the whole range") {
  // The canonical text worked out on strings: no leading integer zeros, no trailing
  // fractional zeros, no "-0". Covers values past 64 bits (up to 37 digits in all).
  std::mt19937_64 random{20261130};
  auto digits = [&](std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += static_cast<char>('0' + random() % 10);
    return s;
  };
  for (int i = 0; i < 5000; ++i) {
    bool negative = random() % 2;
    std::string integer = digits(random() % 20), fraction = digits(random() % 19);
    std::string text = (negative ? "-" : "") + integer + "." + fraction;
    if (integer.empty() && fraction.empty()) continue;
    auto d = decimal::parse(text);
    INFO(text);
    REQUIRE(d);
    auto int_part = integer.substr(std::min(integer.find_first_not_of('0'), integer.size()));
    auto frac_part = fraction.substr(0, fraction.find_last_not_of('0') + 1);
    std::string expected = (int_part.empty() ? "0" : int_part) + (frac_part.empty() ? "" : "." + frac_part);
    if (expected != "0" && negative) expected = "-" + expected;
    CHECK(d->to_string() == expected);
    // Fixed scales: the digits kept are the canonical ones padded; grouping only adds commas.
    auto padded = d->to_string(18);
    CHECK(padded == (expected.find('.') == std::string::npos ? expected + "." : expected) +
                        std::string(18 - frac_part.size(), '0'));
    auto grouped = d->grouped(18);
    grouped.erase(std::remove(grouped.begin(), grouped.end(), ','), grouped.end());
    CHECK(grouped == padded);
    CHECK(*decimal::parse(padded) == *d);
  }
}

namespace {
// What parse() must give, worked out on strings alone: the canonical text of a valid
// number, nullopt for anything parse() refuses.
std::optional<std::string> reference_parse(std::string_view text) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  auto is_digit = [&] { return i < text.size() && text[i] >= '0' && text[i] <= '9'; };
  std::string digits;
  long scale = 0;
  while (is_digit()) digits += text[i++];
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (is_digit()) {
      digits += text[i++];
      ++scale;
    }
  }
  if (digits.empty()) return std::nullopt;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool minus = i < text.size() && text[i] == '-';
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    auto start = i;
    long e = 0;
    while (is_digit()) {
      if (e > 1000) return std::nullopt;  // parse() stops long exponents before they overflow, even on zero
      e = e * 10 + (text[i++] - '0');
    }
    if (i == start) return std::nullopt;
    scale += minus ? e : -e;
  }
  if (i != text.size()) return std::nullopt;
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  if (digits.empty()) return "0";
  while (digits.back() == '0') {
    digits.pop_back();
    --scale;
  }
  auto length = static_cast<long>(digits.size());
  if (scale > 18 || length - scale > 19) return std::nullopt;
  std::string out = negative ? "-" : "";
  if (scale <= 0) return out + digits + std::string(static_cast<std::size_t>(-scale), '0');
  if (length > scale) return out + digits.substr(0, digits.size() - scale) + "." + digits.substr(digits.size() - scale);
  return out + "0." + std::string(static_cast<std::size_t>(scale - length), '0') + digits;
}
}  // namespace

TEST_CASE("decimal parse agrees with a parse worked out on strings, for random well- and ill-formed text") {
  std::mt19937_64 random{20261201};
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(random() % n); };
  auto digits = [&](std::size_t n) {
    std::string s;
    // Zero runs are common, so leading, trailing and inner zeros are all exercised.
    for (std::size_t i = 0; i < n; ++i) s += pick(3) == 0 ? '0' : static_cast<char>('0' + pick(10));
    return s;
  };
  static constexpr std::string_view signs[] = {"", "", "+", "-"};
  static constexpr std::string_view junk[] = {"", "", "", "", " ", "x", ".", "e", "-", ",", "1 0"};
  int valid = 0;
  for (int n = 0; n < 20000; ++n) {
    std::string text{signs[pick(4)]};
    text += digits(pick(24));
    if (pick(2)) text += "." + digits(pick(24));
    if (pick(4) == 0) text += std::string{"eE"[pick(2)]} + std::string{signs[pick(4)]} + digits(pick(4));
    if (pick(8) == 0) text.insert(pick(text.size() + 1), junk[pick(std::size(junk))]);
    if (pick(8) == 0) text = " " + text + "\t";
    auto expected = reference_parse(text);
    auto got = decimal::parse(text);
    INFO("\"" << text << "\"");
    REQUIRE(got.has_value() == expected.has_value());
    if (got) {
      ++valid;
      CHECK(got->to_string() == *expected);
    }
  }
  CHECK(valid > 5000);  // both outcomes are well represented
}

TEST_CASE("decimal canonical text of a JSON value is from_json's to_string, for every kind and magnitude") {
  std::mt19937_64 random{20261201};
  std::vector<boost::json::value> values = {0.0, -0.0, 1e19, 9999999999999999999.0, 1e18, 1e-18, 1e-19, 0.1, 2.5e-7,
                                            -123.456, 12480.1, 1e300, -1e-300, 5e-324, std::int64_t{0},
                                            std::int64_t{-42}, std::numeric_limits<std::int64_t>::min(),
                                            std::numeric_limits<std::uint64_t>::max(), "12.50", " 7 ", "x", nullptr,
                                            true, boost::json::array{}};
  for (int i = 0; i < 20000; ++i) {
    switch (i % 4) {
      case 0:  // any double: every exponent, sign and mantissa
        values.emplace_back(std::bit_cast<double>(random()));
        break;
      case 1:  // amounts as ERPs send them: a few integer digits and two to six decimals
        values.emplace_back(static_cast<double>(static_cast<std::int64_t>(random() % 2'000'000'000'000) - 1'000'000'000'000) /
                            std::pow(10.0, static_cast<double>(random() % 7)));
        break;
      case 2:
        values.emplace_back(static_cast<std::int64_t>(random()));
        break;
      default:  // around the bounds: 10^±(15..21)
        values.emplace_back((random() % 2 ? 1 : -1) * std::pow(10.0, static_cast<double>(random() % 43) - 21.0) *
                            (1.0 + static_cast<double>(random() % 1000) / 1000.0));
    }
  }
  int valid = 0;
  for (auto const& v : values) {
    auto expected = decimal::from_json(v);
    auto got = decimal::canonical_text(v);
    INFO(boost::json::serialize(v));
    REQUIRE(got.has_value() == expected.has_value());
    if (got) {
      CHECK(*got == expected->to_string());
      ++valid;
    }
  }
  CHECK(valid > 10000);
}
