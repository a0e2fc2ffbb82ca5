#include "engine/x3_parse.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <set>

#include <boost/json/serialize.hpp>

#include "engine/x3_reader.hpp"

using namespace mlc::engine;

namespace {

supplier_invoice sample_invoice() {
  supplier_invoice inv;
  inv.id = "FINV-001";
  inv.supplier_code = "ACME01";
  inv.currency = "EUR";
  inv.supplier_document = "SUP\"77";
  inv.document_date = "2026-01-20";
  inv.amount_excl_tax = "1234.5";
  inv.tax_amount = "246.9";
  inv.status = "posted";
  inv.purchase_order = "4500123";
  inv.updated = "2026-01-21T08:00:00Z";
  return inv;
}

template <class R>
R const& ok(record_result<R> const& r) {
  if (auto const* e = std::get_if<record_error>(&r)) FAIL("unexpected record error: " << e->message);
  return std::get<R>(r);
}

template <class R>
record_error const& err(record_result<R> const& r) {
  REQUIRE(std::holds_alternative<record_error>(r));
  return std::get<record_error>(r);
}

x3_response_error::kind thrown_kind(auto&& f) {
  try {
    f();
  } catch (x3_response_error const& e) {
    return e.error_kind();
  }
  FAIL("no x3_response_error thrown");
  return x3_response_error::kind::malformed;
}

constexpr std::string_view k_graphql_orders = R"({"data":{"x3Purchasing":{"purchaseOrder":{"query":{
  "edges":[
    {"node":{"id":"4500123","purchaseSite":"FR01","orderDate":"2026-01-15",
      "orderFromSupplier":{"code":"ACME01"},"currency":{"code":"EUR"},
      "taxExcludedTotalAmount":"12480.00","taxIncludedTotalAmount":14976,"isClosed":false,
      "receiptStatus":"partiallyReceived","_updateStamp":"2026-01-31T12:00:00.250+02:00",
      "purchaseOrderLines":{"query":{"edges":[
        {"node":{"lineNumber":1000,"product":{"code":"BOLT-M8"},"quantityInOrderUnitOrdered":"100",
                 "orderUnit":{"code":"EA"},"netPrice":1.5e1,"expectedReceiptDate":"2026-03-01","isReceived":true}},
        {"node":{"lineNumber":"2000","product":{"code":"NUT-M8"},"quantityInOrderUnitOrdered":2.5,
                 "orderUnit":{"code":"KG"},"netPrice":"0.125","expectedReceiptDate":null}}
      ],"pageInfo":{"hasNextPage":false}}}},"cursor":"c1"},
    {"node":{"id":"4500124","purchaseSite":"FR01","orderDate":17,"orderFromSupplier":{"code":"ACME01"},
      "currency":{"code":"EUR"},"taxExcludedTotalAmount":1,"taxIncludedTotalAmount":1,"_updateStamp":"2026-01-31T10:00:00Z"},
     "cursor":"c2"},
    {"node":{"purchaseSite":"FR01"},"cursor":"c3"},
    {"node":{"id":4500125,"purchaseSite":{"code":"DE02"},"orderDate":"20260116","orderFromSupplier":"B'\"{}|",
      "currency":{"code":"USD"},"taxExcludedTotalAmount":"12abc","taxIncludedTotalAmount":1,
      "_updateStamp":"2026-01-31T10:00:00Z"},"cursor":"c4"}
  ],
  "pageInfo":{"endCursor":"c4","hasNextPage":true}}}}}})";

}  // namespace

