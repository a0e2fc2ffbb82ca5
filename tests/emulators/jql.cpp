#include "tests/emulators/jql.hpp"

#include <algorithm>
#include <cctype>

#include "tests/emulators/adf.hpp"
#include "tests/emulators/json_text.hpp"
#include "tests/emulators/text.hpp"

namespace mlc::emu {
namespace json = boost::json;
namespace {

struct token {
  enum class kind { end, word, quoted, op, lparen, rparen, comma } k = kind::end;
  std::string text;
  std::size_t pos = 0;
};

class lexer {
 public:
  explicit lexer(std::string_view s) : s_{s} {}

  token next() {
    while (pos_ < s_.size() && std::isspace((unsigned char)s_[pos_])) ++pos_;
    token t;
    t.pos = pos_;
    if (pos_ >= s_.size()) return t;
    char c = s_[pos_];
    if (c == '(') return ++pos_, t.k = token::kind::lparen, t.text = "(", t;
    if (c == ')') return ++pos_, t.k = token::kind::rparen, t.text = ")", t;
    if (c == ',') return ++pos_, t.k = token::kind::comma, t.text = ",", t;
    if (c == '"' || c == '\'') {
      char q = c;
      ++pos_;
      while (true) {
        if (pos_ >= s_.size()) throw error("The quoted string starting here has not been completed", t.pos);
        char d = s_[pos_++];
        if (d == q) break;
        if (d == '\\' && pos_ < s_.size()) d = s_[pos_++];
        t.text += d;
      }
      t.k = token::kind::quoted;
      return t;
    }
    for (std::string_view op : {"!=", "!~", ">=", "<=", "=", "~", ">", "<"}) {
      if (s_.substr(pos_, op.size()) == op) {
        pos_ += op.size();
        t.k = token::kind::op;
        t.text = std::string(op);
        return t;
      }
    }
    while (pos_ < s_.size()) {
      char d = s_[pos_];
      if (std::isspace((unsigned char)d) || d == '(' || d == ')' || d == ',' || d == '"' || d == '\'' || d == '=' ||
          d == '!' || d == '~' || d == '<' || d == '>')
        break;
      if (d == '[') {  // cf[10050], issue.property[key]
        auto close = s_.find(']', pos_);
        if (close == std::string_view::npos) throw error("Unclosed '['", pos_);
        t.text += s_.substr(pos_, close - pos_ + 1);
        pos_ = close + 1;
        continue;
      }
      t.text += d;
      ++pos_;
    }
    t.k = token::kind::word;
    return t;
  }

