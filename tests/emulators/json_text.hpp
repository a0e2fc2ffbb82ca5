#pragma once
// JSON text as the emulated servers print it. Boost.JSON prints doubles in exponent form
// (1234.5 -> "1.2345E3"); Sage X3 and Jira print plain decimals, and clients that read
// amounts as decimal text depend on that, so doubles go through std::to_chars here.
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace mlc::emu {

std::string to_json_text(boost::json::value const& v);
// Appends to `out` (streaming writers build large bodies without a json::value tree).
void append_json(std::string& out, boost::json::value const& v);
void append_json_string(std::string& out, std::string_view s);
// Numbers exactly as append_json prints a json::value holding them.
void append_json_number(std::string& out, double v);
void append_json_number(std::string& out, std::int64_t v);
// v / 100 exactly as append_json_number(out, double(v) / 100.0) prints it ("12.5", "-0.05",
// "3"), without the floating-point formatting on the common range.
void append_json_hundredths(std::string& out, std::int64_t v);

// Streams JSON text without building a json::value tree (large list pages).
class json_writer {
 public:
  explicit json_writer(std::string& out) : out_{out} {}
  json_writer& begin_object() { return open('{'); }
  json_writer& end_object() { return close('}'); }
  json_writer& begin_array() { return open('['); }
  json_writer& end_array() { return close(']'); }
  json_writer& key(std::string_view k) {
    comma();
    append_json_string(out_, k);
    out_ += ':';
    after_key_ = true;
    return *this;
  }
  json_writer& value(std::string_view v) {
    comma();
    append_json_string(out_, v);
    return *this;
  }
  json_writer& value(char const* v) { return value(std::string_view{v}); }
  json_writer& value(std::string const& v) { return value(std::string_view{v}); }
  json_writer& value(boost::json::value const& v) {
    comma();
    append_json(out_, v);
    return *this;
  }
  json_writer& value(std::int64_t v) {
    comma();
    append_json_number(out_, v);
    return *this;
  }
  json_writer& value(int v) { return value(std::int64_t{v}); }
  json_writer& value(double v) {
    comma();
    append_json_number(out_, v);
    return *this;
  }
  json_writer& hundredths(std::int64_t v) {
    comma();
    append_json_hundredths(out_, v);
    return *this;
  }
  json_writer& null() {
    comma();
    out_ += "null";
    return *this;
  }

 private:
  json_writer& open(char c) {
    comma();
    out_ += c;
    first_ = true;
    return *this;
  }
  json_writer& close(char c) {
    out_ += c;
    first_ = false;
    return *this;
  }
  void comma() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_) out_ += ',';
    first_ = false;
  }
  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
};

// Parses JSON text; std::nullopt-like failure is reported through `error` (empty on success).
boost::json::value parse_json(std::string_view text, std::string& error);

}  // namespace mlc::emu
