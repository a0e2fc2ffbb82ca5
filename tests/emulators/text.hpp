#pragma once
// Small text codecs the emulated servers need: base64 (Basic auth, JWT, cursors),
// percent-encoding, query strings and form bodies.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mlc::emu {

std::string base64_encode(std::string_view bytes);
std::string base64url_encode(std::string_view bytes);  // no padding (RFC 7515 §2)
// Accepts padded or unpadded input; std::nullopt on a character outside the alphabet.
std::optional<std::string> base64_decode(std::string_view text);
std::optional<std::string> base64url_decode(std::string_view text);

std::string percent_encode(std::string_view text);  // everything but RFC 3986 unreserved
// Decodes %XX; `plus_is_space` for application/x-www-form-urlencoded.
std::string percent_decode(std::string_view text, bool plus_is_space);

// "a=1&b=x%20y" -> ordered pairs (later duplicates kept; first() returns the first).
class query_params {
 public:
  static query_params parse(std::string_view text, bool plus_is_space = true);
  std::optional<std::string> first(std::string_view name) const;
  bool has(std::string_view name) const { return first(name).has_value(); }
  std::vector<std::pair<std::string, std::string>> const& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// Splits a request target into path and query text (without '?').
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

std::vector<std::string_view> split(std::string_view text, char sep);
std::string_view trim(std::string_view text);
bool starts_with_icase(std::string_view text, std::string_view prefix);
std::string to_lower(std::string_view text);

}  // namespace mlc::emu
