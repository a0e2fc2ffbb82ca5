#include "engine/x3_query.hpp"

#include <algorithm>

#include <catch2/catch.hpp>

#include <boost/json/serialize.hpp>

using namespace mlc::engine;

namespace {
sys_seconds ts(std::string_view text) { return *parse_timestamp(text); }

bool balanced(std::string_view q) {
  int depth = 0;
  for (char c : q) {
    depth += c == '{' ? 1 : c == '}' ? -1 : 0;
    if (depth < 0) return false;
  }
  return depth == 0;
}
}  // namespace

TEST_CASE("default GraphQL documents declare and use the paging variables") {
  for (entity e : {entity::purchase_order, entity::supplier_invoice}) {
    std::string_view q = default_graphql_query(e);
    CHECK(balanced(q));
    CHECK(q.find("($filter: String, $first: Int, $after: String, $orderBy: String)") != std::string_view::npos);
    CHECK(q.find("query(filter: $filter, first: $first, after: $after, orderBy: $orderBy)") != std::string_view::npos);
    CHECK(q.find("pageInfo { endCursor hasNextPage }") != std::string_view::npos);
    CHECK(q.find("_updateStamp") != std::string_view::npos);
  }
  CHECK(default_graphql_query(entity::purchase_order) ==
        "query MlcPurchaseOrders($filter: String, $first: Int, $after: String, $orderBy: String) "
        "{ x3Purchasing { purchaseOrder { query(filter: $filter, first: $first, after: $after, orderBy: $orderBy) "
        "{ edges { node { id purchaseSite orderDate orderFromSupplier { code } currency { code } "
        "taxExcludedTotalAmount taxIncludedTotalAmount isClosed receiptStatus _updateStamp "
        "purchaseOrderLines { query(first: 500) { edges { node { lineNumber product { code } "
        "quantityInOrderUnitOrdered orderUnit { code } netPrice expectedReceiptDate isReceived } } "
        "pageInfo { hasNextPage } } } } cursor } pageInfo { endCursor hasNextPage } } } } }");
  CHECK(default_graphql_query(entity::supplier_invoice).find(
            "node { id billBySupplier { code } currency { code } accountingDate sourceDocument sourceDocumentDate "
            "dueDateCalculationStartDate amountOfLinesExcludingTax totalTaxAmount status purchaseOrder { id } "
            "_updateStamp } cursor") != std::string_view::npos);
  CHECK(balanced(default_supplier_graphql_query()));
  CHECK(default_supplier_graphql_query() ==
        "query MlcSupplier($filter: String) { x3MasterData { supplier { query(filter: $filter, first: 1) "
        "{ edges { node { code companyName } } } } } }");
  CHECK(balanced(suppliers_graphql_query()));
  CHECK(suppliers_graphql_query() ==
        "query MlcSuppliers($filter: String, $first: Int) { x3MasterData { supplier { query(filter: $filter, "
        "first: $first) { edges { node { code companyName } } } } } }");
}