TEST_CASE("GraphQL purchase orders parse per record, normalising numbers, dates and stamps") {
  auto page = parse_graphql_purchase_orders(k_graphql_orders);
  REQUIRE(page.records.size() == 4);
  CHECK(page.next == "c4");

  auto const& po = ok(page.records[0]);
  CHECK(po.id == "4500123");
  CHECK(po.site == "FR01");
  CHECK(po.order_date == "2026-01-15");
  CHECK(po.supplier_code == "ACME01");
  CHECK(po.currency == "EUR");
  CHECK(po.total_excl_tax == "12480");
  CHECK(po.total_incl_tax == "14976");
  CHECK_FALSE(po.closed);
  CHECK(po.receipt_status == "partial");
  CHECK(po.updated == "2026-01-31T10:00:00Z");
  REQUIRE(po.lines.size() == 2);
  CHECK(po.lines[0].line_number == 1000);
  CHECK(po.lines[0].product == "BOLT-M8");
  CHECK(po.lines[0].quantity == "100");
  CHECK(po.lines[0].unit == "EA");
  CHECK(po.lines[0].net_price == "15");
  CHECK(po.lines[0].expected_receipt == "2026-03-01");
  CHECK(po.lines[0].received);
  CHECK(po.lines[1].line_number == 2000);
  CHECK(po.lines[1].quantity == "2.5");
  CHECK(po.lines[1].net_price == "0.125");
  CHECK_FALSE(po.lines[1].expected_receipt);
  CHECK_FALSE(po.lines[1].received);

  auto const& bad_date = err(page.records[1]);
  CHECK(bad_date.id == "4500124");
  CHECK(bad_date.field == "orderDate");
  CHECK(bad_date.message == R"(purchase order 4500124: field "orderDate": expected a date "YYYY-MM-DD", got 17)");
  CHECK(bad_date.raw_json.find("\"orderDate\":17") != std::string::npos);

  auto const& no_id = err(page.records[2]);
  CHECK(no_id.id.empty());
  CHECK(no_id.message ==
        R"(purchase order (id unreadable): field "id": expected a non-empty string, got nothing (field missing))");

  auto const& bad_amount = err(page.records[3]);
  CHECK(bad_amount.id == "4500125");
  CHECK(bad_amount.message ==
        R"(purchase order 4500125: field "taxExcludedTotalAmount": expected a decimal number, got "12abc")");
}

TEST_CASE("GraphQL line problems name the line") {
  auto body = R"({"data":{"x3Purchasing":{"purchaseOrder":{"query":{"edges":[{"node":{"id":"P1","purchaseSite":"S",
    "orderDate":"2026-01-15","orderFromSupplier":{"code":"A"},"currency":{"code":"EUR"},"taxExcludedTotalAmount":1,
    "taxIncludedTotalAmount":1,"_updateStamp":"2026-01-31T10:00:00Z","purchaseOrderLines":{"query":{"edges":[
    {"node":{"lineNumber":1,"product":{"code":"A"},"quantityInOrderUnitOrdered":1,"orderUnit":{"code":"EA"},"netPrice":1}},
    {"node":{"lineNumber":2,"product":{"code":null},"quantityInOrderUnitOrdered":1,"orderUnit":{"code":"EA"},"netPrice":1}}
    ]}}}}],"pageInfo":{"hasNextPage":false}}}}}})";
  auto page = parse_graphql_purchase_orders(body);
  CHECK_FALSE(page.next);
  auto const& e = err(page.records.at(0));
  CHECK(e.field == "purchaseOrderLines[1].product.code");
  CHECK(e.message == R"(purchase order P1: field "purchaseOrderLines[1].product.code": expected a non-empty string, got null)");

  auto truncated = R"({"data":{"x3Purchasing":{"purchaseOrder":{"query":{"edges":[{"node":{"id":"P2","purchaseSite":"S",
    "orderDate":"2026-01-15","orderFromSupplier":{"code":"A"},"currency":{"code":"EUR"},"taxExcludedTotalAmount":1,
    "taxIncludedTotalAmount":1,"_updateStamp":"2026-01-31T10:00:00Z","purchaseOrderLines":{"query":{"edges":[],
    "pageInfo":{"hasNextPage":true}}}}}],"pageInfo":{"hasNextPage":false}}}}}})";
  CHECK(err(parse_graphql_purchase_orders(truncated).records.at(0)).field == "purchaseOrderLines");
}

