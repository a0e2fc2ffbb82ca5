#pragma once
// Test-only tools for net/ tests, built on plain Asio so they do not depend on the code
// under test: a raw HTTP/1.1 exchange over a socket, and a one-shot event to await.
#include <chrono>
#include <optional>
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
  awaitable<void> connect(std::string const& address, unsigned short port);
  awaitable<void> write(std::string text);
  // Reads one response framed by Content-Length (or by connection close).
  awaitable<raw_response> read_response(std::chrono::milliseconds timeout = std::chrono::seconds{10});
  // Reads until the server closes; returns what arrived. Throws if not closed in time.
  awaitable<std::string> read_until_closed(std::chrono::milliseconds timeout = std::chrono::seconds{10});
  asio::ip::tcp::socket& socket() { return socket_; }

 private:
  awaitable<std::size_t> read_some(char* data, std::size_t size, std::chrono::steady_clock::time_point deadline);
  asio::ip::tcp::socket socket_;
  std::string buffer_;
};

// GET/POST helper: connect, send `request_text`, read one response.
awaitable<raw_response> raw_exchange(std::string address, unsigned short port, std::string request_text);

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
