#include "tests/emulators/x3_model.hpp"

#include <cmath>
#include <cstdlib>

namespace mlc::emu {
namespace json = boost::json;

double to_number(hundredths v) { return double(v) / 100.0; }

std::string to_decimal_text(hundredths v) {
  std::string sign = v < 0 ? "-" : "";
  std::int64_t a = std::llabs(v);
  std::string frac = std::to_string(a % 100);
  if (frac.size() < 2) frac.insert(0, "0");
  return sign + std::to_string(a / 100) + "." + frac;
}

std::optional<hundredths> parse_hundredths(json::value const& v) {
  if (v.is_int64()) return v.get_int64() * 100;
  if (v.is_uint64()) return hundredths(v.get_uint64()) * 100;
  if (v.is_double()) {
    double d = v.get_double();
    if (!std::isfinite(d) || std::fabs(d) > 1e15) return std::nullopt;
    return hundredths(std::llround(d * 100.0));
  }
  if (!v.is_string()) return std::nullopt;
  std::string_view s = v.get_string();
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) neg = s[0] == '-', s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  std::int64_t whole = 0, frac = 0;
  int frac_digits = 0;
  bool dot = false, any = false;
  for (char c : s) {
    if (c == '.' && !dot) {
      dot = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    any = true;
    if (!dot) {
      if (whole > 10'000'000'000'000LL) return std::nullopt;
      whole = whole * 10 + (c - '0');
    } else if (frac_digits < 3) {
      frac = frac * 10 + (c - '0');
      ++frac_digits;
    }
  }
  if (!any) return std::nullopt;
  while (frac_digits < 3) frac *= 10, ++frac_digits;
  hundredths out = whole * 100 + (frac + 5) / 10;
  return neg ? -out : out;
}

hundredths x3_po_line::line_amount() const {
  // quantity and price are both hundredths: divide once, rounding half away from zero.
  __int128 p = __int128(quantity) * net_price;
  __int128 r = (p >= 0 ? p + 50 : p - 50) / 100;
  return hundredths(r);
}

std::string_view x3_purchase_order::receipt_status() const {
  std::size_t received = 0;
  for (auto const& l : lines) received += l.received ? 1 : 0;
  if (received == 0) return "notReceived";
  if (received == lines.size()) return "received";
  return "partiallyReceived";
}

std::string_view x3_supplier_invoice::status_name() const { return status == 2 ? "posted" : "notPosted"; }

std::size_t x3_data::approximate_bytes() const {
  std::size_t n = 0;
  for (auto const& [k, po] : orders) n += sizeof po + k.size() * 2 + po.lines.size() * sizeof(x3_po_line);
  n += invoices.size() * (sizeof(x3_supplier_invoice) + 64);
  n += suppliers.size() * (sizeof(x3_supplier) + 64);
  return n;
}

hundredths tax_for(std::string const& site, hundredths excl) {
  // A plausible VAT by the site's country prefix; only used when a client edits lines.
  int rate = site.rfind("US", 0) == 0 ? 8 : site.rfind("GB", 0) == 0 ? 20 : site.rfind("DE", 0) == 0 ? 19 : 20;
  return (excl * rate + 50) / 100;
}

namespace {

json::value date_value(std::optional<std::int64_t> d) {
  if (!d) return nullptr;
  return json::value(format_date(*d));
}

}  // namespace

json::object to_state(x3_purchase_order const& po) {
  json::object o;
  o["id"] = po.id;
  o["site"] = po.site;
  o["order_date"] = format_date(po.order_date);
  o["supplier"] = po.supplier;
  o["currency"] = po.currency;
  o["total_excl_tax"] = to_number(po.total_excl_tax);
  o["total_incl_tax"] = to_number(po.total_incl_tax);
  o["closed"] = po.closed;
  o["receipt_status"] = po.receipt_status();
  o["updated"] = format_stamp(po.updated);
  json::array lines;
  for (auto const& l : po.lines) {
    json::object lo;
    lo["line_number"] = l.line_number;
    lo["product"] = l.product;
    lo["quantity"] = to_number(l.quantity);
    lo["unit"] = l.unit;
    lo["net_price"] = to_number(l.net_price);
    lo["line_amount"] = to_number(l.line_amount());
    lo["expected_receipt"] = date_value(l.expected_receipt);
    lo["received"] = l.received;
    lines.push_back(std::move(lo));
  }
  o["lines"] = std::move(lines);
  return o;
}

json::object to_state(x3_supplier_invoice const& inv) {
  json::object o;
  o["id"] = inv.id;
  o["supplier"] = inv.supplier;
  o["currency"] = inv.currency;
  o["supplier_document"] = inv.supplier_document;
  o["document_date"] = date_value(inv.document_date);
  o["accounting_date"] = date_value(inv.accounting_date);
  o["due_date_basis"] = date_value(inv.due_date_basis);
  o["amount_excl_tax"] = to_number(inv.amount_excl_tax);
  o["tax_amount"] = to_number(inv.tax_amount);
  o["amount_incl_tax"] = to_number(inv.amount_excl_tax + inv.tax_amount);
  o["status"] = inv.status_name();
  o["purchase_order"] = inv.purchase_order.empty() ? json::value(nullptr) : json::value(inv.purchase_order);
  o["updated"] = format_stamp(inv.updated);
  return o;
}

json::object to_state(x3_supplier const& s) {
  json::object o;
  o["code"] = s.code;
  o["name"] = s.name;
  o["updated"] = format_stamp(s.updated);
  return o;
}

json::object to_state(x3_data const& data) {
  json::array pos, invs, sups;
  for (auto const& [id, po] : data.orders) pos.push_back(to_state(po));
  for (auto const& [id, inv] : data.invoices) invs.push_back(to_state(inv));
  for (auto const& [id, s] : data.suppliers) sups.push_back(to_state(s));
  json::object o;
  o["suppliers"] = std::move(sups);
  o["purchase_orders"] = std::move(pos);
  o["supplier_invoices"] = std::move(invs);
  return o;
}

namespace {

// Field readers that say which field was wrong.
struct patch_reader {
  json::object const& patch;
  std::optional<std::string> error;

