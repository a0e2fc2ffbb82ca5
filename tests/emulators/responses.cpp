#include "tests/emulators/responses.hpp"

#include "tests/emulators/json_text.hpp"

namespace mlc::emu {

net::http_response json_response(int status, boost::json::value const& body) {
  net::http_response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json;charset=UTF-8");
  r.body = to_json_text(body);
  return r;
}

net::http_response text_response(int status, std::string body, std::string content_type) {
  net::http_response r;
  r.status = status;
  r.headers.set("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

net::http_response empty_response(int status) {
  net::http_response r;
  r.status = status;
  return r;
}

}  // namespace mlc::emu
