#include <cctype>
#include <cstdint>

#include "tests/emulators/graphql_document.hpp"

namespace mlc::emu::graphql {
namespace {

enum class tok { eof, punct, name, integer, floating, string, block_string };

struct token {
  tok t = tok::eof;
  std::string text;  // punctuator, name, number text or decoded string
  location loc;
};

std::string describe(token const& t) {
  switch (t.t) {
    case tok::eof: return "<EOF>";
    case tok::punct: return "\"" + t.text + "\"";
    case tok::name: return "Name \"" + t.text + "\"";
    case tok::integer: return "Int \"" + t.text + "\"";
    case tok::floating: return "Float \"" + t.text + "\"";
    case tok::string:
    case tok::block_string: return "String \"" + t.text + "\"";
  }
  return "token";
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | cp >> 6);
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | cp >> 12);
    out += char(0x80 | (cp >> 6 & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | cp >> 18);
    out += char(0x80 | (cp >> 12 & 0x3F));
    out += char(0x80 | (cp >> 6 & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

class lexer {
 public:
  explicit lexer(std::string_view src) : src_{src} {
    if (src_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
  }

  token next() {
    skip_ignored();
    token t;
    t.loc = here();
    if (pos_ >= src_.size()) return t;
    char c = src_[pos_];
    if (c == '.') {
      if (src_.substr(pos_, 3) == "...") {
        pos_ += 3;
        col_ += 3;
        t.t = tok::punct;
        t.text = "...";
        return t;
      }
      fail("Syntax Error: Unexpected \".\".", t.loc);
    }
    if (std::string_view("!$&()[]{}:=@|").find(c) != std::string_view::npos) {
      advance();
      t.t = tok::punct;
      t.text = std::string(1, c);
      return t;
    }
    if (std::isalpha((unsigned char)c) || c == '_') {
      std::size_t start = pos_;
      while (pos_ < src_.size() && (std::isalnum((unsigned char)src_[pos_]) || src_[pos_] == '_')) advance();
      t.t = tok::name;
      t.text = std::string(src_.substr(start, pos_ - start));
      return t;
    }
    if (c == '-' || std::isdigit((unsigned char)c)) return number(t);
    if (c == '"') {
      if (src_.substr(pos_, 3) == "\"\"\"") return block_string(t);
      return string(t);
    }
    fail(std::string("Syntax Error: Unexpected character: \"") + c + "\".", t.loc);
  }

 private:
  [[noreturn]] void fail(std::string message, location loc) { throw syntax_error(std::move(message), loc); }

  location here() const { return {line_, col_}; }

  void advance() {
    if (src_[pos_] == '\n') {
      ++line_;
      col_ = 1;
    } else if (src_[pos_] == '\r') {
      if (pos_ + 1 < src_.size() && src_[pos_ + 1] == '\n') ++pos_;
      ++line_;
      col_ = 1;
    } else if ((src_[pos_] & 0xC0) != 0x80) {  // count code points, not bytes
      ++col_;
    }
    ++pos_;
  }

  void skip_ignored() {
    while (pos_ < src_.size()) {
      char c = src_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',') {
        advance();
      } else if (c == '#') {
        while (pos_ < src_.size() && src_[pos_] != '\n' && src_[pos_] != '\r') advance();
      } else {
        break;
      }
    }
  }

  token number(token t) {
    std::size_t start = pos_;
    bool is_float = false;
    if (src_[pos_] == '-') advance();
    if (pos_ >= src_.size() || !std::isdigit((unsigned char)src_[pos_]))
      fail("Syntax Error: Invalid number, expected digit but got: " + describe_char() + ".", here());
    if (src_[pos_] == '0' && pos_ + 1 < src_.size() && std::isdigit((unsigned char)src_[pos_ + 1]))
      fail("Syntax Error: Invalid number, unexpected digit after 0.", here());
    while (pos_ < src_.size() && std::isdigit((unsigned char)src_[pos_])) advance();
    if (pos_ < src_.size() && src_[pos_] == '.') {
      is_float = true;
      advance();
      if (pos_ >= src_.size() || !std::isdigit((unsigned char)src_[pos_]))
        fail("Syntax Error: Invalid number, expected digit but got: " + describe_char() + ".", here());
      while (pos_ < src_.size() && std::isdigit((unsigned char)src_[pos_])) advance();
    }
    if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
      is_float = true;
      advance();
      if (pos_ < src_.size() && (src_[pos_] == '+' || src_[pos_] == '-')) advance();
      if (pos_ >= src_.size() || !std::isdigit((unsigned char)src_[pos_]))
        fail("Syntax Error: Invalid number, expected digit but got: " + describe_char() + ".", here());
      while (pos_ < src_.size() && std::isdigit((unsigned char)src_[pos_])) advance();
    }
    if (pos_ < src_.size() && (std::isalpha((unsigned char)src_[pos_]) || src_[pos_] == '_' || src_[pos_] == '.'))
      fail("Syntax Error: Invalid number, expected digit but got: " + describe_char() + ".", here());
    t.t = is_float ? tok::floating : tok::integer;
    t.text = std::string(src_.substr(start, pos_ - start));
    return t;
  }

  std::string describe_char() const {
    if (pos_ >= src_.size()) return "<EOF>";
    return std::string("\"") + src_[pos_] + "\"";
  }

  token string(token t) {
    advance();  // opening quote
    std::string out;
    while (true) {
      if (pos_ >= src_.size() || src_[pos_] == '\n' || src_[pos_] == '\r')
        fail("Syntax Error: Unterminated string.", here());
      char c = src_[pos_];
      if (c == '"') {
        advance();
        break;
      }
      if (c == '\\') {
        advance();
        if (pos_ >= src_.size()) fail("Syntax Error: Unterminated string.", here());
        char e = src_[pos_];
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            if (pos_ + 4 >= src_.size()) fail("Syntax Error: Invalid Unicode escape sequence.", here());
            std::uint32_t cp = 0;
            for (int i = 1; i <= 4; ++i) {
              char h = src_[pos_ + std::size_t(i)];
              if (!std::isxdigit((unsigned char)h)) fail("Syntax Error: Invalid Unicode escape sequence.", here());
              cp = cp * 16 + std::uint32_t(std::isdigit((unsigned char)h) ? h - '0' : std::tolower(h) - 'a' + 10);
            }
            for (int i = 0; i < 4; ++i) advance();
            append_utf8(out, cp);
            break;
          }
          default: fail(std::string("Syntax Error: Invalid character escape sequence: \"\\") + e + "\".", here());
        }
        advance();
        continue;
      }
      out += c;
      advance();
    }
    t.t = tok::string;
    t.text = std::move(out);
    return t;
  }

  token block_string(token t) {
    for (int i = 0; i < 3; ++i) advance();
    std::string raw;
    while (true) {
      if (pos_ >= src_.size()) fail("Syntax Error: Unterminated string.", here());
      if (src_.substr(pos_, 3) == "\"\"\"") {
        for (int i = 0; i < 3; ++i) advance();
        break;
      }
      if (src_.substr(pos_, 4) == "\\\"\"\"") {
        raw += "\"\"\"";
        for (int i = 0; i < 4; ++i) advance();
        continue;
      }
      raw += src_[pos_];
      advance();
    }
    t.t = tok::block_string;
    t.text = dedent(raw);
    return t;
  }

  // Block string value per spec §2.9.4: strip the common indentation and blank edge lines.
  static std::string dedent(std::string const& raw) {
    std::vector<std::string> lines;
    std::string cur;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\r' || raw[i] == '\n') {
        if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
        lines.push_back(cur);
        cur.clear();
      } else {
        cur += raw[i];
      }
    }
    lines.push_back(cur);
    std::size_t common = std::string::npos;
    for (std::size_t i = 1; i < lines.size(); ++i) {
      auto ind = lines[i].find_first_not_of(" \t");
      if (ind == std::string::npos) continue;
      common = std::min(common, ind);
    }
    if (common != std::string::npos)
      for (std::size_t i = 1; i < lines.size(); ++i) lines[i] = lines[i].size() >= common ? lines[i].substr(common) : "";
    auto blank = [](std::string const& l) { return l.find_first_not_of(" \t") == std::string::npos; };
    while (!lines.empty() && blank(lines.front())) lines.erase(lines.begin());
    while (!lines.empty() && blank(lines.back())) lines.pop_back();
    std::string out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (i) out += '\n';
      out += lines[i];
    }
    return out;
  }

  std::string_view src_;
  std::size_t pos_ = 0;
  int line_ = 1;
  int col_ = 1;
};

