#include "tests/emulators/jwt.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "tests/emulators/json_text.hpp"
#include "tests/emulators/text.hpp"

namespace mlc::emu {
namespace json = boost::json;

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()), reinterpret_cast<unsigned char const*>(data.data()), data.size(), out,
       &len);
  return std::string(reinterpret_cast<char const*>(out), len);
}

std::string sign_jwt(json::object const& claims, std::string_view secret, std::string_view alg) {
  json::object header;
  header["alg"] = alg;
  header["typ"] = "JWT";
  std::string input = base64url_encode(to_json_text(header)) + "." + base64url_encode(to_json_text(claims));
  std::string sig = alg == "none" ? std::string{} : base64url_encode(hmac_sha256(secret, input));
  return input + "." + sig;
}

std::optional<std::string> verify_jwt(std::string_view token, jwt_expectation const& expect, sys_ms now) {
  auto d1 = token.find('.');
  auto d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
    return "malformed token: expected three dot-separated parts";
  auto header_text = base64url_decode(token.substr(0, d1));
  auto claims_text = base64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
  auto signature = base64url_decode(token.substr(d2 + 1));
  if (!header_text || !claims_text || !signature) return "malformed token: bad base64url";
  std::string err;
  json::value header = parse_json(*header_text, err);
  if (!err.empty() || !header.is_object()) return "malformed token: header is not a JSON object";
  json::value claims = parse_json(*claims_text, err);
  if (!err.empty() || !claims.is_object()) return "malformed token: claims are not a JSON object";
  auto const* alg = header.get_object().if_contains("alg");
  if (!alg || !alg->is_string() || alg->get_string() != "HS256")
    return "unsupported alg " + (alg ? to_json_text(*alg) : std::string("(missing)")) + ": only HS256 is accepted";
  std::string expected = hmac_sha256(expect.secret, token.substr(0, d2));
  if (signature->size() != expected.size() || CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0)
    return "bad signature";

  auto const& c = claims.get_object();
  auto text_claim = [&](char const* name) -> std::optional<std::string> {
    auto const* v = c.if_contains(name);
    if (v && v->is_string()) return std::string(v->get_string());
    return std::nullopt;
  };
  auto time_claim = [&](char const* name) -> std::optional<std::int64_t> {
    auto const* v = c.if_contains(name);
    if (v && v->is_int64()) return v->get_int64();
    if (v && v->is_uint64()) return std::int64_t(v->get_uint64());
    if (v && v->is_double()) return std::int64_t(v->get_double());
    return std::nullopt;
  };
  if (text_claim("iss") != expect.issuer) return "wrong iss: expected the connected application's client id";
  if (text_claim("sub") != expect.subject) return "wrong sub: expected the X3 user " + expect.subject;
  bool aud_ok = false;
  if (auto const* aud = c.if_contains("aud")) {
    if (aud->is_string()) aud_ok = aud->get_string() == expect.audience;
    if (aud->is_array())
      for (auto const& a : aud->get_array()) aud_ok = aud_ok || (a.is_string() && a.get_string() == expect.audience);
  }
  if (!aud_ok) return "wrong aud: expected " + expect.audience;
  auto exp = time_claim("exp");
  auto iat = time_claim("iat");
  if (!exp) return "missing exp";
  if (!iat) return "missing iat";
  std::int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (now_s >= *exp + expect.leeway.count()) return "token expired";
  if (*iat > now_s + expect.leeway.count()) return "iat is in the future";
  if (*exp - *iat > expect.max_lifetime.count())
    return "token lifetime exceeds " + std::to_string(expect.max_lifetime.count()) + " s";
  return std::nullopt;
}

}  // namespace mlc::emu
