#pragma once
// Building request URLs from a configured base URL plus path segments and query values.
// Pure functions; no shared state.
#include <string>
#include <string_view>

namespace mlc::engine {

// Percent-encodes every byte except RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~)
// and the ones in `keep`. Query values use keep = "$,:@/" so "representation=PORDER.$query"
// and "@2026-01-01T00:00:00Z@" stay readable, while '+', '&', '=', '#', '\'', '%' and spaces
// are always encoded (a '+' left raw is read as a space by form decoders).
std::string percent_encode(std::string_view text, std::string_view keep = {});

// `base_url` checked to be an absolute http(s) URL without query or fragment, with any
// trailing slashes removed, so "https://h/x3/" + "/api1/…" never doubles the slash.
// Throws std::invalid_argument otherwise (the message never repeats the URL: it may hold
// credentials).
std::string base_url_root(std::string_view base_url);

}  // namespace mlc::engine
