// Beast translation unit #2 of net/ (the client). Pool bookkeeping, URL and proxy rules and
// TLS settings live in Beast-free files; this one only moves bytes.
#include "net/http_client.hpp"

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>
#include <unordered_map>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "net/connection_pool.hpp"
#include "net/error.hpp"
#include "net/proxy.hpp"
#include "net/read_room.hpp"
#include "net/tls_context.hpp"
#include "net/url.hpp"

namespace mlc::net {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using clock = std::chrono::steady_clock;
constexpr auto tuple_awaitable = boost::asio::as_tuple(boost::asio::use_awaitable);

long long to_ms(clock::duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

std::string basic_credentials(std::string const& user_password) {
  std::string out(beast::detail::base64::encoded_size(user_password.size()), '\0');
  out.resize(beast::detail::base64::encode(out.data(), user_password.data(), user_password.size()));
  return "Basic " + out;
}

bool is_ip_literal(std::string const& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

// Errors that mean "the server had closed this kept-alive connection before we used it".
bool is_stale_error(beast::error_code ec) {
  return ec == bhttp::error::end_of_stream || ec == boost::asio::error::eof ||
         ec == boost::asio::error::connection_reset || ec == boost::asio::error::broken_pipe ||
         ec == boost::asio::error::connection_aborted || ec == boost::asio::error::not_connected ||
         ec == ssl::error::stream_truncated;
}

bool has_line_break(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

// Deadlines of one send(): each read or write gets operation_timeout, never past the
// whole request's deadline.
struct timing {
  clock::time_point deadline;
  clock::duration operation;
  clock::time_point next_operation() const { return std::min(deadline, clock::now() + operation); }
};

}  // namespace

struct client_connection {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  bool session_kept = false;  // its TLS session is the one the client offers next

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  // A cheap look at an idle socket before reuse: a server that closed it has left an
  // EOF (or, on plain HTTP, an unsolicited response such as 408) waiting to be read.
  bool looks_alive() {
    if (buffer.size() != 0) return false;
    char byte;
    auto n = ::recv(lowest().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) return false;
    if (n > 0) return static_cast<bool>(tls);  // TLS may hold a session ticket; let the exchange decide
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
};

struct http_client::impl {
  impl(asio::any_io_executor ex, client_options o, std::shared_ptr<observer> obs)
      : executor(ex),
        options(std::move(o)),
        events(std::move(obs)),
        pool(ex, options.max_connections_per_origin, options.idle_timeout),
        proxy_env(proxy_environment::from_process()) {
    if (options.proxy) parse_proxy(*options.proxy);  // a bad proxy setting fails at start-up
    if (!options.tls.verify_peer)
      std::fprintf(stderr,
                   "net: WARNING: TLS certificate verification is OFF for system \"%s\" (tls.verify_peer=false); "
                   "use this only against test systems\n",
                   options.system.c_str());
  }

  std::shared_ptr<ssl::context> tls_context() {
    if (!tls) tls = client_tls_context(options.tls);
    return tls;
  }

  void observe(origin_url const& target, int status, clock::time_point started) {
    if (events)
      events->on_request(options.system, target.host, status,
                         std::chrono::duration<double>(clock::now() - started).count());
  }

  error transport_error(beast::error_code ec, std::string const& what, timing const& t, std::string const& step);
  awaitable<std::shared_ptr<client_connection>> open(origin_url const& target, std::optional<proxy_endpoint> proxy,
                                                     timing t, std::string const& what);
  awaitable<void> tunnel(beast::tcp_stream& stream, origin_url const& target, proxy_endpoint const& proxy,
                         timing const& t, std::string const& what);

  asio::any_io_executor executor;
  client_options options;
  std::shared_ptr<observer> events;
  connection_pool pool;
  proxy_environment proxy_env;
  std::shared_ptr<ssl::context> tls;
  // The latest resumable session per origin (see tls_options::resume_sessions), DER
  // encoded: one block (under 1 KB with a small certificate), where the SSL_SESSION object
  // holds the server's parsed certificate in many small allocations (at 10,000 idle TLS
  // tenants, one each).
  std::unordered_map<std::string, std::string> sessions;
  std::size_t opened = 0;
  std::size_t reads = 0;
  std::size_t resumed = 0;

  // TLS 1.3 sends its session tickets after the handshake, so a connection's session
  // becomes resumable once a response has been read on it: kept then, once per connection.
  // A copy: OpenSSL marks a connection's own session not resumable when the connection is
  // freed without a TLS shutdown, which is how pooled connections end.
  void keep_session(client_connection& connection, origin_url const& target) {
    if (!connection.tls || connection.session_kept || !options.tls.resume_sessions) return;
    SSL_SESSION const* current = SSL_get_session(connection.tls->native_handle());
    if (!current || !SSL_SESSION_is_resumable(current)) return;
    int size = i2d_SSL_SESSION(current, nullptr);
    if (size <= 0) return;
    std::string der(static_cast<std::size_t>(size), '\0');
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    if (i2d_SSL_SESSION(current, &out) != size) return;
    sessions[target.origin()] = std::move(der);
    connection.session_kept = true;
  }

  // The kept session of an origin, decoded, offered on `stream` (the server may still
  // refuse it). A session that no longer decodes is dropped.
  void offer_session(SSL* stream, origin_url const& target) {
    if (!options.tls.resume_sessions) return;
    auto kept = sessions.find(target.origin());
    if (kept == sessions.end()) return;
    auto const* in = reinterpret_cast<unsigned char const*>(kept->second.data());
    std::unique_ptr<SSL_SESSION, decltype(&SSL_SESSION_free)> session{
        d2i_SSL_SESSION(nullptr, &in, static_cast<long>(kept->second.size())), SSL_SESSION_free};
    if (!session) {
      sessions.erase(kept);
      return;
    }
    SSL_set_session(stream, session.get());  // takes a reference of its own
  }
};

error http_client::impl::transport_error(beast::error_code ec, std::string const& what, timing const& t,
                                         std::string const& step) {
  if (ec == beast::error::timeout) {
    if (clock::now() >= t.deadline) return error(error_kind::timeout, what + ": request deadline passed during " + step);
    return error(error_kind::timeout,
                 what + ": no progress for " + std::to_string(to_ms(t.operation)) + " ms during " + step);
  }
  if (ec == bhttp::error::body_limit)
    return error(error_kind::body_too_large,
                 what + ": response body larger than the limit of " + std::to_string(options.body_limit) + " bytes");
  if (ec.category() == beast::error_code{bhttp::error::bad_version}.category() && ec != bhttp::error::end_of_stream)
    return error(error_kind::protocol, what + ": malformed HTTP response (" + ec.message() + ")");
  return error(error_kind::connect, what + ": connection failed during " + step + " (" + ec.message() + ")");
}

awaitable<void> http_client::impl::tunnel(beast::tcp_stream& stream, origin_url const& target,
                                          proxy_endpoint const& proxy, timing const& t, std::string const& what) {
  auto authority = target.host_header_with_port();
  bhttp::request<bhttp::empty_body> request{bhttp::verb::connect, authority, 11};
  request.set(bhttp::field::host, authority);
  request.set(bhttp::field::user_agent, options.user_agent);
  if (proxy.credentials) request.set(bhttp::field::proxy_authorization, basic_credentials(*proxy.credentials));
  stream.expires_at(t.next_operation());
  auto [write_ec, written] = co_await bhttp::async_write(stream, request, tuple_awaitable);
  if (write_ec) throw transport_error(write_ec, what, t, "CONNECT to proxy " + proxy.label());
  // A 2xx answer to CONNECT has no body; skip() tells the parser not to wait for one.
  bhttp::response_parser<bhttp::empty_body> parser;
  parser.skip(true);
  beast::flat_buffer buffer;
  stream.expires_at(t.next_operation());
  auto [read_ec, read] = co_await bhttp::async_read(stream, buffer, parser, tuple_awaitable);
  if (read_ec) throw transport_error(read_ec, what, t, "CONNECT to proxy " + proxy.label());
  auto status = parser.get().result_int();
  if (status / 100 != 2)
    throw error(error_kind::connect, what + ": proxy " + proxy.label() + " refused CONNECT to " + authority +
                                         " with status " + std::to_string(status));
}

awaitable<std::shared_ptr<client_connection>> http_client::impl::open(origin_url const& target,
                                                                      std::optional<proxy_endpoint> proxy, timing t,
                                                                      std::string const& what) {
  using namespace boost::asio::experimental::awaitable_operators;
  auto const& host = proxy ? proxy->host : target.host;
  auto port = proxy ? proxy->port : target.port;
  auto peer = proxy ? "proxy " + proxy->label() : target.host_header_with_port();
  auto connect_deadline = std::min(t.deadline, clock::now() + options.connect_timeout);

  // The resolver has no deadline of its own: race it with a timer.
  tcp::resolver resolver{executor};
  boost::asio::steady_timer timer{executor, connect_deadline};
  auto resolve = resolver.async_resolve(host, std::to_string(port), tuple_awaitable);
  auto expire = timer.async_wait(tuple_awaitable);
  auto raced = co_await (std::move(resolve) || std::move(expire));
  if (raced.index() == 1)
    throw error(error_kind::timeout, what + ": resolving " + host + " took longer than the connect timeout");
  auto [resolve_ec, endpoints] = std::get<0>(raced);
  if (resolve_ec) throw error(error_kind::connect, what + ": cannot resolve " + host + " (" + resolve_ec.message() + ")");

  beast::tcp_stream stream{executor};
  stream.expires_at(connect_deadline);
  auto [connect_ec, endpoint] = co_await stream.async_connect(endpoints, tuple_awaitable);
  if (connect_ec == beast::error::timeout) {
    if (clock::now() >= t.deadline)
      throw error(error_kind::timeout, what + ": request deadline passed while connecting to " + peer);
    throw error(error_kind::timeout, what + ": connecting to " + peer + " timed out after " +
                                         std::to_string(to_ms(options.connect_timeout)) + " ms");
  }
  if (connect_ec)
    throw error(error_kind::connect, what + ": cannot connect to " + peer + " (" + connect_ec.message() + ")");
  beast::error_code nodelay_ec;  // latency nicety only: a failure here is not worth failing the request
  stream.socket().set_option(tcp::no_delay(true), nodelay_ec);
  ++opened;

  auto connection = std::make_shared<client_connection>();
  if (proxy && target.tls) co_await tunnel(stream, target, *proxy, t, what);
  if (!target.tls) {
    connection->plain = std::make_unique<beast::tcp_stream>(std::move(stream));
    co_return connection;
  }

  auto context = tls_context();
  connection->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(stream), *context);
  auto& tls_stream = *connection->tls;
  // SNI carries host names only (RFC 6066 §3); certificates for IP literals are checked by IP.
  if (!is_ip_literal(target.host) && !SSL_set_tlsext_host_name(tls_stream.native_handle(), target.host.c_str()))
    throw error(error_kind::tls, what + ": cannot set TLS server name " + target.host);
  if (options.tls.verify_peer) tls_stream.set_verify_callback(ssl::host_name_verification(target.host));
  offer_session(tls_stream.native_handle(), target);
  beast::get_lowest_layer(tls_stream).expires_at(t.next_operation());
  auto [handshake_ec] = co_await tls_stream.async_handshake(ssl::stream_base::client, tuple_awaitable);
  if (handshake_ec == beast::error::timeout) throw transport_error(handshake_ec, what, t, "TLS handshake");
  if (handshake_ec) {
    auto verify = SSL_get_verify_result(tls_stream.native_handle());
    std::string reason = verify != X509_V_OK ? std::string{"certificate not trusted: "} +
                                                   X509_verify_cert_error_string(verify)
                                             : handshake_ec.message();
    throw error(error_kind::tls, what + ": TLS handshake with " + target.host_header_with_port() + " failed (" +
                                     reason + ")");
  }
  if (SSL_session_reused(tls_stream.native_handle())) ++resumed;
  co_return connection;
}

namespace {

// A request as it goes on the wire: the request line and header fields written once, and
// the body, a view of the caller's http_request (which outlives the send), so a create
// body of a few hundred KB is not copied for each attempt. Written by hand: Beast's
// serializer walks its field list through layers of buffer views, ~20,000 instructions a
// request, which was a tenth of an idle tenant's poll.
struct request_wire {
  std::string head;
  std::string_view body;
};

// Content-Length as Beast's prepare_payload() sets it: for a body, and for OPTIONS, PUT
// and POST even when it is empty (methods are case-sensitive).
bool sends_content_length(std::string_view method, std::size_t body_size) {
  return body_size > 0 || method == "OPTIONS" || method == "PUT" || method == "POST";
}

void append_field(std::string& head, std::string_view name, std::string_view value) {
  head.append(name);
  head += ": ";
  head.append(value);
  head += "\r\n";
}

struct exchange_outcome {
  beast::error_code ec;
  std::string step;
  bool got_response_bytes = false;
  bool keep_alive = false;
  std::size_t reads = 0;
  http_response response;
};

template <class Stream>
awaitable<void> exchange(Stream& stream, beast::flat_buffer& buffer, request_wire const& request,
                         bool head, std::size_t body_limit, timing const& t, exchange_outcome& out) {
  auto& lowest = beast::get_lowest_layer(stream);
  out.step = "sending the request";
  // One write per step, each with its own progress deadline, like Beast's write loop.
  std::size_t const total = request.head.size() + request.body.size();
  for (std::size_t sent = 0; sent < total;) {
    std::array<boost::asio::const_buffer, 2> pieces;
    if (sent < request.head.size()) {
      pieces = {boost::asio::buffer(request.head.data() + sent, request.head.size() - sent),
                boost::asio::buffer(request.body.data(), request.body.size())};
    } else {
      auto offset = sent - request.head.size();
      pieces = {boost::asio::buffer(request.body.data() + offset, request.body.size() - offset),
                boost::asio::const_buffer{}};
    }
    lowest.expires_at(t.next_operation());
    auto [ec, n] = co_await stream.async_write_some(pieces, tuple_awaitable);
    if (ec) {
      out.ec = ec;
      co_return;
    }
    sent += n;
  }
  out.step = "reading the response";
  for (;;) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(body_limit);
    if (head) parser.skip(true);
    while (!parser.is_done()) {
      read_room::for_body(buffer, parser);
      lowest.expires_at(t.next_operation());
      auto [ec, n] = co_await bhttp::async_read_some(stream, buffer, parser, tuple_awaitable);
      ++out.reads;
      if (parser.got_some()) out.got_response_bytes = true;
      if (ec) {
        out.ec = ec;
        co_return;
      }
    }
    read_room::give_back(buffer);
    auto message = parser.release();
    // Interim 1xx answers (a server may send 100 Continue unasked) precede the real one.
    if (message.result_int() >= 100 && message.result_int() < 200 && message.result_int() != 101) continue;
    out.keep_alive = message.keep_alive() && !parser.need_eof();
    out.response.status = static_cast<int>(message.result_int());
    for (auto const& field : message)
      out.response.headers.add(std::string{field.name_string()}, std::string{field.value()});
    out.response.body = std::move(message.body());
    co_return;
  }
}

}  // namespace

http_client::http_client(asio::any_io_executor ex, client_options options, std::shared_ptr<observer> obs)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(options), std::move(obs))) {}

