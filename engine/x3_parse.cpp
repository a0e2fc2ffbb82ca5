#include "engine/x3_parse.hpp"

#include <cmath>

#include <algorithm>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "engine/decimal.hpp"
#include "engine/watermark.hpp"

namespace mlc::engine {

namespace json = boost::json;

namespace {

// ---- field readers: throw field_problem, caught per record -----------------------------

struct field_problem {
  std::string field;
  std::string message;  // expected …, got …
};

std::string shorten(std::string text, std::size_t max) {
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  if (text.size() > max) {
    std::size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
    text.resize(cut);
    text += "…";
  }
  return text;
}

std::string describe(json::value const* got) {
  if (!got) return "nothing (field missing)";
  return shorten(json::serialize(*got), 60);
}

[[noreturn]] void fail(std::string const& field, std::string_view expected, json::value const* got) {
  throw field_problem{field, "expected " + std::string(expected) + ", got " + describe(got)};
}

// "purchaseOrderLines[2]": the path of a table's line in error messages.
std::string line_path(std::string_view table, std::size_t index) {
  return std::string(table) + "[" + std::to_string(index) + "]";
}

// A record's fields, with the path prefix used in error messages ("PORDERQ[2]."). A line's
// prefix is written only when a message needs it: most records have no error to report.
struct fields {
  json::object const& obj;
  std::string prefix;
  std::string_view table = {};  // set for a line: the prefix is "<table>[<index>]."
  std::size_t index = 0;

  std::string path(std::string_view key) const {
    if (!table.empty()) return line_path(table, index) + "." + std::string(key);
    return prefix + std::string(key);
  }
  json::value const* find(std::string_view key) const { return obj.if_contains(key); }
  static bool absent(json::value const* v) { return !v || v->is_null(); }

  // Strings and integers (X3 numbers its documents) as trimmed text; nullopt when null/absent.
  std::optional<std::string> opt_text(std::string_view key) const {
    auto const* v = find(key);
    if (absent(v)) return std::nullopt;
    if (v->is_int64()) return std::to_string(v->get_int64());
    if (v->is_uint64()) return std::to_string(v->get_uint64());
    if (!v->is_string()) fail(path(key), "a string", v);
    std::string_view s = v->get_string();
    auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return std::string{};
    return std::string(s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1));
  }
  std::string text(std::string_view key) const {
    auto s = opt_text(key);
    if (!s || s->empty()) fail(path(key), "a non-empty string", find(key));
    return std::move(*s);
  }
  // Present-or-not text where X3 legitimately leaves it blank (supplier document number).
  std::string text_or_blank(std::string_view key) const { return opt_text(key).value_or(std::string{}); }

  // A code as {code: …} (GraphQL reference) or a plain string (api1, simple templates).
  std::optional<std::string> opt_code(std::string_view key, std::string_view inner = "code") const {
    auto const* v = find(key);
    if (absent(v)) return std::nullopt;
    if (v->is_object()) {
      // Already trimmed and non-empty, as X3 sends codes: taken as it is.
      if (auto const* s = v->get_object().if_contains(inner); s && s->is_string()) {
        std::string_view t = s->get_string();
        auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
        if (!t.empty() && !space(t.front()) && !space(t.back())) return std::string(t);
      }
      fields sub{v->get_object(), path(key) + "."};
      auto s = sub.opt_text(inner);
      if (!s || s->empty()) fail(path(key) + "." + std::string(inner), "a non-empty string", sub.find(inner));
      return s;
    }
    auto s = opt_text(key);
    if (s && s->empty()) return std::nullopt;
    return s;
  }
  std::string code(std::string_view key) const {
    auto s = opt_code(key);
    if (!s) fail(path(key), "a code (a string or {code: …})", find(key));
    return std::move(*s);
  }

  std::string amount(std::string_view key) const {
    auto const* v = find(key);
    auto text = v ? decimal::canonical_text(*v) : std::nullopt;
    if (!text) fail(path(key), "a decimal number", v);
    return std::move(*text);
  }