class parser {
 public:
  explicit parser(std::string_view src) : lex_{src} { cur_ = lex_.next(); }

  document parse_document() {
    document doc;
    if (cur_.t == tok::eof) fail_expected("Name");  // an empty document has no definition
    while (cur_.t != tok::eof) {
      if (is_punct("{")) {
        operation op;
        op.loc = cur_.loc;
        op.selections = selection_set_();
        doc.operations.push_back(std::move(op));
      } else if (cur_.t == tok::name && (cur_.text == "query" || cur_.text == "mutation" || cur_.text == "subscription")) {
        doc.operations.push_back(operation_());
      } else if (cur_.t == tok::name && cur_.text == "fragment") {
        doc.fragments.push_back(fragment_());
      } else {
        throw syntax_error("Syntax Error: Unexpected " + describe(cur_) + ".", cur_.loc);
      }
    }
    return doc;
  }

 private:
  bool is_punct(char const* p) const { return cur_.t == tok::punct && cur_.text == p; }

  [[noreturn]] void fail_expected(std::string const& what) {
    throw syntax_error("Syntax Error: Expected " + what + ", found " + describe(cur_) + ".", cur_.loc);
  }

  token take() {
    token t = std::move(cur_);
    cur_ = lex_.next();
    return t;
  }

  void expect(char const* p) {
    if (!is_punct(p)) fail_expected(std::string("\"") + p + "\"");
    take();
  }

  std::string name_() {
    if (cur_.t != tok::name) fail_expected("Name");
    return take().text;
  }

