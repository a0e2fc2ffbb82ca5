#pragma once
// JSON text as the emulated servers print it. Boost.JSON prints doubles in exponent form
// (1234.5 -> "1.2345E3"); Sage X3 and Jira print plain decimals, and clients that read
// amounts as decimal text depend on that, so doubles go through std::to_chars here.
#include <string>

#include <boost/json/value.hpp>

namespace mlc::emu {

std::string to_json_text(boost::json::value const& v);

// Parses JSON text; std::nullopt-like failure is reported through `error` (empty on success).
boost::json::value parse_json(std::string_view text, std::string& error);

}  // namespace mlc::emu
