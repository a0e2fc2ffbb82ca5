#include "engine/content_hash.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <vector>

#include <openssl/evp.h>

#include <boost/json/serialize.hpp>

namespace mlc::engine {

namespace {

void write_canonical(boost::json::value const& value, std::string& out) {
  switch (value.kind()) {
    case boost::json::kind::object: {
      auto const& obj = value.get_object();
      std::vector<boost::json::key_value_pair const*> members;
      members.reserve(obj.size());
      for (auto const& kv : obj) members.push_back(&kv);
      std::sort(members.begin(), members.end(),
                [](auto const* a, auto const* b) { return a->key() < b->key(); });
      out += '{';
      bool first = true;
      for (auto const* kv : members) {
        if (!first) out += ',';
        first = false;
        out += boost::json::serialize(boost::json::value(kv->key()));
        out += ':';
        write_canonical(kv->value(), out);
      }
      out += '}';
      break;
    }
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
    default:
      out += boost::json::serialize(value);
  }
}

}  // namespace

std::string canonical_json(boost::json::value const& value) {
  std::string out;
  write_canonical(value, out);
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 digest failed (OpenSSL EVP_Digest)");
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0x0f];
  }
  return out;
}

std::string content_hash(boost::json::value const& value) { return sha256_hex(canonical_json(value)); }

}  // namespace mlc::engine
