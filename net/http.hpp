#pragma once
// Plain HTTP message types shared by the client, the server, the engine and the emulators.
// No Beast here: only net/*.cpp include Beast.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mlc::net {

// Ordered header list; lookups are case-insensitive (RFC 9110 §5.1).
class header_list {
 public:
  using value_type = std::pair<std::string, std::string>;

  void set(std::string name, std::string value);  // replaces every field of that name
  void add(std::string name, std::string value);  // appends
  std::optional<std::string_view> get(std::string_view name) const;
  void erase(std::string_view name);

  auto begin() const { return fields_.begin(); }
  auto end() const { return fields_.end(); }
  std::size_t size() const { return fields_.size(); }

 private:
  std::vector<value_type> fields_;
};

struct http_request {
  std::string method = "GET";
  std::string target = "/";  // origin-form: path and query
  header_list headers;
  std::string body;
  // Filled by the server: the local address and port the connection arrived on,
  // and the peer. Lets one server answer as several hosts (the emulators).
  std::string local_address;
  unsigned short local_port = 0;
  std::string remote_address;
};

struct http_response {
  int status = 200;
  header_list headers;
  std::string body;
  // Server side only (fault injection for tests and the emulators): when a handler sets
  // it, http_server sends nothing and resets the connection (TCP RST, no HTTP answer), as
  // a crashing proxy or load balancer does. Status, headers and body are then ignored.
  bool drop_connection = false;

  int status_class() const { return status / 100; }
};

bool iequals(std::string_view a, std::string_view b);
bool is_idempotent(std::string_view method);

}  // namespace mlc::net
