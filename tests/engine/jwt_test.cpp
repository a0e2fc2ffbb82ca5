#include "engine/jwt.hpp"

#include <catch2/catch.hpp>

#include <boost/json/serialize.hpp>

using namespace mlc::engine;

namespace {

// RFC 7515 Appendix A.1: the HS256 example (header with CRLF and spaces, key as a JWK "k").
constexpr std::string_view k_rfc_token =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr std::string_view k_rfc_key_b64 =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";

std::string rfc_key() {
  auto key = base64url_decode(k_rfc_key_b64);
  REQUIRE(key);
  return *key;
}

}  // namespace

TEST_CASE("base64url round-trips every length and uses the URL alphabet") {
  std::string bytes;
  for (int i = 0; i < 70; ++i) {
    auto encoded = base64url_encode(bytes);
    CHECK(encoded.find_first_of("+/=") == std::string::npos);
    auto decoded = base64url_decode(encoded);
    REQUIRE(decoded);
    CHECK(*decoded == bytes);
    bytes += static_cast<char>(i * 37 + 250);  // covers bytes above 0x7F
  }
  CHECK(base64url_encode("\xfb\xff") == "-_8");
  CHECK(base64url_encode("f") == "Zg");
  CHECK(base64url_encode("fo") == "Zm8");
  CHECK(base64url_encode("foo") == "Zm9v");
}

TEST_CASE("base64url decoding is strict") {
  CHECK_FALSE(base64url_decode("Zg=="));   // padding
  CHECK_FALSE(base64url_decode("Z"));      // impossible length
  CHECK_FALSE(base64url_decode("Zm9v+"));  // standard alphabet
  CHECK_FALSE(base64url_decode("Zh"));     // non-zero trailing bits: "Zg" is the one spelling
  CHECK_FALSE(base64url_decode("Zm 9v"));
  CHECK(base64url_decode("") == std::string{});
}

TEST_CASE("base64 (standard, padded) for Basic credentials") {
  CHECK(base64_encode("Aladdin:open sesame") == "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");  // RFC 7617 §2
  CHECK(base64_encode("\xfb\xff") == "+/8=");
  CHECK(base64_encode("") == "");
}

TEST_CASE("HMAC-SHA-256 matches RFC 4231 test cases 1 and 2") {
  auto hex = [](std::string const& bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
      out += digits[c >> 4];
      out += digits[c & 15];
    }
    return out;
  };
  CHECK(hex(hmac_sha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(hex(hmac_sha256(std::string(20, '\x0b'), "Hi There")) ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(hmac_sha256("", "").size() == 32);
}

TEST_CASE("RFC 7515 A.1 HS256 example verifies and its signature is reproduced") {
  auto claims = verify_hs256(k_rfc_token, rfc_key());
  REQUIRE(claims);
  CHECK(claims->at("iss").as_string() == "joe");
  CHECK(claims->at("exp").as_int64() == 1300819380);
  CHECK(claims->at("http://example.com/is_root").as_bool());

  auto const last_dot = k_rfc_token.rfind('.');
  auto signature = hmac_sha256(rfc_key(), k_rfc_token.substr(0, last_dot));
  CHECK(base64url_encode(signature) == k_rfc_token.substr(last_dot + 1));
}

TEST_CASE("sign_hs256 produces the token Python's hmac computes") {
  // python3: b64u('{"alg":"HS256","typ":"JWT"}') + '.' + b64u(claims) signed with
  // hmac.new(b"shared-secret", signing_input, hashlib.sha256)
  boost::json::object claims;
  claims["iss"] = "client-1";
  claims["sub"] = "ADMIN";
  claims["aud"] = "";
  claims["iat"] = 1767225600;
  claims["exp"] = 1767225900;
  CHECK(sign_hs256(claims, "shared-secret") ==
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
        ".eyJpc3MiOiJjbGllbnQtMSIsInN1YiI6IkFETUlOIiwiYXVkIjoiIiwiaWF0IjoxNzY3MjI1NjAwLCJleHAiOjE3NjcyMjU5MDB9"
        ".Sl0NApmMAzFlwJxMcKuLCI9uDCSp8A0ZtH9nNONrReg");
}

TEST_CASE("sign then verify round-trips, wrong secret and tampering are rejected") {
  boost::json::object claims;
  claims["sub"] = "ADMIN";
  claims["n"] = 42;
  auto token = sign_hs256(claims, "s3cret");

  auto back = verify_hs256(token, "s3cret");
  REQUIRE(back);
  CHECK(boost::json::serialize(*back) == boost::json::serialize(claims));

  CHECK_FALSE(verify_hs256(token, "s3cret!"));

  // Change one payload claim, keep the signature.
  auto const dot1 = token.find('.');
  auto const dot2 = token.rfind('.');
  boost::json::object forged = claims;
  forged["sub"] = "ROOT";
  auto tampered = token.substr(0, dot1 + 1) + base64url_encode(boost::json::serialize(forged)) + token.substr(dot2);
  CHECK_FALSE(verify_hs256(tampered, "s3cret"));

  // Flip one signature character.
  auto flipped = token;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  CHECK_FALSE(verify_hs256(flipped, "s3cret"));

  // Truncated signature, missing or extra segments.
  CHECK_FALSE(verify_hs256(token.substr(0, token.size() - 2), "s3cret"));
  CHECK_FALSE(verify_hs256(token.substr(0, dot2), "s3cret"));
  CHECK_FALSE(verify_hs256(token + ".x", "s3cret"));
  CHECK_FALSE(verify_hs256("", "s3cret"));
  CHECK_FALSE(verify_hs256("..", "s3cret"));
}

TEST_CASE("verify_hs256 rejects alg none, other algorithms and crit") {
  auto const payload = base64url_encode(R"({"sub":"ADMIN"})");
  auto with_header = [&](std::string_view header, std::string_view secret) {
    auto input = base64url_encode(header) + "." + payload;
    return input + "." + base64url_encode(hmac_sha256(secret, input));
  };
  // Unsigned token: empty signature segment.
  CHECK_FALSE(verify_hs256(base64url_encode(R"({"alg":"none"})") + "." + payload + ".", "s3cret"));
  // Even correctly MACed, a header naming another algorithm is refused.
  CHECK_FALSE(verify_hs256(with_header(R"({"alg":"none"})", "s3cret"), "s3cret"));
  CHECK_FALSE(verify_hs256(with_header(R"({"alg":"HS512"})", "s3cret"), "s3cret"));
  CHECK_FALSE(verify_hs256(with_header(R"({"alg":"hs256"})", "s3cret"), "s3cret"));
  CHECK_FALSE(verify_hs256(with_header(R"({"typ":"JWT"})", "s3cret"), "s3cret"));
  CHECK_FALSE(verify_hs256(with_header(R"({"alg":"HS256","crit":["exp"]})", "s3cret"), "s3cret"));
  CHECK_FALSE(verify_hs256(with_header(R"(["alg","HS256"])", "s3cret"), "s3cret"));
  // The control: the same construction with HS256 passes.
  CHECK(verify_hs256(with_header(R"({"alg":"HS256"})", "s3cret"), "s3cret"));
}

TEST_CASE("verify_hs256 rejects a payload that is not a JSON object") {
  auto const header = base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
  for (std::string_view body : {"[1,2]", "not json", "\"text\""}) {
    auto input = header + "." + base64url_encode(body);
    auto token = input + "." + base64url_encode(hmac_sha256("k", input));
    CHECK_FALSE(verify_hs256(token, "k"));
  }
}
