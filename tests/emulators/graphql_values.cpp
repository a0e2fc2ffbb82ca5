#include "tests/emulators/graphql_values.hpp"

#include <charconv>

#include "tests/emulators/json_text.hpp"
#include "tests/emulators/loose_json.hpp"
#include "tests/emulators/time_text.hpp"

namespace mlc::emu::graphql {
namespace json = boost::json;
namespace {

void walk_order(object_type const& type, json::object const& o, std::vector<field_def const*> prefix,
                std::string const& prefix_name, std::vector<sort_key>& out) {
  for (auto const& kv : o) {
    std::string key{kv.key()};
    auto it = type.fields.find(key);
    std::string name = prefix_name.empty() ? key : prefix_name + "." + key;
    if (it == type.fields.end())
      throw query_error("Invalid orderBy: property '" + name + "' does not exist on " + type.name);
    auto const& f = it->second;
    auto path = prefix;
    path.push_back(&f);
    if (f.k == field_def::kind::object) {
      if (!kv.value().is_object()) throw query_error("Invalid orderBy: '" + name + "' is a reference; give {" + key + ": {code: 1}}");
      walk_order(*f.type, kv.value().get_object(), path, name, out);
      continue;
    }
    if (f.k != field_def::kind::scalar) throw query_error("Invalid orderBy: cannot sort on collection '" + name + "'");
    auto const& v = kv.value();
    if (!v.is_int64() || (v.get_int64() != 1 && v.get_int64() != -1))
      throw query_error("Invalid orderBy: '" + name + "' must be 1 or -1");
    out.push_back(sort_key{path, name, v.get_int64() == -1});
  }
}

std::optional<double> number_of(json::value const& v) {
  if (v.is_int64()) return double(v.get_int64());
  if (v.is_uint64()) return double(v.get_uint64());
  if (v.is_double()) return v.get_double();
  if (v.is_string()) {
    try {
      std::size_t used = 0;
      std::string s{v.get_string()};
      double d = std::stod(s, &used);
      if (used == s.size()) return d;
    } catch (std::exception const&) {
    }
  }
  return std::nullopt;
}

template <class T>
int three_way(T a, T b) {
  return a < b ? -1 : b < a ? 1 : 0;
}

// "YYYY-MM-DDTHH:MM:SSZ": fixed width, so text order is time order (the stored format).
bool canonical_stamp(std::string_view s) {
  return s.size() == 20 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == 'Z';
}

bool is_operator(std::string_view k) {
  return k == "_eq" || k == "_ne" || k == "_gt" || k == "_gte" || k == "_lt" || k == "_lte" || k == "_in" ||
         k == "_nin";
}

// compare_scalar(t, to_json(stored), operand) without building the JSON value for the
// common cases (text fields, stamps against canonical stamps).
int compare_stored(scalar_type t, scalar_value const& stored, json::value const& operand, std::string const& field) {
  using vk = scalar_value::kind;
  if (operand.is_string()) {
    std::string_view b = operand.get_string();
    bool text_type = t != scalar_type::datetime && t != scalar_type::date && t != scalar_type::integer &&
                     t != scalar_type::decimal && t != scalar_type::boolean;
    if (stored.k == vk::text && text_type) return three_way(stored.text, b);
    if (stored.k == vk::stamp && t == scalar_type::datetime && canonical_stamp(b)) {
      char buf[k_stamp_chars];
      write_stamp(buf, sys_ms{std::chrono::milliseconds{stored.number}});
      return three_way(std::string_view(buf, sizeof buf), b);
    }
  }
  return compare_scalar(t, to_json(stored), operand, field);
}

bool eval_op(std::string_view op, scalar_type t, scalar_value const& stored, json::value const& operand,
             std::string const& field) {
  bool stored_null = stored.k == scalar_value::kind::null;
  if (op == "_in" || op == "_nin") {
    if (!operand.is_array()) throw query_error("Invalid filter: " + std::string(op) + " on '" + field + "' needs a list");
    bool found = false;
    for (auto const& o : operand.get_array())
      if (compare_stored(t, stored, o, field) == 0 && !(stored_null != o.is_null())) found = true;
    return op == "_in" ? found : !found;
  }
  if (stored_null || operand.is_null()) {
    bool both = stored_null && operand.is_null();
    if (op == "_eq") return both;
    if (op == "_ne") return !both;
    return false;
  }
  int c = compare_stored(t, stored, operand, field);
  if (op == "_eq") return c == 0;
  if (op == "_ne") return c != 0;
  if (op == "_gt") return c > 0;
  if (op == "_gte") return c >= 0;
  if (op == "_lt") return c < 0;
  return c <= 0;  // _lte
}

double to_decimal(std::int64_t hundredths) { return double(hundredths) / 100.0; }  // x3_model's to_number

}  // namespace

int compare_scalar(scalar_type t, json::value const& a, json::value const& b, std::string const& field) {
  if (a.is_null() || b.is_null()) return three_way(!a.is_null(), !b.is_null());
  auto bad = [&](char const* what) {
    return query_error("Invalid filter value " + to_json_text(b) + " for '" + field + "': expected " + what);
  };
  switch (t) {
    case scalar_type::datetime: {
      if (a.is_string() && b.is_string() && canonical_stamp(a.get_string()) && canonical_stamp(b.get_string()))
        return three_way(std::string_view(a.get_string()), std::string_view(b.get_string()));
      auto x = a.is_string() ? parse_timestamp(a.get_string()) : std::nullopt;
      auto y = b.is_string() ? parse_timestamp(b.get_string()) : std::nullopt;
      if (!y) throw bad("a date-time like '2026-01-01T00:00:00Z'");
      if (!x) return -1;
      return three_way(*x, *y);
    }
    case scalar_type::date: {
      if (a.is_string() && b.is_string() && a.get_string().size() == 10 && parse_date(b.get_string()))
        return three_way(std::string_view(a.get_string()), std::string_view(b.get_string()));
      auto x = a.is_string() ? parse_date(a.get_string()) : std::nullopt;
      auto y = b.is_string() ? parse_date(b.get_string()) : std::nullopt;
      if (!y) throw bad("a date like '2026-01-31'");
      if (!x) return -1;
      return three_way(*x, *y);
    }
    case scalar_type::integer:
    case scalar_type::decimal: {
      auto x = number_of(a), y = number_of(b);
      if (!y) throw bad("a number");
      if (!x) return -1;
      return three_way(*x, *y);
    }
    case scalar_type::boolean: {
      bool y;
      if (b.is_bool()) y = b.get_bool();
      else if (b.is_string() && (b.get_string() == "true" || b.get_string() == "false")) y = b.get_string() == "true";
      else throw bad("true or false");
      return three_way(a.is_bool() && a.get_bool(), y);
    }
    default: {
      std::string y = b.is_string() ? std::string(b.get_string()) : to_json_text(b);
      std::string_view x = a.is_string() ? std::string_view(a.get_string()) : std::string_view{};
      return three_way(x, std::string_view(y));
    }
  }
}

std::vector<sort_key> sort_keys(object_type const& type, json::value const& order_by_text) {
  std::vector<sort_key> keys;
  if (order_by_text.is_string() && !order_by_text.get_string().empty()) {
    json::value o;
    try {
      o = parse_loose_json(order_by_text.get_string());
    } catch (loose_json_error const& e) {
      throw query_error(std::string("Invalid orderBy: ") + e.what());
    }
    if (!o.is_object()) throw query_error("Invalid orderBy: expected an object like {_updateStamp: 1, id: 1}");
    walk_order(type, o.get_object(), {}, "", keys);
  }
  for (auto const& name : type.default_order) {
    bool present = false;
    for (auto const& k : keys) present = present || k.name == name;
    if (!present) keys.push_back(sort_key{{&type.fields.at(name)}, name, false});
  }
  return keys;
}

char* key_part::own_text(std::size_t n) {
  k = kind::text;
  own_ = true;
  len_ = std::uint8_t(n);
  return buf_;
}

namespace {

void read_key(sort_key const& k, void const* item, void const* root, scalar_value& out) {
  void const* cur = item;
  for (std::size_t i = 0; i + 1 < k.path.size() && cur; ++i) cur = k.path[i]->read_object(cur, root);
  out = cur ? k.path.back()->read_scalar(cur, root) : scalar_value{};
}

bool numeric(scalar_type t) { return t == scalar_type::decimal || t == scalar_type::integer; }

// As compare_keys compared the JSON values to_json() gives: number_of() for numeric
// fields, the boolean for Boolean ones, the string (or "") for the rest.
void to_part(scalar_type t, scalar_value const& v, key_part& p) {
  using vk = scalar_value::kind;
  p = key_part{};
  if (v.k == vk::null) return;
  if (numeric(t)) {
    p.k = key_part::kind::number;
    switch (v.k) {
      case vk::integer:
      case vk::integer_text: p.number = double(v.number); break;
      case vk::hundredths: p.number = to_decimal(v.number); break;
      default: p.number = number_of(to_json(v)).value_or(0); break;
    }
    return;
  }
  if (t == scalar_type::boolean) {
    p.k = key_part::kind::boolean;
    p.flag = v.k == vk::boolean && v.number != 0;
    return;
  }
  switch (v.k) {
    case vk::text: p.set_text(v.text); break;
    case vk::integer_text: {
      char* b = p.own_text(24);
      auto r = std::to_chars(b, b + 24, v.number);
      p.own_text(std::size_t(r.ptr - b));
      break;
    }
    case vk::date: write_date(p.own_text(k_date_chars), v.number); break;
    case vk::stamp: write_stamp(p.own_text(k_stamp_chars), sys_ms{std::chrono::milliseconds{v.number}}); break;
    default: p.set_text({}); break;  // a JSON number or boolean: compared as ""
  }
}

}  // namespace

json::value to_json(scalar_value const& v) {
  using vk = scalar_value::kind;
  switch (v.k) {
    case vk::null: return nullptr;
    case vk::text: return json::value(json::string_view(v.text.data(), v.text.size()));
    case vk::integer: return json::value(v.number);
    case vk::integer_text: return json::value(std::to_string(v.number));
    case vk::hundredths: return json::value(to_decimal(v.number));
    case vk::boolean: return json::value(v.number != 0);
    case vk::date: return json::value(format_date(v.number));
    case vk::stamp: return json::value(format_stamp(sys_ms{std::chrono::milliseconds{v.number}}));
  }
  return nullptr;
}

void append_scalar(std::string& out, scalar_value const& v) {
  using vk = scalar_value::kind;
  switch (v.k) {
    case vk::null: out += "null"; return;
    case vk::text: append_json_string(out, v.text); return;
    case vk::integer: append_json_number(out, v.number); return;
    case vk::integer_text:
      out += '"';
      append_json_number(out, v.number);
      out += '"';
      return;
    case vk::hundredths: append_json_hundredths(out, v.number); return;
    case vk::boolean: out += v.number != 0 ? "true" : "false"; return;
    case vk::date: {
      char buf[k_date_chars + 2];
      buf[0] = buf[sizeof buf - 1] = '"';
      write_date(buf + 1, v.number);
      out.append(buf, sizeof buf);
      return;
    }
    case vk::stamp: {
      char buf[k_stamp_chars + 2];
      buf[0] = buf[sizeof buf - 1] = '"';
      write_stamp(buf + 1, sys_ms{std::chrono::milliseconds{v.number}});
      out.append(buf, sizeof buf);
      return;
    }
  }
}

void key_of(std::vector<sort_key> const& keys, void const* item, void const* root, key_part* out) {
  scalar_value v;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    read_key(keys[i], item, root, v);
    to_part(keys[i].path.back()->scalar, v, out[i]);
  }
}

