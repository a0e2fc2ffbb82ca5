#pragma once
// Which HTTP proxy (if any) a request goes through: pure functions over the options and
// the usual environment variables, so the rules are unit-tested without sockets.
#include <optional>
#include <string>
#include <string_view>

#include "net/url.hpp"

namespace mlc::net {

struct proxy_endpoint {
  std::string host;
  unsigned short port = 0;
  // "user:password" from the proxy URL, sent as Proxy-Authorization: Basic. Never logged.
  std::optional<std::string> credentials;
  std::string label() const;  // "host:port" for messages
};

// The proxy-related environment, read once (tests build it by hand).
struct proxy_environment {
  std::optional<std::string> https_proxy;  // https_proxy, else HTTPS_PROXY
  std::optional<std::string> http_proxy;   // http_proxy, else HTTP_PROXY
  std::optional<std::string> no_proxy;     // no_proxy, else NO_PROXY
  static proxy_environment from_process();
};

// Parses "http://[user:pass@]host[:port][/]" (scheme optional, port default 80).
// Throws net::error(protocol) naming the proxy (without credentials) when malformed.
proxy_endpoint parse_proxy(std::string_view text);

// NO_PROXY rules as curl reads them: comma/space separated; "*" matches everything;
// "example.com" and ".example.com" match the host and its subdomains; IP literals match
// exactly; an entry may carry ":port" to match one port only.
bool no_proxy_matches(std::string_view no_proxy, std::string_view host, unsigned short port);

// The proxy for `target`, or nullopt to connect directly. A configured proxy applies to
// every host not excluded by NO_PROXY. A proxy taken from the environment never applies
// to loopback hosts: a developer's shell proxy must not capture local emulators.
std::optional<proxy_endpoint> select_proxy(origin_url const& target, std::optional<std::string> const& configured,
                                           proxy_environment const& env);

}  // namespace mlc::net
