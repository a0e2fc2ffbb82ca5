#pragma once
// Test helpers: an in-process emulator without sockets (or with, for HTTP tests), a
// manual clock, and request builders that set the local address the way the server would.
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "net/http.hpp"
#include "tests/emulators/emulator.hpp"

namespace mlc::emu::test {

inline sys_ms test_start() { return *parse_timestamp("2026-11-02T09:00:00Z"); }

// With MLC_EMU_TEST_TRANSPORT=http in the environment (CTest registers every emulator
// test binary a second time that way), the fixture starts the emulator's listeners and
// call() sends each request over loopback with net::http_client to the address in
// req.local_address; otherwise call() invokes emulator::handle directly.
struct fixture {
  explicit fixture(emulator_options o = {});
  ~fixture();

  // One request, to completion, on the fixture's io_context.
  net::http_response call(net::http_request req);
  bool over_http() const { return over_http_; }
  // "http://127.20.0.1:PORT" as clients see tenant i's Jira / X3 (port 8080 without sockets).
  std::string jira_origin(std::size_t i) const;
  std::string x3_origin(std::size_t i) const;
  boost::json::value call_json(net::http_request req, int expected_status);

  // Requests as tenant i's X3 / Jira / the gateway would receive them.
  net::http_request x3(std::size_t i, std::string method, std::string target, std::string body = {}) const;
  net::http_request jira(std::size_t i, std::string method, std::string target, std::string body = {}) const;
  net::http_request gateway(std::string method, std::string target, std::string body = {}) const;
  net::http_request control(std::string method, std::string target, std::string body = {}) const;

  // Authorization headers with valid credentials.
  std::string x3_jwt(std::size_t i, std::int64_t lifetime_s = 300) const;
  std::string x3_basic(std::size_t i) const;
  std::string jira_auth(std::size_t i) const;  // Basic (cloud) or Bearer PAT (DC)

  // POST /xtrem/api with a valid JWT; returns the parsed body (HTTP 200 expected).
  boost::json::object graphql(std::size_t i, std::string const& query, boost::json::object variables = {});

  boost::asio::io_context ioc;
  std::shared_ptr<manual_clock> clk;
  std::unique_ptr<emulator> emu;

 private:
  template <class T>
  T run(boost::asio::awaitable<T> work);
  bool over_http_ = false;
  struct client_holder;
  std::unique_ptr<client_holder> client_;
};

std::string basic(std::string const& user, std::string const& password);

}  // namespace mlc::emu::test
