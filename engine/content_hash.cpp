#include "engine/content_hash.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <memory>
#include <span>
#include <stdexcept>
#include <vector>

#include <openssl/evp.h>

#include <boost/json/serializer.hpp>

#include "engine/byte_scan.hpp"

namespace mlc::engine {

namespace {

template <class Json>
void serialize_into(std::string& out, Json const& value) {
  boost::json::serializer writer;
  writer.reset(&value);
  char chunk[4096];
  while (!writer.done()) out.append(writer.read(chunk));
}

void write_canonical(boost::json::value const& value, std::string& out);

void write_canonical(boost::json::object const& obj, std::string& out) {
  // The members in key order; on the stack for the objects a mapped state holds.
  using member = boost::json::key_value_pair const*;
  std::array<member, 32> local;
  std::vector<member> many;
  std::span<member> members{local.data(), obj.size()};
  if (obj.size() > local.size()) {
    many.resize(obj.size());
    members = many;
  }
  std::transform(obj.begin(), obj.end(), members.begin(), [](auto const& kv) { return &kv; });
  std::sort(members.begin(), members.end(), [](member a, member b) { return a->key() < b->key(); });
  out += '{';
  bool first = true;
  for (auto const* kv : members) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, kv->key());
    out += ':';
    write_canonical(kv->value(), out);
  }
  out += '}';
}

void write_canonical(boost::json::value const& value, std::string& out) {
  switch (value.kind()) {
    case boost::json::kind::object:
      write_canonical(value.get_object(), out);
      break;
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (auto const& item : value.get_array()) {
        if (!first) out += ',';
        first = false;
        write_canonical(item, out);
      }
      out += ']';
      break;
    }
    case boost::json::kind::string:
      append_json_string(out, value.get_string());
      break;
    // Integers, booleans and null as Boost.JSON writes them, without a serializer each.
    case boost::json::kind::int64:
    case boost::json::kind::uint64: {
      char digits[24];
      auto [end, ec] = value.is_int64() ? std::to_chars(digits, digits + sizeof digits, value.get_int64())
                                        : std::to_chars(digits, digits + sizeof digits, value.get_uint64());
      out.append(digits, static_cast<std::size_t>(end - digits));  // not (first, last): slower
      break;
    }
    case boost::json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      break;
    case boost::json::kind::null:
      out += "null";
      break;
    default:  // doubles: Boost.JSON's own form ("1.5E0")
      serialize_into(out, value);
  }
}

}  // namespace

void append_serialized(std::string& out, boost::json::value const& value) { serialize_into(out, value); }

void append_serialized(std::string& out, boost::json::object const& value) { serialize_into(out, value); }

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  while (!text.empty()) {
    // What needs no escape is copied a run at a time, found eight bytes per step.
    auto run = byte_scan::json_plain_prefix(text);
    out.append(text.data(), run);
    if (run == text.size()) break;
    auto const c = static_cast<unsigned char>(text[run]);
    text.remove_prefix(run + 1);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
    }
  }
  out += '"';
}

std::string canonical_json(boost::json::value const& value) {
  std::string out;
  write_canonical(value, out);
  return out;
}

std::string canonical_json(boost::json::object const& value) {
  std::string out;
  out.reserve(1024);
  write_canonical(value, out);
  return out;
}

void append_tagged(std::string& out, char tag, long long number) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, number).ptr;
  out += tag;
  out.append(digits, static_cast<std::size_t>(end - digits));  // not (first, last): slower
}

void append_counted(std::string& out, std::string_view text) {
  append_tagged(out, '\'', static_cast<long long>(text.size()));
  out += ':';
  out += text;
}

std::string sha256_hex(std::string_view bytes) {
  // EVP_Digest with EVP_sha256() looks the implementation up and allocates a context on
  // every call, which costs as much as hashing a kilobyte: both are made once (per thread).
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  struct context_free {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  thread_local std::unique_ptr<EVP_MD_CTX, context_free> const context{EVP_MD_CTX_new()};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!md || !context || EVP_DigestInit_ex2(context.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(context.get(), bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(context.get(), digest, &length) != 1)
    throw std::runtime_error("SHA-256 digest failed (OpenSSL EVP)");
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(length * 2, '\0');
  for (unsigned int i = 0; i < length; ++i) {
    out[2 * i] = hex[digest[i] >> 4];
    out[2 * i + 1] = hex[digest[i] & 0x0f];
  }
  return out;
}

std::string content_hash(boost::json::value const& value) { return sha256_hex(canonical_json(value)); }

std::string content_hash(boost::json::object const& value) { return sha256_hex(canonical_json(value)); }

hashed_state hash_state(boost::json::object state) {
  auto text = canonical_json(state);
  auto hash = sha256_hex(text);
  return {std::move(state), std::move(text), std::move(hash)};
}

}  // namespace mlc::engine
