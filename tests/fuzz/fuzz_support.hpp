#pragma once
// Shared pieces of the libFuzzer targets: a property check that aborts (libFuzzer then
// saves the input as a crash), line splitting for the text input formats, and independent
// UTF-8 / UTF-16 measures (the fuzzers must not judge engine/adf.cpp with its own code).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace mlc::fuzz {

// Aborts with the failed property, so a violation is a crash like any ASan report.
[[noreturn]] inline void property_failed(char const* what, char const* file, int line) {
  std::fprintf(stderr, "\nPROPERTY VIOLATED: %s\n  at %s:%d\n", what, file, line);
  std::abort();
}

#define MLC_FUZZ_CHECK(cond)                                                             \
  do {                                                                                   \
    if (!(cond)) ::mlc::fuzz::property_failed(#cond, __FILE__, __LINE__);                \
  } while (0)

// An exception the target must never let out: report it, then abort.
[[noreturn]] inline void unexpected_exception(char const* where, char const* what) {
  std::fprintf(stderr, "\nUNEXPECTED EXCEPTION in %s: %s\n", where, what);
  std::abort();
}

// Checks for the bugs these fuzzers found. All of them are fixed, so the checks always run
// (tests/fuzz/crashers/ reproduced them; the same inputs now sit in the seed corpora).
inline bool known_bug_checks() { return true; }

inline std::string_view as_text(std::uint8_t const* data, std::size_t size) {
  return {reinterpret_cast<char const*>(data), size};
}

// Splits at '\n' (no trimming; a trailing '\r' stays part of the line).
inline std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) {
      out.push_back(text.substr(start));
      return out;
    }
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

// Strict UTF-8 (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF). Returns the
// number of UTF-16 code units, or -1 when the text is not valid UTF-8.
inline long utf16_units_if_valid(std::string_view s) {
  long units = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t len = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return -1;
    std::uint32_t cp = len == 1 ? b0 : (b0 & (0xFF >> (len + 1)));
    for (std::size_t k = 1; k < len; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return -1;
      cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr std::uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
    units += cp >= 0x10000 ? 2 : 1;
    i += len;
  }
  return units;
}

inline bool has_control_characters(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return true;
  }
  return false;
}

inline std::string ascii_lower(std::string_view s) {
  std::string out{s};
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

}  // namespace mlc::fuzz
