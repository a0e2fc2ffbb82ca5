#pragma once
// Building HTTP responses in the emulators.
#include <string>

#include <boost/json/value.hpp>

#include "net/http.hpp"

namespace mlc::emu {

net::http_response json_response(int status, boost::json::value const& body);
net::http_response text_response(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
net::http_response empty_response(int status);

// Header set on a response that the emulator wants the server to answer by closing the
// connection without a response (a "dropped connection" fault). See emulator.cpp.
inline constexpr char k_drop_header[] = "x-mlc-drop-connection";

}  // namespace mlc::emu
