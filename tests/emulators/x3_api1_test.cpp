// Sage X3 api1 (SData) emulation: $query paging via $links.$next, where/orderBy, details.
#include <catch2/catch.hpp>

#include <set>

#include "tests/emulators/test_fixture.hpp"
#include "tests/emulators/text.hpp"
#include "tests/emulators/x3_site.hpp"

namespace {
namespace json = boost::json;
using mlc::emu::percent_encode;
using mlc::emu::test::fixture;

json::value get(fixture& f, std::string const& target, int status = 200) {
  auto req = f.x3(0, "GET", target);
  req.headers.set("Authorization", f.x3_basic(0));
  return f.call_json(req, status);
}

std::string query_url(std::string const& cls, std::string const& where, std::string const& order, int count) {
  return "/api1/x3/erp/T0000/" + cls + "?representation=" + cls + ".$query&where=" + percent_encode(where) +
         "&orderBy=" + percent_encode(order) + "&count=" + std::to_string(count);
}

}  // namespace

TEST_CASE("api1 pages follow $links.$next until it is absent", "[x3][api1]") {
  fixture f;
  auto& data = f.emu->x3(0).data();
  // Ten orders share one stamp so page boundaries fall inside the tie.
  auto stamp = *mlc::emu::parse_timestamp("2026-02-01T00:00:00Z");
  int n = 0;
  for (auto& [id, po] : data.orders)
    if (n++ % 5 == 0) po.updated = stamp;
  std::vector<std::string> seen;
  std::string target = query_url("PORDER", "UPDDATTIM ge @2026-01-01T00:00:00Z@", "UPDDATTIM,POHNUM", 7);
  int pages = 0;
  std::string last_stamp;
  while (true) {
    auto body = get(f, target);
    ++pages;
    for (auto const& r : body.at("$resources").as_array()) {
      seen.emplace_back(r.at("POHNUM").as_string());
      std::string s{r.at("UPDDATTIM").as_string()};
      CHECK(s >= last_stamp);
      last_stamp = s;
      CHECK(r.at("PORDERQ").as_array().size() >= 1);
    }
    auto const& links = body.at("$links").as_object();
    if (!links.contains("$next")) break;
    std::string next{links.at("$next").at("$url").as_string()};
    REQUIRE(next.rfind(f.x3_origin(0) + "/api1/x3/erp/T0000/PORDER?", 0) == 0);
    target = next.substr(f.x3_origin(0).size());
    REQUIRE(pages < 100);
  }
  CHECK(seen.size() == data.orders.size());
  CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == seen.size());
  CHECK(pages == int((data.orders.size() + 6) / 7));
}

TEST_CASE("api1 where: comparisons, and/or, quoted strings with doubled quotes", "[x3][api1]") {
  fixture f;
  auto& data = f.emu->x3(0).data();
  data.suppliers["QQ01"] = mlc::emu::x3_supplier{"QQ01", "O'Brien Tools Ltd", {}};
  auto sup = get(f, query_url("BPSUPPLIER", "BPSNAM eq 'O''Brien Tools Ltd'", "BPSNUM", 10));
  REQUIRE(sup.at("$resources").as_array().size() == 1);
  CHECK(sup.at("$resources").as_array()[0].at("BPSNUM") == "QQ01");

  auto const& first = data.orders.begin()->second;
  std::size_t expected = 0;
  for (auto const& [id, po] : data.orders)
    expected += po.updated > first.updated && po.supplier == first.supplier;
  auto body = get(f, query_url("PORDER", "UPDDATTIM gt @" + mlc::emu::format_stamp(first.updated) + "@ and BPSNUM eq '" +
                                             first.supplier + "'",
                               "UPDDATTIM desc,POHNUM", 1000));
  CHECK(body.at("$resources").as_array().size() == expected);
  auto any = get(f, query_url("PORDER", "POHNUM eq '" + first.id + "' or POHNUM eq 'nope'", "POHNUM", 10));
  CHECK(any.at("$resources").as_array().size() == 1);
  auto closed = get(f, query_url("PORDER", "CLEFLG eq 2", "POHNUM", 1000));
  for (auto const& r : closed.at("$resources").as_array()) CHECK(r.at("CLEFLG").as_int64() == 2);
}

TEST_CASE("api1 errors: unknown property 500, syntax 400, auth 401, unknown class 404", "[x3][api1]") {
  fixture f;
  auto unknown = get(f, query_url("PORDER", "VENDOR eq 'x'", "POHNUM", 10), 500);
  auto const& d = unknown.at("$diagnoses").as_array().at(0);
  CHECK(d.at("$severity") == "error");
  CHECK(d.at("$message") == "Property VENDOR does not exist in class PORDER");
  get(f, query_url("PORDER", "UPDDATTIM ge", "POHNUM", 10), 400);
  get(f, query_url("PORDER", "", "NOPE", 10), 500);
  get(f, "/api1/x3/erp/T0000/NOTACLASS?representation=NOTACLASS.$query", 404);
  get(f, "/api1/x3/erp/OTHER/PORDER?representation=PORDER.$query", 404);
  get(f, query_url("PORDER", "", "POHNUM", 0), 400);

  auto req = f.x3(0, "GET", query_url("PORDER", "", "POHNUM", 10));
  req.headers.set("Authorization", mlc::emu::test::basic("MLC", "wrong"));
  auto r = f.call(req);
  CHECK(r.status == 401);
  CHECK(r.headers.get("WWW-Authenticate").has_value());
}

TEST_CASE("api1 details and invoice shapes", "[x3][api1]") {
  fixture f;
  auto const& data = f.emu->x3(0).data();
  auto const& po = data.orders.begin()->second;
  auto one = get(f, "/api1/x3/erp/T0000/PORDER('" + po.id + "')?representation=PORDER.$details");
  CHECK(one.at("POHNUM") == json::value(po.id));
  CHECK(one.at("PORDERQ").as_array().size() == po.lines.size());
  auto const& line = one.at("PORDERQ").as_array()[0].as_object();
  for (char const* k : {"POPLIN", "ITMREF", "QTYUOM", "UOM", "NETPRI", "LINAMT", "EXTRCPDAT", "LINCLEFLG"})
    CHECK(line.contains(k));
  get(f, "/api1/x3/erp/T0000/PORDER('NOPE')?representation=PORDER.$details", 404);

  auto inv = get(f, query_url("PINVOICE", "", "NUM", 1));
  auto const& r = inv.at("$resources").as_array().at(0).as_object();
  for (char const* k : {"NUM", "BPR", "BPRVCR", "BPRDAT", "ACCDAT", "CUR", "AMTNOT", "AMTATI", "STA", "POHNUM", "UPDDATTIM"})
    CHECK(r.contains(k));
  auto const& i = data.invoices.at(std::string(r.at("NUM").as_string()));
  CHECK(r.at("AMTATI").as_double() == Approx(double(i.amount_excl_tax + i.tax_amount) / 100));
}