void append_key_json(std::string& out, std::vector<sort_key> const& keys, void const* item, void const* root) {
  out += '[';
  scalar_value v;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i) out += ',';
    read_key(keys[i], item, root, v);
    append_scalar(out, v);
  }
  out += ']';
}

void key_of_json(std::vector<sort_key> const& keys, json::array const& values, key_part* out) {
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto const& v = values[i];
    auto t = keys[i].path.back()->scalar;
    key_part& p = out[i];
    p = key_part{};
    if (v.is_null()) continue;
    if (numeric(t)) {
      p.k = key_part::kind::number;
      p.number = number_of(v).value_or(0);
    } else if (t == scalar_type::boolean) {
      p.k = key_part::kind::boolean;
      p.flag = v.is_bool() && v.get_bool();
    } else {
      p.set_text(v.is_string() ? std::string_view(v.get_string()) : std::string_view{});
    }
  }
}

int compare_keys(std::vector<sort_key> const& keys, key_part const* a, key_part const* b) {
  using pk = key_part::kind;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    int c;
    bool an = a[i].k == pk::null, bn = b[i].k == pk::null;
    if (an || bn) c = three_way(!an, !bn);
    else if (a[i].k == pk::number) c = three_way(a[i].number, b[i].number);
    else if (a[i].k == pk::boolean) c = three_way(a[i].flag, b[i].flag);
    else c = three_way(a[i].text(), b[i].text());
    if (c != 0) return keys[i].descending ? -c : c;
  }
  return 0;
}

