#include "tests/emulators/api1_where.hpp"

#include <cctype>

#include "tests/emulators/text.hpp"
#include "tests/emulators/time_text.hpp"

namespace mlc::emu {
namespace json = boost::json;
namespace {

template <class T>
int three_way(T a, T b) {
  return a < b ? -1 : b < a ? 1 : 0;
}

struct tok {
  enum class kind { end, ident, op, lparen, rparen, comma, string, date, number } k = kind::end;
  std::string text;
  std::size_t pos = 0;
};

class where_parser {
 public:
  where_parser(std::string_view s, api1_class const& cls) : s_{s}, cls_{cls} { cur_ = lex(); }

  std::unique_ptr<where_node> parse() {
    auto n = parse_or();
    if (cur_.k != tok::kind::end) fail("unexpected '" + cur_.text + "'");
    return n;
  }

 private:
  [[noreturn]] void fail(std::string const& what) {
    throw api1_error(400, "where: " + what + " at position " + std::to_string(cur_.pos + 1));
  }

  tok lex() {
    while (pos_ < s_.size() && std::isspace((unsigned char)s_[pos_])) ++pos_;
    tok t;
    t.pos = pos_;
    if (pos_ >= s_.size()) return t;
    char c = s_[pos_];
    if (c == '(') return ++pos_, t.k = tok::kind::lparen, t.text = "(", t;
    if (c == ')') return ++pos_, t.k = tok::kind::rparen, t.text = ")", t;
    if (c == ',') return ++pos_, t.k = tok::kind::comma, t.text = ",", t;
    if (c == '\'') {
      ++pos_;
      while (true) {
        if (pos_ >= s_.size()) fail("unterminated string");
        if (s_[pos_] == '\'') {
          if (pos_ + 1 < s_.size() && s_[pos_ + 1] == '\'') {  // '' is a quote inside a string
            t.text += '\'';
            pos_ += 2;
            continue;
          }
          ++pos_;
          break;
        }
        t.text += s_[pos_++];
      }
      t.k = tok::kind::string;
      return t;
    }
    if (c == '@') {
      auto end = s_.find('@', pos_ + 1);
      if (end == std::string_view::npos) fail("unterminated date literal");
      t.text = std::string(s_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
      t.k = tok::kind::date;
      return t;
    }
    if (std::isdigit((unsigned char)c) || (c == '-' && pos_ + 1 < s_.size() && std::isdigit((unsigned char)s_[pos_ + 1]))) {
      std::size_t start = pos_++;
      while (pos_ < s_.size() && (std::isdigit((unsigned char)s_[pos_]) || s_[pos_] == '.')) ++pos_;
      t.text = std::string(s_.substr(start, pos_ - start));
      t.k = tok::kind::number;
      return t;
    }
    for (std::string_view sym : {"<>", "!=", ">=", "<=", "=", ">", "<"}) {
      if (s_.substr(pos_, sym.size()) == sym) {
        pos_ += sym.size();
        t.k = tok::kind::op;
        t.text = sym == "<>" || sym == "!=" ? "ne" : sym == ">=" ? "ge" : sym == "<=" ? "le" : sym == "=" ? "eq" : sym == ">" ? "gt" : "lt";
        return t;
      }
    }
    if (std::isalpha((unsigned char)c) || c == '_') {
      std::size_t start = pos_;
      while (pos_ < s_.size() && (std::isalnum((unsigned char)s_[pos_]) || s_[pos_] == '_')) ++pos_;
      t.text = std::string(s_.substr(start, pos_ - start));
      t.k = tok::kind::ident;
      return t;
    }
    fail(std::string("unexpected character '") + c + "'");
  }

  bool keyword(char const* kw) const { return cur_.k == tok::kind::ident && to_lower(cur_.text) == kw; }
  void next() { cur_ = lex(); }

  std::unique_ptr<where_node> parse_or() {
    auto left = parse_and();
    if (!keyword("or")) return left;
    auto n = std::make_unique<where_node>();
    n->k = where_node::kind::any;
    n->children.push_back(std::move(left));
    while (keyword("or")) {
      next();
      n->children.push_back(parse_and());
    }
    return n;
  }

  std::unique_ptr<where_node> parse_and() {
    auto left = parse_unary();
    if (!keyword("and")) return left;
    auto n = std::make_unique<where_node>();
    n->k = where_node::kind::all;
    n->children.push_back(std::move(left));
    while (keyword("and")) {
      next();
      n->children.push_back(parse_unary());
    }
    return n;
  }

  std::unique_ptr<where_node> parse_unary() {
    if (keyword("not")) {
      next();
      auto n = std::make_unique<where_node>();
      n->k = where_node::kind::negate;
      n->children.push_back(parse_unary());
      return n;
    }
    if (cur_.k == tok::kind::lparen) {
      next();
      auto n = parse_or();
      if (cur_.k != tok::kind::rparen) fail("expected ')'");
      next();
      return n;
    }
    return parse_comparison();
  }

  json::value operand(api1_type type, std::string const& prop) {
    tok t = cur_;
    if (t.k == tok::kind::end) fail("expected a value after " + prop);
    next();
    switch (t.k) {
      case tok::kind::string:
        if (type == api1_type::date || type == api1_type::datetime) {
          auto when = parse_timestamp(t.text);
          if (!when) {
            cur_.pos = t.pos;
            fail("bad date '" + t.text + "' for " + prop);
          }
          return json::value(std::int64_t(when->time_since_epoch().count()));
        }
        if (type != api1_type::string) {
          cur_.pos = t.pos;
          fail("expected a number for " + prop);
        }
        return json::value(t.text);
      case tok::kind::date: {
        auto when = parse_timestamp(t.text);
        if (!when) {
          cur_.pos = t.pos;
          fail("bad date literal @" + t.text + "@");
        }
        if (type == api1_type::string) return json::value(t.text);
        return json::value(std::int64_t(when->time_since_epoch().count()));
      }
      case tok::kind::number:
        if (type == api1_type::string) return json::value(t.text);
        try {
          if (type == api1_type::integer) return json::value(std::int64_t(std::stoll(t.text)));
          return json::value(std::stod(t.text));
        } catch (std::exception const&) {
          cur_.pos = t.pos;
          fail("bad number " + t.text);
        }
      default: cur_.pos = t.pos; fail("expected a value, found '" + t.text + "'");
    }
  }

  std::unique_ptr<where_node> parse_comparison() {
    if (cur_.k != tok::kind::ident) fail("expected a property name, found '" + cur_.text + "'");
    std::string prop = cur_.text;
    auto index = cls_.index_of(prop);
    if (!index) throw api1_error(500, "Property " + prop + " does not exist in class " + cls_.name);
    next();
    auto n = std::make_unique<where_node>();
    n->property = prop;
    n->index = *index;
    n->type = cls_.properties[*index].second;
    if (keyword("in")) {
      next();
      if (cur_.k != tok::kind::lparen) fail("expected '(' after in");
      next();
      n->k = where_node::kind::in_list;
      while (true) {
        n->operands.push_back(operand(n->type, prop));
        if (cur_.k == tok::kind::comma) {
          next();
          continue;
        }
        if (cur_.k != tok::kind::rparen) fail("expected ',' or ')'");
        next();
        break;
      }
      return n;
    }
    std::string op = cur_.k == tok::kind::op ? cur_.text : to_lower(cur_.text);
    if (op != "eq" && op != "ne" && op != "gt" && op != "ge" && op != "lt" && op != "le")
      fail("expected an operator (eq ne gt ge lt le) after " + prop);
    next();
    n->op = op;
    n->operands.push_back(operand(n->type, prop));
    return n;
  }

  std::string_view s_;
  api1_class const& cls_;
  std::size_t pos_ = 0;
  tok cur_;
};

}  // namespace

std::optional<std::size_t> api1_class::index_of(std::string_view property) const {
  for (std::size_t i = 0; i < properties.size(); ++i)
    if (properties[i].first == property) return i;
  return std::nullopt;
}

int compare_cells(json::value const& a, json::value const& b) {
  if (a.is_null() || b.is_null()) return three_way(!a.is_null(), !b.is_null());
  if (a.is_string() && b.is_string()) return three_way(std::string_view(a.get_string()), std::string_view(b.get_string()));
  if (a.is_int64() && b.is_int64()) return three_way(a.get_int64(), b.get_int64());
  auto num = [](json::value const& v) {
    return v.is_double() ? v.get_double() : v.is_int64() ? double(v.get_int64()) : 0.0;
  };
  return three_way(num(a), num(b));
}

std::unique_ptr<where_node> parse_where(std::string_view text, api1_class const& cls) {
  where_parser p{text, cls};
  return p.parse();
}

bool evaluate(where_node const& n, api1_row const& row) {
  switch (n.k) {
    case where_node::kind::all:
      for (auto const& c : n.children)
        if (!evaluate(*c, row)) return false;
      return true;
    case where_node::kind::any:
      for (auto const& c : n.children)
        if (evaluate(*c, row)) return true;
      return false;
    case where_node::kind::negate: return !evaluate(*n.children.front(), row);
    case where_node::kind::in_list:
      for (auto const& o : n.operands)
        if (compare_cells(row[n.index], o) == 0) return true;
      return false;
    case where_node::kind::compare: {
      int c = compare_cells(row[n.index], n.operands.front());
      if (n.op == "eq") return c == 0;
      if (n.op == "ne") return c != 0;
      if (n.op == "gt") return c > 0;
      if (n.op == "ge") return c >= 0;
      if (n.op == "lt") return c < 0;
      return c <= 0;
    }
  }
  return false;
}

std::vector<api1_order> parse_order_by(std::string_view text, api1_class const& cls) {
  std::vector<api1_order> out;
  for (auto part : split(text, ',')) {
    part = trim(part);
    if (part.empty()) throw api1_error(400, "orderBy: empty item in '" + std::string(text) + "'");
    auto sp = part.find(' ');
    std::string prop{part.substr(0, sp)};
    bool desc = false;
    if (sp != std::string_view::npos) {
      auto dir = to_lower(trim(part.substr(sp)));
      if (dir != "asc" && dir != "desc") throw api1_error(400, "orderBy: expected asc or desc after " + prop);
      desc = dir == "desc";
    }
    auto index = cls.index_of(prop);
    if (!index) throw api1_error(500, "Property " + prop + " does not exist in class " + cls.name);
    out.push_back(api1_order{prop, *index, cls.properties[*index].second, desc});
  }
  return out;
}

}  // namespace mlc::emu
