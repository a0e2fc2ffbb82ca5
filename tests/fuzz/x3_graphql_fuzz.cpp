// Fuzz target: Sage X3 GraphQL responses (engine/x3_parse.hpp). The input is an HTTP body
// as X3 would send it; all three GraphQL parsers read it (only the one whose data path
// matches gets past the envelope). Properties: only x3_response_error escapes, parsed
// records obey the normalisation contract (x3_checks.hpp), record errors carry valid JSON.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/x3_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  using namespace mlc;
  auto body = fuzz::as_text(data, size);
  fuzz::expect_only_response_errors("parse_graphql_purchase_orders", [&] {
    fuzz::check_page(engine::parse_graphql_purchase_orders(body), fuzz::check_order);
  });
  fuzz::expect_only_response_errors("parse_graphql_supplier_invoices", [&] {
    fuzz::check_page(engine::parse_graphql_supplier_invoices(body), fuzz::check_invoice);
  });
  fuzz::expect_only_response_errors("parse_graphql_supplier", [&] {
    fuzz::check_one(engine::parse_graphql_supplier(body), fuzz::check_supplier);
  });
  fuzz::check_normalisers(body);
  return 0;
}