TEST_CASE("a line that is not an object, or a padded code in a line, is named by its index") {
  auto graphql = R"({"data":{"x3Purchasing":{"purchaseOrder":{"query":{"edges":[{"node":{"id":"P3","purchaseSite":"S",
    "orderDate":"2026-01-15","orderFromSupplier":{"code":"A"},"currency":{"code":"EUR"},"taxExcludedTotalAmount":1,
    "taxIncludedTotalAmount":1,"_updateStamp":"2026-01-31T10:00:00Z","purchaseOrderLines":{"query":{"edges":[
    {"node":{"lineNumber":1,"product":{"code":" A "},"quantityInOrderUnitOrdered":1,"orderUnit":{"code":"EA"},"netPrice":1}},
    {"node":{"lineNumber":2,"product":{"code":"B"},"quantityInOrderUnitOrdered":1,"orderUnit":{"code":"EA"},"netPrice":1}},
    {"node":7}]}}}}],"pageInfo":{"hasNextPage":false}}}}}})";
  auto const graphql_page = parse_graphql_purchase_orders(graphql);
  auto const& bad_line = err(graphql_page.records.at(0));
  CHECK(bad_line.field == "purchaseOrderLines[2]");
  CHECK(bad_line.message == R"(purchase order P3: field "purchaseOrderLines[2]": expected a line object, got 7)");

  auto padded = R"({"data":{"x3Purchasing":{"purchaseOrder":{"query":{"edges":[{"node":{"id":"P4","purchaseSite":"S",
    "orderDate":"2026-01-15","orderFromSupplier":{"code":"A"},"currency":{"code":"EUR"},"taxExcludedTotalAmount":1,
    "taxIncludedTotalAmount":1,"_updateStamp":"2026-01-31T10:00:00Z","purchaseOrderLines":{"query":{"edges":[
    {"node":{"lineNumber":1,"product":{"code":"A"},"quantityInOrderUnitOrdered":1,"orderUnit":{"code":"EA"},"netPrice":1}},
    {"node":{"lineNumber":2,"product":{"code":" B "},"quantityInOrderUnitOrdered":1,"orderUnit":{"code":"  "},"netPrice":1}}
    ]}}}}],"pageInfo":{"hasNextPage":false}}}}}})";
  auto const padded_page = parse_graphql_purchase_orders(padded);
  auto const& blank_unit = err(padded_page.records.at(0));
  CHECK(blank_unit.field == "purchaseOrderLines[1].orderUnit.code");
  CHECK(blank_unit.message ==
        R"(purchase order P4: field "purchaseOrderLines[1].orderUnit.code": expected a non-empty string, got "  ")");

  auto api1 = R"({"$resources":[{"POHNUM":"4500126","POHFCY":"FR01","ORDDAT":"2026-01-15","BPSNUM":"ACME01","CUR":"EUR",
    "TOTORD":1,"TTVORD":1,"UPDDATTIM":"2026-01-31T10:00:00Z",
    "PORDERQ":[{"POPLIN":1,"ITMREF":"A","QTYUOM":1,"UOM":"EA","NETPRI":1},"line two"]}]})";
  auto const api1_page = parse_api1_purchase_orders(api1);
  auto const& api1_line = err(api1_page.records.at(0));
  CHECK(api1_line.field == "PORDERQ[1]");
  CHECK(api1_line.message == R"(purchase order 4500126: field "PORDERQ[1]": expected a line object, got "line two")");

  // Trimmed codes and ids: padding goes, the text stays whole.
  auto ok_padded = R"({"$resources":[{"POHNUM":"  4500127 ","POHFCY":" FR01","ORDDAT":"2026-01-15","BPSNUM":"ACME01",
    "CUR":"EUR","TOTORD":1,"TTVORD":1,"UPDDATTIM":"2026-01-31T10:00:00Z",
    "PORDERQ":[{"POPLIN":1,"ITMREF":" A LONGER PRODUCT CODE ","QTYUOM":1,"UOM":"EA","NETPRI":1}]}]})";
  auto const ok_page = parse_api1_purchase_orders(ok_padded);
  auto const& po = ok(ok_page.records.at(0));
  CHECK(po.id == "4500127");
  CHECK(po.site == "FR01");
  CHECK(po.lines.at(0).product == "A LONGER PRODUCT CODE");
}

TEST_CASE("GraphQL receipt status is normalised and derived from lines when absent") {
  auto order = [](std::string status, std::string lines) {
    std::string body = R"({"data":{"x3Purchasing":{"purchaseOrder":{"query":{"edges":[{"node":{"id":"P","purchaseSite":"S",
      "orderDate":"2026-01-15","orderFromSupplier":{"code":"A"},"currency":{"code":"EUR"},"taxExcludedTotalAmount":1,
      "taxIncludedTotalAmount":1,"isClosed":true,"_updateStamp":"2026-01-31T10:00:00Z",)" + status +
                       R"("purchaseOrderLines":{"query":{"edges":[)" + lines + R"(]}}}}]}}}}})";
    auto page = parse_graphql_purchase_orders(body);
    return ok(page.records.at(0)).receipt_status;
  };
  std::string recv = R"({"node":{"lineNumber":1,"product":"A","quantityInOrderUnitOrdered":1,"orderUnit":"EA","netPrice":1,"isReceived":true}})";
  std::string open = R"({"node":{"lineNumber":2,"product":"A","quantityInOrderUnitOrdered":1,"orderUnit":"EA","netPrice":1,"isReceived":false}})";
  CHECK(order(R"("receiptStatus":"received",)", open) == "received");
  CHECK(order(R"("receiptStatus":"notReceived",)", recv) == "");
  CHECK(order(R"("receiptStatus":"PARTIALLYRECEIVED",)", open) == "partial");
  CHECK(order(R"("receiptStatus":"somethingNew",)", recv) == "");
  CHECK(order(R"("receiptStatus":null,)", recv + "," + recv) == "received");
  CHECK(order("", recv + "," + open) == "partial");
  CHECK(order("", open) == "");
  CHECK(order("", "") == "");
}

