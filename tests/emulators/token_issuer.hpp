#pragma once
// OAuth 2.0 access and refresh tokens with rotation (Sage X3 cloud, Atlassian 3LO).
// Every refresh retires the presented refresh token and issues a new pair. Presenting a
// retired token again within `grace` returns the successor refresh token (so two callers
// racing on one refresh both succeed); after the grace it fails with invalid_grant.
// Not thread-safe: one io_context thread.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "tests/emulators/clock.hpp"
#include "tests/emulators/rng.hpp"

namespace mlc::emu {

struct token_grant {
  std::string access_token;
  std::string refresh_token;
  std::chrono::seconds expires_in{0};
};

struct token_refusal {
  std::string error;        // "invalid_grant"
  std::string description;  // human text
};

class token_issuer {
 public:
  token_issuer(std::shared_ptr<clock const> clk, std::uint64_t seed, std::string prefix);

  token_grant issue(std::string const& principal, std::chrono::seconds lifetime);
  std::variant<token_grant, token_refusal> refresh(std::string const& refresh_token, std::string const& principal,
                                                   std::chrono::seconds lifetime, std::chrono::milliseconds grace);
  // Who a refresh token was issued to (live or retired); nullopt when unknown.
  std::optional<std::string> refresh_token_principal(std::string const& token) const;
  // Registers a refresh token handed out of band (the initial one in the node config).
  void add_refresh_token(std::string const& token, std::string const& principal);
  // The principal an unexpired access token belongs to.
  std::optional<std::string> principal_of(std::string const& access_token);
  // Forces every access token to expire now (tests and the control API).
  void expire_access_tokens();
  std::size_t live_tokens() const { return access_.size() + refresh_.size(); }

 private:
  std::string new_token(char kind);
  void purge();

  struct access_entry {
    std::string principal;
    sys_ms expires;
  };
  struct refresh_entry {
    std::string principal;
    sys_ms issued;
    std::optional<sys_ms> rotated_at;
    std::string successor;
  };
  std::shared_ptr<clock const> clock_;
  rng random_;
  std::string prefix_;
  std::map<std::string, access_entry> access_;
  std::map<std::string, refresh_entry> refresh_;
  std::size_t issued_since_purge_ = 0;
};

}  // namespace mlc::emu