  std::optional<std::string> opt_date(std::string_view key) const {
    auto const* v = find(key);
    if (absent(v)) return std::nullopt;
    if (!v->is_string()) fail(path(key), "a date \"YYYY-MM-DD\"", v);
    std::string_view s = v->get_string();
    if (is_x3_blank_date(s)) return std::nullopt;
    auto d = normalise_x3_date(s);
    if (!d) fail(path(key), "a date \"YYYY-MM-DD\"", v);
    return d;
  }
  std::string date(std::string_view key) const {
    auto d = opt_date(key);
    if (!d) fail(path(key), "a date \"YYYY-MM-DD\"", find(key));
    return std::move(*d);
  }

  std::string timestamp(std::string_view key) const {
    auto const* v = find(key);
    std::optional<std::string> t;
    if (v && v->is_string()) t = normalise_x3_timestamp(v->get_string());
    if (!t) fail(path(key), "a timestamp \"YYYY-MM-DDTHH:MM:SSZ\"", v);
    return std::move(*t);
  }

  // JSON booleans or an X3 local menu "no/yes" (1/2, as number or string).
  bool flag(std::string_view key, bool if_absent = false) const {
    auto const* v = find(key);
    if (absent(v)) return if_absent;
    if (v->is_bool()) return v->get_bool();
    if (v->is_int64() && (v->get_int64() == 1 || v->get_int64() == 2)) return v->get_int64() == 2;
    if (v->is_string()) {
      std::string_view s = v->get_string();
      if (s == "1" || s == "false") return false;
      if (s == "2" || s == "true") return true;
    }
    fail(path(key), "true/false or an X3 local menu value 1 (no) / 2 (yes)", v);
  }

  int integer(std::string_view key) const {
    auto const* v = find(key);
    // At most 9 characters of text, as below.
    if (v && v->is_int64() && v->get_int64() >= -99'999'999 && v->get_int64() <= 999'999'999)
      return static_cast<int>(v->get_int64());
    std::optional<decimal> d = v ? decimal::from_json(*v) : std::nullopt;
    if (!d || d->scale() != 0 || d->to_string().size() > 9) fail(path(key), "an integer", v);
    return std::stoi(d->to_string());
  }
};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  return out;
}

std::string receipt_status_from(std::optional<std::string> const& text, std::vector<po_line> const& lines) {
  if (text) {
    std::string s = lower(*text);
    if (s == "received" || s == "totallyreceived" || s == "fullyreceived" || s == "completelyreceived" ||
        s == "3")
      return "received";
    if (s == "partiallyreceived" || s == "partial" || s == "2") return "partial";
    return "";
  }
  auto received = std::count_if(lines.begin(), lines.end(), [](po_line const& l) { return l.received; });
  if (!lines.empty() && received == static_cast<long>(lines.size())) return "received";
  return received > 0 ? "partial" : "";
}

// ---- per-record wrapper --------------------------------------------------------------

std::string record_label(std::string_view kind, std::string const& id) {
  return std::string(kind) + " " + (id.empty() ? "(id unreadable)" : id);
}

// The record as received, as JSON text for the replay store. Numbers beyond double range
// parse as infinities, which Boost.JSON writes as `Infinity` (not JSON): written as null.
json::value finite(json::value const& v) {
  if (v.is_double() && !std::isfinite(v.get_double())) return nullptr;
  if (v.is_array()) {
    json::array out;
    for (auto const& e : v.get_array()) out.push_back(finite(e));
    return out;
  }
  if (v.is_object()) {
    json::object out;
    for (auto const& [k, e] : v.get_object()) out[k] = finite(e);
    return out;
  }
  return v;
}

std::string raw_text(json::value const& v) { return json::serialize(finite(v)); }

template <class Record, class Parse>
record_result<Record> parse_record(json::value const& raw, std::string_view kind, std::string_view id_key,
                                   Parse parse) {
  std::string id;
  try {
    if (!raw.is_object()) fail("node", "an object", &raw);
    fields f{raw.get_object(), ""};
    id = f.text(id_key);
    return parse(f);
  } catch (field_problem const& p) {
    return record_error{id, p.field,
                        record_label(kind, id) + ": field \"" + p.field + "\": " + p.message,
                        raw_text(raw)};
  }
}

