#include "config/secret_box.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <fstream>
#include <memory>
#include <sstream>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace mlc::config {

namespace {

constexpr std::string_view prefix = "enc:v1:";
constexpr std::size_t nonce_size = 12;
constexpr std::size_t tag_size = 16;

bool valid_key_id(std::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string base64_encode(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<unsigned char const*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
  if (in.empty() || in.size() % 4 != 0) return std::nullopt;
  std::string out(in.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<unsigned char const*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts padding as zero bytes.
  std::size_t padding = 0;
  if (in.back() == '=') ++padding;
  if (in.size() >= 2 && in[in.size() - 2] == '=') ++padding;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

struct ctx_deleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, ctx_deleter>;

// The key id is authenticated with the caller's associated data, so a value cannot be
// relabelled with another key id.
std::string full_aad(std::string_view id, std::string_view associated_data) {
  std::string aad{prefix};
  aad.append(id);
  aad.push_back(':');
  aad.append(associated_data);
  return aad;
}

}  // namespace

keyring::~keyring() {
  for (auto& [id, key] : keys_) OPENSSL_cleanse(key.data(), key.size());
}

keyring keyring::parse(std::string_view text, std::string const& source) {
  keyring ring;
  std::size_t line_no = 0;
  while (!text.empty()) {
    auto end = text.find_first_of("\n,");
    auto line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    auto where = "master keys from " + source + ", entry " + std::to_string(line_no);
    auto colon = line.find(':');
    if (colon == std::string_view::npos)
      throw secret_box_error(where + ": expected \"<key id>:<64 hex characters>\"");
    auto id = line.substr(0, colon);
    auto hex = line.substr(colon + 1);
    if (!valid_key_id(id))
      throw secret_box_error(where + ": the key id must be 1 to 32 characters of A-Z a-z 0-9 _ -");
    if (hex.size() != 64) throw secret_box_error(where + ": key " + std::string{id} + " must be 64 hex characters (32 bytes)");
    std::array<unsigned char, 32> key{};
    for (std::size_t i = 0; i < 32; ++i) {
      int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
      if (hi < 0 || lo < 0) {
        OPENSSL_cleanse(key.data(), key.size());
        throw secret_box_error(where + ": key " + std::string{id} + " contains a non-hex character");
      }
      key[i] = static_cast<unsigned char>(hi * 16 + lo);
    }
    for (auto const& existing : ring.keys_)
      if (existing.first == id) throw secret_box_error(where + ": key id " + std::string{id} + " appears twice");
    ring.keys_.emplace_back(std::string{id}, key);
    OPENSSL_cleanse(key.data(), key.size());
  }
  if (ring.keys_.empty()) throw secret_box_error("master keys from " + source + ": no key found");
  return ring;
}

keyring keyring::load_file(std::filesystem::path const& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) throw secret_box_error("master key file " + file.string() + ": cannot stat the file");
  if (!S_ISREG(st.st_mode)) throw secret_box_error("master key file " + file.string() + ": not a regular file");
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw secret_box_error("master key file " + file.string() + " has mode " + mode +
                           "; it must be 0600 or stricter (chmod 600 " + file.string() + ")");
  }
  std::ifstream in{file, std::ios::binary};
  if (!in) throw secret_box_error("master key file " + file.string() + ": cannot open the file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto text = buffer.str();
  auto ring = parse(text, "file " + file.string());
  OPENSSL_cleanse(text.data(), text.size());
  return ring;
}

keyring keyring::from_env(std::string const& variable) {
  char const* value = std::getenv(variable.c_str());
  if (!value || !*value) throw secret_box_error("master keys: environment variable " + variable + " is not set");
  return parse(value, "env " + variable);
}

std::string const& keyring::current_id() const {
  if (keys_.empty()) throw secret_box_error("no master key is configured (master_key_file or master_key_env)");
  return keys_.back().first;
}

std::vector<std::string> keyring::ids() const {
  std::vector<std::string> out;
  for (auto const& [id, key] : keys_) out.push_back(id);
  return out;
}

secret_box::secret_box(keyring keys) : keys_(std::move(keys)) {}

bool secret_box::is_sealed(std::string_view text) noexcept { return text.starts_with(prefix); }

std::string secret_box::seal(std::string_view plaintext, std::string_view associated_data) const {
  auto const& [id, key] = [&]() -> auto const& {
    if (keys_.empty()) throw secret_box_error("cannot seal: no master key is configured (master_key_file or master_key_env)");
    return keys_.keys_.back();
  }();
  std::string out(nonce_size + plaintext.size() + tag_size, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  if (RAND_bytes(bytes, nonce_size) != 1) throw secret_box_error("cannot seal: the random generator failed");

  cipher_ctx ctx{EVP_CIPHER_CTX_new()};
  auto aad = full_aad(id, associated_data);
  int len = 0;
  bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, nonce_size, nullptr) == 1 &&
            EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), bytes) == 1 &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<unsigned char const*>(aad.data()),
                              static_cast<int>(aad.size())) == 1 &&
            EVP_EncryptUpdate(ctx.get(), bytes + nonce_size, &len,
                              reinterpret_cast<unsigned char const*>(plaintext.data()),
                              static_cast<int>(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx.get(), bytes + nonce_size + len, &len) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, tag_size, bytes + nonce_size + plaintext.size()) == 1;
  if (!ok) throw secret_box_error("cannot seal: OpenSSL AES-256-GCM failed");
  return std::string{prefix} + id + ":" + base64_encode(out);
}

