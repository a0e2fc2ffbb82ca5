#include "tests/emulators/x3_graphql_schema.hpp"

#include "tests/emulators/x3_model.hpp"

namespace mlc::emu {
namespace json = boost::json;
using graphql::field_def;
using graphql::object_type;
using graphql::scalar_type;
using sv = graphql::scalar_value;
using vk = graphql::scalar_value::kind;

namespace {

template <class T, class F>
field_def scalar(scalar_type t, F read) {
  field_def f;
  f.k = field_def::kind::scalar;
  f.scalar = t;
  f.read_scalar = [read](void const* p, void const*) -> sv { return read(*static_cast<T const*>(p)); };
  return f;
}

template <class T, class F>
field_def object(object_type const* type, F read) {
  field_def f;
  f.k = field_def::kind::object;
  f.type = type;
  f.read_object = [read](void const* p, void const* root) -> void const* {
    return read(*static_cast<T const*>(p), *static_cast<x3_data const*>(root));
  };
  return f;
}

template <class T, class F>
field_def collection(object_type const* type, F read) {
  field_def f;
  f.k = field_def::kind::collection;
  f.type = type;
  f.read_items = [read](void const* p, void const* root) -> std::vector<void const*> {
    return read(*static_cast<T const*>(p), *static_cast<x3_data const*>(root));
  };
  return f;
}

sv date_or_null(std::optional<std::int64_t> d) { return d ? sv::of(vk::date, *d) : sv{}; }
sv stamp(sys_ms t) { return sv::of(vk::stamp, t.time_since_epoch().count()); }
sv decimal(hundredths v) { return sv::of(vk::hundredths, v); }
sv flag(bool b) { return sv::of(vk::boolean, b ? 1 : 0); }

// A code-only reference (currency, unit, product): the record stores the code string.
void code_type(object_type& t, char const* name) {
  t.name = name;
  t.fields["code"] = scalar<std::string>(scalar_type::string, [](std::string const& s) { return sv::of_text(s); });
  t.fields["_id"] = scalar<std::string>(scalar_type::id, [](std::string const& s) { return sv::of_text(s); });
  t.default_order = {"code"};
}

struct x3_schema {
  object_type query, purchasing, master_data, order, line, invoice, supplier, currency, unit, product;