  operation operation_() {
    operation op;
    op.loc = cur_.loc;
    op.kind = take().text;
    if (cur_.t == tok::name) op.name = take().text;
    if (is_punct("(")) {
      take();
      while (!is_punct(")")) {
        variable_definition v;
        v.loc = cur_.loc;
        expect("$");
        v.name = name_();
        expect(":");
        v.type = type_(v.non_null);
        if (is_punct("=")) {
          take();
          v.default_value = value_(true);
        }
        if (is_punct("@")) directives_();  // allowed by the spec; no effect here
        op.variables.push_back(std::move(v));
      }
      take();
      if (op.variables.empty()) fail_expected("\"$\"");
    }
    op.directives = directives_();
    op.selections = selection_set_();
    return op;
  }

  std::string type_(bool& non_null) {
    std::string t;
    if (is_punct("[")) {
      take();
      bool inner = false;
      t = "[" + type_(inner) + "]";
      expect("]");
    } else {
      t = name_();
    }
    non_null = false;
    if (is_punct("!")) {
      take();
      t += "!";
      non_null = true;
    }
    return t;
  }

  fragment fragment_() {
    fragment f;
    f.loc = cur_.loc;
    take();  // "fragment"
    if (cur_.t == tok::name && cur_.text == "on") fail_expected("fragment name");
    f.name = name_();
    if (!(cur_.t == tok::name && cur_.text == "on")) fail_expected("\"on\"");
    take();
    f.type_condition = name_();
    directives_();
    f.selections = selection_set_();
    return f;
  }

  selection_set selection_set_() {
    expect("{");
    selection_set out;
    while (!is_punct("}")) {
      if (cur_.t == tok::eof) fail_expected("Name");
      out.push_back(selection_());
    }
    take();
    if (out.empty()) fail_expected("Name");
    return out;
  }

  selection selection_() {
    selection s;
    s.loc = cur_.loc;
    if (is_punct("...")) {
      take();
      if (cur_.t == tok::name && cur_.text != "on") {
        s.k = selection::kind::fragment_spread;
        s.name = take().text;
        s.directives = directives_();
        return s;
      }
      s.k = selection::kind::inline_fragment;
      if (cur_.t == tok::name && cur_.text == "on") {
        take();
        s.type_condition = name_();
      }
      s.directives = directives_();
      s.selections = selection_set_();
      return s;
    }
    s.k = selection::kind::field;
    s.name = name_();
    if (is_punct(":")) {
      take();
      s.alias = std::move(s.name);
      s.name = name_();
    }
    if (is_punct("(")) s.arguments = arguments_(false);
    s.directives = directives_();
    if (is_punct("{")) s.selections = selection_set_();
    return s;
  }

  argument_list arguments_(bool is_const) {
    expect("(");
    argument_list out;
    while (!is_punct(")")) {
      std::string n = name_();
      expect(":");
      out.emplace_back(std::move(n), value_(is_const));
    }
    take();
    if (out.empty()) fail_expected("Name");
    return out;
  }

  std::vector<directive> directives_() {
    std::vector<directive> out;
    while (is_punct("@")) {
      directive d;
      d.loc = cur_.loc;
      take();
      d.name = name_();
      if (is_punct("(")) d.arguments = arguments_(false);
      out.push_back(std::move(d));
    }
    return out;
  }

  value value_(bool is_const) {
    value v;
    v.loc = cur_.loc;
    switch (cur_.t) {
      case tok::punct:
        if (cur_.text == "$" && !is_const) {
          take();
          v.k = value::kind::variable;
          v.text = name_();
          return v;
        }
        if (cur_.text == "[") {
          take();
          v.k = value::kind::list;
          while (!is_punct("]")) {
            if (cur_.t == tok::eof) fail_expected("\"]\"");
            v.items.push_back(value_(is_const));
          }
          take();
          return v;
        }
        if (cur_.text == "{") {
          take();
          v.k = value::kind::object;
          while (!is_punct("}")) {
            std::string n = name_();
            expect(":");
            v.fields.push_back(value_field{std::move(n), value_(is_const)});
          }
          take();
          return v;
        }
        throw syntax_error("Syntax Error: Unexpected " + describe(cur_) + ".", cur_.loc);
      case tok::integer: v.k = value::kind::integer; v.text = take().text; return v;
      case tok::floating: v.k = value::kind::floating; v.text = take().text; return v;
      case tok::string:
      case tok::block_string: v.k = value::kind::string; v.text = take().text; return v;
      case tok::name:
        if (cur_.text == "true" || cur_.text == "false") {
          v.k = value::kind::boolean;
          v.boolean = take().text == "true";
        } else if (cur_.text == "null") {
          take();
          v.k = value::kind::null;
        } else {
          v.k = value::kind::enumeration;
          v.text = take().text;
        }
        return v;
      case tok::eof: break;
    }
    throw syntax_error("Syntax Error: Unexpected " + describe(cur_) + ".", cur_.loc);
  }

  lexer lex_;
  token cur_;
};

}  // namespace

document parse(std::string_view source) {
  parser p{source};
  return p.parse_document();
}

}  // namespace mlc::emu::graphql