// ---- envelopes -----------------------------------------------------------------------

// `arena` holds the whole tree: a page is read into records and dropped at once, so its
// values are not allocated and freed one by one. It must outlive the returned value.
json::value parse_body(std::string_view body, std::string_view api, json::monotonic_resource& arena) {
  boost::system::error_code ec;
  json::value root = json::parse(body, ec, &arena);
  if (ec)
    throw x3_response_error(x3_response_error::kind::malformed,
                            std::string(api) + " response is not JSON (" + ec.message() + "): " +
                                shorten(std::string(body.substr(0, 200)), 120));
  if (!root.is_object())
    throw x3_response_error(x3_response_error::kind::malformed,
                            std::string(api) + " response is not a JSON object: " +
                                shorten(std::string(body.substr(0, 200)), 120));
  return root;
}

void throw_graphql_errors(json::object const& root) {
  auto const* errors = root.if_contains("errors");
  if (!errors || errors->is_null()) return;
  if (errors->is_array() && errors->get_array().empty()) return;
  std::string message = "X3 GraphQL returned errors: ";
  std::size_t shown = 0;
  if (errors->is_array()) {
    for (auto const& e : errors->get_array()) {
      if (shown == 3) {
        message += "; … (" + std::to_string(errors->get_array().size()) + " errors in all)";
        break;
      }
      if (shown++ > 0) message += "; ";
      auto const* text = e.is_object() ? e.get_object().if_contains("message") : nullptr;
      message += text && text->is_string() ? shorten(std::string(text->get_string()), 300) : describe(&e);
      auto const* path = e.is_object() ? e.get_object().if_contains("path") : nullptr;
      if (path && path->is_array()) message += " (path " + shorten(json::serialize(*path), 100) + ")";
    }
  } else {
    message += describe(errors);
  }
  throw x3_response_error(x3_response_error::kind::graphql_errors, message);
}

// data.<a>.<b>.query, or a malformed-response error naming the missing step.
json::object const& graphql_connection(json::object const& root, std::string_view a, std::string_view b) {
  std::string where = "data";
  json::value const* v = root.if_contains("data");
  for (std::string_view step : {a, b, std::string_view("query")}) {
    if (!v || !v->is_object()) break;
    where += "." + std::string(step);
    v = v->get_object().if_contains(step);
  }
  if (!v || !v->is_object())
    throw x3_response_error(x3_response_error::kind::malformed,
                            "X3 GraphQL response has no object at " + where +
                                " (does the query template select data." + std::string(a) + "." +
                                std::string(b) + ".query?)");
  return v->get_object();
}

json::array const& array_at(json::object const& obj, std::string_view key, std::string const& where) {
  auto const* v = obj.if_contains(key);
  if (!v || !v->is_array())
    throw x3_response_error(x3_response_error::kind::malformed,
                            "X3 response has no array at " + where + "." + std::string(key));
  return v->get_array();
}

template <class Record, class Parse>
x3_page<Record> graphql_page(std::string_view body, std::string_view a, std::string_view b,
                             std::string_view kind, std::string_view id_key, Parse parse) {
  json::monotonic_resource arena;
  json::value root = parse_body(body, "X3 GraphQL", arena);
  throw_graphql_errors(root.get_object());
  json::object const& conn = graphql_connection(root.get_object(), a, b);
  std::string where = "data." + std::string(a) + "." + std::string(b) + ".query";
  x3_page<Record> page;
  auto const& edges = array_at(conn, "edges", where);
  page.records.reserve(edges.size());
  for (auto const& edge : edges) {
    json::value const* node = edge.is_object() ? edge.get_object().if_contains("node") : nullptr;
    static json::value const null_node;
    page.records.push_back(parse_record<Record>(node ? *node : null_node, kind, id_key, parse));
  }
  auto const* info = conn.if_contains("pageInfo");
  json::value const* has_next = info && info->is_object() ? info->get_object().if_contains("hasNextPage") : nullptr;
  if (has_next && has_next->is_bool() && has_next->get_bool()) {
    auto const* cursor = info->get_object().if_contains("endCursor");
    if (!cursor || !cursor->is_string() || cursor->get_string().empty())
      throw x3_response_error(x3_response_error::kind::malformed,
                              "X3 GraphQL page says hasNextPage but has no endCursor at " + where + ".pageInfo");
    if (edges.empty())
      throw x3_response_error(x3_response_error::kind::malformed,
                              "X3 GraphQL page says hasNextPage but has no edges at " + where);
    page.next = std::string(cursor->get_string());
  }
  return page;
}

