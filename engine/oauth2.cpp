#include "engine/oauth2.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <variant>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/system/system_error.hpp>
#include <boost/url/parse.hpp>

namespace mlc::engine {
namespace {

using sys_time = std::chrono::system_clock::time_point;

bool unreserved(unsigned char c) { return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~'; }

// RFC 6749 §5.2: error codes are %x20-21 / %x23-5B / %x5D-7E.
bool valid_error_code(std::string_view code) {
  if (code.empty() || code.size() > 64) return false;
  return std::all_of(code.begin(), code.end(), [](char c) {
    auto const u = static_cast<unsigned char>(c);
    return u >= 0x20 && u <= 0x7E && c != '"' && c != '\\';
  });
}

// Printable, single-line, short, secrets masked: safe to put in an error message.
std::string sanitize(std::string text, std::vector<std::string_view> const& secrets, std::size_t max = 200) {
  for (auto secret : secrets) {
    if (secret.empty()) continue;
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
      text.replace(at, secret.size(), "***");
  }
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  if (text.size() > max) text = text.substr(0, max) + "…";
  return text;
}

// Header values must not carry line breaks (header injection) or other controls.
bool header_safe(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char c) {
    auto const u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
  });
}

std::optional<std::chrono::seconds> parse_expires_in(boost::json::value const& v) {
  constexpr std::int64_t k_max = 10LL * 365 * 24 * 3600;  // anything longer is nonsense
  std::int64_t seconds = 0;
  if (v.is_int64()) {
    seconds = v.as_int64();
  } else if (v.is_uint64()) {
    seconds = v.as_uint64() > static_cast<std::uint64_t>(k_max) ? k_max + 1 : static_cast<std::int64_t>(v.as_uint64());
  } else if (v.is_double()) {
    double const d = v.as_double();
    if (!std::isfinite(d) || d < 0 || d > static_cast<double>(k_max)) return std::nullopt;
    seconds = static_cast<std::int64_t>(d);
  } else if (v.is_string()) {  // some servers send "3600"
    auto const& s = v.as_string();
    if (s.empty() || s.size() > 12 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return std::nullopt;
    seconds = std::stoll(std::string(s));
  } else {
    return std::nullopt;
  }
  if (seconds <= 0 || seconds > k_max) return std::nullopt;
  return std::chrono::seconds{seconds};
}

}  // namespace

std::string form_encode(std::vector<std::pair<std::string, std::string>> const& fields) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  auto append = [&out](std::string_view text) {
    for (char c : text) {
      auto const u = static_cast<unsigned char>(c);
      if (unreserved(u)) {
        out += c;
      } else {
        out += '%';
        out += k_hex[u >> 4];
        out += k_hex[u & 15];
      }
    }
  };
  for (auto const& [name, value] : fields) {
    if (!out.empty()) out += '&';
    append(name);
    out += '=';
    append(value);
  }
  return out;
}

token_grant parse_token_response(std::string_view body, std::string_view what) {
  auto fail = [&](std::string_view why) {
    return auth_error(auth_failure::bad_response, std::string(what) + ": " + std::string(why), 200);
  };
  boost::system::error_code ec;
  auto value = boost::json::parse(body, ec);
  if (ec || !value.is_object()) throw fail("the body is not a JSON object");
  auto const& object = value.as_object();

  token_grant grant;
  auto const* access = object.if_contains("access_token");
  if (access == nullptr || !access->is_string() || access->as_string().empty())
    throw fail("no access_token in the response");
  if (!header_safe(access->as_string())) throw fail("access_token contains control characters");
  grant.access_token = std::string(access->as_string());

  // RFC 6749 §7.1: a token type we don't understand must not be used.
  if (auto const* type = object.if_contains("token_type"); type != nullptr && !type->is_null()) {
    if (!type->is_string() || !net::iequals(type->as_string(), "bearer"))
      throw fail("token_type is not Bearer");
  }
  if (auto const* expires = object.if_contains("expires_in"); expires != nullptr && !expires->is_null()) {
    grant.expires_in = parse_expires_in(*expires);
    if (!grant.expires_in) throw fail("expires_in is not a positive number of seconds");
  }
  if (auto const* refresh = object.if_contains("refresh_token"); refresh != nullptr && !refresh->is_null()) {
    if (!refresh->is_string()) throw fail("refresh_token is not a string");
    if (!refresh->as_string().empty()) grant.refresh_token = std::string(refresh->as_string());
  }
  return grant;
}

