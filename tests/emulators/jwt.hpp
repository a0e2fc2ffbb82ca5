#pragma once
// HS256 JSON Web Tokens as Sage X3 "connected applications" use them: the client signs
// {iss: client id, sub: X3 user, aud, iat, exp} with the shared secret (RFC 7519, RFC 7515).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "tests/emulators/time_text.hpp"

namespace mlc::emu {

std::string hmac_sha256(std::string_view key, std::string_view data);

// Signs `claims`; `alg` other than HS256 is only for tests that need a bad token
// ("none" gives an empty signature).
std::string sign_jwt(boost::json::object const& claims, std::string_view secret, std::string_view alg = "HS256");

struct jwt_expectation {
  std::string issuer;
  std::string subject;
  std::string audience;
  std::string secret;
  std::chrono::seconds max_lifetime{3600};  // exp - iat
  std::chrono::seconds leeway{30};          // clock skew allowed on exp and iat
};

// nullopt when the token is valid at `now`; otherwise why not ("token expired", ...).
std::optional<std::string> verify_jwt(std::string_view token, jwt_expectation const& expect, sys_ms now);

}  // namespace mlc::emu
