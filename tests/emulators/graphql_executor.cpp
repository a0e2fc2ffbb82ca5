#include "tests/emulators/graphql_executor.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>

#include "tests/emulators/graphql_document.hpp"
#include "tests/emulators/graphql_validation.hpp"
#include "tests/emulators/graphql_values.hpp"
#include "tests/emulators/json_text.hpp"
#include "tests/emulators/loose_json.hpp"
#include "tests/emulators/text.hpp"

namespace mlc::emu::graphql {
namespace json = boost::json;

char const* scalar_name(scalar_type t) {
  switch (t) {
    case scalar_type::string: return "String";
    case scalar_type::id: return "ID";
    case scalar_type::integer: return "Int";
    case scalar_type::decimal: return "Decimal";
    case scalar_type::boolean: return "Boolean";
    case scalar_type::date: return "Date";
    case scalar_type::datetime: return "Datetime";
    case scalar_type::enumeration: return "Enum";
  }
  return "String";
}

namespace {

using field_error = query_error;

class executor {
 public:
  executor(object_type const& root_type, void const* root, request const& req, limits const& lim)
      : root_type_{root_type}, root_{root}, req_{req}, lim_{lim} {
    path_.reserve(16);
  }

  // Clients send the same few query texts again and again: keep their parse trees.
  static std::shared_ptr<document const> parse_cached(std::string const& text) {
    thread_local std::unordered_map<std::string, std::shared_ptr<document const>> cache;
    if (auto it = cache.find(text); it != cache.end()) return it->second;
    auto doc = std::make_shared<document const>(parse(text));
    if (cache.size() >= 256) cache.clear();
    cache.emplace(text, doc);
    return doc;
  }

  result run() {
    result out;
    auto errors_only = [&] {
      out.body = "{\"errors\":" + to_json_text(errors_) + "}";
      return out;
    };
    std::shared_ptr<document const> parsed;
    try {
      parsed = parse_cached(req_.query);
    } catch (syntax_error const& e) {
      errors_.push_back(error_entry(e.what(), e.where()));
      return errors_only();
    }
    document const& doc = *parsed;
    for (auto const& f : doc.fragments) {
      if (fragments_.count(f.name)) error("There can be only one fragment named \"" + f.name + "\".", f.loc);
      fragments_.emplace(f.name, &f);
    }
    operation const* op = choose(doc);
    if (op)
      for (auto& e : validate(*op, fragments_, root_type_)) errors_.push_back(std::move(e));
    if (!errors_.empty()) return errors_only();
    coerce_variables(*op);
    if (!errors_.empty()) return errors_only();
    std::vector<selection_set const*> sets{&op->selections};
    out.body.reserve(32 * 1024);
    out.body += "{\"data\":";
    exec_object(root_type_, root_, collected(sets, &root_type_), out.body);
    if (!errors_.empty()) {
      out.body += ",\"errors\":";
      append_json(out.body, errors_);
    }
    out.body += '}';
    out.collections_read = std::move(collections_read_);
    return out;
  }

 private:
  void error(std::string message, location loc) { errors_.push_back(error_entry(std::move(message), loc)); }

  operation const* choose(document const& doc) {
    if (doc.operations.empty()) {
      error("Must provide an operation.", location{});
      return nullptr;
    }
    if (!req_.operation_name.empty()) {
      for (auto const& op : doc.operations)
        if (op.name == req_.operation_name) return &op;
      error("Unknown operation named \"" + req_.operation_name + "\".", location{});
      return nullptr;
    }
    if (doc.operations.size() > 1) {
      error("Must provide operation name if query contains multiple operations.", location{});
      return nullptr;
    }
    return &doc.operations.front();
  }

  // ---- validation -------------------------------------------------------------------


  // ---- variables ----------------------------------------------------------------------

