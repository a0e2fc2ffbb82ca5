#include "net/proxy.hpp"

#include <cstdlib>

#include "net/error.hpp"
#include "net/http.hpp"

namespace mlc::net {
namespace {

std::optional<std::string> env_var(char const* lower, char const* upper) {
  for (char const* name : {lower, upper}) {
    char const* value = std::getenv(name);
    if (value && *value) return std::string{value};
  }
  return std::nullopt;
}

bool ends_with_domain(std::string_view host, std::string_view domain) {
  if (iequals(host, domain)) return true;
  return host.size() > domain.size() && host[host.size() - domain.size() - 1] == '.' &&
         iequals(host.substr(host.size() - domain.size()), domain);
}

std::string_view trim_brackets(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
  return host;
}

}  // namespace

std::string proxy_endpoint::label() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

proxy_environment proxy_environment::from_process() {
  return proxy_environment{env_var("https_proxy", "HTTPS_PROXY"), env_var("http_proxy", "HTTP_PROXY"),
                           env_var("no_proxy", "NO_PROXY")};
}

proxy_endpoint parse_proxy(std::string_view text) {
  std::string with_scheme{text};
  if (with_scheme.find("://") == std::string::npos) with_scheme = "http://" + with_scheme;
  if (with_scheme.rfind("http://", 0) != 0)
    throw error(error_kind::protocol,
                "invalid proxy \"" + redact_url(text) + "\": only http:// proxies are supported (CONNECT tunnels)");
  // Credentials are cut out before URL parsing so that they never reach an error message.
  proxy_endpoint out;
  auto authority_start = 7u;
  auto authority_end = with_scheme.find('/', authority_start);
  auto at = with_scheme.rfind('@', authority_end);
  if (at != std::string::npos && at >= authority_start) {
    out.credentials = with_scheme.substr(authority_start, at - authority_start);
    with_scheme.erase(authority_start, at + 1 - authority_start);
  }
  auto parsed = parse_origin_url(with_scheme);
  if (parsed.target != "/")
    throw error(error_kind::protocol, "invalid proxy \"" + redact_url(text) + "\": a proxy URL has no path");
  out.host = parsed.host;
  out.port = parsed.port;
  return out;
}

bool no_proxy_matches(std::string_view no_proxy, std::string_view host, unsigned short port) {
  host = trim_brackets(host);
  std::size_t pos = 0;
  while (pos < no_proxy.size()) {
    auto end = no_proxy.find_first_of(", ", pos);
    if (end == std::string_view::npos) end = no_proxy.size();
    auto entry = no_proxy.substr(pos, end - pos);
    pos = end + 1;
    if (entry.empty()) continue;
    if (entry == "*") return true;
    // An optional ":port" suffix; an IPv6 literal only has one inside brackets.
    std::optional<unsigned> entry_port;
    auto colon = entry.rfind(':');
    bool bracketed = entry.front() == '[';
    if (colon != std::string_view::npos && (bracketed ? colon > entry.find(']') : entry.find(':') == colon)) {
      auto digits = entry.substr(colon + 1);
      unsigned value = 0;
      for (char c : digits) value = c >= '0' && c <= '9' ? value * 10 + unsigned(c - '0') : 70000;
      if (!digits.empty() && value <= 65535) entry_port = value;
      entry = entry.substr(0, colon);
    }
    entry = trim_brackets(entry);
    if (!entry.empty() && entry.front() == '.') entry.remove_prefix(1);
    if (entry.empty()) continue;
    if (entry_port && *entry_port != port) continue;
    if (ends_with_domain(host, entry)) return true;
  }
  return false;
}

std::optional<proxy_endpoint> select_proxy(origin_url const& target, std::optional<std::string> const& configured,
                                           proxy_environment const& env) {
  std::optional<std::string> const& environment = target.tls ? env.https_proxy : env.http_proxy;
  auto const& chosen = configured ? configured : environment;
  if (!chosen || chosen->empty()) return std::nullopt;
  // The environment's proxy never takes loopback traffic (asked last: every request comes here).
  if (!configured && is_loopback_host(target.host)) return std::nullopt;
  if (env.no_proxy && no_proxy_matches(*env.no_proxy, target.host, target.port)) return std::nullopt;
  return parse_proxy(*chosen);
}

}  // namespace mlc::net