TEST_CASE("GraphQL errors in an HTTP 200 and broken envelopes throw typed errors") {
  auto errors = R"({"errors":[{"message":"Cannot query field \"isReceived\" on type \"PurchaseOrderLine\"",
                   "path":["x3Purchasing","purchaseOrder"]}],"data":null})";
  try {
    parse_graphql_purchase_orders(errors);
    FAIL("expected a throw");
  } catch (x3_response_error const& e) {
    CHECK(e.error_kind() == x3_response_error::kind::graphql_errors);
    CHECK(std::string(e.what()) ==
          R"(X3 GraphQL returned errors: Cannot query field "isReceived" on type "PurchaseOrderLine" (path ["x3Purchasing","purchaseOrder"]))");
  }
  CHECK(thrown_kind([] { parse_graphql_purchase_orders("<html>502 Bad Gateway</html>"); }) ==
        x3_response_error::kind::malformed);
  CHECK(thrown_kind([] { parse_graphql_purchase_orders("[1,2]"); }) == x3_response_error::kind::malformed);
  CHECK(thrown_kind([] { parse_graphql_purchase_orders(R"({"data":{"x3Purchasing":{}}})"); }) ==
        x3_response_error::kind::malformed);
  CHECK(thrown_kind([] {
          parse_graphql_purchase_orders(R"({"data":{"x3Purchasing":{"purchaseOrder":{"query":{"edges":[{"node":{}}],
            "pageInfo":{"hasNextPage":true}}}}}})");
        }) == x3_response_error::kind::malformed);
  // An empty errors array is not an error.
  auto page = parse_graphql_purchase_orders(R"({"errors":[],"data":{"x3Purchasing":{"purchaseOrder":{"query":{"edges":[]}}}}})");
  CHECK(page.records.empty());
  CHECK_FALSE(page.next);
}

TEST_CASE("GraphQL supplier invoices: nulls become nullopt, references are unwrapped") {
  auto body = R"({"data":{"x3Purchasing":{"purchaseInvoice":{"query":{"edges":[
    {"node":{"id":"FINV-001","billBySupplier":{"code":"ACME01"},"currency":{"code":"EUR"},"accountingDate":"2026-01-21",
      "sourceDocument":" SUP-77 ","sourceDocumentDate":"2026-01-20","dueDateCalculationStartDate":null,
      "amountOfLinesExcludingTax":"1234.50","totalTaxAmount":246.9,"status":"posted","purchaseOrder":{"id":"4500123"},
      "_updateStamp":"2026-02-01T08:00:00Z"},"cursor":"a"},
    {"node":{"id":"FINV-002","billBySupplier":{"code":"ACME01"},"currency":{"code":"EUR"},"sourceDocument":null,
      "amountOfLinesExcludingTax":1,"totalTaxAmount":0,"purchaseOrder":null,"_updateStamp":"2026-02-01T08:00:00Z"}},
    {"node":{"id":"FINV-003","billBySupplier":{"code":"ACME01"},"currency":{"code":"EUR"},"accountingDate":"31/01/2026",
      "amountOfLinesExcludingTax":1,"totalTaxAmount":0,"_updateStamp":"2026-02-01T08:00:00Z"}}
  ],"pageInfo":{"hasNextPage":false,"endCursor":null}}}}}})";
  auto page = parse_graphql_supplier_invoices(body);
  REQUIRE(page.records.size() == 3);
  auto const& inv = ok(page.records[0]);
  CHECK(inv.id == "FINV-001");
  CHECK(inv.supplier_code == "ACME01");
  CHECK(inv.supplier_document == "SUP-77");
  CHECK(inv.document_date == "2026-01-20");
  CHECK(inv.accounting_date == "2026-01-21");
  CHECK_FALSE(inv.due_date_basis);
  CHECK(inv.amount_excl_tax == "1234.5");
  CHECK(inv.tax_amount == "246.9");
  CHECK(inv.status == "posted");
  CHECK(inv.purchase_order == "4500123");
  CHECK(inv.updated == "2026-02-01T08:00:00Z");
  auto const& bare = ok(page.records[1]);
  CHECK(bare.supplier_document.empty());
  CHECK_FALSE(bare.document_date);
  CHECK_FALSE(bare.purchase_order);
  CHECK(err(page.records[2]).message ==
        R"(supplier invoice FINV-003: field "accountingDate": expected a date "YYYY-MM-DD", got "31/01/2026")");
}

