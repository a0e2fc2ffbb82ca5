// Beast translation unit #1 of net/ (the server). Keep Beast out of other files: each
// Beast TU costs about a minute of CPU to compile.
#include "net/http_server.hpp"

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "net/read_room.hpp"

namespace mlc::net {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using boost::asio::use_awaitable;
constexpr auto tuple_awaitable = boost::asio::as_tuple(boost::asio::use_awaitable);

// After an error response we stop reading requests but keep draining what the client is
// still sending for a moment, so its TCP stack does not turn our close into a reset that
// would destroy the response before the client reads it.
constexpr std::chrono::milliseconds k_linger_time{1'000};
constexpr std::size_t k_linger_bytes = 4 * 1024 * 1024;

void log_line(std::string const& message) { std::fprintf(stderr, "net: http_server: %s\n", message.c_str()); }

// The path without the query string: queries may carry tokens, and logs must not.
std::string_view path_only(std::string_view target) { return target.substr(0, target.find('?')); }

http_response text_response(int status, std::string body) {
  http_response r;
  r.status = status;
  r.headers.set("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  return r;
}

}  // namespace

struct http_server::impl : std::enable_shared_from_this<impl> {
  struct connection {
    beast::tcp_stream* lowest = nullptr;  // owned by the connection coroutine's frame
    bool busy = false;                    // a request is being read in full or answered
    boost::asio::cancellation_signal cancel;  // reaches the handler's pending operation
  };

  impl(asio::any_io_executor ex, server_options o, request_handler h)
      : executor(std::move(ex)), options(std::move(o)), handler(std::move(h)) {
    if (options.tls_cert_file.empty() != options.tls_key_file.empty())
      throw std::invalid_argument("http_server: tls_cert_file and tls_key_file must be set together");
    if (!options.tls_cert_file.empty()) {
      tls.emplace(ssl::context::tls_server);
      tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
      // Idle keep-alive connections give their record buffers back.
      SSL_CTX_set_mode(tls->native_handle(), SSL_MODE_RELEASE_BUFFERS);
      beast::error_code ec;
      tls->use_certificate_chain_file(options.tls_cert_file, ec);
      if (ec)
        throw std::runtime_error("http_server: cannot load TLS certificate " + options.tls_cert_file + ": " +
                                 ec.message());
      tls->use_private_key_file(options.tls_key_file, ssl::context::pem, ec);
      if (ec)
        throw std::runtime_error("http_server: cannot load TLS key " + options.tls_key_file + ": " + ec.message());
    }
    if (!handler) throw std::invalid_argument("http_server: request handler is empty");
  }

  void close_connection(connection& c) {
    c.cancel.emit(boost::asio::cancellation_type::terminal);
    if (c.lowest) {
      beast::error_code ec;
      c.lowest->socket().shutdown(tcp::socket::shutdown_both, ec);
      c.lowest->close();
    }
  }

  void stop_accepting() {
    stopping = true;
    for (auto& a : acceptors) {
      beast::error_code ec;
      a->close(ec);
    }
  }

  void close_idle() {
    for (auto& [id, c] : connections)
      if (!c->busy) close_connection(*c);
  }

  void close_all() {
    for (auto& [id, c] : connections) close_connection(*c);
  }

  void wake_waiters() {
    for (auto* t : waiters) t->cancel();
  }

  void connection_ended(std::uint64_t id) {
    connections.erase(id);
    wake_waiters();
  }

  awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor);
  template <class Stream>
  awaitable<void> serve(Stream& stream, connection& state);
  awaitable<void> session(tcp::socket socket, std::shared_ptr<connection> state, std::uint64_t id);

  asio::any_io_executor executor;
  server_options options;
  request_handler handler;
  std::optional<ssl::context> tls;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
  std::unordered_map<std::uint64_t, std::shared_ptr<connection>> connections;
  std::vector<boost::asio::steady_timer*> waiters;  // shutdown() calls waiting for the count to drop
  std::size_t accept_loops = 0;
  std::size_t accepted = 0;
  std::size_t body_reads = 0;
  std::uint64_t next_id = 0;
  bool stopping = false;
};

namespace {

// Ends the connection in a way that lets the peer read what we sent last.
awaitable<void> graceful_close(beast::tcp_stream& stream) {
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  std::vector<char> sink(16 * 1024);
  std::size_t drained = 0;
  stream.expires_after(k_linger_time);
  while (!ec && drained < k_linger_bytes) {
    auto [read_ec, n] = co_await stream.async_read_some(boost::asio::buffer(sink), tuple_awaitable);
    ec = read_ec;
    drained += n;
  }
  stream.close();
}

awaitable<void> graceful_close(beast::ssl_stream<beast::tcp_stream>& stream) {
  beast::get_lowest_layer(stream).expires_after(k_linger_time);
  auto [ec] = co_await stream.async_shutdown(tuple_awaitable);
  (void)ec;  // the peer may close without close_notify; nothing to do about it
  beast::get_lowest_layer(stream).close();
}

http_request to_request(bhttp::request<bhttp::string_body>&& in) {
  http_request out;
  out.method = std::string{in.method_string()};
  out.target = std::string{in.target()};
  for (auto const& field : in) out.headers.add(std::string{field.name_string()}, std::string{field.value()});
  out.body = std::move(in.body());
  return out;
}

bhttp::response<bhttp::string_body> to_beast(http_response&& in, unsigned version, bool keep_alive) {
  // Beast rejects codes outside 100-999 with an exception; a handler bug must not cost the connection.
  int status = in.status >= 100 && in.status <= 999 ? in.status : 500;
  bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(status), version};
  bool chunked = false;
  for (auto const& [name, value] : in.headers) {
    if (iequals(name, "Content-Length")) continue;  // computed below from the body
    if (iequals(name, "Transfer-Encoding")) {
      chunked = value.find("chunked") != std::string::npos;
      continue;
    }
    if (iequals(name, "Connection")) {
      if (iequals(value, "close")) keep_alive = false;
      continue;
    }
    out.insert(name, value);
  }
  out.body() = std::move(in.body);
  out.keep_alive(keep_alive);
  if (chunked)
    out.chunked(true);  // lets tests and emulators produce chunked responses
  else
    out.prepare_payload();
  return out;
}

}  // namespace