auth_error token_endpoint_error(int status, std::string_view body, std::string_view what,
                                std::vector<std::string_view> const& secrets) {
  std::string code;
  std::string description;
  boost::system::error_code ec;
  auto value = boost::json::parse(body, ec);
  if (!ec && value.is_object()) {
    auto const& object = value.as_object();
    if (auto const* e = object.if_contains("error"); e != nullptr && e->is_string() && valid_error_code(e->as_string()))
      code = std::string(e->as_string());
    if (auto const* d = object.if_contains("error_description"); d != nullptr && d->is_string())
      description = sanitize(std::string(d->as_string()), secrets);
  }

  auth_failure failure = auth_failure::bad_response;
  if (status == 429 || status >= 500) failure = auth_failure::unavailable;
  else if (status == 400 || status == 401 || status == 403) failure = auth_failure::rejected;

  std::string message = std::string(what) + ": HTTP " + std::to_string(status);
  if (!code.empty()) message += ", " + code;
  if (!description.empty()) message += " (" + description + ")";
  if (code == "invalid_grant")
    message += " — the refresh token is expired, revoked or was already used; authorize the app again and "
               "store the new refresh token";
  else if (code == "invalid_client" || code == "unauthorized_client" || status == 401)
    message += " — check the client id and client secret";
  else if (failure == auth_failure::unavailable)
    message += " — the token endpoint is unavailable; the next attempt retries";
  else if (failure == auth_failure::bad_response)
    message += " — check the token URL";
  return auth_error(failure, std::move(message), status, std::move(code));
}

// ---------------------------------------------------------------------------------------

// One token exchange that any number of callers await. `done_event` never expires on its
// own: cancel() wakes the waiters (an Asio timer used as an event).
struct oauth2_source::flight {
  explicit flight(asio::any_io_executor ex) : done_event(std::move(ex), asio::steady_timer::time_point::max()) {}
  asio::steady_timer done_event;
  bool done = false;
  std::exception_ptr error;
  std::string header;
};

struct oauth2_source::state {
  credential_spec spec;
  http_transport transport;
  clock_fn clock;
  persist_fn persist;
  refresh_listener on_refresh;
  std::string url_for_messages;  // scheme, host and path only
  std::string target;            // path and query, for the request line

  std::string refresh_token;  // the only valid one once the server has rotated it
  std::string header;         // "Bearer …"; empty until the first grant
  sys_time refresh_at{};
  bool stale = true;  // no token yet, or the current one was rejected
  // Owned by the exchange's completion handler and the waiters, not by the state: if the
  // io_context is torn down mid-flight, the flight (and its timer) goes with it.
  std::weak_ptr<flight> in_flight;

  sys_time now() const { return clock ? clock() : std::chrono::system_clock::now(); }
  std::string what() const { return spec.name + ": OAuth token request to " + url_for_messages; }
  std::vector<std::string_view> secrets() const {
    return {spec.client_secret, spec.refresh_token, refresh_token, header.size() > 7 ? std::string_view(header).substr(7) : ""};
  }

