#include "tests/emulators/loose_json.hpp"

#include <cctype>
#include <string>

namespace mlc::emu {
namespace json = boost::json;
namespace {

class reader {
 public:
  explicit reader(std::string_view s) : s_{s} {}

  json::value document() {
    json::value v = value();
    skip();
    if (pos_ != s_.size()) fail("unexpected '" + std::string(1, s_[pos_]) + "' after the value");
    return v;
  }

 private:
  [[noreturn]] void fail(std::string const& what) {
    throw loose_json_error(what + " at offset " + std::to_string(pos_), pos_);
  }

  void skip() {
    while (pos_ < s_.size() && std::isspace((unsigned char)s_[pos_])) ++pos_;
  }

  json::value value() {
    skip();
    if (pos_ >= s_.size()) fail("unexpected end of text");
    char c = s_[pos_];
    if (c == '{') return object();
    if (c == '[') return array();
    if (c == '\'' || c == '"') return json::value(quoted());
    if (c == '-' || c == '+' || std::isdigit((unsigned char)c)) return number();
    std::string word = identifier();
    if (word == "true") return true;
    if (word == "false") return false;
    if (word == "null") return nullptr;
    if (word.empty()) fail("unexpected '" + std::string(1, c) + "'");
    fail("unquoted value '" + word + "' (quote strings with ')");
  }

  std::string identifier() {
    std::size_t start = pos_;
    while (pos_ < s_.size() && (std::isalnum((unsigned char)s_[pos_]) || s_[pos_] == '_' || s_[pos_] == '$')) ++pos_;
    return std::string(s_.substr(start, pos_ - start));
  }

  std::string quoted() {
    char q = s_[pos_++];
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) fail("unterminated string");
      char c = s_[pos_++];
      if (c == q) return out;
      if (c == '\\') {
        if (pos_ >= s_.size()) fail("unterminated string");
        char e = s_[pos_++];
        switch (e) {
          case 'n': out += '\n'; break;
          case 't': out += '\t'; break;
          case 'r': out += '\r'; break;
          case 'u': {
            if (pos_ + 4 > s_.size()) fail("bad \\u escape");
            unsigned cp = 0;
            for (int i = 0; i < 4; ++i) {
              char h = s_[pos_++];
              if (!std::isxdigit((unsigned char)h)) fail("bad \\u escape");
              cp = cp * 16 + unsigned(std::isdigit((unsigned char)h) ? h - '0' : std::tolower(h) - 'a' + 10);
            }
            if (cp < 0x80) {
              out += char(cp);
            } else if (cp < 0x800) {
              out += char(0xC0 | cp >> 6);
              out += char(0x80 | (cp & 0x3F));
            } else {
              out += char(0xE0 | cp >> 12);
              out += char(0x80 | (cp >> 6 & 0x3F));
              out += char(0x80 | (cp & 0x3F));
            }
            break;
          }
          default: out += e;  // \' \" \\ \/
        }
        continue;
      }
      out += c;
    }
  }

  json::value number() {
    std::size_t start = pos_;
    if (s_[pos_] == '-' || s_[pos_] == '+') ++pos_;
    bool is_float = false;
    while (pos_ < s_.size() && (std::isdigit((unsigned char)s_[pos_]) || s_[pos_] == '.' || s_[pos_] == 'e' ||
                                s_[pos_] == 'E' || ((s_[pos_] == '-' || s_[pos_] == '+') && (s_[pos_ - 1] == 'e' || s_[pos_ - 1] == 'E')))) {
      if (!std::isdigit((unsigned char)s_[pos_])) is_float = true;
      ++pos_;
    }
    std::string text{s_.substr(start, pos_ - start)};
    try {
      std::size_t used = 0;
      if (!is_float) {
        long long v = std::stoll(text, &used);
        if (used == text.size()) return json::value(std::int64_t(v));
      } else {
        double d = std::stod(text, &used);
        if (used == text.size()) return json::value(d);
      }
    } catch (std::exception const&) {
    }
    pos_ = start;
    fail("bad number '" + text + "'");
  }

  json::value object() {
    ++pos_;
    json::object o;
    while (true) {
      skip();
      if (pos_ >= s_.size()) fail("unterminated object");
      if (s_[pos_] == '}') {
        ++pos_;
        return o;
      }
      std::string key;
      if (s_[pos_] == '\'' || s_[pos_] == '"')
        key = quoted();
      else
        key = identifier();
      if (key.empty()) fail("expected a property name");
      skip();
      if (pos_ >= s_.size() || s_[pos_] != ':') fail("expected ':' after key '" + key + "'");
      ++pos_;
      o[key] = value();
      skip();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      skip();
      if (pos_ < s_.size() && s_[pos_] == '}') continue;
      fail("expected ',' or '}'");
    }
  }

  json::value array() {
    ++pos_;
    json::array a;
    while (true) {
      skip();
      if (pos_ >= s_.size()) fail("unterminated array");
      if (s_[pos_] == ']') {
        ++pos_;
        return a;
      }
      a.push_back(value());
      skip();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == ']') continue;
      fail("expected ',' or ']'");
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

json::value parse_loose_json(std::string_view text) {
  reader r{text};
  return r.document();
}

}  // namespace mlc::emu
