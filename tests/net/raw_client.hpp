#pragma once
// Test-only tools for net/ tests, built on plain Asio so they do not depend on the code
// under test: a raw HTTP/1.1 exchange over a socket, and a one-shot event to await.
#include <chrono>
#include <functional>
#include <memory>
#include <vector>
#include <optional>
#include <utility>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/asio.hpp"

namespace mlc::test {

struct raw_response {
  int status = 0;
  std::string head;  // status line and header fields, as received
  std::string body;
  bool connection_close = false;
  std::optional<std::string> header(std::string const& name) const;
};

// One TCP connection used for a sequence of hand-written requests.
class raw_connection {
 public:
  explicit raw_connection(asio::any_io_executor ex) : socket_(ex) {}
  explicit raw_connection(asio::ip::tcp::socket socket) : socket_(std::move(socket)) {}
  awaitable<void> connect(std::string const& address, unsigned short port);
  awaitable<void> write(std::string text);
  // Reads one response framed by Content-Length (or by connection close).
  awaitable<raw_response> read_response(std::chrono::milliseconds timeout = std::chrono::seconds{10});
  // Server side: reads one request (head and Content-Length body); status stays 0.
  awaitable<raw_response> read_request(std::chrono::milliseconds timeout = std::chrono::seconds{10});
  // Reads until the server closes; returns what arrived. Throws if not closed in time.
  awaitable<std::string> read_until_closed(std::chrono::milliseconds timeout = std::chrono::seconds{10});
  asio::ip::tcp::socket& socket() { return socket_; }
  // Bytes read past the last message (they belong to whatever comes next).
  std::string take_buffered() { return std::exchange(buffer_, {}); }

 private:
  awaitable<raw_response> read_message(std::chrono::milliseconds timeout, bool response);
  awaitable<std::size_t> read_some(char* data, std::size_t size, std::chrono::steady_clock::time_point deadline);
  asio::ip::tcp::socket socket_;
  std::string buffer_;
};

// A scripted TCP server for cases http_server cannot play (misbehaving peers, proxies):
// each accepted connection runs `script(connection, index)` (index counts from 0).
class raw_server {
 public:
  struct state;
  using script = std::function<awaitable<void>(raw_connection&, std::size_t index)>;
  raw_server(asio::any_io_executor ex, script s, std::string const& address = "127.0.0.1");
  ~raw_server();  // stops accepting and closes every connection
  raw_server(raw_server const&) = delete;
  raw_server& operator=(raw_server const&) = delete;
  unsigned short port() const;
  std::size_t accepted() const;

 private:
  std::shared_ptr<state> state_;
};

// GET/POST helper: connect, send `request_text`, read one response.
awaitable<raw_response> raw_exchange(std::string address, unsigned short port, std::string request_text);

// Copies bytes both ways until one side closes (a CONNECT tunnel).
awaitable<void> pipe_both_ways(raw_connection& a, raw_connection& b);

// A one-shot event: wait() completes once notify() has been called.
class event {
 public:
  explicit event(asio::any_io_executor ex) : timer_(ex, asio::steady_timer::time_point::max()) {}
  void notify() {
    set_ = true;
    timer_.cancel();
  }
  bool is_set() const { return set_; }
  awaitable<void> wait();

 private:
  asio::steady_timer timer_;
  bool set_ = false;
};

}  // namespace mlc::test
