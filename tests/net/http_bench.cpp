// mlc-http-bench: throughput and cost of net::http_client against an in-process
// net::http_server over loopback. Not a test (not registered with CTest).
//   mlc-http-bench [--coroutines N] [--requests R] [--cap C] [--body BYTES] [--mode http|https|both]
//                  [--close 1] [--resume 0]
// --close 1: every request asks the server to close its connection, so each opens a new one,
// as a poll does once the server's keep-alive has run out; --resume 0: without offering the
// last TLS session (client_options.tls.resume_sessions), for comparison.
// The server runs on its own thread and io_context; the client's N coroutines share one
// io_context on the main thread. CPU is measured for the client thread alone
// (RUSAGE_THREAD) and for the whole process (client + server).
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include <boost/asio/co_spawn.hpp>

#include "net/error.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "tests/support/test_support.hpp"

namespace {

using namespace std::chrono_literals;
using mlc::awaitable;
namespace asio = boost::asio;

struct settings {
  int coroutines = 500;
  int requests = 200;  // per coroutine
  std::size_t cap = 500;
  std::size_t body = 256;
  std::string mode = "both";
  bool close = false;
  bool resume = true;
};

double cpu_seconds(int who) {
  rusage u{};
  getrusage(who, &u);
  auto tv = [](timeval t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return tv(u.ru_utime) + tv(u.ru_stime);
}

long rss_kib() {
  std::ifstream status{"/proc/self/status"};
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

awaitable<void> worker(mlc::net::http_client& client, std::string url, int requests, bool close,
                       std::atomic<long>& failures) {
  mlc::net::http_request request;
  if (close) request.headers.set("Connection", "close");
  for (int i = 0; i < requests; ++i) {
    try {
      auto r = co_await client.send(url, request);
      if (r.status != 200) ++failures;
    } catch (mlc::net::error const& e) {
      if (++failures <= 3) std::fprintf(stderr, "request failed: %s\n", e.what());
    }
  }
}

void run_mode(settings const& s, bool tls, unsigned short port) {
  asio::io_context ioc{1};
  mlc::net::client_options options;
  options.max_connections_per_origin = s.cap;
  if (tls) options.tls.ca_file = mlc::test::source_path("tests/net/data/localhost.pem").string();
  options.tls.resume_sessions = s.resume;
  std::atomic<long> failures{0};
  auto url = std::string{tls ? "https" : "http"} + "://127.0.0.1:" + std::to_string(port) + "/bench";
  double client_cpu = 0, process_cpu = 0, wall = 0;
  std::size_t opened = 0, resumed = 0;
  {
    mlc::net::http_client client{ioc.get_executor(), options};
    auto cpu_thread0 = cpu_seconds(RUSAGE_THREAD);
    auto cpu_process0 = cpu_seconds(RUSAGE_SELF);
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < s.coroutines; ++i)
      asio::co_spawn(ioc, worker(client, url, s.requests, s.close, failures), [](std::exception_ptr e) {
        if (e) std::fprintf(stderr, "worker ended with an unexpected exception\n");
      });
    ioc.run();
    wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    client_cpu = cpu_seconds(RUSAGE_THREAD) - cpu_thread0;
    process_cpu = cpu_seconds(RUSAGE_SELF) - cpu_process0;
    opened = client.connections_opened();
    resumed = client.tls_resumptions();
  }
  double total = static_cast<double>(s.coroutines) * s.requests;
  std::printf("%-5s %4d coroutines x %d requests, cap %zu, %zu-byte bodies: %.0f req/s, "
              "client CPU %.1f us/req, process CPU %.1f us/req, %zu connections (%zu TLS resumptions), "
              "%ld failures, RSS %ld KiB (peak %ld KiB)\n",
              tls ? "https" : "http", s.coroutines, s.requests, s.cap, s.body, total / wall, client_cpu / total * 1e6,
              process_cpu / total * 1e6, opened, resumed, failures.load(), rss_kib(), peak_rss_kib());
}

}  // namespace

int main(int argc, char** argv) {
  settings s;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--coroutines") s.coroutines = std::stoi(value);
    else if (flag == "--requests") s.requests = std::stoi(value);
    else if (flag == "--cap") s.cap = std::stoul(value);
    else if (flag == "--body") s.body = std::stoul(value);
    else if (flag == "--mode") s.mode = value;
    else if (flag == "--close") s.close = value != "0";
    else if (flag == "--resume") s.resume = value != "0";
    else {
      std::fprintf(stderr, "unknown option %s\n", flag.c_str());
      return 2;
    }
  }

  asio::io_context server_ioc{1};
  std::string body(s.body, 'x');
  auto handler = [body](mlc::net::http_request) -> awaitable<mlc::net::http_response> {
    mlc::net::http_response r;
    r.headers.set("Content-Type", "text/plain");
    r.body = body;
    co_return r;
  };
  mlc::net::http_server plain{server_ioc.get_executor(), mlc::net::server_options{}, handler};
  mlc::net::server_options tls_options;
  tls_options.tls_cert_file = mlc::test::source_path("tests/net/data/localhost.pem").string();
  tls_options.tls_key_file = mlc::test::source_path("tests/net/data/localhost.key").string();
  mlc::net::http_server secure{server_ioc.get_executor(), tls_options, handler};
  auto plain_port = plain.listen("127.0.0.1", 0);
  auto tls_port = secure.listen("127.0.0.1", 0);
  std::thread server_thread{[&] { server_ioc.run(); }};

  std::printf("baseline RSS %ld KiB\n", rss_kib());
  if (s.mode == "http" || s.mode == "both") run_mode(s, false, plain_port);
  if (s.mode == "https" || s.mode == "both") run_mode(s, true, tls_port);

  asio::co_spawn(
      server_ioc,
      [&]() -> awaitable<void> {
        co_await plain.shutdown(1s);
        co_await secure.shutdown(1s);
      },
      [](std::exception_ptr e) {
        if (e) std::fprintf(stderr, "server shutdown failed\n");
      });
  server_thread.join();
  return 0;
}
