// Sage X3 GraphQL emulation: projection, errors, filters, ordering and cursor paging.
#include <catch2/catch.hpp>

#include <set>

#include "tests/emulators/json_text.hpp"
#include "tests/emulators/test_fixture.hpp"
#include "tests/emulators/x3_site.hpp"

namespace {
namespace json = boost::json;
using mlc::emu::test::fixture;

std::string const k_page_query =
    "query Page($filter: String, $first: Int, $after: String, $orderBy: String) "
    "{ x3Purchasing { purchaseOrder { query(filter: $filter, first: $first, after: $after, orderBy: $orderBy) "
    "{ edges { node { id _updateStamp } cursor } pageInfo { endCursor hasNextPage } } } } }";

json::object const& connection(json::object const& body, char const* entity = "purchaseOrder") {
  return body.at("data").at("x3Purchasing").at(entity).at("query").as_object();
}

}  // namespace

TEST_CASE("graphql returns exactly the selected fields, with aliases", "[x3][graphql]") {
  fixture f;
  auto body = f.graphql(0,
                        "{ x3Purchasing { purchaseOrder { query(first: 2) { edges { node { id supplier: orderFromSupplier "
                        "{ code } taxExcludedTotalAmount purchaseOrderLines { query(first: 1) { edges { node { lineNumber "
                        "} } } } } } } } } }");
  REQUIRE_FALSE(body.contains("errors"));
  auto const& edges = connection(body).at("edges").as_array();
  REQUIRE(edges.size() == 2);
  auto const& node = edges[0].at("node").as_object();
  CHECK(node.size() == 4);
  CHECK(node.at("id").is_string());
  CHECK(node.at("supplier").as_object().size() == 1);
  CHECK(node.at("taxExcludedTotalAmount").is_number());
  auto const& line = node.at("purchaseOrderLines").at("query").at("edges").as_array().at(0).at("node").as_object();
  CHECK(line.size() == 1);
  CHECK(line.at("lineNumber").as_int64() == 1000);
  // Amounts are printed as plain decimals, never in exponent form.
  auto r = f.call([&] {
    auto req = f.x3(0, "POST", "/xtrem/api",
                    R"({"query":"{ x3Purchasing { purchaseOrder { query(first: 5) { edges { node { taxIncludedTotalAmount } } } } } }"})");
    req.headers.set("Authorization", f.x3_jwt(0));
    req.headers.set("x-xtrem-endpoint", f.emu->x3(0).credentials().folder);
    return req;
  }());
  CHECK(r.body.find("E+") == std::string::npos);
  CHECK(r.body.find("E") == std::string::npos);
}

TEST_CASE("graphql syntax and validation errors come as HTTP 200 errors[] without data", "[x3][graphql]") {
  fixture f;
  auto syntax = f.graphql(0, "{ x3Purchasing { purchaseOrder { query(first: 2) { edges { node { id } } }\n} ");
  REQUIRE_FALSE(syntax.contains("data"));
  auto const& e = syntax.at("errors").as_array().at(0).as_object();
  CHECK(std::string(e.at("message").as_string()).rfind("Syntax Error: Expected Name, found <EOF>", 0) == 0);
  CHECK(e.at("locations").as_array().at(0).at("line").as_int64() == 2);

  auto unknown = f.graphql(0, "{ x3Purchasing { purchaseOrder { query { edges { node { id vendorName } } } } } }");
  REQUIRE_FALSE(unknown.contains("data"));
  auto const& u = unknown.at("errors").as_array().at(0).as_object();
  CHECK(u.at("message").as_string() == "Cannot query field \"vendorName\" on type \"PurchaseOrder\".");
  CHECK(u.at("locations").as_array().at(0).at("column").as_int64() == 60);

  auto leaf = f.graphql(0, "{ x3Purchasing { purchaseOrder { query { edges { node { currency } } } } } }");
  CHECK(std::string(leaf.at("errors").as_array().at(0).at("message").as_string()).find("must have a selection") !=
        std::string::npos);

  auto var = f.graphql(0, "query Q($f: String!) { x3Purchasing { purchaseOrder { query(filter: $f) { edges { cursor } } } } }");
  CHECK(var.at("errors").as_array().at(0).at("message").as_string() ==
        "Variable \"$f\" of required type \"String!\" was not provided.");

  auto undefined = f.graphql(0, "{ x3Purchasing { purchaseOrder { query(after: $x) { edges { cursor } } } } }");
  CHECK(undefined.at("errors").as_array().at(0).at("message").as_string() == "Variable \"$x\" is not defined.");

  auto arg = f.graphql(0, "{ x3Purchasing { purchaseOrder { query(limit: 5) { edges { cursor } } } } }");
  CHECK(arg.at("errors").as_array().at(0).at("message").as_string() ==
        "Unknown argument \"limit\" on field \"PurchaseOrder_Operations.query\".");
}