  void coerce_variables(operation const& op) {
    for (auto const& def : op.variables) {
      auto it = req_.variables.find(def.name);
      json::value v;
      if (it != req_.variables.end()) {
        v = it->value();
      } else if (def.default_value) {
        v = literal(*def.default_value);
      } else if (def.non_null) {
        error("Variable \"$" + def.name + "\" of required type \"" + def.type + "\" was not provided.", def.loc);
        continue;
      } else {
        continue;  // absent: arguments using it are treated as not given
      }
      if (v.is_null() && def.non_null) {
        error("Variable \"$" + def.name + "\" of non-null type \"" + def.type + "\" must not be null.", def.loc);
        continue;
      }
      std::string base = def.type;
      if (!base.empty() && base.back() == '!') base.pop_back();
      bool bad = !v.is_null() && ((base == "String" && !v.is_string()) || (base == "Int" && !v.is_int64()) ||
                                  (base == "Boolean" && !v.is_bool()));
      if (bad) {
        error("Variable \"$" + def.name + "\" got invalid value " + to_json_text(v) + "; " + base +
                  " cannot represent this value.",
              def.loc);
        continue;
      }
      variables_[def.name] = std::move(v);
    }
  }

  json::value literal(value const& v) const {
    using k = value::kind;
    switch (v.k) {
      case k::null: return nullptr;
      case k::integer:
        try {
          return json::value(std::int64_t(std::stoll(v.text)));
        } catch (std::exception const&) {
          return json::value(std::stod(v.text));
        }
      case k::floating: return json::value(std::stod(v.text));
      case k::string:
      case k::enumeration: return json::value(v.text);
      case k::boolean: return json::value(v.boolean);
      case k::variable: {
        auto it = variables_.find(v.text);
        return it == variables_.end() ? json::value(nullptr) : it->second;
      }
      case k::list: {
        json::array a;
        for (auto const& i : v.items) a.push_back(literal(i));
        return a;
      }
      case k::object: {
        json::object o;
        for (auto const& [n, i] : v.fields) o[n] = literal(i);
        return o;
      }
    }
    return nullptr;
  }

  // ---- execution ----------------------------------------------------------------------

  bool included(std::vector<directive> const& ds) const {
    for (auto const& d : ds) {
      bool cond = false;
      for (auto const& [n, v] : d.arguments)
        if (n == "if") {
          auto b = literal(v);
          cond = b.is_bool() && b.get_bool();
        }
      if (d.name == "skip" && cond) return false;
      if (d.name == "include" && !cond) return false;
    }
    return true;
  }

  struct merged_field;
  using field_list = std::vector<std::pair<std::string, merged_field>>;
  // The connection/edge/page-info field a name stands for, found once per selection
  // rather than by string comparison for every edge of every page.
  enum class role : std::uint8_t {
    other, typename_, total_count, page_info, edges, cursor, node,
    has_next, has_previous, end_cursor, start_cursor
  };
  static role role_of(std::string const& name) {
    static std::map<std::string, role, std::less<>> const k{
        {"__typename", role::typename_},  {"totalCount", role::total_count}, {"pageInfo", role::page_info},
        {"edges", role::edges},           {"cursor", role::cursor},          {"node", role::node},
        {"hasNextPage", role::has_next},  {"hasPreviousPage", role::has_previous},
        {"endCursor", role::end_cursor},  {"startCursor", role::start_cursor}};
    auto it = k.find(name);
    return it == k.end() ? role::other : it->second;
  }

  struct merged_field {
    selection const* first = nullptr;
    std::vector<selection_set const*> subsets;
    field_def const* def = nullptr;  // resolved on the object type, when there is one
    std::string prefix;              // "\"key\":" ready to append
    mutable field_list const* children = nullptr;  // collected(subsets), once looked up
    role r = role::other;
    std::string comma_prefix;  // "," + prefix: every key but the first
  };