  json::value const* find(char const* name) { return patch.if_contains(name); }

  void text(char const* name, std::string& out, bool allow_empty = false) {
    if (auto v = find(name)) {
      if (!v->is_string() || (!allow_empty && v->get_string().empty()))
        fail(name, "a non-empty string");
      else
        out = std::string(v->get_string());
    }
  }
  void amount(char const* name, hundredths& out) {
    if (auto v = find(name)) {
      auto a = parse_hundredths(*v);
      if (!a) return fail(name, "a number or decimal string");
      out = *a;
    }
  }
  void date(char const* name, std::int64_t& out) {
    if (auto v = find(name)) {
      auto d = v->is_string() ? parse_date(v->get_string()) : std::nullopt;
      if (!d) return fail(name, "a date \"YYYY-MM-DD\"");
      out = *d;
    }
  }
  void optional_date(char const* name, std::optional<std::int64_t>& out) {
    if (auto v = find(name)) {
      if (v->is_null()) {
        out.reset();
        return;
      }
      auto d = v->is_string() ? parse_date(v->get_string()) : std::nullopt;
      if (!d) return fail(name, "a date \"YYYY-MM-DD\" or null");
      out = *d;
    }
  }
  void flag(char const* name, bool& out) {
    if (auto v = find(name)) {
      if (!v->is_bool()) return fail(name, "true or false");
      out = v->get_bool();
    }
  }
  void fail(char const* name, char const* expected) {
    if (!error) error = std::string("field \"") + name + "\" must be " + expected;
  }
};

}  // namespace

std::optional<std::string> apply_patch(x3_purchase_order& po, json::object const& patch) {
  x3_purchase_order next = po;
  patch_reader r{patch, {}};
  r.text("site", next.site);
  r.date("order_date", next.order_date);
  r.text("supplier", next.supplier);
  r.text("currency", next.currency);
  r.flag("closed", next.closed);
  if (auto v = patch.if_contains("lines")) {
    if (!v->is_array()) return "field \"lines\" must be an array";
    std::vector<x3_po_line> lines;
    int n = 0;
    for (auto const& lv : v->get_array()) {
      ++n;
      if (!lv.is_object()) return "lines[" + std::to_string(n - 1) + "] must be an object";
      x3_po_line line;
      line.line_number = n * 1000;  // X3 numbers lines 1000, 2000, ...
      if (auto ln = lv.get_object().if_contains("line_number")) {
        if (!ln->is_int64()) return "lines[" + std::to_string(n - 1) + "].line_number must be an integer";
        line.line_number = int(ln->get_int64());
      }
      patch_reader lr{lv.get_object(), {}};
      lr.text("product", line.product);
      lr.amount("quantity", line.quantity);
      lr.text("unit", line.unit);
      lr.amount("net_price", line.net_price);
      lr.optional_date("expected_receipt", line.expected_receipt);
      lr.flag("received", line.received);
      if (lr.error) return "lines[" + std::to_string(n - 1) + "]: " + *lr.error;
      if (line.product.empty()) line.product = "ITEM" + std::to_string(n);
      if (line.unit.empty()) line.unit = "UN";
      lines.push_back(std::move(line));
    }
    next.lines = std::move(lines);
    if (!patch.contains("total_excl_tax")) {
      hundredths sum = 0;
      for (auto const& l : next.lines) sum += l.line_amount();
      next.total_excl_tax = sum;
      if (!patch.contains("total_incl_tax")) next.total_incl_tax = sum + tax_for(next.site, sum);
    }
  }
  r.amount("total_excl_tax", next.total_excl_tax);
  r.amount("total_incl_tax", next.total_incl_tax);
  if (auto v = patch.if_contains("received")) {  // shortcut: mark every line received or not
    if (!v->is_bool()) return "field \"received\" must be true or false";
    for (auto& l : next.lines) l.received = v->get_bool();
  }
  if (r.error) return r.error;
  po = std::move(next);
  return std::nullopt;
}

std::optional<std::string> apply_patch(x3_supplier_invoice& inv, json::object const& patch) {
  x3_supplier_invoice next = inv;
  patch_reader r{patch, {}};
  r.text("supplier", next.supplier);
  r.text("currency", next.currency);
  r.text("supplier_document", next.supplier_document);
  r.optional_date("document_date", next.document_date);
  r.optional_date("accounting_date", next.accounting_date);
  r.optional_date("due_date_basis", next.due_date_basis);
  r.amount("amount_excl_tax", next.amount_excl_tax);
  r.amount("tax_amount", next.tax_amount);
  if (auto v = patch.if_contains("status")) {
    if (v->is_string() && (v->get_string() == "posted" || v->get_string() == "notPosted"))
      next.status = v->get_string() == "posted" ? 2 : 1;
    else if (v->is_int64() && (v->get_int64() == 1 || v->get_int64() == 2))
      next.status = int(v->get_int64());
    else
      return "field \"status\" must be \"posted\", \"notPosted\", 1 or 2";
  }
  if (auto v = patch.if_contains("purchase_order")) {
    if (v->is_null())
      next.purchase_order.clear();
    else if (v->is_string())
      next.purchase_order = std::string(v->get_string());
    else
      return "field \"purchase_order\" must be a string or null";
  }
  if (r.error) return r.error;
  inv = std::move(next);
  return std::nullopt;
}

std::optional<std::string> apply_patch(x3_supplier& s, json::object const& patch) {
  x3_supplier next = s;
  patch_reader r{patch, {}};
  r.text("name", next.name);
  if (r.error) return r.error;
  s = std::move(next);
  return std::nullopt;
}

}  // namespace mlc::emu