http_client::~http_client() { impl_->pool.clear_idle(); }

void http_client::release_idle(std::chrono::steady_clock::duration next_use) {
  if (next_use >= impl_->options.idle_timeout) impl_->pool.clear_idle();
}

std::size_t http_client::connections_opened() const { return impl_->opened; }
std::size_t http_client::response_reads() const { return impl_->reads; }
std::size_t http_client::tls_resumptions() const { return impl_->resumed; }
client_options const& http_client::options() const { return impl_->options; }

awaitable<http_response> http_client::send(std::string url, http_request request) {
  auto deadline = clock::now() + impl_->options.request_timeout;
  auto response = co_await send(std::move(url), request, deadline);
  co_return response;
}

awaitable<http_response> http_client::send(std::string url, http_request const& request, clock::time_point deadline) {
  auto target = parse_origin_url(url);
  auto response = co_await send(target, request, deadline);
  co_return response;
}

awaitable<http_response> http_client::send(origin_url const& target, http_request const& request,
                                           clock::time_point deadline) {
  auto self = impl_;  // in-flight requests keep the client's state alive
  auto started = clock::now();
  std::string what = request.method + " " + target.redacted();
  if (request.method.empty() || request.method.find_first_of(" \t\r\n") != std::string::npos)
    throw error(error_kind::protocol, what + ": invalid HTTP method");
  auto proxy = select_proxy(target, self->options.proxy, self->proxy_env);
  timing t{deadline, self->options.operation_timeout};

  bool absolute_form = proxy && !target.tls;  // plain HTTP goes to the proxy as a full URL
  std::string_view host = target.host_header, user_agent = self->options.user_agent;
  for (auto const& [name, value] : request.headers) {
    if (has_line_break(name) || has_line_break(value) || name.empty() ||
        name.find_first_of(" \t:") != std::string::npos)
      throw error(error_kind::protocol,
                  what + ": header \"" + excerpt(name, 60) + "\" has an empty name, a line break, a space or a colon");
    if (iequals(name, "Host")) host = value;
    if (iequals(name, "User-Agent")) user_agent = value;
  }
  if (request.method == "TRACE" && !request.body.empty())
    throw error(error_kind::protocol, what + ": a TRACE request cannot carry a body");
  request_wire wire;
  wire.head.reserve(256);
  wire.head += request.method;
  wire.head += ' ';
  if (absolute_form) wire.head += target.scheme() + "://" + target.host_header;
  wire.head += target.target;
  wire.head += " HTTP/1.1\r\n";
  append_field(wire.head, "Host", host);
  append_field(wire.head, "User-Agent", user_agent);
  bool proxy_login = absolute_form && proxy->credentials;
  for (auto const& [name, value] : request.headers) {
    // Framing comes from the body; Host and User-Agent are written above, a proxy's login below.
    if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") || iequals(name, "Host") ||
        iequals(name, "User-Agent") || (proxy_login && iequals(name, "Proxy-Authorization")))
      continue;
    append_field(wire.head, name, value);
  }
  if (proxy_login) append_field(wire.head, "Proxy-Authorization", basic_credentials(*proxy->credentials));
  if (sends_content_length(request.method, request.body.size()))
    append_field(wire.head, "Content-Length", std::to_string(request.body.size()));
  wire.head += "\r\n";
  wire.body = request.body;
  bool head = request.method == "HEAD";
  bool idempotent = is_idempotent(request.method);
  std::string pool_key = proxy ? target.origin() + " via " + proxy->label() : target.origin();

  for (int attempt = 0;; ++attempt) {
    if (clock::now() >= deadline) {
      self->observe(target, 0, started);
      throw error(error_kind::timeout, what + ": request deadline passed before the request could be sent");
    }
    connection_pool::lease lease;
    try {
      lease = co_await self->pool.acquire(pool_key, deadline);
      if (lease.connection && !lease.connection->looks_alive()) {
        lease.connection.reset();
        lease.reused = false;
      }
      if (!lease.connection) lease.connection = co_await self->open(target, proxy, t, what);
    } catch (error const&) {
      self->observe(target, 0, started);
      throw;
    }
    auto& connection = *lease.connection;
    exchange_outcome outcome;
    if (connection.tls)
      co_await exchange(*connection.tls, connection.buffer, wire, head, self->options.body_limit, t, outcome);
    else
      co_await exchange(*connection.plain, connection.buffer, wire, head, self->options.body_limit, t, outcome);
    self->reads += outcome.reads;

    if (outcome.ec) {
      bool stale = lease.reused && !outcome.got_response_bytes && is_stale_error(outcome.ec);
      if (stale && idempotent && attempt == 0) continue;  // the lease drops the dead connection
      self->observe(target, 0, started);
      auto failure = self->transport_error(outcome.ec, what, t, outcome.step);
      if (stale)
        throw error(failure.kind(), std::string{failure.what()} +
                                        "; the server closed a kept-alive connection and a " + request.method +
                                        " is not retried because it is not idempotent");
      throw failure;
    }
    // A pooled connection keeps its read buffer: give back what a large page grew it to,
    // or every tenant holds its biggest response's worth of memory between polls.
    if (connection.buffer.size() == 0 && connection.buffer.capacity() > 8192) connection.buffer.shrink_to_fit();
    self->keep_session(connection, target);
    lease.give_back(outcome.keep_alive);
    self->observe(target, outcome.response.status, started);
    co_return std::move(outcome.response);
  }
}

}  // namespace mlc::net
