#include "tests/emulators/json_text.hpp"

#include <charconv>
#include <cmath>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace mlc::emu {
namespace json = boost::json;
namespace {

void write(std::string& out, json::value const& v) {
  switch (v.kind()) {
    case json::kind::null: out += "null"; return;
    case json::kind::bool_: out += v.get_bool() ? "true" : "false"; return;
    case json::kind::int64: out += std::to_string(v.get_int64()); return;
    case json::kind::uint64: out += std::to_string(v.get_uint64()); return;
    case json::kind::double_: {
      double d = v.get_double();
      if (!std::isfinite(d)) {
        out += "null";
        return;
      }
      char buf[64];
      // Shortest round-trip text in fixed notation: 1234.5 -> "1234.5", 1e-7 stays readable.
      auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
      if (res.ec != std::errc{}) res = std::to_chars(buf, buf + sizeof buf, d);
      out.append(buf, res.ptr);
      return;
    }
    case json::kind::string: out += json::serialize(v.get_string()); return;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (auto const& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        write(out, e);
      }
      out += ']';
      return;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (auto const& kv : v.get_object()) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(json::string_view{kv.key()});
        out += ':';
        write(out, kv.value());
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

std::string to_json_text(json::value const& v) {
  std::string out;
  out.reserve(256);
  write(out, v);
  return out;
}

json::value parse_json(std::string_view text, std::string& error) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) {
    error = ec.message();
    return nullptr;
  }
  error.clear();
  return v;
}

}  // namespace mlc::emu