  void collect(std::vector<selection_set const*> const& sets, field_list& out) const {
    for (auto const* set : sets)
      for (auto const& sel : *set) {
        if (!included(sel.directives)) continue;
        if (sel.k == selection::kind::fragment_spread) {
          std::vector<selection_set const*> inner{&fragments_.at(sel.name)->selections};
          collect(inner, out);
          continue;
        }
        if (sel.k == selection::kind::inline_fragment) {
          std::vector<selection_set const*> inner{&sel.selections};
          collect(inner, out);
          continue;
        }
        auto key = sel.response_key();
        auto it = std::find_if(out.begin(), out.end(), [&](auto const& p) { return p.first == key; });
        if (it == out.end()) {
          out.emplace_back(key, merged_field{&sel, {}, nullptr, {}, nullptr, role_of(sel.name), {}});
          it = std::prev(out.end());
        }
        if (!sel.selections.empty()) it->second.subsets.push_back(&sel.selections);
      }
  }

  // Every node of a page shares its selection sets: collect them once, with each field's
  // definition and escaped key prepared.
  field_list const& collected(std::vector<selection_set const*> const& sets, object_type const* type = nullptr) {
    auto it = collected_.find(sets);
    if (it != collected_.end()) return it->second;
    field_list fields;
    collect(sets, fields);
    for (auto& [k, mf] : fields) {
      append_json_string(mf.prefix, k);
      mf.prefix += ':';
      mf.comma_prefix = "," + mf.prefix;
      if (type) {
        auto d = type->fields.find(mf.first->name);
        if (d != type->fields.end()) mf.def = &d->second;
      }
    }
    return collected_.emplace(sets, std::move(fields)).first->second;
  }

  // A field's sub-selection, collected; field lists live in collected_'s nodes, so the
  // pointer cached on the field stays valid for the whole request.
  field_list const& children(merged_field const& mf, object_type const* type = nullptr) {
    if (!mf.children) mf.children = &collected(mf.subsets, type);
    return *mf.children;
  }

  // The response path of the field being executed; turned into JSON only for errors.
  struct path_item {
    std::string_view key;
    std::int64_t index = -1;
  };

  json::array path_json() const {
    json::array a;
    for (auto const& p : path_)
      if (p.index >= 0) a.push_back(json::value(p.index));
      else a.push_back(json::value(p.key));
    return a;
  }

  void add_field_error(std::string const& message, location loc) {
    auto e = error_entry(message, loc);
    e["path"] = path_json();
    errors_.push_back(std::move(e));
  }

  static void key(std::string& out, bool& first, merged_field const& mf) {
    out += first ? mf.prefix : mf.comma_prefix;
    first = false;
  }

  void exec_object(object_type const& type, void const* obj, field_list const& fields, std::string& out) {
    out += '{';
    bool first = true;
    for (auto const& [k, mf] : fields) {
      key(out, first, mf);
      if (!mf.def) {  // __typename: validation admitted nothing else without a definition
        append_json_string(out, type.name);
        continue;
      }
      auto const& f = *mf.def;
      switch (f.k) {
        case field_def::kind::scalar: append_scalar(out, f.read_scalar(obj, root_)); break;
        case field_def::kind::object: {
          void const* child = f.read_object(obj, root_);
          if (!child) {
            out += "null";
            break;
          }
          path_.push_back(path_item{k});
          exec_object(*f.type, child, children(mf, f.type), out);
          path_.pop_back();
          break;
        }
        case field_def::kind::collection:
          path_.push_back(path_item{k});
          exec_collection(f, obj, children(mf), out);
          path_.pop_back();
          break;
      }
    }
    out += '}';
  }

  void exec_collection(field_def const& f, void const* obj, field_list const& fields, std::string& out) {
    out += '{';
    bool first = true;
    for (auto const& [k, mf] : fields) {
      auto const& sel = *mf.first;
      key(out, first, mf);
      if (mf.r == role::typename_) {
        append_json_string(out, f.type->name + "_Operations");
        continue;
      }
      path_.push_back(path_item{k});
      std::size_t mark = out.size();
      try {
        if (obj == root_) collections_read_.push_back(f.type->name);
        exec_query(*f.type, f.read_items(obj, root_), sel, children(mf), out);
      } catch (field_error const& e) {
        out.resize(mark);
        out += "null";
        add_field_error(e.what(), sel.loc);
      }
      path_.pop_back();
    }
    out += '}';
  }

