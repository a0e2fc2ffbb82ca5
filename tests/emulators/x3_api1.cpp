#include "tests/emulators/x3_api1.hpp"

#include <algorithm>

#include "tests/emulators/api1_where.hpp"
#include "tests/emulators/json_text.hpp"
#include "tests/emulators/responses.hpp"
#include "tests/emulators/text.hpp"

namespace mlc::emu {
namespace json = boost::json;
namespace {

constexpr int k_default_count = 20;
constexpr int k_max_count = 1000;

api1_class const& porder_class() {
  static api1_class const c{"PORDER",
                            {{"POHNUM", api1_type::string},
                             {"POHFCY", api1_type::string},
                             {"ORDDAT", api1_type::date},
                             {"BPSNUM", api1_type::string},
                             {"CUR", api1_type::string},
                             {"TOTORD", api1_type::decimal},
                             {"TTVORD", api1_type::decimal},
                             {"CLEFLG", api1_type::integer},
                             {"UPDDATTIM", api1_type::datetime}},
                            "POHNUM"};
  return c;
}

api1_class const& pinvoice_class() {
  static api1_class const c{"PINVOICE",
                            {{"NUM", api1_type::string},
                             {"BPR", api1_type::string},
                             {"BPRVCR", api1_type::string},
                             {"BPRDAT", api1_type::date},
                             {"ACCDAT", api1_type::date},
                             {"CUR", api1_type::string},
                             {"AMTNOT", api1_type::decimal},
                             {"AMTATI", api1_type::decimal},
                             {"STA", api1_type::integer},
                             {"POHNUM", api1_type::string},
                             {"UPDDATTIM", api1_type::datetime}},
                            "NUM"};
  return c;
}

api1_class const& bpsupplier_class() {
  static api1_class const c{"BPSUPPLIER",
                            {{"BPSNUM", api1_type::string}, {"BPSNAM", api1_type::string}, {"UPDDATTIM", api1_type::datetime}},
                            "BPSNUM"};
  return c;
}


json::value day_ms(std::optional<std::int64_t> d) { return d ? json::value(*d * 86'400'000) : json::value(nullptr); }
json::value stamp_ms(sys_ms t) { return json::value(std::int64_t(t.time_since_epoch().count())); }

// Typed rows in the property order of the class definitions above.
api1_row row_of(x3_purchase_order const& po) {
  return {json::value(po.id),          json::value(po.site),
          day_ms(po.order_date),       json::value(po.supplier),
          json::value(po.currency),    json::value(to_number(po.total_excl_tax)),
          json::value(to_number(po.total_incl_tax)), json::value(std::int64_t(po.closed ? 2 : 1)),
          stamp_ms(po.updated)};
}
api1_row row_of(x3_supplier_invoice const& inv) {
  return {json::value(inv.id),
          json::value(inv.supplier),
          json::value(inv.supplier_document),
          day_ms(inv.document_date),
          day_ms(inv.accounting_date),
          json::value(inv.currency),
          json::value(to_number(inv.amount_excl_tax)),
          json::value(to_number(inv.amount_excl_tax + inv.tax_amount)),
          json::value(std::int64_t(inv.status)),
          json::value(inv.purchase_order),
          stamp_ms(inv.updated)};
}
api1_row row_of(x3_supplier const& s) { return {json::value(s.code), json::value(s.name), stamp_ms(s.updated)}; }

net::http_response diagnose(int status, std::string const& message) { return json_response(status, api1_diagnoses(message)); }

// Parses "PORDER" or "PORDER('PO''1')" (already percent-decoded).
bool split_class(std::string_view rest, std::string& cls, std::optional<std::string>& key) {
  auto paren = rest.find('(');
  if (paren == std::string_view::npos) {
    cls = std::string(rest);
    return !cls.empty();
  }
  cls = std::string(rest.substr(0, paren));
  auto inner = rest.substr(paren + 1);
  if (inner.size() < 3 || inner.back() != ')' || inner.front() != '\'' || inner[inner.size() - 2] != '\'') return false;
  inner = inner.substr(1, inner.size() - 3);
  std::string k;
  for (std::size_t i = 0; i < inner.size(); ++i) {
    if (inner[i] == '\'') {
      if (i + 1 < inner.size() && inner[i + 1] == '\'') ++i;
      else return false;
    }
    k += inner[i];
  }
  key = std::move(k);
  return true;
}

}  // namespace

json::object api1_diagnoses(std::string const& message) {
  json::object d;
  d["$severity"] = "error";
  d["$message"] = message;
  json::object o;
  o["$diagnoses"] = json::array{d};
  return o;
}

namespace {

// Dates and stamps are formatted on the stack: a page prints hundreds of them.
void date_value(json_writer& w, std::int64_t days) {
  char buf[k_date_chars];
  write_date(buf, days);
  w.value(std::string_view(buf, sizeof buf));
}

void stamp_value(json_writer& w, sys_ms t) {
  char buf[k_stamp_chars];
  write_stamp(buf, t);
  w.value(std::string_view(buf, sizeof buf));
}

void date_or_null(json_writer& w, std::optional<std::int64_t> d) {
  if (d) date_value(w, *d);
  else w.null();
}

// One source of truth for each class's JSON: list pages stream it, details parse it back.
void write_resource(json_writer& w, x3_purchase_order const& po) {
  w.begin_object();
  w.key("$key").value(po.id);
  w.key("POHNUM").value(po.id);
  w.key("POHFCY").value(po.site);
  w.key("ORDDAT");
  date_value(w, po.order_date);
  w.key("BPSNUM").value(po.supplier);
  w.key("CUR").value(po.currency);
  w.key("TOTORD").hundredths(po.total_excl_tax);
  w.key("TTVORD").hundredths(po.total_incl_tax);
  w.key("CLEFLG").value(po.closed ? 2 : 1);
  w.key("UPDDATTIM");
  stamp_value(w, po.updated);
  w.key("PORDERQ").begin_array();
  for (auto const& l : po.lines) {
    w.begin_object();
    w.key("POPLIN").value(l.line_number);
    w.key("ITMREF").value(l.product);
    w.key("QTYUOM").hundredths(l.quantity);
    w.key("UOM").value(l.unit);
    w.key("NETPRI").hundredths(l.net_price);
    w.key("LINAMT").hundredths(l.line_amount());
    w.key("EXTRCPDAT");
    date_or_null(w, l.expected_receipt);
    w.key("LINCLEFLG").value(l.received ? 2 : 1);
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

void write_resource(json_writer& w, x3_supplier_invoice const& inv) {
  w.begin_object();
  w.key("$key").value(inv.id);
  w.key("NUM").value(inv.id);
  w.key("BPR").value(inv.supplier);
  w.key("BPRVCR").value(inv.supplier_document);
  w.key("BPRDAT");
  date_or_null(w, inv.document_date);
  w.key("ACCDAT");
  date_or_null(w, inv.accounting_date);
  w.key("CUR").value(inv.currency);
  w.key("AMTNOT").hundredths(inv.amount_excl_tax);
  w.key("AMTATI").hundredths(inv.amount_excl_tax + inv.tax_amount);
  w.key("STA").value(inv.status);
  w.key("POHNUM").value(inv.purchase_order);
  w.key("UPDDATTIM");
  stamp_value(w, inv.updated);
  w.end_object();
}

void write_resource(json_writer& w, x3_supplier const& s) {
  w.begin_object();
  w.key("$key").value(s.code);
  w.key("BPSNUM").value(s.code);
  w.key("BPSNAM").value(s.name);
  w.key("UPDDATTIM");
  stamp_value(w, s.updated);
  w.end_object();
}

template <class Record>
json::object as_object(Record const& r) {
  std::string text;
  json_writer w{text};
  write_resource(w, r);
  std::string err;
  return parse_json(text, err).as_object();
}

}  // namespace

json::object api1_resource(x3_purchase_order const& po) { return as_object(po); }
json::object api1_resource(x3_supplier_invoice const& inv) { return as_object(inv); }
json::object api1_resource(x3_supplier const& s) { return as_object(s); }

api1_result handle_api1(x3_data const& data, std::string const& folder, net::http_request const& req,
                        std::string const& origin) {
  api1_result out;
  if (req.method != "GET") {
    out.response = diagnose(405, "Method " + req.method + " is not allowed on api1 resources in this emulator");
    return out;
  }
  auto [raw_path, raw_query] = split_target(req.target);
  std::string path = percent_decode(raw_path, false);
  std::string const prefix = "/api1/x3/erp/";
  auto rest = std::string_view(path).substr(prefix.size());
  auto slash = rest.find('/');
  std::string req_folder{rest.substr(0, slash)};
  if (req_folder != folder) {
    out.response = diagnose(404, "Endpoint " + req_folder + " not found");
    return out;
  }
  if (slash == std::string_view::npos) {
    out.response = diagnose(404, "No class given after /api1/x3/erp/" + folder);
    return out;
  }
  std::string cls_name;
  std::optional<std::string> key;
  if (!split_class(rest.substr(slash + 1), cls_name, key)) {
    out.response = diagnose(400, "Malformed resource path " + std::string(rest.substr(slash + 1)));
    return out;
  }
  api1_class const* cls = cls_name == "PORDER"       ? &porder_class()
                          : cls_name == "PINVOICE"   ? &pinvoice_class()
                          : cls_name == "BPSUPPLIER" ? &bpsupplier_class()
                                                     : nullptr;
  if (!cls) {
    out.response = diagnose(404, "Class " + cls_name + " not found");
    return out;
  }
  auto q = query_params::parse(raw_query);
  auto representation = q.first("representation").value_or(cls_name);
  std::string facet = key ? ".$details" : ".$query";
  if (representation != cls_name + facet && representation != cls_name) {
    out.response = diagnose(400, "Representation " + representation + " is not valid here (expected " + cls_name + facet + ")");
    return out;
  }

  if (key) {
    json::object res;
    bool found = false;
    if (cls == &porder_class()) {
      if (auto it = data.orders.find(*key); it != data.orders.end()) res = api1_resource(it->second), found = true;
    } else if (cls == &pinvoice_class()) {
      if (auto it = data.invoices.find(*key); it != data.invoices.end()) res = api1_resource(it->second), found = true;
    } else if (auto it = data.suppliers.find(*key); it != data.suppliers.end()) {
      res = api1_resource(it->second), found = true;
    }
    if (!found) {
      out.response = diagnose(404, "Record " + *key + " not found in class " + cls_name);
      return out;
    }
    res["$url"] = origin + std::string(raw_path) + "?representation=" + percent_encode(cls_name + ".$details");
    out.response = json_response(200, res);
    return out;
  }

  try {
    std::unique_ptr<where_node> where;
    if (auto w = q.first("where"); w && !trim(*w).empty()) where = parse_where(*w, *cls);
    std::vector<api1_order> order;
    if (auto ob = q.first("orderBy"); ob && !trim(*ob).empty()) order = parse_order_by(*ob, *cls);
    bool has_key = false;
    for (auto const& o : order) has_key = has_key || o.property == cls->key_property;
    if (!has_key) order.push_back(api1_order{cls->key_property, *cls->index_of(cls->key_property), api1_type::string, false});

    int count = k_default_count;
    if (auto c = q.first("count")) {
      try {
        std::size_t used = 0;
        count = std::stoi(*c, &used);
        if (used != c->size()) throw std::invalid_argument("trailing");
      } catch (std::exception const&) {
        throw api1_error(400, "count must be an integer, got '" + *c + "'");
      }
      if (count < 1 || count > k_max_count)
        throw api1_error(400, "count must be between 1 and " + std::to_string(k_max_count));
    }

    // Filter and sort on typed rows; build JSON only for the page.
    struct candidate {
      api1_row row;
      void const* record;
    };
    std::vector<candidate> rows;
    auto consider = [&](api1_row row, void const* record) {
      if (!where || evaluate(*where, row)) rows.push_back(candidate{std::move(row), record});
    };
    if (cls == &porder_class())
      for (auto const& [id, po] : data.orders) consider(row_of(po), &po);
    else if (cls == &pinvoice_class())
      for (auto const& [id, inv] : data.invoices) consider(row_of(inv), &inv);
    else
      for (auto const& [id, sup] : data.suppliers) consider(row_of(sup), &sup);

    auto less_rows = [&](api1_row const& a, api1_row const& b) {
      for (auto const& o : order) {
        int c = compare_cells(a[o.index], b[o.index]);
        if (c != 0) return o.descending ? c > 0 : c < 0;
      }
      return false;
    };
    std::sort(rows.begin(), rows.end(), [&](candidate const& a, candidate const& b) { return less_rows(a.row, b.row); });

    std::size_t begin = 0;
    if (auto k = q.first("key")) {
      if (k->rfind("gt.", 0) != 0) throw api1_error(400, "key must look like gt.<token>");
      auto raw = base64url_decode(std::string_view(*k).substr(3));
      std::string err;
      json::value token = raw ? parse_json(*raw, err) : json::value(nullptr);
      if (!raw || !err.empty() || !token.is_array() || token.get_array().size() != order.size())
        throw api1_error(400, "key token is not valid for this query");
      api1_row probe(cls->properties.size());
      for (std::size_t i = 0; i < order.size(); ++i) probe[order[i].index] = token.get_array()[i];
      begin = std::size_t(std::upper_bound(rows.begin(), rows.end(), probe,
                                           [&](api1_row const& p, candidate const& c) { return less_rows(p, c.row); }) -
                          rows.begin());
    }
    std::size_t end = std::min(rows.size(), begin + std::size_t(count));

    std::string text;
    text.reserve(1024 + (end - begin) * 1024);
    json_writer w{text};
    w.begin_object();
    w.key("$itemsPerPage").value(count);
    w.key("$resources").begin_array();
    for (std::size_t i = begin; i < end; ++i) {
      if (cls == &porder_class()) write_resource(w, *static_cast<x3_purchase_order const*>(rows[i].record));
      else if (cls == &pinvoice_class()) write_resource(w, *static_cast<x3_supplier_invoice const*>(rows[i].record));
      else write_resource(w, *static_cast<x3_supplier const*>(rows[i].record));
    }
    w.end_array();
    w.key("$links").begin_object();
    if (end < rows.size()) {
      json::array token;
      for (auto const& o : order) token.push_back(rows[end - 1].row[o.index]);
      std::string next = origin + std::string(raw_path) + "?";
      bool first = true;
      for (auto const& [n, v] : q.items()) {
        if (n == "key") continue;
        next += (first ? "" : "&") + percent_encode(n) + "=" + percent_encode(v);
        first = false;
      }
      next += (first ? "" : "&") + std::string("key=gt.") + base64url_encode(to_json_text(token));
      w.key("$next").begin_object().key("$url").value(next).end_object();
    }
    w.end_object();
    w.end_object();
    out.response = text_response(200, std::move(text), "application/json;charset=UTF-8");
    out.listed = true;
  } catch (api1_error const& e) {
    out.response = diagnose(e.status(), e.what());
  }
  return out;
}

}  // namespace mlc::emu