void throw_diagnoses(json::object const& root) {
  auto const* diagnoses = root.if_contains("$diagnoses");
  if (!diagnoses || !diagnoses->is_array()) return;
  std::string message;
  for (auto const& d : diagnoses->get_array()) {
    if (!d.is_object()) continue;
    auto const* severity = d.get_object().if_contains("$severity");
    std::string sev = severity && severity->is_string() ? lower(severity->get_string()) : "";
    if (sev != "error" && sev != "fatal") continue;
    auto const* text = d.get_object().if_contains("$message");
    if (!message.empty()) message += "; ";
    message += text && text->is_string() ? shorten(std::string(text->get_string()), 300) : describe(&d);
  }
  if (!message.empty())
    throw x3_response_error(x3_response_error::kind::diagnoses, "X3 api1 returned diagnoses: " + message);
}

template <class Record, class Parse>
x3_page<Record> api1_page(std::string_view body, std::string_view kind, std::string_view id_key, Parse parse) {
  json::monotonic_resource arena;
  json::value root = parse_body(body, "X3 api1", arena);
  throw_diagnoses(root.get_object());
  x3_page<Record> page;
  auto const& resources = array_at(root.get_object(), "$resources", "(root)");
  page.records.reserve(resources.size());
  for (auto const& resource : resources)
    page.records.push_back(parse_record<Record>(resource, kind, id_key, parse));
  auto const* links = root.get_object().if_contains("$links");
  auto const* next = links && links->is_object() ? links->get_object().if_contains("$next") : nullptr;
  auto const* url = next && next->is_object() ? next->get_object().if_contains("$url") : nullptr;
  if (url && url->is_string() && !url->get_string().empty()) page.next = std::string(url->get_string());
  return page;
}

// ---- records -------------------------------------------------------------------------

purchase_order graphql_order(fields const& f) {
  purchase_order po;
  po.id = f.text("id");
  po.site = f.code("purchaseSite");
  po.order_date = f.date("orderDate");
  po.supplier_code = f.code("orderFromSupplier");
  po.currency = f.code("currency");
  po.total_excl_tax = f.amount("taxExcludedTotalAmount");
  po.total_incl_tax = f.amount("taxIncludedTotalAmount");
  po.closed = f.flag("isClosed");
  po.updated = f.timestamp("_updateStamp");
  auto const* lines = f.find("purchaseOrderLines");
  if (!fields::absent(lines)) {
    // Accept { query { edges [ { node } ] } }, { edges … } or a plain array of line nodes.
    json::value const* list = lines;
    json::value const* more = nullptr;
    if (list->is_object() && list->get_object().contains("query")) list = &list->get_object().at("query");
    if (list->is_object()) {
      auto const* info = list->get_object().if_contains("pageInfo");
      more = info && info->is_object() ? info->get_object().if_contains("hasNextPage") : nullptr;
      list = list->get_object().if_contains("edges");
    }
    if (!list || !list->is_array()) fail("purchaseOrderLines", "a line connection { query { edges … } }", lines);
    if (more && more->is_bool() && more->get_bool())
      fail("purchaseOrderLines",
           "every line in one page (raise purchaseOrderLines query(first: …) in the query template)", more);
    po.lines.reserve(list->get_array().size());
    std::size_t index = 0;
    for (auto const& item : list->get_array()) {
      json::value const* node = &item;
      if (item.is_object() && item.get_object().contains("node")) node = &item.get_object().at("node");
      if (!node->is_object()) fail(line_path("purchaseOrderLines", index), "a line object", node);
      fields l{node->get_object(), {}, "purchaseOrderLines", index++};
      po_line line;
      line.line_number = l.integer("lineNumber");
      line.product = l.code("product");
      line.quantity = l.amount("quantityInOrderUnitOrdered");
      line.unit = l.code("orderUnit");
      line.net_price = l.amount("netPrice");
      line.expected_receipt = l.opt_date("expectedReceiptDate");
      line.received = l.flag("isReceived");
      po.lines.push_back(std::move(line));
    }
  }
  po.receipt_status = receipt_status_from(f.opt_text("receiptStatus"), po.lines);
  return po;
}

