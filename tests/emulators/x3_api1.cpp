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

json::value date_or_null(std::optional<std::int64_t> d) { return d ? json::value(format_date(*d)) : json::value(nullptr); }

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

json::object api1_resource(x3_purchase_order const& po) {
  json::object o;
  o["$key"] = po.id;
  o["POHNUM"] = po.id;
  o["POHFCY"] = po.site;
  o["ORDDAT"] = format_date(po.order_date);
  o["BPSNUM"] = po.supplier;
  o["CUR"] = po.currency;
  o["TOTORD"] = to_number(po.total_excl_tax);
  o["TTVORD"] = to_number(po.total_incl_tax);
  o["CLEFLG"] = po.closed ? 2 : 1;
  o["UPDDATTIM"] = format_stamp(po.updated);
  json::array lines;
  for (auto const& l : po.lines) {
    json::object lo;
    lo["POPLIN"] = l.line_number;
    lo["ITMREF"] = l.product;
    lo["QTYUOM"] = to_number(l.quantity);
    lo["UOM"] = l.unit;
    lo["NETPRI"] = to_number(l.net_price);
    lo["LINAMT"] = to_number(l.line_amount());
    lo["EXTRCPDAT"] = date_or_null(l.expected_receipt);
    lo["LINCLEFLG"] = l.received ? 2 : 1;
    lines.push_back(std::move(lo));
  }
  o["PORDERQ"] = std::move(lines);
  return o;
}

json::object api1_resource(x3_supplier_invoice const& inv) {
  json::object o;
  o["$key"] = inv.id;
  o["NUM"] = inv.id;
  o["BPR"] = inv.supplier;
  o["BPRVCR"] = inv.supplier_document;
  o["BPRDAT"] = date_or_null(inv.document_date);
  o["ACCDAT"] = date_or_null(inv.accounting_date);
  o["CUR"] = inv.currency;
  o["AMTNOT"] = to_number(inv.amount_excl_tax);
  o["AMTATI"] = to_number(inv.amount_excl_tax + inv.tax_amount);
  o["STA"] = inv.status;
  o["POHNUM"] = inv.purchase_order;
  o["UPDDATTIM"] = format_stamp(inv.updated);
  return o;
}

json::object api1_resource(x3_supplier const& s) {
  json::object o;
  o["$key"] = s.code;
  o["BPSNUM"] = s.code;
  o["BPSNAM"] = s.name;
  o["UPDDATTIM"] = format_stamp(s.updated);
  return o;
}

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
    if (!has_key) order.push_back(api1_order{cls->key_property, api1_type::string, false});

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

    std::vector<json::object> rows;
    auto consider = [&](json::object res) {
      if (!where || evaluate(*where, res)) rows.push_back(std::move(res));
    };
    if (cls == &porder_class())
      for (auto const& [id, po] : data.orders) consider(api1_resource(po));
    else if (cls == &pinvoice_class())
      for (auto const& [id, inv] : data.invoices) consider(api1_resource(inv));
    else
      for (auto const& [id, s] : data.suppliers) consider(api1_resource(s));

    auto cmp = [&](json::object const& a, json::object const& b) {
      for (auto const& o : order) {
        auto const* x = a.if_contains(o.property);
        auto const* y = b.if_contains(o.property);
        json::value nv;
        int c = compare_property(o.type, x ? *x : nv, y ? *y : nv);
        if (c != 0) return o.descending ? c > 0 : c < 0;
      }
      return false;
    };
    std::sort(rows.begin(), rows.end(), cmp);

    std::size_t begin = 0;
    if (auto k = q.first("key")) {
      if (k->rfind("gt.", 0) != 0) throw api1_error(400, "key must look like gt.<token>");
      auto raw = base64url_decode(std::string_view(*k).substr(3));
      std::string err;
      json::value token = raw ? parse_json(*raw, err) : json::value(nullptr);
      if (!raw || !err.empty() || !token.is_array() || token.get_array().size() != order.size())
        throw api1_error(400, "key token is not valid for this query");
      json::object probe;
      for (std::size_t i = 0; i < order.size(); ++i) probe[order[i].property] = token.get_array()[i];
      begin = std::size_t(std::upper_bound(rows.begin(), rows.end(), probe, cmp) - rows.begin());
    }
    std::size_t end = std::min(rows.size(), begin + std::size_t(count));

    json::array resources;
    for (std::size_t i = begin; i < end; ++i) resources.push_back(rows[i]);
    json::object body;
    body["$itemsPerPage"] = count;
    body["$resources"] = std::move(resources);
    json::object links;
    if (end < rows.size()) {
      json::array token;
      for (auto const& o : order) token.push_back(rows[end - 1].at(o.property));
      std::string next = origin + std::string(raw_path) + "?";
      bool first = true;
      for (auto const& [n, v] : q.items()) {
        if (n == "key") continue;
        next += (first ? "" : "&") + percent_encode(n) + "=" + percent_encode(v);
        first = false;
      }
      next += (first ? "" : "&") + std::string("key=gt.") + base64url_encode(to_json_text(token));
      json::object u;
      u["$url"] = next;
      links["$next"] = std::move(u);
    }
    body["$links"] = std::move(links);
    out.response = json_response(200, body);
    out.listed = true;
  } catch (api1_error const& e) {
    out.response = diagnose(e.status(), e.what());
  }
  return out;
}

}  // namespace mlc::emu