TEST_CASE("GraphQL supplier lookup") {
  auto found = parse_graphql_supplier(
      R"({"data":{"x3MasterData":{"supplier":{"query":{"edges":[{"node":{"code":"ACME01","companyName":"Ацме Metals 株式会社 \"Ω\""}}]}}}}})");
  REQUIRE(found);
  CHECK(ok(*found).name == "Ацме Metals 株式会社 \"Ω\"");
  CHECK_FALSE(parse_graphql_supplier(R"({"data":{"x3MasterData":{"supplier":{"query":{"edges":[]}}}}})"));
  auto nameless = parse_graphql_supplier(R"({"data":{"x3MasterData":{"supplier":{"query":{"edges":[{"node":{"code":"X"}}]}}}}})");
  REQUIRE(nameless);
  CHECK(err(*nameless).field == "companyName");
}

TEST_CASE("api1 purchase orders: X3 flags, compact dates, blank dates and lines") {
  std::string long_product(10'000, 'P');
  std::string body = R"({"$resources":[
    {"POHNUM":"4500123","POHFCY":"FR01","ORDDAT":"20260115","BPSNUM":"ACME01","CUR":"EUR","TOTORD":"12480.000",
     "TTVORD":14976,"CLEFLG":2,"UPDDATTIM":"2026-01-31T10:00:00Z","PORDERQ":[
       {"POPLIN":1000,"ITMREF":")" + long_product + R"(","QTYUOM":"100","UOM":"EA","NETPRI":"1.50","LINAMT":150,
        "EXTRCPDAT":"2026-03-01","LINCLEFLG":"2"},
       {"POPLIN":2000,"ITMREF":"NUT\u0007\n","QTYUOM":2,"UOM":"KG","NETPRI":3,"EXTRCPDAT":"1599-12-31","LINCLEFLG":1}]},
    {"POHNUM":"4500124","POHFCY":"FR01","ORDDAT":"2026-01-15","BPSNUM":"ACME01","CUR":"EUR","TOTORD":1,"TTVORD":1,
     "CLEFLG":3,"UPDDATTIM":"2026-01-31T10:00:00Z"},
    {"POHNUM":"4500125","POHFCY":"FR01","ORDDAT":"2026-01-15","BPSNUM":"ACME01","CUR":"EUR","TOTORD":1,"TTVORD":1,
     "UPDDATTIM":"2026-01-31T10:00:00Z","PORDERQ":[{"POPLIN":1.5,"ITMREF":"A","QTYUOM":1,"UOM":"EA","NETPRI":1}]}
  ],"$links":{"$next":{"$url":"https://x3.example.com/api1/x3/erp/SEED/PORDER?next=abc"}}})";
  auto page = parse_api1_purchase_orders(body);
  REQUIRE(page.records.size() == 3);
  CHECK(page.next == "https://x3.example.com/api1/x3/erp/SEED/PORDER?next=abc");
  auto const& po = ok(page.records[0]);
  CHECK(po.order_date == "2026-01-15");
  CHECK(po.total_excl_tax == "12480");
  CHECK(po.total_incl_tax == "14976");
  CHECK(po.closed);
  CHECK(po.receipt_status == "partial");
  REQUIRE(po.lines.size() == 2);
  CHECK(po.lines[0].product == long_product);
  CHECK(po.lines[0].received);
  CHECK(po.lines[0].net_price == "1.5");
  CHECK(po.lines[1].product == "NUT\a");  // trimmed; control characters are the mapper's business
  CHECK_FALSE(po.lines[1].expected_receipt);  // X3's blank date
  CHECK_FALSE(po.lines[1].received);
  CHECK(err(page.records[1]).message ==
        R"(purchase order 4500124: field "CLEFLG": expected true/false or an X3 local menu value 1 (no) / 2 (yes), got 3)");
  CHECK(err(page.records[2]).field == "PORDERQ[0].POPLIN");
}

