#include "tests/net/raw_client.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace mlc::test {
namespace {

using asio::use_awaitable;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

std::optional<std::string> raw_response::header(std::string const& name) const {
  auto h = lower(head);
  auto key = "\r\n" + lower(name) + ":";
  auto at = h.find(key);
  if (at == std::string::npos) return std::nullopt;
  auto start = at + key.size();
  auto end = h.find("\r\n", start);
  auto value = head.substr(start, end - start);
  value.erase(0, value.find_first_not_of(' '));
  return value;
}

awaitable<void> raw_connection::connect(std::string const& address, unsigned short port) {
  asio::ip::tcp::endpoint ep{asio::ip::make_address(address), port};
  co_await socket_.async_connect(ep, use_awaitable);
}

awaitable<void> raw_connection::write(std::string text) {
  co_await asio::async_write(socket_, asio::buffer(text), use_awaitable);
}

// Reads some bytes before `deadline`; returns 0 at end of stream.
awaitable<std::size_t> raw_connection::read_some(char* data, std::size_t size,
                                                 std::chrono::steady_clock::time_point deadline) {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer timer{socket_.get_executor(), deadline};
  auto read = socket_.async_read_some(asio::buffer(data, size), tuple_awaitable);
  auto wait = timer.async_wait(tuple_awaitable);
  auto result = co_await (std::move(read) || std::move(wait));
  if (result.index() == 1) throw std::runtime_error("raw client: timed out waiting for the server");
  auto [ec, n] = std::get<0>(result);
  if (ec == asio::error::eof || ec == asio::error::connection_reset) co_return 0;
  if (ec) throw boost::system::system_error(ec, "raw client read");
  co_return n;
}

awaitable<raw_response> raw_connection::read_request(std::chrono::milliseconds timeout) {
  return read_message(timeout, false);
}

awaitable<raw_response> raw_connection::read_response(std::chrono::milliseconds timeout) {
  return read_message(timeout, true);
}

awaitable<raw_response> raw_connection::read_message(std::chrono::milliseconds timeout, bool response) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char chunk[4096];
  bool eof = false;
  auto fill = [&]() -> awaitable<void> {
    auto n = co_await read_some(chunk, sizeof chunk, deadline);
    if (n == 0) eof = true;
    buffer_.append(chunk, n);
  };
  while (buffer_.find("\r\n\r\n") == std::string::npos) {
    if (eof) throw std::runtime_error("raw client: connection closed before a full response head: " + buffer_);
    co_await fill();
  }
  raw_response r;
  auto head_end = buffer_.find("\r\n\r\n");
  r.head = buffer_.substr(0, head_end + 2);
  buffer_.erase(0, head_end + 4);
  if (response) r.status = std::stoi(r.head.substr(9, 3));
  auto connection = r.header("Connection");
  r.connection_close = connection && lower(*connection) == "close";
  if (auto length = r.header("Content-Length")) {
    std::size_t want = std::stoul(*length);
    while (buffer_.size() < want) {
      if (eof) throw std::runtime_error("raw client: connection closed inside the body");
      co_await fill();
    }
    r.body = buffer_.substr(0, want);
    buffer_.erase(0, want);
  } else if (response) {
    while (!eof) co_await fill();
    r.body = std::move(buffer_);
    buffer_.clear();
  }
  co_return r;
}

awaitable<std::string> raw_connection::read_until_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string all = std::move(buffer_);
  buffer_.clear();
  char chunk[4096];
  for (;;) {
    auto n = co_await read_some(chunk, sizeof chunk, deadline);
    if (n == 0) break;
    all.append(chunk, n);
  }
  co_return all;
}

awaitable<raw_response> raw_exchange(std::string address, unsigned short port, std::string request_text) {
  auto ex = co_await asio::this_coro::executor;
  raw_connection c{ex};
  co_await c.connect(address, port);
  co_await c.write(std::move(request_text));
  auto r = co_await c.read_response();
  co_return r;
}

struct raw_server::state {
  asio::ip::tcp::acceptor acceptor;
  script run;
  std::size_t accepted = 0;
  std::vector<std::weak_ptr<raw_connection>> connections;
};

namespace {

awaitable<void> run_script(std::shared_ptr<raw_server::state> s, std::shared_ptr<raw_connection> c, std::size_t index);

}  // namespace

raw_server::raw_server(asio::any_io_executor ex, script run, std::string const& address)
    : state_(std::make_shared<state>(state{asio::ip::tcp::acceptor{ex}, std::move(run), 0, {}})) {
  asio::ip::tcp::endpoint ep{asio::ip::make_address(address), 0};
  state_->acceptor.open(ep.protocol());
  state_->acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true));
  state_->acceptor.bind(ep);
  state_->acceptor.listen();
  asio::co_spawn(
      ex,
      [](std::shared_ptr<state> s) -> awaitable<void> {
        for (;;) {
          auto [ec, socket] = co_await s->acceptor.async_accept(tuple_awaitable);
          if (ec) co_return;
          auto connection = std::make_shared<raw_connection>(std::move(socket));
          s->connections.push_back(connection);
          auto index = s->accepted++;
          asio::co_spawn(s->acceptor.get_executor(), run_script(s, connection, index), [](std::exception_ptr) {
            // A script ends with an exception when the test closes its socket: expected.
          });
        }
      }(state_),
      [](std::exception_ptr) {});
}

namespace {

awaitable<void> run_script(std::shared_ptr<raw_server::state> s, std::shared_ptr<raw_connection> c,
                           std::size_t index) {
  co_await s->run(*c, index);
}

}  // namespace

raw_server::~raw_server() {
  boost::system::error_code ec;
  state_->acceptor.close(ec);
  for (auto& weak : state_->connections)
    if (auto c = weak.lock()) c->socket().close(ec);
}

unsigned short raw_server::port() const { return state_->acceptor.local_endpoint().port(); }
std::size_t raw_server::accepted() const { return state_->accepted; }

namespace {

awaitable<void> copy(asio::ip::tcp::socket& from, asio::ip::tcp::socket& to) {
  char chunk[16 * 1024];
  for (;;) {
    auto [ec, n] = co_await from.async_read_some(asio::buffer(chunk), tuple_awaitable);
    if (n > 0) {
      auto [write_ec, written] = co_await asio::async_write(to, asio::buffer(chunk, n), tuple_awaitable);
      if (write_ec) co_return;
    }
    if (ec) {
      boost::system::error_code ignored;
      to.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
      co_return;
    }
  }
}

}  // namespace

awaitable<void> pipe_both_ways(raw_connection& a, raw_connection& b) {
  using namespace asio::experimental::awaitable_operators;
  auto early_a = a.take_buffered();
  if (!early_a.empty()) co_await b.write(std::move(early_a));
  auto early_b = b.take_buffered();
  if (!early_b.empty()) co_await a.write(std::move(early_b));
  auto forward = copy(a.socket(), b.socket());
  auto backward = copy(b.socket(), a.socket());
  co_await (std::move(forward) && std::move(backward));
}

awaitable<void> event::wait() {
  while (!set_) co_await timer_.async_wait(tuple_awaitable);
}

}  // namespace mlc::test