  json::value arg(selection const& sel, char const* name) const {
    for (auto const& [n, v] : sel.arguments)
      if (n == name) return literal(v);
    return nullptr;
  }

  // A query field's arguments, evaluated once per request: a child collection (an order's
  // lines) runs the same selection for every parent. Errors are not cached, so each use
  // reports them as before.
  struct query_args {
    json::value filter_text, order_text, first, last, after, before;
    std::optional<json::value> filter;            // parsed, once needed
    std::optional<std::vector<sort_key>> keys;  // once needed
  };

  query_args& args_of(selection const& sel) {
    auto it = query_args_.find(&sel);
    if (it != query_args_.end()) return it->second;
    query_args a;
    a.filter_text = arg(sel, "filter");
    a.order_text = arg(sel, "orderBy");
    a.first = arg(sel, "first");
    a.last = arg(sel, "last");
    a.after = arg(sel, "after");
    a.before = arg(sel, "before");
    return query_args_.emplace(&sel, std::move(a)).first->second;
  }

  json::object const* filter_of(query_args& a) {
    if (!a.filter_text.is_string() || trim(a.filter_text.get_string()).empty()) return nullptr;
    if (!a.filter) {
      json::value f;
      try {
        f = parse_loose_json(a.filter_text.get_string());
      } catch (loose_json_error const& e) {
        throw field_error(std::string("Invalid filter: ") + e.what());
      }
      if (!f.is_object()) throw field_error("Invalid filter: expected an object like {code: 'X'}");
      a.filter = std::move(f);
    }
    return &a.filter->get_object();
  }

  struct row {
    key_part const* key;
    void const* item;
  };

  void exec_query(object_type const& type, std::vector<void const*> items, selection const& sel,
                  field_list const& fields, std::string& out) {
    query_args& a = args_of(sel);
    if (auto const* filter = filter_of(a)) {
      std::vector<void const*> kept;
      for (auto const* it : items)
        if (matches(type, it, root_, *filter)) kept.push_back(it);
      items = std::move(kept);
    }
    if (!a.keys) a.keys = sort_keys(type, a.order_text);
    auto const& keys = *a.keys;
    std::size_t const nk = keys.size();
    std::vector<key_part> parts(items.size() * nk);
    std::vector<row> rows;
    rows.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
      key_of(keys, items[i], root_, &parts[i * nk]);
      rows.push_back(row{&parts[i * nk], items[i]});
    }
    auto less = [&](key_part const* x, key_part const* y) { return compare_keys(keys, x, y) < 0; };
    std::sort(rows.begin(), rows.end(), [&](row const& x, row const& y) { return less(x.key, y.key); });
    std::size_t total = rows.size();

    std::size_t begin = 0, end = rows.size();
    std::vector<key_part> probe;
    if (a.after.is_string()) {
      auto k = decode_cursor(a.after.get_string(), nk);
      probe.resize(nk);
      key_of_json(keys, k, probe.data());
      begin = std::size_t(std::upper_bound(rows.begin(), rows.end(), probe.data(),
                                           [&](key_part const* key, row const& r) { return less(key, r.key); }) -
                          rows.begin());
    }
    if (a.before.is_string()) {
      auto k = decode_cursor(a.before.get_string(), nk);
      probe.resize(nk);
      key_of_json(keys, k, probe.data());
      end = std::size_t(std::lower_bound(rows.begin(), rows.end(), probe.data(),
                                         [&](row const& r, key_part const* key) { return less(r.key, key); }) -
                        rows.begin());
      end = std::max(end, begin);
    }
    bool has_previous = begin > 0, has_next = end < rows.size();
    auto page_size = [&](json::value const& v, char const* name) -> std::optional<std::size_t> {
      if (v.is_null()) return std::nullopt;
      if (!v.is_int64() || v.get_int64() < 0 || v.get_int64() > lim_.max_page_size)
        throw field_error(std::string("Argument \"") + name + "\" must be between 0 and " +
                          std::to_string(lim_.max_page_size));
      return std::size_t(v.get_int64());
    };
    auto n_first = page_size(a.first, "first");
    auto n_last = page_size(a.last, "last");
    if (!n_first && !n_last) n_first = std::size_t(lim_.default_page_size);
    if (n_first && end - begin > *n_first) {
      end = begin + *n_first;
      has_next = true;
    }
    if (n_last && end - begin > *n_last) {
      begin = end - *n_last;
      has_previous = true;
    }