TEST_CASE("api1 invoices derive the tax amount, suppliers, last page has no next link") {
  auto page = parse_api1_supplier_invoices(R"({"$resources":[
    {"NUM":"FINV-001","BPR":"ACME01","BPRVCR":"SUP-77","BPRDAT":"2026-01-20","ACCDAT":"20260121","CUR":"EUR",
     "AMTNOT":"1234.50","AMTATI":"1481.40","STA":2,"POHNUM":"4500123","UPDDATTIM":"2026-02-01T09:00:00+01:00"},
    {"NUM":"FINV-002","BPR":"ACME01","BPRVCR":"","BPRDAT":"","CUR":"EUR","AMTNOT":10,"AMTATI":10,"POHNUM":"",
     "UPDDATTIM":"2026-02-01T09:00:00Z"}],"$links":{}})");
  CHECK_FALSE(page.next);
  auto const& inv = ok(page.records.at(0));
  CHECK(inv.tax_amount == "246.9");
  CHECK(inv.accounting_date == "2026-01-21");
  CHECK(inv.status == "2");
  CHECK(inv.purchase_order == "4500123");
  CHECK(inv.updated == "2026-02-01T08:00:00Z");
  auto const& blank = ok(page.records.at(1));
  CHECK_FALSE(blank.document_date);
  CHECK_FALSE(blank.purchase_order);
  CHECK(blank.tax_amount == "0");

  auto s = parse_api1_supplier(R"({"$resources":[{"BPSNUM":"ACME01","BPSNAM":"Acme Metals"}]})");
  REQUIRE(s);
  CHECK(ok(*s).name == "Acme Metals");
  CHECK_FALSE(parse_api1_supplier(R"({"$resources":[]})"));
}

TEST_CASE("api1 diagnoses with severity error throw, warnings do not") {
  try {
    parse_api1_purchase_orders(R"({"$diagnoses":[{"$severity":"error","$message":"Unknown property: UPDDATTIMX"}]})");
    FAIL("expected a throw");
  } catch (x3_response_error const& e) {
    CHECK(e.error_kind() == x3_response_error::kind::diagnoses);
    CHECK(std::string(e.what()) == "X3 api1 returned diagnoses: Unknown property: UPDDATTIMX");
  }
  auto page = parse_api1_purchase_orders(R"({"$diagnoses":[{"$severity":"warning","$message":"slow"}],"$resources":[]})");
  CHECK(page.records.empty());
  CHECK(thrown_kind([] { parse_api1_purchase_orders(R"({"resources":[]})"); }) == x3_response_error::kind::malformed);
}

TEST_CASE("api1 next links resolve against the request and never leave its origin") {
  std::string req = "https://x3.example.com/api1/x3/erp/SEED/PORDER?count=10";
  CHECK(api1_next_url(req, "https://x3.example.com/api1/x3/erp/SEED/PORDER?key=gt.x") ==
        "https://x3.example.com/api1/x3/erp/SEED/PORDER?key=gt.x");
  CHECK(api1_next_url(req, "/api1/x3/erp/SEED/PORDER?key=gt.x") ==
        "https://x3.example.com/api1/x3/erp/SEED/PORDER?key=gt.x");
  CHECK(api1_next_url(req, "https://X3.EXAMPLE.COM:443/p") == "https://X3.EXAMPLE.COM:443/p");
  CHECK(thrown_kind([&] { api1_next_url(req, "https://evil.example/steal"); }) == x3_response_error::kind::malformed);
  CHECK(thrown_kind([&] { api1_next_url(req, "http://x3.example.com/p"); }) == x3_response_error::kind::malformed);
  CHECK(thrown_kind([&] { api1_next_url(req, "https://x3.example.com:8443/p"); }) == x3_response_error::kind::malformed);
  CHECK(thrown_kind([&] { api1_next_url(req, "//evil.example/p"); }) == x3_response_error::kind::malformed);
  CHECK(thrown_kind([&] { api1_next_url(req, "ht tp://bad"); }) == x3_response_error::kind::malformed);
}

TEST_CASE("field normalisers") {
  CHECK(normalise_x3_date("20260131") == "2026-01-31");
  CHECK_FALSE(normalise_x3_date("2026-02-30"));
  CHECK(normalise_x3_timestamp("2026-01-31T10:00:00.123456Z") == "2026-01-31T10:00:00Z");
  CHECK(is_x3_blank_date("1599-12-31"));
  CHECK_FALSE(is_x3_blank_date("2026-01-31"));
}