  x3_schema() {
    code_type(currency, "Currency");
    code_type(unit, "UnitOfMeasure");
    code_type(product, "Product");

    supplier.name = "Supplier";
    supplier.fields["_id"] = scalar<x3_supplier>(scalar_type::id, [](auto const& s) { return sv::of_text(s.code); });
    supplier.fields["code"] = scalar<x3_supplier>(scalar_type::string, [](auto const& s) { return sv::of_text(s.code); });
    supplier.fields["companyName"] =
        scalar<x3_supplier>(scalar_type::string, [](auto const& s) { return sv::of_text(s.name); });
    supplier.fields["_updateStamp"] =
        scalar<x3_supplier>(scalar_type::datetime, [](auto const& s) { return stamp(s.updated); });
    supplier.default_order = {"code"};

    line.name = "PurchaseOrderLine";
    line.fields["_id"] = scalar<x3_po_line>(scalar_type::id, [](auto const& l) { return sv::of(vk::integer_text, l.line_number); });
    line.fields["lineNumber"] = scalar<x3_po_line>(scalar_type::integer, [](auto const& l) { return sv::of(vk::integer, l.line_number); });
    line.fields["product"] = object<x3_po_line>(&product, [](auto const& l, x3_data const&) { return &l.product; });
    line.fields["quantityInOrderUnitOrdered"] =
        scalar<x3_po_line>(scalar_type::decimal, [](auto const& l) { return decimal(l.quantity); });
    line.fields["orderUnit"] = object<x3_po_line>(&unit, [](auto const& l, x3_data const&) { return &l.unit; });
    line.fields["netPrice"] = scalar<x3_po_line>(scalar_type::decimal, [](auto const& l) { return decimal(l.net_price); });
    line.fields["lineAmountExcludingTax"] =
        scalar<x3_po_line>(scalar_type::decimal, [](auto const& l) { return decimal(l.line_amount()); });
    line.fields["expectedReceiptDate"] =
        scalar<x3_po_line>(scalar_type::date, [](auto const& l) { return date_or_null(l.expected_receipt); });
    line.fields["isReceived"] = scalar<x3_po_line>(scalar_type::boolean, [](auto const& l) { return flag(l.received); });
    line.default_order = {"lineNumber"};

    order.name = "PurchaseOrder";
    order.fields["_id"] = scalar<x3_purchase_order>(scalar_type::id, [](auto const& p) { return sv::of_text(p.id); });
    order.fields["id"] = scalar<x3_purchase_order>(scalar_type::string, [](auto const& p) { return sv::of_text(p.id); });
    order.fields["purchaseSite"] = scalar<x3_purchase_order>(scalar_type::string, [](auto const& p) { return sv::of_text(p.site); });
    order.fields["orderDate"] =
        scalar<x3_purchase_order>(scalar_type::date, [](auto const& p) { return sv::of(vk::date, p.order_date); });
    order.fields["orderFromSupplier"] = object<x3_purchase_order>(&supplier, [](auto const& p, x3_data const& d) -> void const* {
      auto it = d.suppliers.find(p.supplier);
      return it == d.suppliers.end() ? nullptr : &it->second;
    });
    order.fields["currency"] = object<x3_purchase_order>(&currency, [](auto const& p, x3_data const&) { return &p.currency; });
    order.fields["taxExcludedTotalAmount"] =
        scalar<x3_purchase_order>(scalar_type::decimal, [](auto const& p) { return decimal(p.total_excl_tax); });
    order.fields["taxIncludedTotalAmount"] =
        scalar<x3_purchase_order>(scalar_type::decimal, [](auto const& p) { return decimal(p.total_incl_tax); });
    order.fields["isClosed"] = scalar<x3_purchase_order>(scalar_type::boolean, [](auto const& p) { return flag(p.closed); });
    order.fields["receiptStatus"] =
        scalar<x3_purchase_order>(scalar_type::enumeration, [](auto const& p) { return sv::of_text(p.receipt_status()); });
    order.fields["_updateStamp"] =
        scalar<x3_purchase_order>(scalar_type::datetime, [](auto const& p) { return stamp(p.updated); });
    order.fields["purchaseOrderLines"] = collection<x3_purchase_order>(&line, [](auto const& p, x3_data const&) {
      std::vector<void const*> out;
      out.reserve(p.lines.size());
      for (auto const& l : p.lines) out.push_back(&l);
      return out;
    });
    order.default_order = {"id"};

    invoice.name = "PurchaseInvoice";
    invoice.fields["_id"] = scalar<x3_supplier_invoice>(scalar_type::id, [](auto const& i) { return sv::of_text(i.id); });
    invoice.fields["id"] = scalar<x3_supplier_invoice>(scalar_type::string, [](auto const& i) { return sv::of_text(i.id); });
    invoice.fields["billBySupplier"] = object<x3_supplier_invoice>(&supplier, [](auto const& i, x3_data const& d) -> void const* {
      auto it = d.suppliers.find(i.supplier);
      return it == d.suppliers.end() ? nullptr : &it->second;
    });
    invoice.fields["currency"] = object<x3_supplier_invoice>(&currency, [](auto const& i, x3_data const&) { return &i.currency; });
    invoice.fields["accountingDate"] =
        scalar<x3_supplier_invoice>(scalar_type::date, [](auto const& i) { return date_or_null(i.accounting_date); });
    invoice.fields["sourceDocument"] =
        scalar<x3_supplier_invoice>(scalar_type::string, [](auto const& i) { return sv::of_text(i.supplier_document); });
    invoice.fields["sourceDocumentDate"] =
        scalar<x3_supplier_invoice>(scalar_type::date, [](auto const& i) { return date_or_null(i.document_date); });
    invoice.fields["dueDateCalculationStartDate"] =
        scalar<x3_supplier_invoice>(scalar_type::date, [](auto const& i) { return date_or_null(i.due_date_basis); });
    invoice.fields["amountOfLinesExcludingTax"] =
        scalar<x3_supplier_invoice>(scalar_type::decimal, [](auto const& i) { return decimal(i.amount_excl_tax); });
    invoice.fields["totalTaxAmount"] =
        scalar<x3_supplier_invoice>(scalar_type::decimal, [](auto const& i) { return decimal(i.tax_amount); });
    invoice.fields["totalAmountIncludingTax"] = scalar<x3_supplier_invoice>(
        scalar_type::decimal, [](auto const& i) { return decimal(i.amount_excl_tax + i.tax_amount); });
    invoice.fields["status"] =
        scalar<x3_supplier_invoice>(scalar_type::enumeration, [](auto const& i) { return sv::of_text(i.status_name()); });
    invoice.fields["purchaseOrder"] = object<x3_supplier_invoice>(&order, [](auto const& i, x3_data const& d) -> void const* {
      if (i.purchase_order.empty()) return nullptr;
      auto it = d.orders.find(i.purchase_order);
      return it == d.orders.end() ? nullptr : &it->second;
    });
    invoice.fields["_updateStamp"] =
        scalar<x3_supplier_invoice>(scalar_type::datetime, [](auto const& i) { return stamp(i.updated); });
    invoice.default_order = {"id"};

    purchasing.name = "X3Purchasing";
    purchasing.fields["purchaseOrder"] = collection<x3_data>(&order, [](x3_data const& d, x3_data const&) {
      std::vector<void const*> out;
      out.reserve(d.orders.size());
      for (auto const& [k, v] : d.orders) out.push_back(&v);
      return out;
    });
    purchasing.fields["purchaseInvoice"] = collection<x3_data>(&invoice, [](x3_data const& d, x3_data const&) {
      std::vector<void const*> out;
      out.reserve(d.invoices.size());
      for (auto const& [k, v] : d.invoices) out.push_back(&v);
      return out;
    });

    master_data.name = "X3MasterData";
    master_data.fields["supplier"] = collection<x3_data>(&supplier, [](x3_data const& d, x3_data const&) {
      std::vector<void const*> out;
      out.reserve(d.suppliers.size());
      for (auto const& [k, v] : d.suppliers) out.push_back(&v);
      return out;
    });

    query.name = "Query";
    query.fields["x3Purchasing"] = object<x3_data>(&purchasing, [](x3_data const& d, x3_data const&) { return &d; });
    query.fields["x3MasterData"] = object<x3_data>(&master_data, [](x3_data const& d, x3_data const&) { return &d; });
  }
};

}  // namespace

object_type const& x3_query_type() {
  static x3_schema const schema;
  return schema.query;
}

}  // namespace mlc::emu