purchase_order api1_order(fields const& f) {
  purchase_order po;
  po.id = f.text("POHNUM");
  po.site = f.code("POHFCY");
  po.order_date = f.date("ORDDAT");
  po.supplier_code = f.code("BPSNUM");
  po.currency = f.code("CUR");
  po.total_excl_tax = f.amount("TOTORD");
  po.total_incl_tax = f.amount("TTVORD");
  po.closed = f.flag("CLEFLG");
  po.updated = f.timestamp("UPDDATTIM");
  std::string_view table = f.find("PORDERQ") ? "PORDERQ" : "PORDERP";
  auto const* lines = f.find(table);
  if (!fields::absent(lines)) {
    if (!lines->is_array()) fail(std::string(table), "an array of order lines", lines);
    std::size_t index = 0;
    for (auto const& item : lines->get_array()) {
      if (!item.is_object()) fail(line_path(table, index), "a line object", &item);
      fields l{item.get_object(), {}, table, index++};
      po_line line;
      line.line_number = l.integer("POPLIN");
      line.product = l.code("ITMREF");
      line.quantity = l.amount("QTYUOM");
      line.unit = l.code("UOM");
      line.net_price = l.amount("NETPRI");
      line.expected_receipt = l.opt_date("EXTRCPDAT");
      line.received = l.flag("LINCLEFLG");
      po.lines.push_back(std::move(line));
    }
  }
  po.receipt_status = receipt_status_from(std::nullopt, po.lines);
  return po;
}

supplier_invoice graphql_invoice(fields const& f) {
  supplier_invoice inv;
  inv.id = f.text("id");
  inv.supplier_code = f.code("billBySupplier");
  inv.currency = f.code("currency");
  inv.supplier_document = f.text_or_blank("sourceDocument");
  inv.document_date = f.opt_date("sourceDocumentDate");
  inv.accounting_date = f.opt_date("accountingDate");
  inv.due_date_basis = f.opt_date("dueDateCalculationStartDate");
  inv.amount_excl_tax = f.amount("amountOfLinesExcludingTax");
  inv.tax_amount = f.amount("totalTaxAmount");
  inv.status = f.text_or_blank("status");
  inv.purchase_order = f.opt_code("purchaseOrder", "id");
  inv.updated = f.timestamp("_updateStamp");
  return inv;
}

supplier_invoice api1_invoice(fields const& f) {
  supplier_invoice inv;
  inv.id = f.text("NUM");
  inv.supplier_code = f.code("BPR");
  inv.currency = f.code("CUR");
  inv.supplier_document = f.text_or_blank("BPRVCR");
  inv.document_date = f.opt_date("BPRDAT");
  inv.accounting_date = f.opt_date("ACCDAT");
  inv.amount_excl_tax = f.amount("AMTNOT");
  std::string incl = f.amount("AMTATI");
  auto tax = checked_sub(*decimal::parse(incl), *decimal::parse(inv.amount_excl_tax));
  if (!tax) fail("AMTATI", "an amount whose difference with AMTNOT is in range", f.find("AMTATI"));
  inv.tax_amount = tax->to_string();
  inv.status = f.text_or_blank("STA");
  inv.purchase_order = f.opt_code("POHNUM");
  inv.updated = f.timestamp("UPDDATTIM");
  return inv;
}