namespace {

boost::json::value nullable(std::optional<std::string> const& v) {
  return v ? boost::json::value(*v) : boost::json::value(nullptr);
}

}  // namespace

TEST_CASE("a record's own JSON is the serialized object and reads back as the record") {
  purchase_order po;
  po.id = "PO\"1\\\x01";
  po.site = "FR01";
  po.order_date = "2026-01-15";
  po.supplier_code = "Müller 😀";
  po.currency = "EUR";
  po.total_excl_tax = "12480";
  po.total_incl_tax = "14976.5";
  po.closed = true;
  po.receipt_status = "partial";
  po.updated = "2026-01-15T10:00:00Z";
  // What the JSON form was before it was written as text: parked records stored then
  // must keep matching.
  auto expected = [](purchase_order const& p) {
    boost::json::array lines;
    for (auto const& l : p.lines)
      lines.push_back(boost::json::object{{"line_number", l.line_number}, {"product", l.product},
                                          {"quantity", l.quantity}, {"unit", l.unit}, {"net_price", l.net_price},
                                          {"expected_receipt", nullable(l.expected_receipt)}, {"received", l.received}});
    boost::json::object o{{"id", p.id}, {"site", p.site}, {"order_date", p.order_date},
                          {"supplier_code", p.supplier_code}, {"currency", p.currency},
                          {"total_excl_tax", p.total_excl_tax}, {"total_incl_tax", p.total_incl_tax},
                          {"closed", p.closed}, {"receipt_status", p.receipt_status}, {"updated", p.updated}};
    o["lines"] = std::move(lines);
    return boost::json::serialize(o);
  };
  CHECK(record_json(po) == expected(po));  // no lines
  po.lines.push_back({1000, "BOLT\tM8", "100", "EA", "1.5", "2026-03-01", true});
  po.lines.push_back({-2, "", "0", "", "0", std::nullopt, false});
  CHECK(record_json(po) == expected(po));
  auto back = reparse_purchase_order("record", record_json(po));
  REQUIRE(std::holds_alternative<purchase_order>(back));
  CHECK(record_json(std::get<purchase_order>(back)) == record_json(po));

  auto inv = sample_invoice();
  boost::json::object o{{"id", inv.id}, {"supplier_code", inv.supplier_code}, {"currency", inv.currency},
                        {"supplier_document", inv.supplier_document}, {"document_date", nullable(inv.document_date)},
                        {"accounting_date", nullable(inv.accounting_date)},
                        {"due_date_basis", nullable(inv.due_date_basis)}, {"amount_excl_tax", inv.amount_excl_tax},
                        {"tax_amount", inv.tax_amount}, {"status", inv.status},
                        {"purchase_order", nullable(inv.purchase_order)}, {"updated", inv.updated}};
  CHECK(record_json(inv) == boost::json::serialize(o));
  auto inv_back = reparse_supplier_invoice("record", record_json(inv));
  REQUIRE(std::holds_alternative<supplier_invoice>(inv_back));
  CHECK(record_json(std::get<supplier_invoice>(inv_back)) == record_json(inv));
}

