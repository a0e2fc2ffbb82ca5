#include "engine/jwt.hpp"

#include <array>
#include <limits>
#include <stdexcept>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace mlc::engine {
namespace {

constexpr std::string_view k_base64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view k_base64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode(std::string_view bytes, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    unsigned const n = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out += alphabet[n >> 18 & 63];
    out += alphabet[n >> 12 & 63];
    out += alphabet[n >> 6 & 63];
    out += alphabet[n & 63];
  }
  std::size_t const rest = bytes.size() - i;
  if (rest == 1) {
    unsigned const n = byte(i) << 16;
    out += alphabet[n >> 18 & 63];
    out += alphabet[n >> 12 & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    unsigned const n = byte(i) << 16 | byte(i + 1) << 8;
    out += alphabet[n >> 18 & 63];
    out += alphabet[n >> 12 & 63];
    out += alphabet[n >> 6 & 63];
    if (pad) out += '=';
  }
  return out;
}

int base64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

std::optional<boost::json::object> parse_object(std::string_view segment) {
  auto text = base64url_decode(segment);
  if (!text) return std::nullopt;
  boost::system::error_code ec;
  auto value = boost::json::parse(*text, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

}  // namespace

std::string base64url_encode(std::string_view bytes) { return encode(bytes, k_base64url, false); }

std::string base64_encode(std::string_view bytes) { return encode(bytes, k_base64, true); }

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;  // 6 bits cannot make a byte
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    int const v = base64url_value(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6 | static_cast<unsigned>(v)) & 0xFFFFu;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>(buffer >> bits & 0xFFu);
    }
  }
  // Leftover bits must be zero, or two spellings would decode to the same bytes.
  if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  if (key.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw std::length_error("HMAC key too long");
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  // OpenSSL wants a non-null key pointer even for an empty key.
  static constexpr unsigned char k_empty = 0;
  void const* key_data = key.empty() ? static_cast<void const*>(&k_empty) : key.data();
  auto const* data_ptr = reinterpret_cast<unsigned char const*>(data.empty() ? "" : data.data());
  if (HMAC(EVP_sha256(), key_data, static_cast<int>(key.size()), data_ptr, data.size(), mac.data(), &length) ==
      nullptr)
    throw std::runtime_error("HMAC-SHA-256 failed in OpenSSL");
  return std::string(reinterpret_cast<char const*>(mac.data()), length);
}

std::string sign_hs256(boost::json::object const& claims, std::string_view secret) {
  static std::string const header = base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
  std::string token = header;
  token += '.';
  token += base64url_encode(boost::json::serialize(claims));
  std::string const signature = hmac_sha256(secret, token);
  token += '.';
  token += base64url_encode(signature);
  return token;
}

std::optional<boost::json::object> verify_hs256(std::string_view token, std::string_view secret) {
  auto const first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  auto const second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
    return std::nullopt;

  auto header = parse_object(token.substr(0, first));
  if (!header) return std::nullopt;
  // Only HS256: accepting the header's choice would let a forger pick "none".
  auto const* alg = header->if_contains("alg");
  if (alg == nullptr || !alg->is_string() || alg->as_string() != "HS256") return std::nullopt;
  // RFC 7515 §4.1.11: extensions listed in "crit" must be understood; we understand none.
  if (header->contains("crit")) return std::nullopt;

  auto const signature = base64url_decode(token.substr(second + 1));
  if (!signature || signature->size() != 32) return std::nullopt;
  std::string const expected = hmac_sha256(secret, token.substr(0, second));
  if (CRYPTO_memcmp(expected.data(), signature->data(), expected.size()) != 0) return std::nullopt;

  return parse_object(token.substr(first + 1, second - first - 1));
}

}  // namespace mlc::engine
