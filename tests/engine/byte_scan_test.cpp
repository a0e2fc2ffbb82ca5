#include "engine/byte_scan.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <string>

#include <boost/json/serialize.hpp>

#include "engine/adf.hpp"
#include "engine/content_hash.hpp"

using namespace mlc::engine;

namespace {

byte_scan::word word_of(std::array<unsigned char, 8> const& bytes) {
  return byte_scan::load(reinterpret_cast<char const*>(bytes.data()));
}

// The word tests against the byte tests they stand for, on the same eight bytes.
void check_word(std::array<unsigned char, 8> const& bytes) {
  auto w = word_of(bytes);
  bool json = true, printable = true, ascii_json = true;
  for (auto b : bytes) {
    json = json && byte_scan::json_plain(b);
    printable = printable && byte_scan::printable_ascii(b);
    ascii_json = ascii_json && byte_scan::ascii_json_plain(b);
  }
  INFO("bytes " << std::hex << w);
  CHECK(byte_scan::json_plain(w) == json);
  CHECK(byte_scan::printable_ascii(w) == printable);
  CHECK(byte_scan::ascii_json_plain(w) == ascii_json);
}

}  // namespace

TEST_CASE("a word passes a test exactly when each of its bytes does") {
  // Every byte value at every position, among neighbours just inside and outside each bound
  // (a borrow or carry from one byte must not hide or invent a match in the next).
  static constexpr unsigned char fillers[] = {'a', ' ', '~', '!', '#', '[', ']', 0x1F, 0x00, 0x7F, 0x80, 0xFF};
  for (unsigned char filler : fillers)
    for (int value = 0; value < 256; ++value)
      for (std::size_t at = 0; at < 8; ++at) {
        std::array<unsigned char, 8> bytes;
        bytes.fill(filler);
        bytes[at] = static_cast<unsigned char>(value);
        check_word(bytes);
      }
  // Random words drawn mostly from the bytes around the bounds.
  static constexpr unsigned char edges[] = {0x00, 0x01, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D,
                                            0x7E, 0x7F, 0x80, 0x81, 0xDF, 0xFE, 0xFF, 'a', 'Z', '0'};
  std::uint64_t seed = 20261201;
  for (int i = 0; i < 20000; ++i) {
    std::array<unsigned char, 8> bytes;
    for (auto& b : bytes) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      auto pick = (seed >> 33) % (std::size(edges) + 8);
      b = pick < std::size(edges) ? edges[pick] : static_cast<unsigned char>(seed >> 50);
    }
    check_word(bytes);
  }
}

TEST_CASE("a plain prefix ends at the first byte that needs work, wherever it falls") {
  for (std::size_t length = 0; length < 40; ++length) {
    std::string plain(length, 'x');
    CHECK(byte_scan::json_plain_prefix(plain) == length);
    CHECK(byte_scan::printable_ascii_prefix(plain) == length);
    for (std::size_t at = 0; at < length; ++at)
      for (char stop : {'"', '\\', '\n', '\x7f'}) {
        auto text = plain;
        text[at] = stop;
        INFO("length " << length << ", stop " << int(stop) << " at " << at);
        CHECK(byte_scan::json_plain_prefix(text) == (stop == '\x7f' ? length : at));
        CHECK(byte_scan::ascii_json_plain_prefix(text) == at);
        CHECK(byte_scan::printable_ascii_prefix(text) == (stop == '"' || stop == '\\' ? length : at));
      }
  }
}

TEST_CASE("long plain runs around one escaped byte are written as Boost.JSON writes them") {
  // The run before and after the escape spans whole words and leftover bytes alike.
  for (std::size_t before = 0; before < 20; ++before)
    for (std::size_t after = 0; after < 20; after += 3)
      for (std::string_view special : {"\"", "\\", "\b", "\x01", "\x1f", "\x7f", "\xC3\xA9", "\xFF"}) {
        auto text = std::string(before, 'p') + std::string{special} + std::string(after, 'q');
        std::string out;
        append_json_string(out, text);
        INFO("before " << before << ", after " << after);
        CHECK(out == boost::json::serialize(boost::json::string_view{text}));
        // clean_line keeps the plain runs whole and cleans what is between them.
        CHECK(clean_line(text) == std::string(before, 'p') + clean_line(special) + std::string(after, 'q'));
      }
}
