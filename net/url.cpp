#include "net/url.hpp"

#include <algorithm>

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "net/error.hpp"
#include "net/http.hpp"

namespace mlc::net {

std::string origin_url::origin() const { return scheme() + "://" + host_header_with_port(); }

std::string origin_url::redacted() const {
  return scheme() + "://" + host_header + target.substr(0, target.find('?'));
}

std::string origin_url::host_header_with_port() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string redact_url(std::string_view url) {
  auto cut = url.find_first_of("?#");
  std::string out{url.substr(0, cut)};
  auto scheme_end = out.find("://");
  auto authority_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  auto authority_end = out.find('/', authority_start);
  auto at = out.rfind('@', authority_end);
  if (at != std::string::npos && at >= authority_start) out.replace(authority_start, at - authority_start, "***");
  return out;
}

origin_url parse_origin_url(std::string_view text) {
  auto fail = [&](std::string const& why) -> origin_url {
    throw error(error_kind::protocol, "invalid URL \"" + redact_url(text) + "\": " + why);
  };
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return fail(parsed.error().message());
  boost::urls::url_view u = *parsed;
  origin_url out;
  if (iequals(u.scheme(), "https"))
    out.tls = true;
  else if (!iequals(u.scheme(), "http"))
    return fail("scheme must be http or https");
  if (!u.has_authority() || u.encoded_host().empty()) return fail("no host");
  out.host = u.host_address();
  if (u.has_port()) {
    // port_number() wraps values past 65535, so read the digits ourselves.
    unsigned long port = 0;
    for (char c : u.port()) port = std::min(port * 10 + static_cast<unsigned long>(c - '0'), 100000ul);
    if (port == 0 || port > 65535) return fail("port must be 1-65535");
    out.port = static_cast<unsigned short>(port);
  } else {
    out.port = out.tls ? 443 : 80;
  }
  out.host_header = u.has_port() ? std::string{u.encoded_host_and_port()} : std::string{u.encoded_host()};
  std::string target{u.encoded_path()};
  if (target.empty()) target = "/";
  if (target.front() != '/') return fail("the path must start with \"/\" after the host and port");
  if (u.has_query()) target += "?" + std::string{u.encoded_query()};
  out.target = std::move(target);
  return out;
}

bool is_loopback_host(std::string_view host) {
  if (iequals(host, "localhost") || (host.size() > 10 && iequals(host.substr(host.size() - 10), ".localhost")))
    return true;
  boost::system::error_code ec;
  std::string bare{host};
  if (bare.size() > 2 && bare.front() == '[' && bare.back() == ']') bare = bare.substr(1, bare.size() - 2);
  auto address = boost::asio::ip::make_address(bare, ec);
  return !ec && address.is_loopback();
}

}  // namespace mlc::net
