#pragma once
// Sealing secrets with AES-256-GCM under node master keys (OpenSSL EVP).
//
// Sealed form: "enc:v1:<key id>:<base64(12-byte nonce | ciphertext | 16-byte tag)>".
// The associated data (the tenant id) is authenticated, so a value sealed for one tenant
// does not open for another. Keyring text: one "<id>:<64 hex chars>" per line (blank
// lines and lines starting with '#' ignored); the LAST key seals, every key opens, so a
// new key is added at the end and old values keep working until re-sealed.
#include <array>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mlc::config {

// Messages name the key id or file, never key material or plaintext.
class secret_box_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class keyring {
 public:
  keyring() = default;
  ~keyring();  // wipes key bytes
  keyring(keyring const&) = default;
  keyring& operator=(keyring const&) = default;
  keyring(keyring&&) noexcept = default;
  keyring& operator=(keyring&&) noexcept = default;

  // `source` names the origin in error messages ("file /etc/mlc/master.key", "env MLC_MASTER_KEY").
  // Lines may also be separated by ',' (convenient in an environment variable).
  static keyring parse(std::string_view text, std::string const& source);
  // The file must be a regular file with mode 0600 or stricter (no group/other bits).
  static keyring load_file(std::filesystem::path const& file);
  // Throws when the variable is unset or empty.
  static keyring from_env(std::string const& variable);

  bool empty() const noexcept { return keys_.empty(); }
  std::string const& current_id() const;  // throws secret_box_error when empty
  std::vector<std::string> ids() const;

 private:
  friend class secret_box;
  std::vector<std::pair<std::string, std::array<unsigned char, 32>>> keys_;
};

// Thread-safe for concurrent seal/open (immutable after construction).
class secret_box {
 public:
  secret_box() = default;  // no keys: seal() and open() throw
  explicit secret_box(keyring keys);

  bool has_keys() const noexcept { return !keys_.empty(); }
  std::string const& current_key_id() const { return keys_.current_id(); }

  std::string seal(std::string_view plaintext, std::string_view associated_data) const;
  // Throws secret_box_error for a malformed value, an unknown key id, or a failed tag
  // check (wrong tenant, tampered value, wrong key).
  std::string open(std::string_view sealed, std::string_view associated_data) const;

  static bool is_sealed(std::string_view text) noexcept;  // starts with "enc:v1:"

 private:
  keyring keys_;
};

// The node's box: the key file if `key_file` is non-empty, else the environment variable
// `env_variable` if it is set and non-empty, else a box without keys.
secret_box load_secret_box(std::string const& key_file, std::string const& env_variable);

}  // namespace mlc::config