supplier supplier_from(fields const& f, std::string_view code_key, std::string_view name_key) {
  return supplier{f.text(code_key), f.text(name_key)};
}

}  // namespace

// ---- public --------------------------------------------------------------------------

bool is_x3_blank_date(std::string_view text) {
  return text.empty() || text == "1599-12-31" || text == "15991231" || text == "0000-00-00" ||
         text == "00000000";
}

std::optional<std::string> normalise_x3_date(std::string_view text) {
  auto d = parse_date(text);
  if (!d) return std::nullopt;
  if (text.size() == 10) return std::string(text);  // a valid "YYYY-MM-DD" is its own normal form
  return format_date(*d);
}

std::optional<std::string> normalise_x3_timestamp(std::string_view text) {
  auto t = parse_timestamp(text);
  if (!t) return std::nullopt;
  return format_timestamp(*t);
}

x3_page<purchase_order> parse_graphql_purchase_orders(std::string_view body) {
  return graphql_page<purchase_order>(body, "x3Purchasing", "purchaseOrder", "purchase order", "id", graphql_order);
}

x3_page<supplier_invoice> parse_graphql_supplier_invoices(std::string_view body) {
  return graphql_page<supplier_invoice>(body, "x3Purchasing", "purchaseInvoice", "supplier invoice", "id",
                                        graphql_invoice);
}

x3_page<supplier> parse_graphql_suppliers(std::string_view body) {
  return graphql_page<supplier>(body, "x3MasterData", "supplier", "supplier", "code", [](fields const& f) {
    return supplier_from(f, "code", "companyName");
  });
}

std::optional<record_result<supplier>> parse_graphql_supplier(std::string_view body) {
  auto page = parse_graphql_suppliers(body);
  if (page.records.empty()) return std::nullopt;
  return std::move(page.records.front());
}

x3_page<purchase_order> parse_api1_purchase_orders(std::string_view body) {
  return api1_page<purchase_order>(body, "purchase order", "POHNUM", api1_order);
}

x3_page<supplier_invoice> parse_api1_supplier_invoices(std::string_view body) {
  return api1_page<supplier_invoice>(body, "supplier invoice", "NUM", api1_invoice);
}

x3_page<supplier> parse_api1_suppliers(std::string_view body) {
  return api1_page<supplier>(body, "supplier", "BPSNUM", [](fields const& f) {
    return supplier_from(f, "BPSNUM", "BPSNAM");
  });
}

std::optional<record_result<supplier>> parse_api1_supplier(std::string_view body) {
  auto page = parse_api1_suppliers(body);
  if (page.records.empty()) return std::nullopt;
  return std::move(page.records.front());
}

std::string api1_next_url(std::string_view request_url, std::string_view next) {
  auto base = boost::urls::parse_uri(request_url);
  auto ref = boost::urls::parse_uri_reference(next);
  if (!base || !ref)
    throw x3_response_error(x3_response_error::kind::malformed,
                            "X3 api1 $next link is not a URL: " + shorten(std::string(next), 200));
  boost::urls::url resolved;
  if (!boost::urls::resolve(*base, *ref, resolved))
    throw x3_response_error(x3_response_error::kind::malformed,
                            "X3 api1 $next link cannot be resolved: " + shorten(std::string(next), 200));
  auto port_of = [](boost::urls::url_view_base const& u) {
    if (u.has_port()) return std::string(u.port());
    return std::string(lower(u.scheme()) == "https" ? "443" : "80");
  };
  if (lower(resolved.scheme()) != lower(base->scheme()) || lower(resolved.host()) != lower(base->host()) ||
      port_of(resolved) != port_of(*base))
    throw x3_response_error(x3_response_error::kind::malformed,
                            "X3 api1 $next link points at another server (" + std::string(resolved.scheme()) +
                                "://" + std::string(resolved.encoded_host()) +
                                "); refusing to send the tenant's credentials there");
  return std::string(resolved.buffer());
}

}  // namespace mlc::engine
