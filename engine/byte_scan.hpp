#pragma once
// Word-at-a-time tests over text: is any of eight bytes below a bound, equal to a byte, or
// not ASCII. Nearly every value a record carries is plain printable ASCII, so escaping and
// cleaning first skip the longest prefix that needs no work, eight bytes per step.
// Pure functions; no shared state.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace mlc::engine::byte_scan {

using word = std::uint64_t;
inline constexpr word ones = 0x0101010101010101ull;
inline constexpr word highs = 0x8080808080808080ull;

// Each is exact as a test on the whole word (a borrow can only set bits above a byte that
// already matches); which byte matched is left to a byte loop.
constexpr bool any_below(word w, unsigned char bound) {  // bound <= 128
  return ((w - ones * bound) & ~w & highs) != 0;
}
constexpr bool any_equal(word w, unsigned char c) {
  word x = w ^ (ones * c);
  return ((x - ones) & ~x & highs) != 0;
}
constexpr bool any_from_7f(word w) {  // 0x7F (DEL) or any byte of a multi-byte sequence
  return ((w | (w + ones)) & highs) != 0;
}

inline word load(char const* p) {
  word w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// Bytes JSON writes as they are: no control character, quote or backslash.
constexpr bool json_plain(unsigned char c) { return c >= 0x20 && c != '"' && c != '\\'; }
constexpr bool json_plain(word w) { return !any_below(w, 0x20) && !any_equal(w, '"') && !any_equal(w, '\\'); }

// Printable ASCII: ' ' to '~'.
constexpr bool printable_ascii(unsigned char c) { return c - 0x20u < 0x5Fu; }
constexpr bool printable_ascii(word w) { return !any_below(w, 0x20) && !any_from_7f(w); }

// Printable ASCII that JSON writes as it is.
constexpr bool ascii_json_plain(unsigned char c) { return printable_ascii(c) && c != '"' && c != '\\'; }
constexpr bool ascii_json_plain(word w) { return printable_ascii(w) && !any_equal(w, '"') && !any_equal(w, '\\'); }

// Length of the longest prefix of `text` whose bytes all pass `Plain`.
template <class Plain>
std::size_t plain_prefix(std::string_view text, Plain plain) {
  std::size_t i = 0;
  while (text.size() - i >= sizeof(word) && plain(load(text.data() + i))) i += sizeof(word);
  while (i < text.size() && plain(static_cast<unsigned char>(text[i]))) ++i;
  return i;
}

inline std::size_t json_plain_prefix(std::string_view text) {
  return plain_prefix(text, [](auto x) { return json_plain(x); });
}
inline std::size_t printable_ascii_prefix(std::string_view text) {
  return plain_prefix(text, [](auto x) { return printable_ascii(x); });
}
inline std::size_t ascii_json_plain_prefix(std::string_view text) {
  return plain_prefix(text, [](auto x) { return ascii_json_plain(x); });
}

}  // namespace mlc::engine::byte_scan
