#pragma once
// One tenant's Sage X3 data: suppliers, purchase orders with lines, supplier invoices.
// Amounts and quantities are exact hundredths; dates are days since 1970-01-01; update
// stamps have seconds precision, like X3's UPDDATTIM, so many records share one stamp.
// Not thread-safe: owned by the emulator on its io_context thread.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "tests/emulators/time_text.hpp"

namespace mlc::emu {

using hundredths = std::int64_t;  // 1234.56 is 123456

double to_number(hundredths v);
std::string to_decimal_text(hundredths v);  // "1234.56", "-0.5" -> "-0.50"
// JSON number or decimal string -> hundredths (rounded half away from zero).
std::optional<hundredths> parse_hundredths(boost::json::value const& v);

struct x3_po_line {
  int line_number = 0;
  std::string product;
  hundredths quantity = 0;
  std::string unit;
  hundredths net_price = 0;
  std::optional<std::int64_t> expected_receipt;  // days
  bool received = false;
  hundredths line_amount() const;
};

struct x3_purchase_order {
  std::string id;  // POHNUM
  std::string site;
  std::int64_t order_date = 0;
  std::string supplier;
  std::string currency;
  hundredths total_excl_tax = 0;
  hundredths total_incl_tax = 0;
  bool closed = false;
  sys_ms updated{};
  std::vector<x3_po_line> lines;
  // "notReceived" | "partiallyReceived" | "received" (GraphQL enum spelling), from the lines.
  std::string_view receipt_status() const;
};

struct x3_supplier_invoice {
  std::string id;  // NUM
  std::string supplier;
  std::string currency;
  std::string supplier_document;  // BPRVCR: the supplier's own invoice number
  std::optional<std::int64_t> document_date;
  std::optional<std::int64_t> accounting_date;
  std::optional<std::int64_t> due_date_basis;
  hundredths amount_excl_tax = 0;
  hundredths tax_amount = 0;
  int status = 1;  // STA: 1 not posted, 2 posted
  std::string purchase_order;  // empty: not linked to an order
  sys_ms updated{};
  std::string_view status_name() const;  // "notPosted" | "posted"
};

struct x3_supplier {
  std::string code;
  std::string name;
  sys_ms updated{};
};

struct x3_data {
  std::map<std::string, x3_supplier> suppliers;
  std::map<std::string, x3_purchase_order> orders;
  std::map<std::string, x3_supplier_invoice> invoices;

  std::size_t approximate_bytes() const;
};

// Control-API views ("state") in snake_case, amounts as JSON numbers.
boost::json::object to_state(x3_purchase_order const& po);
boost::json::object to_state(x3_supplier_invoice const& inv);
boost::json::object to_state(x3_supplier const& s);
boost::json::object to_state(x3_data const& data);

// Applies a partial record (state field names) onto `target`; returns an error naming the
// field, or nullopt. "lines" replaces all lines; totals are recomputed from new lines
// unless given. The update stamp is the caller's business.
std::optional<std::string> apply_patch(x3_purchase_order& target, boost::json::object const& patch);
std::optional<std::string> apply_patch(x3_supplier_invoice& target, boost::json::object const& patch);
std::optional<std::string> apply_patch(x3_supplier& target, boost::json::object const& patch);

// Tax rate in percent used for an order's site when totals are recomputed.
hundredths tax_for(std::string const& site, hundredths excl);

}  // namespace mlc::emu
