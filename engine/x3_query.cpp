#include "engine/x3_query.hpp"

#include "engine/url_text.hpp"

namespace mlc::engine {

namespace {

constexpr std::string_view k_purchase_orders_query =
    "query MlcPurchaseOrders($filter: String, $first: Int, $after: String, $orderBy: String) "
    "{ x3Purchasing { purchaseOrder { query(filter: $filter, first: $first, after: $after, orderBy: $orderBy) "
    "{ edges { node { id purchaseSite orderDate orderFromSupplier { code } currency { code } "
    "taxExcludedTotalAmount taxIncludedTotalAmount isClosed receiptStatus _updateStamp "
    "purchaseOrderLines { query(first: 500) { edges { node { lineNumber product { code } "
    "quantityInOrderUnitOrdered orderUnit { code } netPrice expectedReceiptDate isReceived } } "
    "pageInfo { hasNextPage } } } } cursor } pageInfo { endCursor hasNextPage } } } } }";

constexpr std::string_view k_supplier_invoices_query =
    "query MlcSupplierInvoices($filter: String, $first: Int, $after: String, $orderBy: String) "
    "{ x3Purchasing { purchaseInvoice { query(filter: $filter, first: $first, after: $after, orderBy: $orderBy) "
    "{ edges { node { id billBySupplier { code } currency { code } accountingDate sourceDocument "
    "sourceDocumentDate dueDateCalculationStartDate amountOfLinesExcludingTax totalTaxAmount status "
    "purchaseOrder { id } _updateStamp } cursor } pageInfo { endCursor hasNextPage } } } } }";

constexpr std::string_view k_supplier_query =
    "query MlcSupplier($filter: String) { x3MasterData { supplier { query(filter: $filter, first: 1) "
    "{ edges { node { code companyName } } } } } }";

constexpr std::string_view k_suppliers_query =
    "query MlcSuppliers($filter: String, $first: Int) { x3MasterData { supplier { query(filter: $filter, "
    "first: $first) { edges { node { code companyName } } } } } }";

// Query-value characters left readable; everything outside unreserved + these is encoded.
constexpr std::string_view k_query_keep = "$,:@/";

std::string api1_base(std::string_view base_url, std::string_view folder, std::string_view cls) {
  return base_url_root(base_url) + "/api1/x3/erp/" + percent_encode(folder) + "/" + std::string(cls) +
         "?representation=" + std::string(cls) + ".$query";
}

}  // namespace

std::string_view default_graphql_query(entity e) {
  return e == entity::purchase_order ? k_purchase_orders_query : k_supplier_invoices_query;
}

std::string_view default_supplier_graphql_query() { return k_supplier_query; }
std::string_view suppliers_graphql_query() { return k_suppliers_query; }

std::string graphql_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

std::string graphql_updated_filter(sys_seconds since) {
  return "{_updateStamp: {_gte: " + graphql_quote(format_timestamp(since)) + "}}";
}

std::string graphql_supplier_filter(std::string_view code) { return "{code: " + graphql_quote(code) + "}"; }

std::string graphql_suppliers_filter(std::vector<std::string> const& codes) {
  std::string out = "{code: {_in: [";
  for (std::size_t i = 0; i < codes.size(); ++i) out += (i ? ", " : "") + graphql_quote(codes[i]);
  return out + "]}}";
}

boost::json::object graphql_page_body(std::string_view query_text, std::string_view filter, int first,
                                      std::optional<std::string> const& after, std::string_view order_by) {
  boost::json::object variables;
  variables["filter"] = filter;
  variables["first"] = first;
  if (after) variables["after"] = *after;
  variables["orderBy"] = order_by;
  boost::json::object body;
  body["query"] = query_text;
  body["variables"] = std::move(variables);
  return body;
}

boost::json::object graphql_supplier_body(std::string_view query_text, std::string_view supplier_code) {
  boost::json::object variables;
  variables["filter"] = graphql_supplier_filter(supplier_code);
  boost::json::object body;
  body["query"] = query_text;
  body["variables"] = std::move(variables);
  return body;
}

boost::json::object graphql_suppliers_body(std::vector<std::string> const& codes) {
  boost::json::object variables;
  variables["filter"] = graphql_suppliers_filter(codes);
  variables["first"] = codes.size();
  boost::json::object body;
  body["query"] = suppliers_graphql_query();
  body["variables"] = std::move(variables);
  return body;
}

std::string_view api1_class(entity e) { return e == entity::purchase_order ? "PORDER" : "PINVOICE"; }
std::string_view api1_key(entity e) { return e == entity::purchase_order ? "POHNUM" : "NUM"; }

std::string api1_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

std::string api1_page_url(std::string_view base_url, std::string_view folder, entity e, sys_seconds since,
                          int count) {
  std::string where = "UPDDATTIM ge @" + format_timestamp(since) + "@";
  std::string order_by = "UPDDATTIM," + std::string(api1_key(e));
  return api1_base(base_url, folder, api1_class(e)) + "&where=" + percent_encode(where, k_query_keep) +
         "&orderBy=" + percent_encode(order_by, k_query_keep) + "&count=" + std::to_string(count);
}

std::string api1_supplier_url(std::string_view base_url, std::string_view folder, std::string_view supplier_code) {
  std::string where = "BPSNUM eq " + api1_quote(supplier_code);
  return api1_base(base_url, folder, "BPSUPPLIER") + "&where=" + percent_encode(where, k_query_keep) +
         "&count=1";
}

std::string api1_suppliers_url(std::string_view base_url, std::string_view folder,
                               std::vector<std::string> const& codes) {
  std::string where = "BPSNUM in (";
  for (std::size_t i = 0; i < codes.size(); ++i) where += (i ? "," : "") + api1_quote(codes[i]);
  where += ")";
  return api1_base(base_url, folder, "BPSUPPLIER") + "&where=" + percent_encode(where, k_query_keep) +
         "&count=" + std::to_string(codes.size());
}

}  // namespace mlc::engine
