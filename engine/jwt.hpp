#pragma once
// Compact JWS with HS256 (RFC 7515 / RFC 7519), the only kind Sage X3's connected
// applications speak, plus the base64 flavours around it. Pure functions, no state.
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace mlc::engine {

// RFC 4648 §5 alphabet, no padding (as JWS uses it).
std::string base64url_encode(std::string_view bytes);
// Strict: rejects padding, characters outside the alphabet, an impossible length and
// non-zero trailing bits, so one token has exactly one spelling.
std::optional<std::string> base64url_decode(std::string_view text);

// RFC 4648 §4 alphabet with padding (HTTP Basic credentials).
std::string base64_encode(std::string_view bytes);

// Raw 32-byte HMAC-SHA-256 of `data` under `key`.
std::string hmac_sha256(std::string_view key, std::string_view data);

// A token with header {"alg":"HS256","typ":"JWT"} and `claims` as payload, serialized
// compactly in the object's own member order.
std::string sign_hs256(boost::json::object const& claims, std::string_view secret);

// The claims of `token` when it is a well-formed compact JWS whose header says alg HS256
// (and no "crit" extension we would have to understand) and whose signature matches
// `secret` (compared in constant time); std::nullopt otherwise. Claims such as exp are
// not checked here: that is the caller's policy.
std::optional<boost::json::object> verify_hs256(std::string_view token, std::string_view secret);

}  // namespace mlc::engine