template <class Stream>
awaitable<void> http_server::impl::serve(Stream& stream, connection& state) {
  auto& lowest = beast::get_lowest_layer(stream);
  beast::error_code ep_ec;
  auto local = lowest.socket().local_endpoint(ep_ec);
  auto remote = lowest.socket().remote_endpoint(ep_ec);
  std::string local_address = local.address().to_string();
  std::string remote_address = remote.address().to_string();

  beast::flat_buffer buffer;
  while (!stopping) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(options.body_limit);
    lowest.expires_after(options.read_timeout);
    auto [header_ec, header_n] = co_await bhttp::async_read_header(stream, buffer, parser, tuple_awaitable);
    std::optional<http_response> early;  // an answer the server gives without the handler
    beast::error_code ec = header_ec;
    if (!ec) {
      state.busy = true;  // from here on a drain lets this request finish
      while (!ec && !parser.is_done()) {
        read_room::for_body(buffer, parser);
        auto [body_ec, body_n] = co_await bhttp::async_read_some(stream, buffer, parser, tuple_awaitable);
        ec = body_ec;
        ++body_reads;
      }
      read_room::give_back(buffer);
    }
    if (ec == bhttp::error::body_limit) {
      early = text_response(413, "request body larger than " + std::to_string(options.body_limit) + " bytes\n");
    } else if (ec && ec.category() == beast::error_code{bhttp::error::bad_method}.category() && ec != bhttp::error::end_of_stream &&
               ec != bhttp::error::partial_message) {
      early = text_response(400, "malformed HTTP request: " + ec.message() + "\n");
    } else if (ec) {
      co_return;  // peer closed, idle timeout, reset or shutdown: nothing to answer
    }

    unsigned version = 11;
    bool keep_alive = false;
    http_response response;
    if (early) {
      response = std::move(*early);
    } else {
      auto beast_request = parser.release();
      version = beast_request.version();
      keep_alive = beast_request.keep_alive();
      auto request = to_request(std::move(beast_request));
      request.local_address = local_address;
      request.local_port = local.port();
      request.remote_address = remote_address;
      std::string what = request.method + " " + std::string{path_only(request.target)};
      try {
        response = co_await handler(std::move(request));
      } catch (std::exception const& e) {
        log_line("handler for " + what + " failed: " + e.what());
        response = text_response(500, "internal server error\n");
      }
    }
    if (response.drop_connection) {
      // No answer and an abortive close: SO_LINGER 0 turns close() into a TCP reset, so
      // the client sees a connection error, not an HTTP status or a clean end of stream.
      beast::error_code ignored;
      lowest.socket().set_option(tcp::socket::linger(true, 0), ignored);
      lowest.close();
      state.busy = false;
      co_return;
    }
    keep_alive = keep_alive && !stopping;
    auto out = to_beast(std::move(response), version, keep_alive);
    keep_alive = out.keep_alive();
    lowest.expires_after(options.read_timeout);
    auto [write_ec, write_n] = co_await bhttp::async_write(stream, out, tuple_awaitable);
    state.busy = false;
    if (write_ec) co_return;
    if (!keep_alive) {
      co_await graceful_close(stream);
      co_return;
    }
  }
}

awaitable<void> http_server::impl::session(tcp::socket socket, std::shared_ptr<connection> state, std::uint64_t id) {
  auto self = shared_from_this();
  struct end_guard {
    std::shared_ptr<impl> server;
    std::shared_ptr<connection> state;
    std::uint64_t id;
    ~end_guard() {
      state->lowest = nullptr;
      server->connection_ended(id);
    }
  };
  if (tls) {
    beast::ssl_stream<beast::tcp_stream> stream{std::move(socket), *tls};
    end_guard guard{self, state, id};
    state->lowest = &beast::get_lowest_layer(stream);
    beast::get_lowest_layer(stream).expires_after(options.read_timeout);
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, tuple_awaitable);
    if (ec) co_return;  // scanners, plain-HTTP clients, timeouts: nothing worth logging
    co_await serve(stream, *state);
  } else {
    beast::tcp_stream stream{std::move(socket)};
    end_guard guard{self, state, id};
    state->lowest = &stream;
    co_await serve(stream, *state);
  }
}

