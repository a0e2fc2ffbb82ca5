#pragma once
// Sage X3 responses → records.hpp structs, for both the GraphQL and the api1 (SData) APIs.
//
// Envelope problems (body not JSON, GraphQL errors[] in an HTTP 200, api1 $diagnoses with
// severity error, a missing data path) throw x3_response_error: the whole page is unusable
// and the caller treats it as a tenant-level or transient fault. Problems inside one record
// only make that record a record_error; the rest of the page still parses.
//
// Normalisation (so both APIs give identical records):
//  - amounts and quantities: decimal::to_string() canonical text ("12480.5", never floats);
//    JSON numbers and numeric strings are both accepted;
//  - dates "YYYY-MM-DD" (X3's "20260131" accepted); X3's blank dates ("", "1599-12-31",
//    "0000-00-00") are null for optional dates and an error for required ones;
//  - timestamps "YYYY-MM-DDTHH:MM:SSZ" in UTC, sub-seconds floored (see watermark.hpp);
//  - codes given as objects ({code: …}) or plain strings/numbers are both accepted;
//  - booleans: JSON true/false, or X3 local menu 1 = no / 2 = yes (number or string);
//  - PO receipt_status: "" (not received / unknown), "partial", "received". GraphQL
//    receiptStatus values are matched case-insensitively: notReceived/none/1 → "",
//    partiallyReceived/partial/2 → "partial"; received/totallyReceived/fullyReceived/
//    completelyReceived/3 → "received"; unknown values → "" (line flags still count).
//    When the status is absent or null (always on api1) it is derived from the lines:
//    all lines received → "received", some → "partial".
//  - api1 line receipt: PORDERQ's LINCLEFLG (local menu 1 = open, 2 = closed). A closed
//    line is no longer awaited (fully received or closed short), which is what the
//    delivery date and the "received" transition need. Lines come from "PORDERQ", or
//    "PORDERP" when PORDERQ is absent.
//  - api1 invoice tax amount = AMTATI - AMTNOT.
// Pure functions; no shared state.
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/records.hpp"

namespace mlc::engine {

// A whole response that cannot be used.
class x3_response_error : public std::runtime_error {
 public:
  enum class kind {
    malformed,       // not JSON, or not the expected envelope shape
    graphql_errors,  // errors[] present (HTTP 200): wrong template, permissions, server fault
    diagnoses,       // api1 $diagnoses with $severity error
  };
  x3_response_error(kind k, std::string message) : std::runtime_error(std::move(message)), kind_(k) {}
  kind error_kind() const noexcept { return kind_; }

 private:
  kind kind_;
};

// One record that could not be read. `id` is empty when even the id was unreadable.
struct record_error {
  std::string id;
  std::string field;    // as the API names it, lines as "purchaseOrderLines[2].netPrice" / "PORDERQ[2].NETPRI"
  std::string message;  // purchase order 4500123: field "orderDate": expected a date "YYYY-MM-DD", got 17
  std::string raw_json; // the record exactly as received, for the replay store
};

template <class Record>
using record_result = std::variant<Record, record_error>;

template <class Record>
struct x3_page {
  std::vector<record_result<Record>> records;
  // GraphQL: endCursor when hasNextPage; api1: $links.$next.$url as sent (resolve it with
  // api1_next_url). nullopt on the last page.
  std::optional<std::string> next;
};

x3_page<purchase_order> parse_graphql_purchase_orders(std::string_view body);
x3_page<supplier_invoice> parse_graphql_supplier_invoices(std::string_view body);
// nullopt when X3 knows no supplier with that code.
std::optional<record_result<supplier>> parse_graphql_supplier(std::string_view body);
// Suppliers asked for by several codes at once (graphql_suppliers_body).
x3_page<supplier> parse_graphql_suppliers(std::string_view body);

x3_page<purchase_order> parse_api1_purchase_orders(std::string_view body);
x3_page<supplier_invoice> parse_api1_supplier_invoices(std::string_view body);
std::optional<record_result<supplier>> parse_api1_supplier(std::string_view body);
x3_page<supplier> parse_api1_suppliers(std::string_view body);

// The absolute URL to fetch for an api1 $next link (absolute or relative to the request).
// Throws x3_response_error(malformed) when it is unparsable or points at another scheme,
// host or port than `request_url`: following it would send the tenant's credentials there.
std::string api1_next_url(std::string_view request_url, std::string_view next);

// Field-level normalisers, exposed for tests and for other X3 inputs.
std::optional<std::string> normalise_x3_date(std::string_view text);       // nullopt: not a date
std::optional<std::string> normalise_x3_timestamp(std::string_view text);  // nullopt: not a timestamp
bool is_x3_blank_date(std::string_view text);

}  // namespace mlc::engine