std::string secret_box::open(std::string_view sealed, std::string_view associated_data) const {
  if (!is_sealed(sealed)) throw secret_box_error("sealed secret: expected \"enc:v1:<key id>:<base64>\"");
  auto rest = sealed.substr(prefix.size());
  auto colon = rest.find(':');
  if (colon == std::string_view::npos) throw secret_box_error("sealed secret: missing key id");
  auto id = rest.substr(0, colon);
  std::array<unsigned char, 32> const* key = nullptr;
  for (auto const& [kid, k] : keys_.keys_)
    if (kid == id) key = &k;
  if (!key) {
    auto known = keys_.ids();
    std::string list;
    for (auto const& k : known) list += (list.empty() ? "" : ", ") + k;
    throw secret_box_error("sealed secret uses master key \"" + std::string{id} + "\", which is not in the keyring (" +
                           (list.empty() ? "no keys configured" : "known: " + list) + ")");
  }
  auto raw = base64_decode(rest.substr(colon + 1));
  if (!raw || raw->size() < nonce_size + tag_size) throw secret_box_error("sealed secret with key \"" + std::string{id} + "\" is not valid base64 of nonce, ciphertext and tag");
  auto const* bytes = reinterpret_cast<unsigned char const*>(raw->data());
  std::size_t const text_size = raw->size() - nonce_size - tag_size;
  std::string out(text_size, '\0');
  std::array<unsigned char, tag_size> tag{};
  std::copy(bytes + nonce_size + text_size, bytes + raw->size(), tag.begin());

  cipher_ctx ctx{EVP_CIPHER_CTX_new()};
  auto aad = full_aad(id, associated_data);
  int len = 0;
  bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, nonce_size, nullptr) == 1 &&
            EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key->data(), bytes) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<unsigned char const*>(aad.data()),
                              static_cast<int>(aad.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, bytes + nonce_size,
                              static_cast<int>(text_size)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, tag_size, tag.data()) == 1 &&
            EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &len) == 1;
  if (!ok) {
    OPENSSL_cleanse(out.data(), out.size());
    throw secret_box_error("sealed secret with key \"" + std::string{id} +
                           "\" failed its integrity check: it was sealed for another tenant, altered, or the key differs");
  }
  return out;
}

secret_box load_secret_box(std::string const& key_file, std::string const& env_variable) {
  if (!key_file.empty()) return secret_box{keyring::load_file(key_file)};
  if (!env_variable.empty()) {
    char const* value = std::getenv(env_variable.c_str());
    if (value && *value) return secret_box{keyring::parse(value, "env " + env_variable)};
  }
  return secret_box{};
}

}  // namespace mlc::config