awaitable<void> http_server::impl::accept_loop(std::shared_ptr<tcp::acceptor> acceptor) {
  auto self = shared_from_this();
  struct loop_guard {
    impl* server;
    ~loop_guard() {
      --server->accept_loops;
      server->wake_waiters();
    }
  } guard{this};
  boost::asio::steady_timer pause{executor};
  while (!stopping) {
    auto [ec, socket] = co_await acceptor->async_accept(tuple_awaitable);
    if (stopping) break;
    if (ec == boost::asio::error::operation_aborted) break;
    if (ec) {
      // Out of descriptors or similar: back off briefly instead of spinning on the error.
      log_line("accept failed: " + ec.message());
      pause.expires_after(std::chrono::milliseconds{100});
      co_await pause.async_wait(tuple_awaitable);
      continue;
    }
    ++accepted;
    // A TLS response longer than one record (16 KB) is written as several records, each a
    // segment smaller than loopback's MSS: with Nagle's algorithm each waits for the
    // client's (delayed) ACK of the one before, ~40 ms a response.
    boost::system::error_code nodelay_ec;  // a latency nicety: not worth refusing the connection
    socket.set_option(tcp::no_delay(true), nodelay_ec);
    std::uint64_t id = next_id++;
    auto state = std::make_shared<connection>();
    connections.emplace(id, state);
    auto slot = state->cancel.slot();
    boost::asio::co_spawn(executor, session(std::move(socket), state, id),
                          boost::asio::bind_cancellation_slot(slot, [](std::exception_ptr e) {
                            if (!e) return;
                            try {
                              std::rethrow_exception(e);
                            } catch (boost::system::system_error const& se) {
                              if (se.code() != boost::asio::error::operation_aborted)
                                log_line(std::string{"connection ended with an error: "} + se.what());
                            } catch (std::exception const& ex) {
                              log_line(std::string{"connection ended with an error: "} + ex.what());
                            }
                          }));
  }
}

http_server::http_server(asio::any_io_executor ex, server_options options, request_handler handler)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(options), std::move(handler))) {}

http_server::~http_server() {
  // Without a prior shutdown(), end everything now so the io_context can run out of work.
  impl_->stop_accepting();
  impl_->close_all();
}

unsigned short http_server::listen(std::string const& address, unsigned short port) {
  if (impl_->stopping) throw std::logic_error("http_server: listen() after shutdown()");
  beast::error_code ec;
  auto ip = boost::asio::ip::make_address(address, ec);
  if (ec) throw std::invalid_argument("http_server: \"" + address + "\" is not an IP address");
  tcp::endpoint endpoint{ip, port};
  auto acceptor = std::make_shared<tcp::acceptor>(impl_->executor);
  auto fail = [&](char const* step) {
    throw std::runtime_error("http_server: cannot " + std::string{step} + " " + address + ":" +
                             std::to_string(port) + ": " + ec.message());
  };
  acceptor->open(endpoint.protocol(), ec);
  if (ec) fail("open a socket for");
  acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (ec) fail("set SO_REUSEADDR on");
  acceptor->bind(endpoint, ec);
  if (ec) fail("bind");
  acceptor->listen(tcp::socket::max_listen_connections, ec);
  if (ec) fail("listen on");
  unsigned short bound = acceptor->local_endpoint().port();
  impl_->acceptors.push_back(acceptor);
  ++impl_->accept_loops;
  boost::asio::co_spawn(impl_->executor, impl_->accept_loop(acceptor), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (std::exception const& ex) {
      log_line(std::string{"accept loop ended with an error: "} + ex.what());
    }
  });
  return bound;
}

awaitable<void> http_server::shutdown(std::chrono::milliseconds drain) {
  auto self = impl_;
  self->stop_accepting();
  self->close_idle();
  boost::asio::steady_timer timer{self->executor};
  self->waiters.push_back(&timer);
  struct unregister {
    impl* server;
    boost::asio::steady_timer* timer;
    ~unregister() { std::erase(server->waiters, timer); }
  } guard{self.get(), &timer};
  auto deadline = std::chrono::steady_clock::now() + drain;
  bool forced = false;
  while (!self->connections.empty() || self->accept_loops > 0) {
    if (!forced && std::chrono::steady_clock::now() >= deadline) {
      self->close_all();  // drain time is over: in-flight requests are cut off
      forced = true;
      continue;
    }
    timer.expires_at(forced ? boost::asio::steady_timer::time_point::max() : deadline);
    auto [ec] = co_await timer.async_wait(tuple_awaitable);
    (void)ec;  // cancelled means "a connection or accept loop ended": re-check
  }
}

std::size_t http_server::connections_accepted() const { return impl_->accepted; }
std::size_t http_server::connections_open() const { return impl_->connections.size(); }
std::size_t http_server::body_reads() const { return impl_->body_reads; }

}  // namespace mlc::net