  net::http_request token_request() const {
    std::vector<std::pair<std::string, std::string>> fields;
    if (spec.kind == credential_kind::oauth2_refresh) {
      fields.emplace_back("grant_type", "refresh_token");
      fields.emplace_back("refresh_token", refresh_token);
    } else {
      fields.emplace_back("grant_type", "client_credentials");
    }
    fields.emplace_back("client_id", spec.client_id);
    fields.emplace_back("client_secret", spec.client_secret);
    if (!spec.scope.empty()) fields.emplace_back("scope", spec.scope);

    net::http_request request;
    request.method = "POST";
    request.target = target;
    request.headers.set("Accept", "application/json");
    if (spec.body == token_body::json) {
      boost::json::object object;
      for (auto& [name, value] : fields) object[name] = value;
      request.headers.set("Content-Type", "application/json");
      request.body = boost::json::serialize(object);
    } else {
      request.headers.set("Content-Type", "application/x-www-form-urlencoded");
      request.body = form_encode(fields);
    }
    return request;
  }

  void tell(refresh_outcome outcome) const noexcept {
    if (!on_refresh) return;
    try {
      on_refresh(outcome);
    } catch (...) {  // a metrics hiccup must not break authentication
    }
  }
};

oauth2_source::oauth2_source(credential_spec spec, http_transport transport, clock_fn clock, persist_fn persist,
                             refresh_listener on_refresh)
    : state_(std::make_shared<state>()) {
  if (spec.name.empty()) spec.name = "OAuth credentials";  // messages still say whose
  auto missing = [&spec](std::string_view field) {
    return auth_error(auth_failure::misconfigured, spec.name + ": OAuth credentials need " + std::string(field));
  };
  if (spec.kind != credential_kind::oauth2_refresh && spec.kind != credential_kind::oauth2_client_credentials)
    throw auth_error(auth_failure::misconfigured, spec.name + ": credential kind " + std::string(to_string(spec.kind)) +
                                                      " is not an OAuth kind");
  if (spec.client_id.empty()) throw missing("a client_id");
  if (spec.client_secret.empty()) throw missing("a client_secret");
  if (spec.kind == credential_kind::oauth2_refresh && spec.refresh_token.empty()) throw missing("a refresh_token");
  if (spec.kind == credential_kind::oauth2_refresh && !persist)
    throw missing("somewhere to persist rotated refresh tokens");
  if (!transport) throw missing("an HTTP transport for the token endpoint");
  if (spec.lifetime <= std::chrono::seconds::zero()) throw missing("a positive lifetime");
  if (spec.refresh_margin < std::chrono::seconds::zero()) throw missing("a refresh_margin of zero or more");
  if (spec.token_timeout <= std::chrono::seconds::zero()) throw missing("a positive token_timeout");
  auto parsed = boost::urls::parse_absolute_uri(spec.token_url);
  if (!parsed || (parsed->scheme_id() != boost::urls::scheme::https && parsed->scheme_id() != boost::urls::scheme::http) ||
      parsed->encoded_host().empty())
    throw auth_error(auth_failure::misconfigured,
                     spec.name + ": token_url is not an absolute http:// or https:// URL");
  state_->url_for_messages = std::string(parsed->scheme()) + "://" + std::string(parsed->encoded_host_and_port()) +
                             std::string(parsed->encoded_path());
  state_->target = parsed->encoded_target().empty() ? "/" : std::string(parsed->encoded_target());
  state_->refresh_token = spec.refresh_token;
  state_->spec = std::move(spec);
  state_->transport = std::move(transport);
  state_->clock = std::move(clock);
  state_->persist = std::move(persist);
  state_->on_refresh = std::move(on_refresh);
}

awaitable<std::string> oauth2_source::authorization() {
  auto s = state_;  // keeps the state alive even if this source is destroyed meanwhile
  if (!s->stale && !s->header.empty() && s->now() < s->refresh_at) co_return s->header;

  auto f = s->in_flight.lock();
  if (!f) {
    auto ex = co_await asio::this_coro::executor;
    f = start_refresh(s, ex);
  }
  if (!f->done) {
    auto wait = f->done_event.async_wait(asio::as_tuple(asio::use_awaitable));
    co_await std::move(wait);
    // Woken without the flight finishing: this caller itself was cancelled.
    if (!f->done) throw boost::system::system_error(asio::error::operation_aborted);
  }
  if (f->error) std::rethrow_exception(f->error);
  co_return f->header;
}

