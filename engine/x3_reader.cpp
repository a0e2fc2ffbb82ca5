#include "engine/x3_reader.hpp"

#include <cstdint>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "engine/content_hash.hpp"
#include "engine/failure.hpp"
#include "engine/x3_query.hpp"
#include "net/error.hpp"

namespace mlc::engine {

namespace json = boost::json;

namespace {

std::string describe(net::http_response const& r) {
  return "HTTP " + std::to_string(r.status) + ": " + net::excerpt(r.body, 200);
}

// X3 answers a bad query or an unknown folder with 4xx/5xx and a message; a 401 that
// survived a credential refresh means the credentials are wrong.
[[noreturn]] void throw_x3_status(net::http_response const& r, std::string_view what) {
  auto message = "Sage X3 " + std::string{what} + ": " + describe(r);
  if (r.status == 429 || r.status >= 500 || r.status == 408)
    throw sync_error(failure_kind::transient, "x3", message);
  if (r.status == 401 || r.status == 403)
    throw sync_error(failure_kind::tenant_fault, "x3", message + " — check the Sage X3 credentials");
  throw sync_error(failure_kind::tenant_fault, "x3",
                   message + " — check the folder, the API and the query templates in the tenant config");
}

json::value parse_raw(std::string_view raw) {
  json::error_code ec;
  auto v = json::parse(raw, ec);
  if (ec) return json::value{};
  return v;
}

std::string wrap_graphql(std::string_view node_key, std::string_view raw) {
  json::object page;
  page["edges"] = json::array{json::object{{"node", parse_raw(raw)}, {"cursor", "replay"}}};
  page["pageInfo"] = json::object{{"endCursor", nullptr}, {"hasNextPage", false}};
  json::object entity_obj{{"query", std::move(page)}};
  json::object root{{"x3Purchasing", json::object{{node_key, std::move(entity_obj)}}}};
  return json::serialize(json::object{{"data", std::move(root)}});
}

std::string wrap_api1(std::string_view raw) {
  json::object envelope;
  envelope["$resources"] = json::array{parse_raw(raw)};
  return json::serialize(envelope);
}

std::optional<std::string> opt_str(json::object const& o, std::string_view key) {
  if (auto const* v = o.if_contains(key); v && v->is_string()) return std::string{v->as_string()};
  return std::nullopt;
}
std::string str(json::object const& o, std::string_view key) { return opt_str(o, key).value_or(""); }
bool boolean(json::object const& o, std::string_view key) {
  auto const* v = o.if_contains(key);
  return v && v->is_bool() && v->as_bool();
}

}  // namespace

x3_reader::x3_reader(std::shared_ptr<remote> remote, x3_reader_settings settings)
    : remote_(std::move(remote)), settings_(std::move(settings)) {}

std::string x3_reader::query_text(std::string const& name, std::string_view fallback) const {
  if (auto it = settings_.query_templates.find(name); it != settings_.query_templates.end()) return it->second;
  return std::string{fallback};
}

awaitable<std::string> x3_reader::graphql(std::string body) {
  net::header_list headers;
  headers.set("x-xtrem-endpoint", settings_.folder);
  auto response = co_await remote_->call("POST", "/xtrem/api", std::move(body), call_safety::idempotent,
                                         std::move(headers));
  if (response.status != 200) throw_x3_status(response, "GraphQL query");
  co_return std::move(response.body);
}

awaitable<std::string> x3_reader::get(std::string url) {
  auto response = co_await remote_->call("GET", std::move(url));
  if (response.status != 200) {
    // api1 reports errors as {"$diagnoses":[…]}: let the parser turn them into a message.
    if (response.status >= 400 && response.status < 500 && response.body.find("$diagnoses") != std::string::npos &&
        response.status != 401 && response.status != 403 && response.status != 429)
      co_return std::move(response.body);
    throw_x3_status(response, "api1 request");
  }
  co_return std::move(response.body);
}

awaitable<std::string> x3_reader::fetch_page(entity e, sys_seconds since, std::optional<std::string> next) {
  if (settings_.api == x3_api::graphql) {
    auto text = query_text(std::string{e == entity::purchase_order ? "purchase_orders" : "supplier_invoices"},
                           default_graphql_query(e));
    auto body = json::serialize(
        graphql_page_body(text, graphql_updated_filter(since), settings_.page_size, next));
    co_return co_await graphql(std::move(body));
  }
  auto first = api1_page_url(remote_->base_url(), settings_.folder, e, since, settings_.page_size);
  auto url = next ? api1_next_url(first, *next) : first;
  co_return co_await get(std::move(url));
}

awaitable<x3_page<purchase_order>> x3_reader::purchase_orders(sys_seconds since, std::optional<std::string> next) {
  auto body = co_await fetch_page(entity::purchase_order, since, std::move(next));
  co_return settings_.api == x3_api::graphql ? parse_graphql_purchase_orders(body) : parse_api1_purchase_orders(body);
}

awaitable<x3_page<supplier_invoice>> x3_reader::supplier_invoices(sys_seconds since,
                                                                 std::optional<std::string> next) {
  auto body = co_await fetch_page(entity::supplier_invoice, since, std::move(next));
  co_return settings_.api == x3_api::graphql ? parse_graphql_supplier_invoices(body)
                                             : parse_api1_supplier_invoices(body);
}

awaitable<std::optional<record_result<supplier>>> x3_reader::supplier(std::string code) {
  if (settings_.api == x3_api::graphql) {
    auto text = query_text("suppliers", default_supplier_graphql_query());
    auto body = json::serialize(graphql_supplier_body(text, code));
    auto answer = co_await graphql(std::move(body));
    co_return parse_graphql_supplier(answer);
  }
  auto url = api1_supplier_url(remote_->base_url(), settings_.folder, code);
  auto answer = co_await get(std::move(url));
  co_return parse_api1_supplier(answer);
}

bool x3_reader::batches_suppliers() const { return !settings_.query_templates.contains("suppliers"); }

awaitable<std::vector<record_result<supplier>>> x3_reader::suppliers(std::vector<std::string> codes) {
  if (settings_.api == x3_api::graphql) {
    auto body = json::serialize(graphql_suppliers_body(codes));
    auto answer = co_await graphql(std::move(body));
    co_return parse_graphql_suppliers(answer).records;
  }
  auto url = api1_suppliers_url(remote_->base_url(), settings_.folder, codes);
  auto answer = co_await get(std::move(url));
  co_return parse_api1_suppliers(answer).records;
}

// Record JSON is written as text: the same bytes as serializing the object with these
// members in this order (parked records and source hashes stored earlier keep matching).
std::string record_json(purchase_order const& po) {
  std::string out;
  out.reserve(256 + po.lines.size() * 160);
  json_object_writer w{out};
  w.text("id", po.id);
  w.text("site", po.site);
  w.text("order_date", po.order_date);
  w.text("supplier_code", po.supplier_code);
  w.text("currency", po.currency);
  w.text("total_excl_tax", po.total_excl_tax);
  w.text("total_incl_tax", po.total_incl_tax);
  w.flag("closed", po.closed);
  w.text("receipt_status", po.receipt_status);
  w.text("updated", po.updated);
  w.key("lines");
  out += '[';
  for (std::size_t i = 0; i < po.lines.size(); ++i) {
    auto const& l = po.lines[i];
    if (i > 0) out += ',';
    json_object_writer line{out};
    line.integer("line_number", l.line_number);
    line.text("product", l.product);
    line.text("quantity", l.quantity);
    line.text("unit", l.unit);
    line.text("net_price", l.net_price);
    line.optional_text("expected_receipt", l.expected_receipt);
    line.flag("received", l.received);
    line.finish();
  }
  out += ']';
  w.finish();
  return out;
}

std::string record_json(supplier_invoice const& inv) {
  std::string out;
  out.reserve(512);
  json_object_writer w{out};
  w.text("id", inv.id);
  w.text("supplier_code", inv.supplier_code);
  w.text("currency", inv.currency);
  w.text("supplier_document", inv.supplier_document);
  w.optional_text("document_date", inv.document_date);
  w.optional_text("accounting_date", inv.accounting_date);
  w.optional_text("due_date_basis", inv.due_date_basis);
  w.text("amount_excl_tax", inv.amount_excl_tax);
  w.text("tax_amount", inv.tax_amount);
  w.text("status", inv.status);
  w.optional_text("purchase_order", inv.purchase_order);
  w.text("updated", inv.updated);
  w.finish();
  return out;
}

namespace {

void append_optional(std::string& out, std::optional<std::string> const& text) {
  if (text) append_counted(out, *text);
  else out += '-';
}

void append_record_bytes(std::string& out, purchase_order const& po) {
  std::size_t size = 128 + po.id.size() + po.site.size() + po.supplier_code.size() + po.receipt_status.size();
  for (auto const& l : po.lines) size += 64 + l.product.size() + l.unit.size();
  out.reserve(out.size() + size);
  out += "po/1";
  append_counted(out, po.id);
  append_counted(out, po.site);
  append_counted(out, po.order_date);
  append_counted(out, po.supplier_code);
  append_counted(out, po.currency);
  append_counted(out, po.total_excl_tax);
  append_counted(out, po.total_incl_tax);
  out += po.closed ? '1' : '0';
  append_counted(out, po.receipt_status);
  append_counted(out, po.updated);
  append_tagged(out, 'n', static_cast<long long>(po.lines.size()));
  for (auto const& l : po.lines) {
    append_tagged(out, 'l', l.line_number);
    append_counted(out, l.product);
    append_counted(out, l.quantity);
    append_counted(out, l.unit);
    append_counted(out, l.net_price);
    append_optional(out, l.expected_receipt);
    out += l.received ? '1' : '0';
  }
}

void append_record_bytes(std::string& out, supplier_invoice const& inv) {
  out.reserve(out.size() + 256 + inv.id.size() + inv.supplier_document.size() + inv.status.size());
  out += "inv/1";
  append_counted(out, inv.id);
  append_counted(out, inv.supplier_code);
  append_counted(out, inv.currency);
  append_counted(out, inv.supplier_document);
  append_optional(out, inv.document_date);
  append_optional(out, inv.accounting_date);
  append_optional(out, inv.due_date_basis);
  append_counted(out, inv.amount_excl_tax);
  append_counted(out, inv.tax_amount);
  append_counted(out, inv.status);
  append_optional(out, inv.purchase_order);
  append_counted(out, inv.updated);
}

template <class Record>
std::string fingerprint_of(Record const& record, std::optional<std::string> const& supplier_name,
                           std::string_view mapping_fingerprint) {
  std::string bytes;
  append_record_bytes(bytes, record);
  append_optional(bytes, supplier_name);
  append_counted(bytes, mapping_fingerprint);
  return sha256_hex(bytes);
}

}  // namespace

std::string source_fingerprint(purchase_order const& po, std::optional<std::string> const& supplier_name,
                               std::string_view mapping_fingerprint) {
  return fingerprint_of(po, supplier_name, mapping_fingerprint);
}

std::string source_fingerprint(supplier_invoice const& inv, std::optional<std::string> const& supplier_name,
                               std::string_view mapping_fingerprint) {
  return fingerprint_of(inv, supplier_name, mapping_fingerprint);
}

namespace {

template <class Record>
record_result<Record> first_or_error(x3_page<Record> page, std::string_view raw) {
  if (page.records.empty()) return record_error{{}, {}, "the parked record is empty", std::string{raw}};
  return std::move(page.records.front());
}

}  // namespace

record_result<purchase_order> reparse_purchase_order(std::string_view api, std::string_view raw) {
  try {
    if (api == "graphql") return first_or_error(parse_graphql_purchase_orders(wrap_graphql("purchaseOrder", raw)), raw);
    if (api == "api1") return first_or_error(parse_api1_purchase_orders(wrap_api1(raw)), raw);
    auto v = parse_raw(raw);
    if (!v.is_object()) return record_error{{}, {}, "the parked record is not a JSON object", std::string{raw}};
    auto const& o = v.as_object();
    purchase_order po;
    po.id = str(o, "id");
    po.site = str(o, "site");
    po.order_date = str(o, "order_date");
    po.supplier_code = str(o, "supplier_code");
    po.currency = str(o, "currency");
    po.total_excl_tax = str(o, "total_excl_tax");
    po.total_incl_tax = str(o, "total_incl_tax");
    po.closed = boolean(o, "closed");
    po.receipt_status = str(o, "receipt_status");
    po.updated = str(o, "updated");
    if (auto const* lines = o.if_contains("lines"); lines && lines->is_array())
      for (auto const& lv : lines->as_array()) {
        if (!lv.is_object()) continue;
        auto const& l = lv.as_object();
        po_line line;
        if (auto const* n = l.if_contains("line_number"); n && n->is_int64()) line.line_number = static_cast<int>(n->as_int64());
        line.product = str(l, "product");
        line.quantity = str(l, "quantity");
        line.unit = str(l, "unit");
        line.net_price = str(l, "net_price");
        line.expected_receipt = opt_str(l, "expected_receipt");
        line.received = boolean(l, "received");
        po.lines.push_back(std::move(line));
      }
    return po;
  } catch (std::exception const& e) {
    return record_error{{}, {}, std::string{"the parked record cannot be read: "} + e.what(), std::string{raw}};
  }
}

record_result<supplier_invoice> reparse_supplier_invoice(std::string_view api, std::string_view raw) {
  try {
    if (api == "graphql")
      return first_or_error(parse_graphql_supplier_invoices(wrap_graphql("purchaseInvoice", raw)), raw);
    if (api == "api1") return first_or_error(parse_api1_supplier_invoices(wrap_api1(raw)), raw);
    auto v = parse_raw(raw);
    if (!v.is_object()) return record_error{{}, {}, "the parked record is not a JSON object", std::string{raw}};
    auto const& o = v.as_object();
    supplier_invoice inv;
    inv.id = str(o, "id");
    inv.supplier_code = str(o, "supplier_code");
    inv.currency = str(o, "currency");
    inv.supplier_document = str(o, "supplier_document");
    inv.document_date = opt_str(o, "document_date");
    inv.accounting_date = opt_str(o, "accounting_date");
    inv.due_date_basis = opt_str(o, "due_date_basis");
    inv.amount_excl_tax = str(o, "amount_excl_tax");
    inv.tax_amount = str(o, "tax_amount");
    inv.status = str(o, "status");
    inv.purchase_order = opt_str(o, "purchase_order");
    inv.updated = str(o, "updated");
    return inv;
  } catch (std::exception const& e) {
    return record_error{{}, {}, std::string{"the parked record cannot be read: "} + e.what(), std::string{raw}};
  }
}

}  // namespace mlc::engine
