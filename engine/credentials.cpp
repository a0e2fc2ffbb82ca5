#include "engine/credentials.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include <boost/json/object.hpp>

#include "engine/jwt.hpp"
#include "engine/oauth2.hpp"

namespace mlc::engine {
namespace {

using sys_time = std::chrono::system_clock::time_point;

constexpr std::array<std::pair<credential_kind, std::string_view>, 5> k_kind_names{{
    {credential_kind::basic, "basic"},
    {credential_kind::bearer, "bearer"},
    {credential_kind::jwt, "jwt"},
    {credential_kind::oauth2_refresh, "oauth2_refresh"},
    {credential_kind::oauth2_client_credentials, "oauth2_client_credentials"},
}};

auth_error misconfigured(credential_spec const& spec, std::string_view problem) {
  std::string who = spec.name.empty() ? std::string{} : spec.name + ": ";
  return auth_error(auth_failure::misconfigured,
                    who + std::string(to_string(spec.kind)) + " credentials: " + std::string(problem));
}

// A value headed for an HTTP header must not smuggle in a line break.
bool has_control(std::string_view value) {
  return std::any_of(value.begin(), value.end(), [](char c) {
    auto const u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
  });
}

void require(credential_spec const& spec, std::string_view field, std::string const& value) {
  if (value.empty()) throw misconfigured(spec, std::string(field) + " is empty");
}

// Basic and Bearer: the header never changes, so there is nothing to refresh.
class static_source final : public credential_source {
 public:
  explicit static_source(std::string header) : header_(std::move(header)) {}
  awaitable<std::string> authorization() override { co_return header_; }
  void reject(std::string const&) override {}

 private:
  std::string header_;
};

// Sage X3 connected application: signs its own short-lived HS256 token (DESIGN §2).
// Signing is local and synchronous, so there is no flight to share.
class jwt_source final : public credential_source {
 public:
  jwt_source(credential_spec spec, clock_fn clock) : spec_(std::move(spec)), clock_(std::move(clock)) {}

  awaitable<std::string> authorization() override {
    sys_time const now = clock_ ? clock_() : std::chrono::system_clock::now();
    if (stale_ || now >= refresh_at_) sign(now);
    co_return header_;
  }

  void reject(std::string const& rejected) override {
    if (rejected == header_) stale_ = true;
  }

 private:
  void sign(sys_time now) {
    auto const iat = std::chrono::floor<std::chrono::seconds>(now);
    auto const lifetime = spec_.lifetime;
    boost::json::object claims;
    claims["iss"] = spec_.client_id;
    claims["sub"] = spec_.user;
    claims["aud"] = spec_.audience;
    claims["iat"] = iat.time_since_epoch().count();
    claims["exp"] = (iat + lifetime).time_since_epoch().count();
    header_ = "Bearer " + sign_hs256(claims, spec_.secret);
    // Re-sign when less than 20% of the lifetime (at least 30 s) remains, but never later
    // than half-way, so a short lifetime does not mean signing on every call.
    auto const margin = std::min(std::max<std::chrono::seconds>(lifetime / 5, std::chrono::seconds{30}), lifetime / 2);
    refresh_at_ = iat + lifetime - margin;
    stale_ = false;
  }

  credential_spec spec_;
  clock_fn clock_;
  std::string header_;
  sys_time refresh_at_{};
  bool stale_ = true;
};

}  // namespace

std::string_view to_string(credential_kind kind) {
  for (auto const& [k, name] : k_kind_names)
    if (k == kind) return name;
  return "unknown";
}

std::optional<credential_kind> parse_credential_kind(std::string_view text) {
  for (auto const& [k, name] : k_kind_names)
    if (name == text) return k;
  return std::nullopt;
}

std::string_view to_string(auth_failure failure) {
  switch (failure) {
    case auth_failure::misconfigured: return "misconfigured";
    case auth_failure::rejected: return "rejected";
    case auth_failure::bad_response: return "bad_response";
    case auth_failure::unavailable: return "unavailable";
    case auth_failure::timeout: return "timeout";
    case auth_failure::persist_failed: return "persist_failed";
  }
  return "unknown";
}

std::string_view to_string(refresh_outcome outcome) {
  switch (outcome) {
    case refresh_outcome::ok: return "ok";
    case refresh_outcome::rejected: return "rejected";
    case refresh_outcome::failed: return "failed";
  }
  return "unknown";
}

auth_error::auth_error(auth_failure failure, std::string message, int status, std::string oauth_error)
    : std::runtime_error(std::move(message)), failure_(failure), status_(status), oauth_error_(std::move(oauth_error)) {}

bool auth_error::transient() const noexcept {
  return failure_ == auth_failure::unavailable || failure_ == auth_failure::timeout;
}

std::unique_ptr<credential_source> make_credential_source(credential_spec const& spec, http_transport transport,
                                                          clock_fn clock, persist_fn persist,
                                                          refresh_listener on_refresh) {
  switch (spec.kind) {
    case credential_kind::basic: {
      require(spec, "user", spec.user);
      require(spec, "secret", spec.secret);
      // RFC 7617 §2: the user-id cannot contain a colon.
      if (spec.user.find(':') != std::string::npos) throw misconfigured(spec, "user contains ':'");
      if (has_control(spec.user) || has_control(spec.secret))
        throw misconfigured(spec, "user or secret contains a control character");
      return std::make_unique<static_source>("Basic " + base64_encode(spec.user + ":" + spec.secret));
    }
    case credential_kind::bearer:
      require(spec, "secret", spec.secret);
      if (has_control(spec.secret)) throw misconfigured(spec, "secret contains a control character");
      return std::make_unique<static_source>("Bearer " + spec.secret);
    case credential_kind::jwt:
      require(spec, "client_id", spec.client_id);
      require(spec, "user", spec.user);
      require(spec, "secret", spec.secret);
      if (spec.lifetime <= std::chrono::seconds::zero()) throw misconfigured(spec, "lifetime must be positive");
      return std::make_unique<jwt_source>(spec, std::move(clock));
    case credential_kind::oauth2_refresh:
    case credential_kind::oauth2_client_credentials:
      return std::make_unique<oauth2_source>(spec, std::move(transport), std::move(clock), std::move(persist),
                                             std::move(on_refresh));
  }
  throw misconfigured(spec, "unknown credential kind");
}

}  // namespace mlc::engine