void oauth2_source::reject(std::string const& rejected) {
  // Only the header now in use can be invalidated; a rejection of an older one arrives
  // after someone already refreshed.
  if (!state_->header.empty() && rejected == state_->header) state_->stale = true;
}

std::shared_ptr<oauth2_source::flight> oauth2_source::start_refresh(std::shared_ptr<state> const& s,
                                                                      asio::any_io_executor ex) {
  auto f = std::make_shared<flight>(ex);
  s->in_flight = f;
  asio::co_spawn(ex, run_refresh(s, f), [s, f](std::exception_ptr e) {
    f->error = e;
    f->done = true;
    if (s->in_flight.lock() == f) s->in_flight.reset();
    f->done_event.cancel();
    if (!e) {
      s->tell(refresh_outcome::ok);
      return;
    }
    auto outcome = refresh_outcome::failed;
    try {
      std::rethrow_exception(e);
    } catch (auth_error const& error) {
      if (error.failure() == auth_failure::rejected) outcome = refresh_outcome::rejected;
    } catch (...) {
    }
    s->tell(outcome);
  });
  return f;
}

awaitable<void> oauth2_source::run_refresh(std::shared_ptr<state> s, std::shared_ptr<flight> f) {
  sys_time const started = s->now();  // the token's life counts from the request
  net::http_response response = co_await exchange(s);
  if (response.status_class() != 2) throw token_endpoint_error(response.status, response.body, s->what(), s->secrets());
  token_grant grant = parse_token_response(response.body, s->what());

  if (s->spec.kind == credential_kind::oauth2_refresh && grant.refresh_token && *grant.refresh_token != s->refresh_token) {
    // The old refresh token is dead now: keep the new one in memory whatever happens, and
    // store it before anyone uses the new access token (DESIGN §3).
    s->refresh_token = *grant.refresh_token;
    std::string failure;
    try {
      auto persisted = s->persist(*grant.refresh_token);
      co_await std::move(persisted);
    } catch (std::exception const& e) {
      failure = e.what();
      if (failure.empty()) failure = "unknown error";
    }
    if (!failure.empty())
      throw auth_error(auth_failure::persist_failed,
                       s->spec.name + ": storing the rotated OAuth refresh token failed (" +
                           sanitize(failure, s->secrets()) +
                           "); the new access token was not used, the next attempt refreshes again");
  }

  auto const lifetime = grant.expires_in.value_or(s->spec.lifetime);
  auto const margin = std::min(s->spec.refresh_margin, lifetime / 2);
  s->header = "Bearer " + grant.access_token;
  s->refresh_at = started + lifetime - margin;
  s->stale = false;
  f->header = s->header;
}

namespace {

using caught_response = std::variant<net::http_response, std::exception_ptr>;

// awaitable_operators' || waits for the first *success*: a transport error would sit out
// the whole deadline. Turning the error into a value makes it finish the race at once.
awaitable<caught_response> catching(awaitable<net::http_response> call) {
  try {
    auto response = co_await std::move(call);
    co_return caught_response{std::move(response)};
  } catch (...) {
    co_return caught_response{std::current_exception()};
  }
}

}  // namespace

awaitable<net::http_response> oauth2_source::exchange(std::shared_ptr<state> s) {
  using namespace asio::experimental::awaitable_operators;
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer deadline(ex, s->spec.token_timeout);
  auto call = catching(s->transport(s->spec.token_url, s->token_request()));
  auto expiry = deadline.async_wait(asio::use_awaitable);
  auto winner = co_await (std::move(call) || std::move(expiry));
  // The operator flattens the variants: response, transport error, or the deadline.
  if (auto* error = std::get_if<std::exception_ptr>(&winner)) std::rethrow_exception(*error);
  if (auto* response = std::get_if<net::http_response>(&winner)) co_return std::move(*response);
  throw auth_error(auth_failure::timeout,
                   s->what() + ": no answer within " + std::to_string(s->spec.token_timeout.count()) + " s");
}

}  // namespace mlc::engine
