#pragma once
// Absolute http(s) URLs split into what a connection and a request line need.
#include <string>
#include <string_view>

namespace mlc::net {

struct origin_url {
  bool tls = false;          // https
  std::string host;          // without IPv6 brackets: for DNS, SNI and certificate checks
  unsigned short port = 0;   // explicit or the scheme's default
  std::string host_header;   // value of the Host field: host, with the port when it is not the default
  std::string target = "/";  // origin-form: path and query, never empty

  std::string scheme() const { return tls ? "https" : "http"; }
  // "https://host:port": the key of the connection pool.
  std::string origin() const;
  // "https://host:port/path" without the query: safe for logs and error messages.
  std::string redacted() const;
  // "host:port", IPv6 in brackets: the authority of a CONNECT request.
  std::string host_header_with_port() const;
};

// Throws net::error(protocol) naming the URL (without query or credentials) when it is
// not an absolute http:// or https:// URL with a host.
origin_url parse_origin_url(std::string_view url);

// The URL cut before any query or fragment, with user:password replaced: for messages.
std::string redact_url(std::string_view url);

// True for "localhost", 127.0.0.0/8 and ::1.
bool is_loopback_host(std::string_view host);

}  // namespace mlc::net
