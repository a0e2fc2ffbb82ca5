#include "config/secret.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config/secret_box.hpp"

namespace mlc::config {

secret secret::from_env(std::string variable) {
  secret s;
  s.kind_ = source::env;
  s.ref_ = std::move(variable);
  return s;
}

secret secret::from_file(std::string path) {
  secret s;
  s.kind_ = source::file;
  s.ref_ = std::move(path);
  return s;
}

secret secret::from_plaintext(std::string value) {
  secret s;
  s.kind_ = source::plaintext;
  s.ref_ = std::move(value);
  return s;
}

secret secret::from_sealed(std::string text) {
  secret s;
  s.kind_ = source::sealed;
  s.ref_ = std::move(text);
  return s;
}

namespace {
// "enc:v1:<id>:..." -> "<id>"; the id is not secret.
std::string sealed_key_id(std::string const& text) {
  auto rest = std::string_view{text}.substr(std::min<std::size_t>(text.size(), 7));
  return std::string{rest.substr(0, rest.find(':'))};
}
}  // namespace

std::string secret::describe() const {
  switch (kind_) {
    case source::none: return "not set";
    case source::env: return "env " + ref_;
    case source::file: return "file " + ref_;
    case source::plaintext: return "plaintext";
    case source::sealed: return "sealed (key " + sealed_key_id(ref_) + ")";
  }
  return "unknown";
}

std::string secret::reveal(secret_box const& box, std::string_view tenant_id) const {
  switch (kind_) {
    case source::none:
      throw secret_error("secret is not configured");
    case source::env: {
      char const* value = std::getenv(ref_.c_str());
      if (!value || !*value)
        throw secret_error("secret from environment variable " + ref_ + ": the variable is not set or empty");
      return value;
    }
    case source::file: {
      std::ifstream in{ref_, std::ios::binary};
      if (!in) throw secret_error("secret from file " + ref_ + ": cannot open the file");
      std::stringstream buffer;
      buffer << in.rdbuf();
      auto value = buffer.str();
      while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
      if (value.empty()) throw secret_error("secret from file " + ref_ + ": the file is empty");
      return value;
    }
    case source::plaintext:
      return ref_;
    case source::sealed:
      return box.open(ref_, tenant_id);
  }
  throw secret_error("secret of unknown kind");
}

}  // namespace mlc::config
