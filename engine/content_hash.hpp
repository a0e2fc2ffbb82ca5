#pragma once
// Stable fingerprints of mapped content, so a re-read record that Jira already reflects is
// dropped without a write (DESIGN §4 "drop what is already reflected").
// Pure functions; no shared state.
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace mlc::engine {

// JSON text with object keys sorted (by bytes, recursively) and no whitespace. Numbers and
// strings are written by Boost.JSON, which is deterministic for a given value, so equal
// values give equal text whatever order their keys were inserted in.
std::string canonical_json(boost::json::value const& value);

// Appends `text` as a JSON string literal, escaped exactly as Boost.JSON's serializer
// escapes it, so text written with it equals the serialized value byte for byte.
void append_json_string(std::string& out, std::string_view text);

// Lower-case hex SHA-256 of `bytes` (64 characters).
std::string sha256_hex(std::string_view bytes);

// sha256_hex(canonical_json(value)): identical mapped content gives an identical hash, any
// change to a field, label, description or fact gives a different one.
std::string content_hash(boost::json::value const& value);
// The same for an object, without copying it into a value first.
std::string content_hash(boost::json::object const& value);

}  // namespace mlc::engine
