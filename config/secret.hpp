#pragma once
// The configured form of a secret: where to get it, never printed. There is deliberately
// no operator<< and no accessor for the value except reveal().
#include <stdexcept>
#include <string>
#include <string_view>

namespace mlc::config {

class secret_box;

// Failure to obtain a secret's value. The message names the source (env var name, file
// path, key id) and never contains secret material.
class secret_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class secret {
 public:
  enum class source { none, env, file, plaintext, sealed };

  secret() = default;  // none: not configured
  static secret from_env(std::string variable);
  static secret from_file(std::string path);  // absolute, or relative to the working directory
  static secret from_plaintext(std::string value);
  static secret from_sealed(std::string text);  // "enc:v1:<key id>:<base64>"

  source kind() const noexcept { return kind_; }
  bool empty() const noexcept { return kind_ == source::none; }
  // Plaintext in the config file: allowed, but `check` should warn.
  bool plaintext() const noexcept { return kind_ == source::plaintext; }
  bool sealed() const noexcept { return kind_ == source::sealed; }
  // Safe to log: "env MLC_JIRA_TOKEN", "file /etc/mlc/x3.secret", "plaintext",
  // "sealed (key k2)", "not set".
  std::string describe() const;

  // The value. env: the variable (must be set and non-empty); file: the content without
  // trailing newlines; sealed: opened with `box` and the tenant id as associated data.
  // Throws secret_error (or secret_box_error) without revealing anything.
  std::string reveal(secret_box const& box, std::string_view tenant_id) const;

  friend bool operator==(secret const&, secret const&) = default;

 private:
  source kind_ = source::none;
  std::string ref_;  // variable name, file path, sealed text, or the plaintext itself
};

}  // namespace mlc::config
