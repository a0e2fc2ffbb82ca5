#include "net/proxy.hpp"

#include <catch2/catch.hpp>

#include "net/error.hpp"
#include "net/url.hpp"

using mlc::net::no_proxy_matches;
using mlc::net::parse_origin_url;

TEST_CASE("parse_origin_url splits absolute URLs", "[net][url]") {
  auto u = parse_origin_url("https://acme.atlassian.net/rest/api/3/search/jql?jql=a%20b");
  CHECK(u.tls);
  CHECK(u.host == "acme.atlassian.net");
  CHECK(u.port == 443);
  CHECK(u.host_header == "acme.atlassian.net");
  CHECK(u.target == "/rest/api/3/search/jql?jql=a%20b");
  CHECK(u.origin() == "https://acme.atlassian.net:443");
  CHECK(u.redacted() == "https://acme.atlassian.net/rest/api/3/search/jql");

  auto v6 = parse_origin_url("http://[::1]:8080");
  CHECK_FALSE(v6.tls);
  CHECK(v6.host == "::1");
  CHECK(v6.port == 8080);
  CHECK(v6.host_header == "[::1]:8080");
  CHECK(v6.target == "/");

  // Boost.URL 1.81 reads "host:80x/p" as port 80 and the path "x/p": a request line would
  // then carry a target without its leading "/".
  for (std::string bad : {"ftp://x/", "/relative", "http://", "https://host:0/", "http://host:99999/", "http://host:80x/p"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_origin_url(bad), mlc::net::error);
  }
  CHECK_THROWS_WITH(parse_origin_url("ftp://user:pw@host/p?token=t"),
                    Catch::Contains("ftp://***@host/p") && !Catch::Contains("token") && !Catch::Contains("pw"));
}

TEST_CASE("NO_PROXY matches hosts, domains, IPs and ports like curl", "[net][proxy]") {
  CHECK(no_proxy_matches("*", "anything.example", 443));
  CHECK(no_proxy_matches("example.com", "example.com", 443));
  CHECK(no_proxy_matches("example.com", "api.example.com", 443));
  CHECK(no_proxy_matches(".example.com", "api.example.com", 443));
  CHECK_FALSE(no_proxy_matches("example.com", "badexample.com", 443));
  CHECK(no_proxy_matches("foo, 10.0.0.1 ,bar", "10.0.0.1", 80));
  CHECK_FALSE(no_proxy_matches("10.0.0.1", "10.0.0.12", 80));
  CHECK(no_proxy_matches("example.com:8443", "example.com", 8443));
  CHECK_FALSE(no_proxy_matches("example.com:8443", "example.com", 443));
  CHECK(no_proxy_matches("[::1]:8080", "::1", 8080));
  CHECK(no_proxy_matches("::1", "[::1]", 80));
  CHECK_FALSE(no_proxy_matches("", "example.com", 443));
}

TEST_CASE("select_proxy picks the scheme's proxy and skips loopback and NO_PROXY", "[net][proxy]") {
  mlc::net::proxy_environment env;
  env.https_proxy = "http://proxy.corp:3128";
  env.http_proxy = "proxy.corp:8080";
  env.no_proxy = "internal.corp";
  auto https = mlc::net::select_proxy(parse_origin_url("https://acme.atlassian.net/"), std::nullopt, env);
  REQUIRE(https);
  CHECK(https->label() == "proxy.corp:3128");
  auto http = mlc::net::select_proxy(parse_origin_url("http://x3.example/"), std::nullopt, env);
  REQUIRE(http);
  CHECK(http->port == 8080);
  CHECK_FALSE(mlc::net::select_proxy(parse_origin_url("https://erp.internal.corp/"), std::nullopt, env));
  CHECK_FALSE(mlc::net::select_proxy(parse_origin_url("http://127.0.0.1:9000/"), std::nullopt, env));
  CHECK_FALSE(mlc::net::select_proxy(parse_origin_url("http://localhost:9000/"), std::nullopt, env));
  // A configured proxy is meant: it applies to loopback too, NO_PROXY still wins.
  auto configured = mlc::net::select_proxy(parse_origin_url("http://127.0.0.1:9000/"), "http://u:p@127.0.0.1:3128", env);
  REQUIRE(configured);
  CHECK(configured->credentials == "u:p");
  CHECK_FALSE(mlc::net::select_proxy(parse_origin_url("https://a.internal.corp/"), "http://127.0.0.1:3128", env));
  CHECK_FALSE(mlc::net::select_proxy(parse_origin_url("https://a.example/"), std::nullopt, mlc::net::proxy_environment{}));
}

TEST_CASE("parse_proxy rejects what it cannot use without echoing credentials", "[net][proxy]") {
  CHECK_THROWS_WITH(mlc::net::parse_proxy("https://user:secret@proxy:443"),
                    Catch::Contains("only http://") && !Catch::Contains("secret"));
  CHECK_THROWS_WITH(mlc::net::parse_proxy("http://user:secret@proxy:3128/path"), !Catch::Contains("secret"));
  auto p = mlc::net::parse_proxy("proxy.corp");
  CHECK(p.port == 80);
  CHECK_FALSE(p.credentials);
}

TEST_CASE("error::transient sorts error kinds", "[net][error]") {
  using mlc::net::error;
  using mlc::net::error_kind;
  CHECK(error(error_kind::timeout, "t").transient());
  CHECK(error(error_kind::connect, "c").transient());
  CHECK(error(error_kind::rate_limited, "r", 429).transient());
  CHECK(error(error_kind::http_status, "s", 503).transient());
  CHECK_FALSE(error(error_kind::http_status, "s", 400).transient());
  CHECK_FALSE(error(error_kind::tls, "t").transient());
  CHECK(mlc::net::to_string(error_kind::body_too_large) == "body_too_large");
  CHECK(mlc::net::excerpt("a\r\nb", 10) == "a  b");
  CHECK(mlc::net::excerpt("abcdef", 3) == "abc...");
  CHECK(mlc::net::excerpt("ab\xc3\xa9", 3) == "ab...");  // never half a UTF-8 character
}
