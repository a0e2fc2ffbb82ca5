#pragma once
// Sage X3 records as the engine sees them, whichever API (GraphQL or api1) they came from.
// Dates are "YYYY-MM-DD"; timestamps are UTC "YYYY-MM-DDTHH:MM:SSZ"; amounts are decimal
// strings normalised by engine/decimal.hpp (never binary floating point).
#include <optional>
#include <string>
#include <vector>

namespace mlc::engine {

enum class entity { purchase_order, supplier_invoice };

struct po_line {
  int line_number = 0;
  std::string product;                          // ITMREF / product.code
  std::string quantity;                         // decimal string
  std::string unit;                             // UOM / orderUnit.code
  std::string net_price;                        // decimal string
  std::optional<std::string> expected_receipt;  // date
  bool received = false;                        // line fully received (when the API says)
};

struct purchase_order {
  std::string id;            // POHNUM / id
  std::string site;          // POHFCY / purchaseSite
  std::string order_date;    // ORDDAT / orderDate
  std::string supplier_code; // BPSNUM / orderFromSupplier.code
  std::string currency;      // CUR / currency.code
  std::string total_excl_tax;
  std::string total_incl_tax;
  bool closed = false;       // CLEFLG / isClosed
  std::string receipt_status;  // "" | "partial" | "received" (normalised)
  std::string updated;       // UPDDATTIM / _updateStamp
  std::vector<po_line> lines;
};

struct supplier_invoice {
  std::string id;                      // NUM / id
  std::string supplier_code;           // BPR / billBySupplier.code
  std::string currency;                // CUR / currency.code
  std::string supplier_document;       // BPRVCR / sourceDocument: the supplier's invoice number
  std::optional<std::string> document_date;   // BPRDAT / sourceDocumentDate
  std::optional<std::string> accounting_date; // ACCDAT / accountingDate
  std::optional<std::string> due_date_basis;  // dueDateCalculationStartDate
  std::string amount_excl_tax;         // AMTNOT / amountOfLinesExcludingTax
  std::string tax_amount;              // AMTATI - AMTNOT / totalTaxAmount
  std::string status;                  // STA
  std::optional<std::string> purchase_order;  // POHNUM / purchaseOrder.id: the order it bills
  std::string updated;
};

struct supplier {
  std::string code;  // BPSNUM / code
  std::string name;  // BPSNAM / companyName
};

}  // namespace mlc::engine