TEST_CASE("GraphQL filters quote and escape their values") {
  CHECK(graphql_updated_filter(ts("2026-01-01T00:00:00Z")) == "{_updateStamp: {_gte: '2026-01-01T00:00:00Z'}}");
  CHECK(graphql_supplier_filter("ACME01") == "{code: 'ACME01'}");
  CHECK(graphql_supplier_filter("O'Brien\\") == R"({code: 'O\'Brien\\'})");
  CHECK(graphql_supplier_filter("x'}, _or: [{code: 'y") == R"({code: 'x\'}, _or: [{code: \'y'})");
  CHECK(graphql_quote(R"("{}[]|)") == R"('"{}[]|')");
  CHECK(graphql_suppliers_filter({"ACME01", "BETA02"}) == "{code: {_in: ['ACME01', 'BETA02']}}");
  CHECK(graphql_suppliers_filter({"x']}, _or: [{code: 'y"}) == R"({code: {_in: ['x\']}, _or: [{code: \'y']}})");
}

TEST_CASE("GraphQL page body carries query and variables, cursor only after the first page") {
  std::string filter = graphql_updated_filter(ts("2026-01-01T00:00:00Z"));
  CHECK(boost::json::serialize(graphql_page_body("query Q { x }", filter, 100, std::nullopt)) ==
        R"({"query":"query Q { x }","variables":{"filter":"{_updateStamp: {_gte: '2026-01-01T00:00:00Z'}}",)"
        R"("first":100,"orderBy":"{_updateStamp: 1, id: 1}"}})");
  CHECK(boost::json::serialize(graphql_page_body("query Q { x }", filter, 50, std::string("YXJyYXk=\"x"))) ==
        R"({"query":"query Q { x }","variables":{"filter":"{_updateStamp: {_gte: '2026-01-01T00:00:00Z'}}",)"
        R"("first":50,"after":"YXJyYXk=\"x","orderBy":"{_updateStamp: 1, id: 1}"}})");
  CHECK(boost::json::serialize(graphql_supplier_body("query S { y }", "A\"B'C")) ==
        R"({"query":"query S { y }","variables":{"filter":"{code: 'A\"B\\'C'}"}})");
  auto many = boost::json::serialize(graphql_suppliers_body({"A1", "B'2"}));
  CHECK(many.find(R"("variables":{"filter":"{code: {_in: ['A1', 'B\\'2']}}","first":2})") != std::string::npos);
  CHECK(many.starts_with(R"({"query":"query MlcSuppliers()"));
}

TEST_CASE("api1 URLs are percent-encoded and keyed per class") {
  CHECK(api1_page_url("https://x3.example.com/", "SEED", entity::purchase_order, ts("2026-01-01T00:00:00Z"), 100) ==
        "https://x3.example.com/api1/x3/erp/SEED/PORDER?representation=PORDER.$query"
        "&where=UPDDATTIM%20ge%20@2026-01-01T00:00:00Z@&orderBy=UPDDATTIM,POHNUM&count=100");
  CHECK(api1_page_url("http://127.0.0.1:8124/sdata", "X3 TEST/1", entity::supplier_invoice,
                      ts("2026-03-05T07:08:09Z"), 20) ==
        "http://127.0.0.1:8124/sdata/api1/x3/erp/X3%20TEST%2F1/PINVOICE?representation=PINVOICE.$query"
        "&where=UPDDATTIM%20ge%20@2026-03-05T07:08:09Z@&orderBy=UPDDATTIM,NUM&count=20");
  CHECK(api1_supplier_url("https://x3.example.com", "SEED", "ACME01") ==
        "https://x3.example.com/api1/x3/erp/SEED/BPSUPPLIER?representation=BPSUPPLIER.$query"
        "&where=BPSNUM%20eq%20%27ACME01%27&count=1");
  // A quote cannot end the literal early; '&', '#', '+' cannot end or alter the parameter.
  CHECK(api1_quote("O'Brien") == "'O''Brien'");
  CHECK(api1_supplier_url("https://x", "SEED", "X' or BPSNUM ne '&count=9#+") ==
        "https://x/api1/x3/erp/SEED/BPSUPPLIER?representation=BPSUPPLIER.$query"
        "&where=BPSNUM%20eq%20%27X%27%27%20or%20BPSNUM%20ne%20%27%27%26count%3D9%23%2B%27&count=1");
  CHECK(api1_suppliers_url("https://x", "SEED", {"ACME01", "O'B"}) ==
        "https://x/api1/x3/erp/SEED/BPSUPPLIER?representation=BPSUPPLIER.$query"
        "&where=BPSNUM%20in%20%28%27ACME01%27,%27O%27%27B%27%29&count=2");
  CHECK(api1_class(entity::purchase_order) == "PORDER");
  CHECK(api1_key(entity::supplier_invoice) == "NUM");
  CHECK_THROWS_AS(api1_supplier_url("not a url", "SEED", "A"), std::invalid_argument);
}