  jql_error error(std::string const& what, std::size_t pos) const {
    return jql_error("Error in the JQL Query: " + what + ". (line 1, character " + std::to_string(pos + 1) + ")");
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

class parser {
 public:
  explicit parser(std::string_view s) : lex_{s} { cur_ = lex_.next(); }

  jql_query parse() {
    jql_query q;
    if (!is_kw("order") && cur_.k != token::kind::end) q.where = parse_or();
    if (is_kw("order")) {
      next();
      if (!is_kw("by")) throw lex_.error("Expecting 'BY' but got '" + cur_.text + "'", cur_.pos);
      next();
      while (true) {
        if (cur_.k != token::kind::word && cur_.k != token::kind::quoted)
          throw lex_.error("Expecting a field name but got '" + cur_.text + "'", cur_.pos);
        jql_order o{cur_.text, false};
        next();
        if (is_kw("asc") || is_kw("desc")) {
          o.descending = is_kw("desc");
          next();
        }
        q.order.push_back(o);
        if (cur_.k != token::kind::comma) break;
        next();
      }
    }
    if (cur_.k != token::kind::end)
      throw lex_.error("Expecting either 'OR' or 'AND' but got '" + cur_.text + "'", cur_.pos);
    return q;
  }

 private:
  bool is_kw(char const* kw) const { return cur_.k == token::kind::word && to_lower(cur_.text) == kw; }
  void next() { cur_ = lex_.next(); }

  std::unique_ptr<jql_node> combine(jql_node::kind k, std::unique_ptr<jql_node> first, char const* kw,
                                    std::unique_ptr<jql_node> (parser::*sub)()) {
    if (!is_kw(kw)) return first;
    auto n = std::make_unique<jql_node>();
    n->k = k;
    n->children.push_back(std::move(first));
    while (is_kw(kw)) {
      next();
      n->children.push_back((this->*sub)());
    }
    return n;
  }

  std::unique_ptr<jql_node> parse_or() { return combine(jql_node::kind::any, parse_and(), "or", &parser::parse_and); }
  std::unique_ptr<jql_node> parse_and() { return combine(jql_node::kind::all, parse_not(), "and", &parser::parse_not); }

  std::unique_ptr<jql_node> parse_not() {
    if (is_kw("not") || (cur_.k == token::kind::op && cur_.text == "!")) {
      next();
      auto n = std::make_unique<jql_node>();
      n->k = jql_node::kind::negate;
      n->children.push_back(parse_not());
      return n;
    }
    if (cur_.k == token::kind::lparen) {
      next();
      auto n = parse_or();
      if (cur_.k != token::kind::rparen) throw lex_.error("Expecting ')' but got '" + cur_.text + "'", cur_.pos);
      next();
      return n;
    }
    return parse_clause();
  }

  std::string value() {
    if (cur_.k != token::kind::word && cur_.k != token::kind::quoted)
      throw lex_.error("Expecting either a value, list or function but got '" + cur_.text + "'", cur_.pos);
    auto v = cur_.text;
    next();
    return v;
  }

  std::unique_ptr<jql_node> parse_clause() {
    if (cur_.k != token::kind::word && cur_.k != token::kind::quoted)
      throw lex_.error("Expecting a field name but got '" + (cur_.k == token::kind::end ? std::string("<EOF>") : cur_.text) + "'",
                       cur_.pos);
    auto n = std::make_unique<jql_node>();
    auto& c = n->clause;
    c.field = cur_.text;
    if (cur_.k == token::kind::word && to_lower(c.field).rfind("issue.property[", 0) == 0) {
      auto close = c.field.find(']');
      c.property_key = c.field.substr(15, close - 15);
      if (close + 1 < c.field.size()) {
        if (c.field[close + 1] != '.') throw lex_.error("Bad issue property reference '" + c.field + "'", cur_.pos);
        c.property_path = c.field.substr(close + 2);
      }
    }
    std::size_t field_pos = cur_.pos;
    next();
    if (cur_.k == token::kind::op) {
      c.op = cur_.text;
      next();
      c.values.push_back(value());
      return n;
    }
    if (is_kw("in") || is_kw("not")) {
      bool negated = is_kw("not");
      next();
      if (negated) {
        if (!is_kw("in")) throw lex_.error("Expecting 'IN' but got '" + cur_.text + "'", cur_.pos);
        next();
      }
      c.op = negated ? "not in" : "in";
      if (cur_.k != token::kind::lparen) throw lex_.error("Expecting '(' but got '" + cur_.text + "'", cur_.pos);
      next();
      while (true) {
        c.values.push_back(value());
        if (cur_.k == token::kind::comma) {
          next();
          continue;
        }
        if (cur_.k != token::kind::rparen) throw lex_.error("Expecting ')' but got '" + cur_.text + "'", cur_.pos);
        next();
        break;
      }
      return n;
    }
    if (is_kw("is")) {
      next();
      c.op = "is";
      if (is_kw("not")) {
        c.op = "is not";
        next();
      }
      if (!is_kw("empty") && !is_kw("null")) throw lex_.error("Expecting 'EMPTY' but got '" + cur_.text + "'", cur_.pos);
      next();
      return n;
    }
    throw lex_.error("Expecting operator but got '" + (cur_.k == token::kind::end ? std::string("<EOF>") : cur_.text) +
                         "'. The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'",
                     cur_.k == token::kind::end ? field_pos : cur_.pos);
  }

  lexer lex_;
  token cur_;
};

// What a clause's field name refers to.
struct resolved {
  enum class kind { project, key, id, labels, status, issuetype, summary, text, created, updated, field, property, unknown };
  kind k = kind::unknown;
  jira_field const* field = nullptr;
};

resolved resolve(jql_clause const& c) {
  if (!c.property_key.empty()) return {resolved::kind::property};
  auto f = to_lower(c.field);
  if (f == "project") return {resolved::kind::project};
  if (f == "key" || f == "issuekey") return {resolved::kind::key};
  if (f == "id") return {resolved::kind::id};
  if (f == "labels") return {resolved::kind::labels};
  if (f == "status") return {resolved::kind::status};
  if (f == "issuetype" || f == "type") return {resolved::kind::issuetype};
  if (f == "summary") return {resolved::kind::summary};
  if (f == "text") return {resolved::kind::text};
  if (f == "created" || f == "createddate") return {resolved::kind::created};
  if (f == "updated" || f == "updateddate") return {resolved::kind::updated};
  if (f == "due" || f == "duedate") return {resolved::kind::field, find_field("duedate")};
  if (f.rfind("cf[", 0) == 0 && f.back() == ']') {
    auto* fd = find_field("customfield_" + f.substr(3, f.size() - 4));
    return fd ? resolved{resolved::kind::field, fd} : resolved{};
  }
  if (auto* fd = find_field(c.field); fd && fd->custom) return {resolved::kind::field, fd};
  return {};
}

bool contains_icase(std::string_view hay, std::string_view needle) {
  auto h = to_lower(hay), n = to_lower(needle);
  std::erase(n, '*');
  return h.find(n) != std::string::npos;
}

std::optional<sys_ms> jql_time(std::string const& v, sys_ms now) {
  if (!v.empty() && (v[0] == '-' || v[0] == '+')) {  // relative: -5d, -2h, -30m, -1w
    char unit = v.back();
    try {
      long n = std::stol(v.substr(1, v.size() - 2));
      std::chrono::milliseconds d = unit == 'm' ? std::chrono::minutes{n}
                                    : unit == 'h' ? std::chrono::hours{n}
                                    : unit == 'd' ? std::chrono::hours{24 * n}
                                    : unit == 'w' ? std::chrono::hours{24 * 7 * n}
                                                  : std::chrono::milliseconds{-1};
      if (d.count() < 0) return std::nullopt;
      return v[0] == '-' ? now - d : now + d;
    } catch (std::exception const&) {
      return std::nullopt;
    }
  }
  if (v.size() == 16 && v[10] == ' ') return parse_timestamp(v.substr(0, 10) + "T" + v.substr(11) + ":00Z");
  return parse_timestamp(v);
}

// Compares one stored value with one JQL operand: <0, 0, >0; nullopt when not comparable.
std::optional<int> compare(json::value const& stored, std::string const& operand, value_kind kind) {
  if (stored.is_null()) return std::nullopt;
  if (kind == value_kind::number) {
    double x = stored.is_double() ? stored.get_double() : stored.is_int64() ? double(stored.get_int64()) : 0;
    try {
      double y = std::stod(operand);
      return x < y ? -1 : x > y ? 1 : 0;
    } catch (std::exception const&) {
      return std::nullopt;
    }
  }
  std::string s;
  if (stored.is_string()) s = std::string(stored.get_string());
  else if (stored.is_object() && stored.get_object().contains("value") && stored.at("value").is_string())
    s = std::string(stored.at("value").get_string());
  else if (stored.is_object()) s = adf_plain_text(stored);
  else s = to_json_text(stored);
  if (kind == value_kind::date) {
    auto x = parse_date(s), y = parse_date(operand);
    if (!x || !y) return std::nullopt;
    return *x < *y ? -1 : *x > *y ? 1 : 0;
  }
  return s < operand ? -1 : s > operand ? 1 : 0;
}

bool apply_op(std::string const& op, std::optional<int> c) {
  if (!c) return op == "!=";
  if (op == "=") return *c == 0;
  if (op == "!=") return *c != 0;
  if (op == ">") return *c > 0;
  if (op == ">=") return *c >= 0;
  if (op == "<") return *c < 0;
  if (op == "<=") return *c <= 0;
  return false;
}

json::value const* property_at(jira_issue const& issue, jql_clause const& c) {
  auto it = issue.properties.find(c.property_key);
  if (it == issue.properties.end()) return nullptr;
  json::value const* v = &it->second;
  if (c.property_path.empty()) return v;
  for (auto part : split(c.property_path, '.')) {
    if (!v->is_object()) return nullptr;
    v = v->get_object().if_contains(part);
    if (!v) return nullptr;
  }
  return v;
}

bool match_clause(jql_clause const& c, jira_issue const& issue, jql_context const& ctx) {
  auto r = resolve(c);
  auto const& op = c.op;
  bool list = op == "in" || op == "not in";
  auto any_value = [&](auto pred) {
    for (auto const& v : c.values)
      if (pred(v)) return true;
    return false;
  };
  auto eq_or_in = [&](auto pred) {
    if (op == "=" || op == "in") return any_value(pred);
    if (op == "!=" || op == "not in") return !any_value(pred);
    return false;
  };
  switch (r.k) {
    case resolved::kind::project:
      return eq_or_in([&](std::string const& v) {
        return ctx.project && (to_lower(v) == to_lower(ctx.project->key) || v == ctx.project->id);
      });
    case resolved::kind::key: {
      if (op == "=" || op == "!=" || list)
        return eq_or_in([&](std::string const& v) { return to_lower(v) == to_lower(issue.key); });
      auto dash = issue.key.rfind('-');
      long mine = std::stol(issue.key.substr(dash + 1));
      auto d = c.values.front().rfind('-');
      long theirs = d == std::string::npos ? 0 : std::atol(c.values.front().c_str() + d + 1);
      return apply_op(op, mine < theirs ? -1 : mine > theirs ? 1 : 0);
    }
    case resolved::kind::id: {
      if (op == "=" || op == "!=" || list)
        return eq_or_in([&](std::string const& v) { return v == std::to_string(issue.id); });
      long long theirs = std::atoll(c.values.front().c_str());
      return apply_op(op, issue.id < theirs ? -1 : issue.id > theirs ? 1 : 0);
    }
    case resolved::kind::labels:
      if (op == "is") return issue.labels.empty();
      if (op == "is not") return !issue.labels.empty();
      return eq_or_in([&](std::string const& v) {
        return std::find(issue.labels.begin(), issue.labels.end(), v) != issue.labels.end();
      });
    case resolved::kind::status: {
      auto const& st = status_by_id(issue.status_id);
      return eq_or_in([&](std::string const& v) { return to_lower(v) == to_lower(st.name) || v == st.id; });
    }
    case resolved::kind::issuetype:
      return eq_or_in([&](std::string const& v) {
        for (auto const& t : jira_issue_types())
          if (t.id == issue.issue_type_id) return to_lower(v) == to_lower(t.name) || v == t.id;
        return false;
      });
    case resolved::kind::summary:
    case resolved::kind::text: {
      std::string hay;
      if (auto const* s = issue.fields.if_contains("summary"); s && s->is_string()) hay = std::string(s->get_string());
      if (r.k == resolved::kind::text)
        if (auto const* d = issue.fields.if_contains("description"))
          hay += "\n" + (d->is_string() ? std::string(d->get_string()) : adf_plain_text(*d));
      if (op == "~") return contains_icase(hay, c.values.front());
      if (op == "!~") return !contains_icase(hay, c.values.front());
      return eq_or_in([&](std::string const& v) { return hay == v; });
    }
    case resolved::kind::created:
    case resolved::kind::updated: {
      sys_ms t = r.k == resolved::kind::created ? issue.created : issue.updated;
      auto y = jql_time(c.values.front(), ctx.now);
      if (!y) return false;
      return apply_op(op, t < *y ? -1 : t > *y ? 1 : 0);
    }
    case resolved::kind::field: {
      auto const* stored = issue.fields.if_contains(r.field->id);
      json::value null_value;
      json::value const& v = stored ? *stored : null_value;
      if (op == "is") return v.is_null();
      if (op == "is not") return !v.is_null();
      if (op == "~") return !v.is_null() && v.is_string() && contains_icase(v.get_string(), c.values.front());
      if (op == "!~") return v.is_null() || !v.is_string() || !contains_icase(v.get_string(), c.values.front());
      if (list || op == "=" || op == "!=")
        return eq_or_in([&](std::string const& o) { return compare(v, o, r.field->kind) == std::optional<int>(0); });
      return apply_op(op, compare(v, c.values.front(), r.field->kind));
    }
    case resolved::kind::property: {
      auto const* v = property_at(issue, c);
      if (op == "is") return !v || v->is_null();
      if (op == "is not") return v && !v->is_null();
      json::value null_value;
      auto const& val = v ? *v : null_value;
      if (list || op == "=" || op == "!=")
        return eq_or_in([&](std::string const& o) { return compare(val, o, value_kind::text) == std::optional<int>(0); });
      return apply_op(op, compare(val, c.values.front(), value_kind::text));
    }
    case resolved::kind::unknown: return false;
  }
  return false;
}

void validate_node(jql_node const& n, jql_context const& ctx) {
  if (n.k != jql_node::kind::clause) {
    for (auto const& c : n.children) validate_node(*c, ctx);
    return;
  }
  auto const& c = n.clause;
  auto r = resolve(c);
  if (r.k == resolved::kind::unknown)
    throw jql_error("Field '" + c.field + "' does not exist or you do not have permission to view it.");
  if (r.k == resolved::kind::project && c.op != "is" && c.op != "is not")
    for (auto const& v : c.values)
      if (!ctx.project || !ctx.project->exists || (to_lower(v) != to_lower(ctx.project->key) && v != ctx.project->id))
        throw jql_error("The value '" + v + "' does not exist for the field 'project'.");
  if ((r.k == resolved::kind::created || r.k == resolved::kind::updated) && !jql_time(c.values.empty() ? "" : c.values.front(), ctx.now))
    throw jql_error("Date value '" + (c.values.empty() ? std::string() : c.values.front()) + "' for field '" + c.field +
                    "' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', "
                    "'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.");
  bool text_op = c.op == "~" || c.op == "!~";
  if (text_op && r.k != resolved::kind::summary && r.k != resolved::kind::text &&
      !(r.k == resolved::kind::field && r.field->kind == value_kind::text))
    throw jql_error("The operator '" + c.op + "' is not supported by the '" + c.field + "' field.");
}

}  // namespace

jql_query parse_jql(std::string_view text) {
  parser p{text};
  return p.parse();
}

void validate_jql(jql_query const& q, jql_context const& ctx) {
  if (q.where) validate_node(*q.where, ctx);
  for (auto const& o : q.order) {
    auto f = to_lower(o.field);
    if (f != "key" && f != "id" && f != "created" && f != "updated" && f != "summary" && f != "issuekey")
      throw jql_error("Not able to sort using field '" + o.field + "'.");
  }
}

bool jql_matches(jql_node const* n, jira_issue const& issue, jql_context const& ctx) {
  if (!n) return true;
  switch (n->k) {
    case jql_node::kind::all:
      for (auto const& c : n->children)
        if (!jql_matches(c.get(), issue, ctx)) return false;
      return true;
    case jql_node::kind::any:
      for (auto const& c : n->children)
        if (jql_matches(c.get(), issue, ctx)) return true;
      return false;
    case jql_node::kind::negate: return !jql_matches(n->children.front().get(), issue, ctx);
    case jql_node::kind::clause: return match_clause(n->clause, issue, ctx);
  }
  return false;
}

bool jql_less(std::vector<jql_order> const& order, jira_issue const& a, jira_issue const& b) {
  for (auto const& o : order) {
    auto f = to_lower(o.field);
    int c = 0;
    if (f == "key" || f == "id" || f == "issuekey") c = a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    else if (f == "created") c = a.created < b.created ? -1 : a.created > b.created ? 1 : 0;
    else if (f == "updated") c = a.updated < b.updated ? -1 : a.updated > b.updated ? 1 : 0;
    else if (f == "summary") {
      auto sa = a.fields.if_contains("summary"), sb = b.fields.if_contains("summary");
      std::string_view x = sa && sa->is_string() ? std::string_view(sa->get_string()) : "";
      std::string_view y = sb && sb->is_string() ? std::string_view(sb->get_string()) : "";
      c = x < y ? -1 : x > y ? 1 : 0;
    }
    if (c != 0) return o.descending ? c > 0 : c < 0;
  }
  return a.id > b.id;
}

}  // namespace mlc::emu