TEST_CASE("a record's source fingerprint changes with each of its fields, its supplier name and the mapping") {
  purchase_order po;
  po.id = "4500123";
  po.site = "FR01";
  po.order_date = "2026-01-15";
  po.supplier_code = "ACME01";
  po.currency = "EUR";
  po.total_excl_tax = "100";
  po.total_incl_tax = "120";
  po.receipt_status = "partial";
  po.updated = "2026-01-15T10:00:00Z";
  po.lines = {{1000, "BOLT", "100", "EA", "1.5", "2026-03-01", false},
              {2000, "NUT", "2", "KG", "3", std::nullopt, true}};
  std::optional<std::string> const name = "Acme";
  std::string const mapping(64, 'a');
  auto const base = source_fingerprint(po, name, mapping);
  CHECK(base.size() == 64);
  CHECK(source_fingerprint(po, name, mapping) == base);

  std::vector<std::pair<std::string, std::function<void(purchase_order&)>>> changes = {
      {"id", [](purchase_order& p) { p.id += "1"; }},
      {"site", [](purchase_order& p) { p.site = "FR02"; }},
      {"order_date", [](purchase_order& p) { p.order_date = "2026-01-16"; }},
      {"supplier_code", [](purchase_order& p) { p.supplier_code = "ACME02"; }},
      {"currency", [](purchase_order& p) { p.currency = "USD"; }},
      {"total_excl_tax", [](purchase_order& p) { p.total_excl_tax = "101"; }},
      {"total_incl_tax", [](purchase_order& p) { p.total_incl_tax = "121"; }},
      {"closed", [](purchase_order& p) { p.closed = true; }},
      {"receipt_status", [](purchase_order& p) { p.receipt_status = "received"; }},
      {"updated", [](purchase_order& p) { p.updated = "2026-01-15T10:00:01Z"; }},
      {"a line fewer", [](purchase_order& p) { p.lines.pop_back(); }},
      {"lines swapped", [](purchase_order& p) { std::swap(p.lines[0], p.lines[1]); }},
      {"line_number", [](purchase_order& p) { p.lines[0].line_number = 1001; }},
      {"product", [](purchase_order& p) { p.lines[0].product = "BOLTS"; }},
      {"quantity", [](purchase_order& p) { p.lines[0].quantity = "101"; }},
      {"unit", [](purchase_order& p) { p.lines[0].unit = "PC"; }},
      {"net_price", [](purchase_order& p) { p.lines[0].net_price = "1.6"; }},
      {"expected_receipt", [](purchase_order& p) { p.lines[0].expected_receipt = "2026-03-02"; }},
      {"expected_receipt gone", [](purchase_order& p) { p.lines[0].expected_receipt.reset(); }},
      {"expected_receipt empty", [](purchase_order& p) { p.lines[1].expected_receipt = ""; }},
      {"received", [](purchase_order& p) { p.lines[0].received = true; }},
      // A field's end moved into the next one: each text is counted, so these differ too.
      {"site and date run together", [](purchase_order& p) {
         p.site = "FR012026-01-15";
         p.order_date = "";
       }},
      {"product and quantity run together", [](purchase_order& p) {
         p.lines[0].product = "BOLT1";
         p.lines[0].quantity = "00";
       }},
  };
  std::set<std::string> seen{base};
  for (auto const& [what, change] : changes) {
    INFO(what);
    auto changed = po;
    change(changed);
    auto fingerprint = source_fingerprint(changed, name, mapping);
    CHECK(fingerprint != base);
    CHECK(seen.insert(fingerprint).second);
  }
  CHECK(source_fingerprint(po, std::string("Acme2"), mapping) != base);
  CHECK(source_fingerprint(po, std::nullopt, mapping) != base);
  CHECK(source_fingerprint(po, std::string(""), mapping) != source_fingerprint(po, std::nullopt, mapping));
  CHECK(source_fingerprint(po, name, std::string(64, 'b')) != base);

  auto const inv = sample_invoice();
  auto const inv_base = source_fingerprint(inv, name, mapping);
  std::vector<std::pair<std::string, std::function<void(supplier_invoice&)>>> invoice_changes = {
      {"id", [](supplier_invoice& i) { i.id += "1"; }},
      {"supplier_code", [](supplier_invoice& i) { i.supplier_code = "ACME02"; }},
      {"currency", [](supplier_invoice& i) { i.currency = "USD"; }},
      {"supplier_document", [](supplier_invoice& i) { i.supplier_document = "SUP-78"; }},
      {"document_date", [](supplier_invoice& i) { i.document_date.reset(); }},
      {"accounting_date", [](supplier_invoice& i) { i.accounting_date = "2026-01-22"; }},
      {"due_date_basis", [](supplier_invoice& i) { i.due_date_basis = "2026-01-23"; }},
      {"amount_excl_tax", [](supplier_invoice& i) { i.amount_excl_tax = "1234.6"; }},
      {"tax_amount", [](supplier_invoice& i) { i.tax_amount = "247"; }},
      {"status", [](supplier_invoice& i) { i.status = "paid"; }},
      {"purchase_order", [](supplier_invoice& i) { i.purchase_order.reset(); }},
      {"updated", [](supplier_invoice& i) { i.updated = "2026-01-21T08:00:01Z"; }},
  };
  std::set<std::string> inv_seen{inv_base};
  for (auto const& [what, change] : invoice_changes) {
    INFO(what);
    auto changed = inv;
    change(changed);
    CHECK(inv_seen.insert(source_fingerprint(changed, name, mapping)).second);
  }
}