    auto cursor = [&](std::size_t i) {
      scratch_.clear();
      append_key_json(scratch_, keys, rows[i].item, root_);
      append_json_string(out, base64_encode(scratch_));
    };
    out += '{';
    bool first_key = true;
    for (auto const& [k, mf] : fields) {
      key(out, first_key, mf);
      if (mf.r == role::typename_) {
        append_json_string(out, type.name + "Connection");
      } else if (mf.r == role::total_count) {
        append_json_number(out, std::int64_t(total));
      } else if (mf.r == role::page_info) {
        auto const& pf = children(mf);
        out += '{';
        bool pfirst = true;
        for (auto const& [pk, pmf] : pf) {
          key(out, pfirst, pmf);
          switch (pmf.r) {
            case role::typename_: out += "\"PageInfo\""; break;
            case role::has_next: out += has_next ? "true" : "false"; break;
            case role::has_previous: out += has_previous ? "true" : "false"; break;
            case role::end_cursor: end > begin ? cursor(end - 1) : void(out += "null"); break;
            case role::start_cursor: end > begin ? cursor(begin) : void(out += "null"); break;
            default: break;
          }
        }
        out += '}';
      } else if (mf.r == role::edges) {
        auto const& ef = children(mf);
        out += '[';
        path_.push_back(path_item{k});
        for (std::size_t i = begin; i < end; ++i) {
          if (i > begin) out += ',';
          path_.push_back(path_item{{}, std::int64_t(i - begin)});
          out += '{';
          bool efirst = true;
          for (auto const& [ek, emf] : ef) {
            key(out, efirst, emf);
            if (emf.r == role::typename_) append_json_string(out, type.name + "Edge");
            else if (emf.r == role::cursor) cursor(i);
            else if (emf.r == role::node) {
              path_.push_back(path_item{ek});
              exec_object(type, rows[i].item, children(emf, &type), out);
              path_.pop_back();
            }
          }
          out += '}';
          path_.pop_back();
        }
        path_.pop_back();
        out += ']';
      }
    }
    out += '}';
  }

  static json::array decode_cursor(std::string_view text, std::size_t size) {
    auto raw = base64_decode(text);
    std::string err;
    json::value v = raw ? parse_json(*raw, err) : json::value(nullptr);
    if (!raw || !err.empty() || !v.is_array() || v.get_array().size() != size)
      throw field_error("Invalid cursor: '" + std::string(text) + "'");
    return std::move(v.get_array());
  }

  object_type const& root_type_;
  void const* root_;
  request const& req_;
  limits lim_;
  json::array errors_;
  std::map<std::string, fragment const*> fragments_;
  std::map<std::string, json::value> variables_;
  std::vector<std::string> collections_read_;
  std::map<std::vector<selection_set const*>, field_list> collected_;
  std::vector<path_item> path_;
  std::unordered_map<selection const*, query_args> query_args_;
  std::string scratch_;
};

}  // namespace

result execute(object_type const& root_type, void const* root, request const& req, limits const& lim) {
  executor ex{root_type, root, req, lim};
  return ex.run();
}

}  // namespace mlc::emu::graphql