TEST_CASE("graphql field errors null the field and carry a path", "[x3][graphql]") {
  fixture f;
  auto bad_filter = f.graphql(0, k_page_query, {{"filter", "{_updateStamp: {_gte: 2026}"}});
  CHECK(bad_filter.at("data").at("x3Purchasing").at("purchaseOrder").at("query").is_null());
  auto const& e = bad_filter.at("errors").as_array().at(0).as_object();
  CHECK(std::string(e.at("message").as_string()).rfind("Invalid filter", 0) == 0);
  CHECK(mlc::emu::to_json_text(e.at("path")) == R"(["x3Purchasing","purchaseOrder","query"])");

  auto bad_prop = f.graphql(0, k_page_query, {{"filter", "{vendor: 'x'}"}});
  CHECK(bad_prop.at("errors").as_array().at(0).at("message").as_string() ==
        "Invalid filter: property 'vendor' does not exist on PurchaseOrder");
  auto bad_cursor = f.graphql(0, k_page_query, {{"after", "bm90IGEgY3Vyc29y"}});
  CHECK(std::string(bad_cursor.at("errors").as_array().at(0).at("message").as_string()).rfind("Invalid cursor", 0) == 0);
  auto bad_date = f.graphql(0, k_page_query, {{"filter", "{_updateStamp: {_gte: 'yesterday'}}"}});
  CHECK(std::string(bad_date.at("errors").as_array().at(0).at("message").as_string()).find("expected a date-time") !=
        std::string::npos);
}

TEST_CASE("graphql paging with 300 records sharing one stamp returns each once, in order", "[x3][graphql]") {
  fixture f;
  auto& data = f.emu->x3(0).data();
  auto base = data.orders.begin()->second;
  data.orders.clear();
  auto stamp = *mlc::emu::parse_timestamp("2026-03-01T10:00:00Z");
  for (int n = 0; n < 300; ++n) {
    auto po = base;
    po.id = "PO" + std::to_string(100000 + n * 7 % 300);  // inserted out of order
    po.updated = stamp;
    data.orders[po.id] = po;
  }
  auto older = base;
  older.id = "PO000001";
  older.updated = stamp - std::chrono::seconds{1};
  data.orders[older.id] = older;

  std::vector<std::string> seen;
  std::optional<std::string> after;
  int pages = 0;
  while (true) {
    json::object vars{{"filter", "{_updateStamp: {_gte: '2026-03-01T10:00:00Z'}}"},
                      {"first", 50},
                      {"orderBy", "{_updateStamp: 1, id: 1}"}};
    if (after) vars["after"] = *after;
    auto body = f.graphql(0, k_page_query, vars);
    REQUIRE_FALSE(body.contains("errors"));
    auto const& conn = connection(body);
    auto const& edges = conn.at("edges").as_array();
    ++pages;
    for (auto const& e : edges) seen.emplace_back(e.at("node").at("id").as_string());
    if (!edges.empty()) CHECK(conn.at("pageInfo").at("endCursor") == edges.back().at("cursor"));
    if (!conn.at("pageInfo").at("hasNextPage").as_bool()) break;
    after = std::string(conn.at("pageInfo").at("endCursor").as_string());
    REQUIRE(pages < 20);
  }
  CHECK(pages == 6);
  REQUIRE(seen.size() == 300);
  CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == 300);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
}

TEST_CASE("graphql filters: operators, _and/_or, references, descending order", "[x3][graphql]") {
  fixture f;
  auto const& data = f.emu->x3(0).data();
  auto count = [&](std::string const& filter) {
    auto body = f.graphql(0, k_page_query, {{"filter", filter}, {"first", 1000}});
    REQUIRE_FALSE(body.contains("errors"));
    return connection(body).at("edges").as_array().size();
  };
  auto const& first = data.orders.begin()->second;
  std::string stamp = mlc::emu::format_stamp(first.updated);
  std::size_t gte = 0, lt = 0, closed = 0, supplier = 0;
  for (auto const& [id, po] : data.orders) {
    gte += po.updated >= first.updated;
    lt += po.updated < first.updated;
    closed += po.closed;
    supplier += po.supplier == first.supplier;
  }
  CHECK(count("{_updateStamp: {_gte: '" + stamp + "'}}") == gte);
  CHECK(count("{_updateStamp: {_lt: \"" + stamp + "\"}}") == lt);
  CHECK(count("{_updateStamp: {_gte: '" + stamp + "'}, _or: [{isClosed: true}, {isClosed: {_ne: true}}]}") == gte);
  CHECK(count("{isClosed: true}") == closed);
  CHECK(count("{_and: [{isClosed: {_eq: true}}, {isClosed: false}]}") == 0);
  CHECK(count("{orderFromSupplier: {code: '" + first.supplier + "'}}") == supplier);
  CHECK(count("{id: {_in: ['" + first.id + "', 'nope']}}") == 1);
  CHECK(count("{id: '" + first.id + "'}") == 1);

  auto desc = f.graphql(0, k_page_query, {{"first", 3}, {"orderBy", "{_updateStamp: -1, id: -1}"}});
  auto const& edges = connection(desc).at("edges").as_array();
  REQUIRE(edges.size() == 3);
  CHECK(edges[0].at("node").at("_updateStamp").as_string() >= edges[2].at("node").at("_updateStamp").as_string());
}

