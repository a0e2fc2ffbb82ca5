#pragma once
// Stable fingerprints of mapped content, so a re-read record that Jira already reflects is
// dropped without a write (DESIGN §4 "drop what is already reflected").
// Pure functions; no shared state.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace mlc::engine {

// JSON text with object keys sorted (by bytes, recursively) and no whitespace. Numbers and
// strings are written by Boost.JSON, which is deterministic for a given value, so equal
// values give equal text whatever order their keys were inserted in.
std::string canonical_json(boost::json::value const& value);
std::string canonical_json(boost::json::object const& value);  // without copying it into a value

// Appends `text` as a JSON string literal, escaped exactly as Boost.JSON's serializer
// escapes it, so text written with it equals the serialized value byte for byte.
void append_json_string(std::string& out, std::string_view text);

// Appends `value` as boost::json::serialize writes it, without a string of its own.
void append_serialized(std::string& out, boost::json::value const& value);
void append_serialized(std::string& out, boost::json::object const& value);

// A JSON object appended to `out` member by member, in the form Boost.JSON serializes, for
// what is written once per record (no object built only to be serialized). Nested objects
// write into the same string with a writer of their own.
struct json_object_writer {
  std::string& out;
  bool first = true;
  void key(std::string_view name) {
    out += first ? '{' : ',';
    first = false;
    append_json_string(out, name);
    out += ':';
  }
  void text(std::string_view name, std::string_view value) {
    key(name);
    append_json_string(out, value);
  }
  void optional_text(std::string_view name, std::optional<std::string> const& value) {
    if (value) return text(name, *value);
    key(name);
    out += "null";
  }
  void flag(std::string_view name, bool value) {
    key(name);
    out += value ? "true" : "false";
  }
  void integer(std::string_view name, std::int64_t value) {
    key(name);
    out += std::to_string(value);
  }
  void finish() { out += first ? "{}" : "}"; }
};

// Lower-case hex SHA-256 of `bytes` (64 characters).
std::string sha256_hex(std::string_view bytes);

// The counted form of what is only ever hashed, never read back (the source fingerprint,
// the description's digest): a text after its length ("'5:hello"), so that texts put end
// to end give equal bytes only when they are equal; a number after a tag character that
// says what it counts.
void append_counted(std::string& out, std::string_view text);
void append_tagged(std::string& out, char tag, long long number);

// sha256_hex(canonical_json(value)): identical mapped content gives an identical hash, any
// change to a field, label, description or fact gives a different one.
std::string content_hash(boost::json::value const& value);
// The same for an object, without copying it into a value first.
std::string content_hash(boost::json::object const& value);

// A stored state (desired_state::to_json()) with its canonical text and that text's hash,
// computed once: the hash tells whether anything changed, and the issue map stores the
// text as it is (issue_entry::set_state) instead of serializing the state again.
struct hashed_state {
  boost::json::object state;
  std::string text;  // canonical_json(state)
  std::string hash;  // sha256_hex(text), = content_hash(state)
};
hashed_state hash_state(boost::json::object state);

// `to = std::move(from)`, except that `to` takes over from's memory resource (a record's
// arena, desired_state): boost::json's move assignment copies when the two differ.
template <class T>
void move_into(T& to, T&& from) noexcept {
  static_assert(std::is_nothrow_move_constructible_v<T>);
  std::destroy_at(&to);
  std::construct_at(&to, std::move(from));
}

}  // namespace mlc::engine