bool matches(object_type const& type, void const* item, void const* root, json::object const& filter) {
  for (auto const& kv : filter) {
    std::string key{kv.key()};
    auto const& v = kv.value();
    if (key == "_and" || key == "_or") {
      if (!v.is_array()) throw query_error("Invalid filter: " + key + " needs a list of conditions");
      bool any = false, all = true;
      for (auto const& c : v.get_array()) {
        if (!c.is_object()) throw query_error("Invalid filter: " + key + " items must be objects");
        bool m = matches(type, item, root, c.get_object());
        any = any || m;
        all = all && m;
      }
      if (key == "_and" ? !all : !any) return false;
      continue;
    }
    if (key == "_not") {
      if (!v.is_object()) throw query_error("Invalid filter: _not needs a condition object");
      if (matches(type, item, root, v.get_object())) return false;
      continue;
    }
    auto it = type.fields.find(key);
    if (it == type.fields.end())
      throw query_error("Invalid filter: property '" + key + "' does not exist on " + type.name);
    auto const& f = it->second;
    if (f.k == field_def::kind::collection)
      throw query_error("Invalid filter: collection '" + key + "' cannot be filtered here");
    if (f.k == field_def::kind::object) {
      void const* child = f.read_object(item, root);
      if (v.is_null()) {
        if (child) return false;
        continue;
      }
      if (!v.is_object()) throw query_error("Invalid filter: reference '" + key + "' needs a condition object");
      if (!child || !matches(*f.type, child, root, v.get_object())) return false;
      continue;
    }
    scalar_value stored = f.read_scalar(item, root);
    if (v.is_object()) {
      for (auto const& op : v.get_object()) {
        if (!is_operator(op.key()))
          throw query_error("Invalid filter: unknown operator '" + std::string(op.key()) + "' on '" + key + "'");
        if (!eval_op(op.key(), f.scalar, stored, op.value(), key)) return false;
      }
    } else if (!eval_op("_eq", f.scalar, stored, v, key)) {
      return false;
    }
  }
  return true;
}

}  // namespace mlc::emu::graphql