TEST_CASE("graphql invoices, suppliers, fragments and __typename", "[x3][graphql]") {
  fixture f;
  auto const& data = f.emu->x3(0).data();
  auto body = f.graphql(0,
                        "query { x3Purchasing { purchaseInvoice { query(first: 500) { edges { node { ...inv } } } } } }\n"
                        "fragment inv on PurchaseInvoice { __typename id billBySupplier { code } currency { code } "
                        "accountingDate sourceDocument sourceDocumentDate dueDateCalculationStartDate "
                        "amountOfLinesExcludingTax totalTaxAmount status purchaseOrder { id } _updateStamp }");
  REQUIRE_FALSE(body.contains("errors"));
  auto const& edges = connection(body, "purchaseInvoice").at("edges").as_array();
  REQUIRE(edges.size() == data.invoices.size());
  bool linked = false;
  for (auto const& e : edges) {
    auto const& n = e.at("node").as_object();
    CHECK(n.at("__typename") == "PurchaseInvoice");
    auto const& inv = data.invoices.at(std::string(n.at("id").as_string()));
    CHECK(n.at("billBySupplier").at("code") == json::value(inv.supplier));
    CHECK(n.at("status") == json::value(inv.status_name()));
    CHECK(n.at("_updateStamp").as_string().size() == 20);
    if (!inv.purchase_order.empty()) {
      linked = true;
      CHECK(n.at("purchaseOrder").at("id") == json::value(inv.purchase_order));
    } else {
      CHECK(n.at("purchaseOrder").is_null());
    }
  }
  CHECK(linked);

  auto const& sup = data.suppliers.begin()->second;
  auto sb = f.graphql(0, "query S($filter: String) { x3MasterData { supplier { query(filter: $filter) { edges { node { code companyName } } } } } }",
                      {{"filter", "{code: '" + sup.code + "'}"}});
  auto const& se = sb.at("data").at("x3MasterData").at("supplier").at("query").at("edges").as_array();
  REQUIRE(se.size() == 1);
  CHECK(se[0].at("node").at("companyName") == json::value(sup.name));

  // Names with quotes survive the filter syntax ({companyName: 'O\'Brien …'}).
  f.emu->x3(0).data().suppliers["Q1"] = mlc::emu::x3_supplier{"Q1", "O'Brien \"Tools\" Ltd", {}};
  auto qb = f.graphql(0, "{ x3MasterData { supplier { query(filter: \"{companyName: 'O\\\\'Brien \\\"Tools\\\" Ltd'}\") { edges { node { code } } } } } }");
  REQUIRE_FALSE(qb.contains("errors"));
  CHECK(qb.at("data").at("x3MasterData").at("supplier").at("query").at("edges").as_array().size() == 1);
}

TEST_CASE("graphql transport: endpoint header, method, body", "[x3][graphql]") {
  fixture f;
  auto req = f.x3(0, "POST", "/xtrem/api", R"({"query":"{ x3Purchasing { purchaseOrder { query { totalCount } } } }"})");
  req.headers.set("Authorization", f.x3_jwt(0));
  auto missing = f.call(req);
  CHECK(missing.status == 400);
  req.headers.set("x-xtrem-endpoint", "OTHER");
  CHECK(f.call(req).status == 404);
  req.headers.set("x-xtrem-endpoint", f.emu->x3(0).credentials().folder);
  auto ok = f.call_json(req, 200);
  CHECK(ok.at("data").at("x3Purchasing").at("purchaseOrder").at("query").at("totalCount").as_int64() ==
        std::int64_t(f.emu->x3(0).data().orders.size()));
  req.body = "not json";
  CHECK(f.call(req).status == 400);
  req.method = "GET";
  CHECK(f.call(req).status == 405);
}
