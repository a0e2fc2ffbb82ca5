#include "tests/emulators/token_issuer.hpp"

#include "tests/emulators/text.hpp"

namespace mlc::emu {

token_issuer::token_issuer(std::shared_ptr<clock const> clk, std::uint64_t seed, std::string prefix)
    : clock_{std::move(clk)}, random_{seed}, prefix_{std::move(prefix)} {}

std::string token_issuer::new_token(char kind) {
  std::string bytes;
  for (int i = 0; i < 3; ++i) {
    std::uint64_t x = random_.next();
    bytes.append(reinterpret_cast<char const*>(&x), sizeof x);
  }
  return prefix_ + kind + "." + base64url_encode(bytes);
}

token_grant token_issuer::issue(std::string const& principal, std::chrono::seconds lifetime) {
  if (++issued_since_purge_ >= 256) purge();
  token_grant g;
  g.access_token = new_token('a');
  g.refresh_token = new_token('r');
  g.expires_in = lifetime;
  access_[g.access_token] = access_entry{principal, clock_->now() + lifetime};
  refresh_[g.refresh_token] = refresh_entry{principal, clock_->now(), std::nullopt, {}};
  return g;
}

std::variant<token_grant, token_refusal> token_issuer::refresh(std::string const& token, std::string const& principal,
                                                               std::chrono::seconds lifetime,
                                                               std::chrono::milliseconds grace) {
  auto it = refresh_.find(token);
  if (it == refresh_.end()) return token_refusal{"invalid_grant", "Unknown or invalid refresh token."};
  if (it->second.principal != principal)
    return token_refusal{"invalid_grant", "The refresh token was issued to another client."};
  auto now = clock_->now();
  if (!it->second.rotated_at) {
    token_grant g = issue(principal, lifetime);
    it = refresh_.find(token);  // issue() may purge; the entry is live, so it is still there
    it->second.rotated_at = now;
    it->second.successor = g.refresh_token;
    return g;
  }
  if (now - *it->second.rotated_at < grace && refresh_.count(it->second.successor)) {
    token_grant g;
    g.access_token = new_token('a');
    g.refresh_token = it->second.successor;
    g.expires_in = lifetime;
    access_[g.access_token] = access_entry{principal, now + lifetime};
    return g;
  }
  return token_refusal{"invalid_grant", "The refresh token has already been used (refresh tokens rotate)."};
}

std::optional<std::string> token_issuer::refresh_token_principal(std::string const& token) const {
  auto it = refresh_.find(token);
  if (it == refresh_.end()) return std::nullopt;
  return it->second.principal;
}

void token_issuer::add_refresh_token(std::string const& token, std::string const& principal) {
  refresh_[token] = refresh_entry{principal, clock_->now(), std::nullopt, {}};
}

std::optional<std::string> token_issuer::principal_of(std::string const& access_token) {
  auto it = access_.find(access_token);
  if (it == access_.end()) return std::nullopt;
  if (clock_->now() >= it->second.expires) {
    access_.erase(it);
    return std::nullopt;
  }
  return it->second.principal;
}

void token_issuer::expire_access_tokens() { access_.clear(); }

void token_issuer::purge() {
  issued_since_purge_ = 0;
  auto now = clock_->now();
  std::erase_if(access_, [&](auto const& kv) { return now >= kv.second.expires; });
  // Retired refresh tokens are kept a day so late reuse still gets a clear invalid_grant;
  // unused ones expire after a day (the real services allow longer; a day bounds memory
  // when clients take a new client_credentials grant every few minutes).
  std::erase_if(refresh_, [&](auto const& kv) {
    if (kv.second.rotated_at) return now - *kv.second.rotated_at > std::chrono::hours{24};
    return now - kv.second.issued > std::chrono::hours{24};
  });
}

}  // namespace mlc::emu
