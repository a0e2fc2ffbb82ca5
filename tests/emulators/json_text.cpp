#include "tests/emulators/json_text.hpp"

#include <charconv>
#include <cmath>
#include <cstring>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace mlc::emu {
namespace json = boost::json;
namespace {

// JSON string escaping straight into the output (json::serialize would allocate a string
// per call, which dominated the emulators' profile).
bool plain(unsigned char c) { return c >= 0x20 && c != '"' && c != '\\'; }

void write_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::size_t first = 0;
  while (first < s.size() && plain(static_cast<unsigned char>(s[first]))) ++first;
  if (first == s.size() && s.size() <= 62) {  // the usual short, clean string: one append
    char buf[64];
    buf[0] = '"';
    if (!s.empty()) std::memcpy(buf + 1, s.data(), s.size());
    buf[s.size() + 1] = '"';
    out.append(buf, s.size() + 2);
    return;
  }
  out += '"';
  std::size_t run = 0;
  for (std::size_t i = first; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

template <class Int>
void write_integer(std::string& out, Int v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

void write_double(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buf[64];
  // Shortest round-trip text in fixed notation: 1234.5 -> "1234.5", 1e-7 stays readable.
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  if (res.ec != std::errc{}) res = std::to_chars(buf, buf + sizeof buf, d);
  out.append(buf, res.ptr);
}

void write(std::string& out, json::value const& v) {
  switch (v.kind()) {
    case json::kind::null: out += "null"; return;
    case json::kind::bool_: out += v.get_bool() ? "true" : "false"; return;
    case json::kind::int64: write_integer(out, v.get_int64()); return;
    case json::kind::uint64: write_integer(out, v.get_uint64()); return;
    case json::kind::double_: write_double(out, v.get_double()); return;
    case json::kind::string: write_string(out, v.get_string()); return;
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
        write_string(out, kv.key());
        out += ':';
        write(out, kv.value());
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

void append_json(std::string& out, json::value const& v) { write(out, v); }
void append_json_string(std::string& out, std::string_view s) { write_string(out, s); }
void append_json_number(std::string& out, double v) { write_double(out, v); }
void append_json_number(std::string& out, std::int64_t v) { write_integer(out, v); }

void append_json_hundredths(std::string& out, std::int64_t v) {
  // Below 10^14 every such quotient's shortest round-trip text is its exact decimal with
  // trailing zeros dropped (checked against std::to_chars over +-2e6 and 2e7 random values).
  constexpr std::int64_t k_exact = 100'000'000'000'000;
  if (v <= -k_exact || v >= k_exact) return write_double(out, double(v) / 100.0);
  char buf[24];
  char* p = buf + sizeof buf;
  std::uint64_t a = v < 0 ? 0 - std::uint64_t(v) : std::uint64_t(v);
  unsigned frac = unsigned(a % 100);
  std::uint64_t whole = a / 100;
  if (frac != 0) {
    if (frac % 10 != 0) *--p = char('0' + frac % 10);
    *--p = char('0' + frac / 10);
    *--p = '.';
  }
  do {
    *--p = char('0' + whole % 10);
    whole /= 10;
  } while (whole != 0);
  if (v < 0) *--p = '-';
  out.append(p, buf + sizeof buf);
}

std::string to_json_text(json::value const& v) {
  std::string out;
  out.reserve(4096);
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
