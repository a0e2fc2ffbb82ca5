#pragma once
// Building HTTP responses in the emulators.
#include <string>

#include <boost/json/value.hpp>

#include "net/http.hpp"

namespace mlc::emu {

net::http_response json_response(int status, boost::json::value const& body);
net::http_response text_response(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
net::http_response empty_response(int status);

}  // namespace mlc::emu
