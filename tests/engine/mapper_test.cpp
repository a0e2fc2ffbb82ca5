#include "engine/mapper.hpp"

#include <catch2/catch.hpp>

#include <tuple>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "engine/adf.hpp"
#include "engine/content_hash.hpp"
#include "engine/tenant_store.hpp"

using namespace mlc::engine;
namespace json = boost::json;

namespace {

mapping_settings settings(jira_flavour flavour = jira_flavour::cloud) {
  mapping_settings s;
  s.tenant = "acme";
  s.folder = "SEED";
  s.flavour = flavour;
  s.project_key = "OPS";
  s.issue_type_id = "10001";
  s.fields = {
      {"vendor", {"customfield_10050", {"string", "com.atlassian.jira.plugin.system.customfieldtypes:textfield"}}},
      {"order_date", {"customfield_10051", {"date", ""}}},
      {"delivery_date", {"customfield_10052", {"date", ""}}},
      {"total", {"customfield_10053", {"number", ""}}},
      {"currency", {"customfield_10054", {"option", ""}}},
      {"line_count", {"customfield_10055", {"number", ""}}},
      {"site", {"customfield_10056", {"string", "com.atlassian.jira.plugin.system.customfieldtypes:textarea"}}},
  };
  return s;
}

purchase_order order() {
  purchase_order po;
  po.id = "4500123";
  po.site = "FR01";
  po.order_date = "2026-01-15";
  po.supplier_code = "ACME01";
  po.currency = "EUR";
  po.total_excl_tax = "12480";
  po.total_incl_tax = "14976";
  po.receipt_status = "partial";
  po.updated = "2026-01-31T10:00:00Z";
  po.lines = {{1000, "BOLT-M8", "100", "EA", "1.5", "2026-03-01", true},
              {2000, "NUT-M8", "2.5", "KG", "0.125", "2026-03-15", false},
              {3000, "WASHER", "10", "EA", "2", "2026-03-10", false}};
  return po;
}

supplier_invoice invoice() {
  supplier_invoice inv;
  inv.id = "FINV-001";
  inv.supplier_code = "ACME01";
  inv.currency = "EUR";
  inv.supplier_document = "SUP-77";
  inv.document_date = "2026-01-20";
  inv.accounting_date = "2026-01-21";
  inv.amount_excl_tax = "1234.5";
  inv.tax_amount = "246.9";
  inv.status = "posted";
  inv.purchase_order = "4500123";
  inv.updated = "2026-02-01T08:00:00Z";
  return inv;
}

std::string const k_footer =
    "Synced from Sage X3 folder SEED by ml-connector; edits to these fields in Jira are overwritten at the next "
    "change in Sage X3.";

json::object stored(desired_state const& s) { return json::parse(json::serialize(s.to_json())).as_object(); }

}  // namespace

TEST_CASE("purchase order maps to Cloud create fields with ADF and typed custom fields") {
  auto state = map_purchase_order(order(), std::string("Acme Metals"), settings());
  auto const f = state.all_fields();
  CHECK(json::serialize(f.at("project")) == R"({"key":"OPS"})");
  CHECK(json::serialize(f.at("issuetype")) == R"({"id":"10001"})");
  CHECK(f.at("summary").as_string() == "PO 4500123 · Acme Metals · 12,480.00 EUR");
  CHECK(json::serialize(f.at("labels")) == R"(["x3-po-seed-4500123"])");
  CHECK(state.label == "x3-po-seed-4500123");

  std::vector<text_block> expected = {
      std::string("Purchase order 4500123 from Acme Metals (supplier ACME01), site FR01, ordered 2026-01-15."),
      std::string("Total 12,480.00 EUR excluding tax, 14,976.00 EUR including tax. Status: open, partially received."),
      table_block{{"Line", "Product", "Quantity", "Unit", "Net price", "Expected receipt"},
                  {{"1000", "BOLT-M8", "100", "EA", "1.50", "2026-03-01 (received)"},
                   {"2000", "NUT-M8", "2.5", "KG", "0.125", "2026-03-15"},
                   {"3000", "WASHER", "10", "EA", "2.00", "2026-03-10"}}},
      k_footer,
  };
  CHECK(f.at("description") == json::value(adf_document(expected)));

  CHECK(json::serialize(f.at("customfield_10050")) == R"("Acme Metals")");
  CHECK(json::serialize(f.at("customfield_10051")) == R"("2026-01-15")");
  CHECK(json::serialize(f.at("customfield_10052")) == R"("2026-03-10")");  // earliest line not received
  CHECK(json::serialize(f.at("customfield_10053")) == "12480");
  CHECK(json::serialize(f.at("customfield_10054")) == R"({"value":"EUR"})");
  CHECK(json::serialize(f.at("customfield_10055")) == "3");
  CHECK(json::serialize(f.at("customfield_10056")) ==
        R"({"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"FR01"}]}]})");
  CHECK(f.size() == 12);  // 5 standard + 7 custom

  CHECK(json::serialize(state.facts) ==
        R"({"entity":"purchase_order","amount":"12480","currency":"EUR","delivery_date":"2026-03-10","workflow":"none"})");
  auto body = json::parse(create_body(state)).as_object();
  CHECK(json::serialize(body.at("properties")) ==
        R"([{"key":"ml-connector.source","value":{"tenant":"acme","folder":"SEED","entity":"purchase_order","id":"4500123"}}])");
  CHECK(body.at("fields") == f);
  CHECK(body.size() == 2);

  // With the order's issue key, the create carries the link (the new issue inward, the
  // order's outward, as POST /issueLink sends it); without `with_link` it does not.
  state.link_to = "OPS-\"7";
  auto linked = json::parse(create_body(state)).as_object();
  CHECK(json::serialize(linked.at("update")) ==
        R"({"issuelinks":[{"add":{"type":{"name":"Relates"},"outwardIssue":{"key":"OPS-\"7"}}}]})");
  CHECK(linked.at("fields") == f);
  CHECK(json::serialize(state.to_json()).find("OPS-") == std::string::npos);  // not part of the stored state
  // A transition carried out on create.
  state.transition_id = "31";
  state.transition_name = "Done";
  auto transitioned = json::parse(create_body(state)).as_object();
  CHECK(json::serialize(transitioned.at("transition")) == R"({"id":"31"})");
  CHECK(transitioned.at("update") == linked.at("update"));
  state.link_to.clear();
  state.transition_id.clear();
  CHECK(json::parse(create_body(state)) == body);
}

TEST_CASE("amounts show their currency's decimals, more when the amount has more") {
  auto s = settings(jira_flavour::data_center);
  for (auto [currency, total, prices] :
       {std::tuple{"JPY", "12,480 JPY", "|1.5|0.125|2|"}, std::tuple{"KWD", "12,480.000 KWD", "|1.500|0.125|2.000|"},
        std::tuple{"USD", "12,480.00 USD", "|1.50|0.125|2.00|"}}) {
    auto po = order();
    po.currency = currency;
    auto state = map_purchase_order(po, std::nullopt, s);
    INFO(currency);
    CHECK(state.fields.at("summary").as_string() == std::string("PO 4500123 · ACME01 · ") + total);
    // The table's net price column, line by line.
    std::string description(state.fields.at("description").as_string());
    std::string column = "|";
    for (auto const& row : {"|1000|", "|2000|", "|3000|"}) {
      auto at = description.find(row);
      REQUIRE(at != std::string::npos);
      auto line_end = description.find('\n', at);
      auto cells = description.substr(at, line_end - at);  // |n|product|qty|unit|price|receipt|
      std::size_t bar = 0;
      for (int k = 0; k < 4; ++k) bar = cells.find('|', bar + 1);
      column += cells.substr(bar + 1, cells.find('|', bar + 1) - bar - 1) + "|";
    }
    CHECK(column == prices);
  }
}

TEST_CASE("purchase order maps to Data Center wiki markup") {
  auto s = settings(jira_flavour::data_center);
  s.issue_type_id.clear();
  s.issue_type_name = "Purchase Order";
  auto po = order();
  po.lines[1].product = "NUT|M8 {x}";
  auto state = map_purchase_order(po, std::nullopt, s);  // name unknown: the code stands in
  CHECK(json::serialize(state.fields.at("issuetype")) == R"({"name":"Purchase Order"})");
  CHECK(state.fields.at("summary").as_string() == "PO 4500123 · ACME01 · 12,480.00 EUR");
  CHECK(state.fields.at("description").as_string() ==
        "Purchase order 4500123 from ACME01 (supplier ACME01), site FR01, ordered 2026\\-01\\-15.\n\n"
        "Total 12,480.00 EUR excluding tax, 14,976.00 EUR including tax. Status: open, partially received.\n\n"
        "||Line||Product||Quantity||Unit||Net price||Expected receipt||\n"
        "|1000|BOLT\\-M8|100|EA|1.50|2026\\-03\\-01 (received)|\n"
        "|2000|NUT\\|M8 \\{x\\}|2.5|KG|0.125|2026\\-03\\-15|\n"
        "|3000|WASHER|10|EA|2.00|2026\\-03\\-10|\n\n"
        "Synced from Sage X3 folder SEED by ml\\-connector; edits to these fields in Jira are overwritten at the "
        "next change in Sage X3.");
  CHECK(state.fields.at("customfield_10056").as_string() == "FR01");  // textarea on v2: plain string
}

TEST_CASE("supplier invoice maps its own logical fields") {
  auto s = settings();
  s.fields = {
      {"invoice_number", {"customfield_1", {"string", ""}}},  {"invoice_date", {"customfield_2", {"date", ""}}},
      {"due_date_basis", {"customfield_3", {"datetime", ""}}}, {"amount_excl_tax", {"customfield_4", {"number", ""}}},
      {"tax_amount", {"customfield_5", {"number", ""}}},       {"related_po", {"customfield_6", {"string", ""}}},
      {"vendor", {"customfield_7", {"string", ""}}},           {"currency", {"customfield_8", {"string", ""}}},
  };
  auto inv = invoice();
  inv.due_date_basis = "2026-01-31";
  auto state = map_supplier_invoice(inv, std::string("Acme Metals"), s);
  auto const f = state.all_fields();
  CHECK(f.at("summary").as_string() == "Invoice FINV-001 · Acme Metals · 1,234.50 EUR");
  CHECK(state.label.starts_with("x3-inv-seed-finv_001-"));  // '-' in an id: hashed
  CHECK(json::serialize(f.at("customfield_1")) == R"("SUP-77")");
  CHECK(json::serialize(f.at("customfield_2")) == R"("2026-01-20")");
  CHECK(json::serialize(f.at("customfield_3")) == R"("2026-01-31T00:00:00.000+0000")");
  CHECK(f.at("customfield_4").as_double() == 1234.5);
  CHECK(f.at("customfield_5").as_double() == 246.9);
  CHECK(json::serialize(f.at("customfield_6")) == R"("4500123")");
  CHECK(json::serialize(f.at("customfield_7")) == R"("Acme Metals")");
  CHECK(json::serialize(f.at("customfield_8")) == R"("EUR")");
  std::vector<text_block> expected = {
      std::string("Supplier invoice FINV-001 from Acme Metals (supplier ACME01), supplier document SUP-77, dated "
                  "2026-01-20, accounting date 2026-01-21, due date basis 2026-01-31."),
      std::string("Amount 1,234.50 EUR excluding tax, tax 246.90 EUR. Status: posted."),
      std::string("Bills purchase order 4500123."),
      k_footer,
  };
  CHECK(f.at("description") == json::value(adf_document(expected)));
  CHECK(json::serialize(state.facts) ==
        R"({"entity":"supplier_invoice","amount":"1234.5","currency":"EUR","delivery_date":null,"workflow":"none"})");

  // Absent optional values are not sent at all.
  inv.purchase_order.reset();
  inv.document_date.reset();
  inv.supplier_document.clear();
  auto sparse = map_supplier_invoice(inv, std::nullopt, s).fields;
  CHECK_FALSE(sparse.contains("customfield_6"));
  CHECK_FALSE(sparse.contains("customfield_2"));
  CHECK_FALSE(sparse.contains("customfield_1"));
}

TEST_CASE("only mapped logical fields are emitted") {
  auto s = settings();
  s.fields.clear();
  auto f = map_purchase_order(order(), std::string("Acme"), s).all_fields();
  CHECK(f.size() == 5);  // project, issuetype, summary, description, labels; nothing custom
  CHECK_FALSE(f.contains("customfield_10053"));
  CHECK(f.contains("labels"));
  CHECK(logical_fields(entity::purchase_order).size() == 7);
  CHECK(logical_fields(entity::supplier_invoice).size() == 8);
}

TEST_CASE("misconfigured fields and unmappable data raise typed mapping errors") {
  auto s = settings();
  s.fields["total"].schema.type = "date";
  try {
    map_purchase_order(order(), std::nullopt, s);
    FAIL("expected mapping_error");
  } catch (mapping_error const& e) {
    CHECK(e.error_kind() == mapping_error::kind::field_misconfigured);
    CHECK(std::string(e.what()) ==
          "tenant acme: Jira field customfield_10053 (mapped as \"total\") is a date field but the value \"12480\" is "
          "not a date — change the field map or the field's type");
  }
  s = settings();
  s.fields["vendor"].schema.type = "number";
  CHECK_THROWS_AS(map_purchase_order(order(), std::string("Acme"), s), mapping_error);
  s = settings();
  s.fields["site"].schema.type = "array";
  try {
    map_purchase_order(order(), std::nullopt, s);
    FAIL("expected mapping_error");
  } catch (mapping_error const& e) {
    CHECK(std::string(e.what()).find("has type \"array\"") != std::string::npos);
  }
  auto po = order();
  po.total_excl_tax = "12abc";
  try {
    map_purchase_order(po, std::nullopt, settings());
    FAIL("expected mapping_error");
  } catch (mapping_error const& e) {
    CHECK(e.error_kind() == mapping_error::kind::bad_record);
    CHECK(std::string(e.what()) == "purchase order 4500123: total excluding tax \"12abc\" is not a decimal number");
  }
  po = order();
  po.lines.back().quantity = "1,5\n";
  try {
    map_purchase_order(po, std::nullopt, settings());
    FAIL("expected mapping_error");
  } catch (mapping_error const& e) {
    CHECK(e.error_kind() == mapping_error::kind::bad_record);
    CHECK(std::string(e.what()) == "purchase order 4500123: quantity of line " +
                                       std::to_string(po.lines.back().line_number) +
                                       " \"1,5 \" is not a decimal number");
  }
}

TEST_CASE("hostile supplier names and huge values are cleaned and cut") {
  std::string name = "Acme\x01\x1b[31m\tMetals\n" + std::string(10'000, 'x');
  auto state = map_purchase_order(order(), name, settings());
  std::string summary(state.fields.at("summary").as_string());
  CHECK(summary.starts_with("PO 4500123 · Acme[31m Metals xxx"));
  CHECK(utf16_length(summary) <= 255);
  CHECK(summary.find('\x1b') == std::string::npos);
  CHECK(utf16_length(state.fields.at("customfield_10050").as_string()) <= 255);

  std::string emoji;
  for (int i = 0; i < 300; ++i) emoji += "😀";
  auto s2 = map_purchase_order(order(), emoji, settings());
  std::string emoji_summary(s2.fields.at("summary").as_string());
  CHECK(utf16_length(emoji_summary) <= 255);
  CHECK(clean_line(emoji_summary) == emoji_summary);  // no split code point

  auto dc = map_purchase_order(order(), std::string(R"(A|B{c}[d]*e\f)"), settings(jira_flavour::data_center));
  CHECK(std::string(dc.fields.at("description").as_string()).find(R"(from A\|B\{c\}\[d\]\*e&#92;f (supplier)") !=
        std::string::npos);
}

TEST_CASE("very long orders keep the description under Jira's limit") {
  auto po = order();
  po.lines.clear();
  for (int i = 1; i <= 10'000; ++i)
    po.lines.push_back({i, "PRODUCT-" + std::to_string(i), "1", "EA", "1", "2026-03-01", false});
  for (auto flavour : {jira_flavour::cloud, jira_flavour::data_center}) {
    auto state = map_purchase_order(po, std::string("Acme"), settings(flavour));
    auto const fields = state.all_fields();
    auto const& d = fields.at("description");
    std::string text = d.is_string() ? std::string(d.as_string()) : json::serialize(d);
    CHECK(utf16_length(text) <= 32'767);
    CHECK(utf16_length(text) > 30'000);
    CHECK(text.find("The order has 10000 lines; ") != std::string::npos);
    CHECK(text.find(" more lines are not shown.") != std::string::npos);
    CHECK(json::serialize(state.fields.at("customfield_10055")) == "10000");
  }
}

TEST_CASE("external key labels are sanitised and collision-free") {
  CHECK(external_label(entity::purchase_order, "SEED", "4500123") == "x3-po-seed-4500123");
  CHECK(external_label(entity::supplier_invoice, "seed", "FINV001") == "x3-inv-seed-finv001");
  auto dashed = external_label(entity::supplier_invoice, "seed", "FINV-001");
  CHECK(dashed.starts_with("x3-inv-seed-finv_001-"));
  CHECK(dashed.size() == std::string("x3-inv-seed-finv_001-").size() + 10);
  // The collision the fuzzer found: a hashed label equal to another id's readable one.
  auto hashed = external_label(entity::purchase_order, "SEED", "Ab");
  auto readable_twin = "A_-" + hashed.substr(hashed.rfind('-') + 1);
  for (auto& ch : readable_twin) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  CHECK(external_label(entity::purchase_order, "SEED", readable_twin) != hashed);
  std::string slash = external_label(entity::purchase_order, "SEED", "PO/1");
  CHECK(slash.starts_with("x3-po-seed-po_1-"));
  CHECK(slash.size() == std::string("x3-po-seed-po_1-").size() + 10);
  CHECK(slash != external_label(entity::purchase_order, "SEED", "PO_1"));
  CHECK(external_label(entity::purchase_order, "SEED", "po1") != external_label(entity::purchase_order, "SEED", "PO1"));
  CHECK(external_label(entity::purchase_order, "SEED", "PO 1") != external_label(entity::purchase_order, "SEED", "PO\t1"));
  CHECK(external_label(entity::purchase_order, "MY-F", "1") != external_label(entity::purchase_order, "MY", "F-1"));
  CHECK(external_label(entity::purchase_order, "SEED", "1") != external_label(entity::supplier_invoice, "SEED", "1"));
  // Folder case does not matter (X3 folders are case-insensitive); the hash is stable.
  CHECK(external_label(entity::purchase_order, "Seed", "A B") == external_label(entity::purchase_order, "SEED", "A B"));
  for (std::string id : {std::string("Ü1 \"x\" | {y}"), std::string(10'000, 'A'), std::string(10'000, 'A') + "B"}) {
    std::string label = external_label(entity::purchase_order, "SEED", id);
    CHECK(label.size() <= 255);
    CHECK(label.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") == std::string::npos);
  }
  CHECK(external_label(entity::purchase_order, "SEED", std::string(10'000, 'A')) !=
        external_label(entity::purchase_order, "SEED", std::string(10'000, 'A') + "B"));
}

TEST_CASE("workflow target follows closed and received") {
  auto po = order();
  CHECK(desired_transition(po) == workflow_target::none);
  po.receipt_status = "received";
  CHECK(desired_transition(po) == workflow_target::transition_received);
  po.receipt_status = "";
  for (auto& l : po.lines) l.received = true;
  CHECK(desired_transition(po) == workflow_target::transition_received);
  po.closed = true;
  CHECK(desired_transition(po) == workflow_target::transition_closed);
  po = order();
  po.lines.clear();
  po.receipt_status = "";
  CHECK(desired_transition(po) == workflow_target::none);  // no lines is not "all received"
  CHECK(to_string(workflow_target::transition_closed) == "closed");
}

TEST_CASE("diff sends only changed fields and comments on delivery date and total") {
  auto before = map_purchase_order(order(), std::string("Acme Metals"), settings());
  auto same = diff(stored(before), before, jira_flavour::cloud);
  CHECK_FALSE(same.edit);
  CHECK(same.changes.empty());
  CHECK_FALSE(same.comment);
  CHECK(content_hash(before.to_json()) ==
        content_hash(map_purchase_order(order(), std::string("Acme Metals"), settings()).to_json()));

  auto po = order();
  po.lines[2].expected_receipt = "2026-03-20";
  po.total_excl_tax = "13000";
  auto after = map_purchase_order(po, std::string("Acme Metals"), settings());
  CHECK(content_hash(before.to_json()) != content_hash(after.to_json()));
  auto update = diff(stored(before), after, jira_flavour::cloud);
  REQUIRE(update.edit);
  auto const& fields = update.edit->at("fields").as_object();
  CHECK(fields.size() == 4);
  CHECK(fields.at("summary").as_string() == "PO 4500123 · Acme Metals · 13,000.00 EUR");
  CHECK(fields.contains("description"));
  CHECK(json::serialize(fields.at("customfield_10052")) == R"("2026-03-15")");
  CHECK(json::serialize(fields.at("customfield_10053")) == "13000");
  REQUIRE(update.changes.size() == 2);
  CHECK(update.changes[0].what == "delivery date");
  REQUIRE(update.comment);
  CHECK(json::serialize(*update.comment) ==
        R"({"body":{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":)"
        R"("Sage X3 change: delivery date 2026-03-10 → 2026-03-15; total 12,480.00 → 13,000.00 EUR"}]}]}})");

  auto dc_update = diff(stored(before), after, jira_flavour::data_center);
  CHECK(json::serialize(*dc_update.comment) ==
        R"({"body":"Sage X3 change: delivery date 2026\\-03\\-10 → 2026\\-03\\-15; total 12,480.00 → 13,000.00 EUR"})");
}

TEST_CASE("diff clears fields that disappear and reports currency changes") {
  auto before = map_purchase_order(order(), std::string("Acme"), settings());
  auto po = order();
  for (auto& l : po.lines) l.received = true;
  po.currency = "USD";
  auto after = map_purchase_order(po, std::string("Acme"), settings());
  auto update = diff(stored(before), after, jira_flavour::cloud);
  REQUIRE(update.edit);
  auto const& fields = update.edit->at("fields").as_object();
  CHECK(fields.at("customfield_10052").is_null());
  CHECK(json::serialize(fields.at("customfield_10054")) == R"({"value":"USD"})");
  CHECK_FALSE(fields.contains("labels"));
  CHECK_FALSE(fields.contains("project"));
  REQUIRE(update.changes.size() == 2);
  CHECK(update.changes[0].from == "2026-03-10");
  CHECK(update.changes[0].to == "none");
  CHECK(update.changes[1].from == "12,480.00 EUR");
  CHECK(update.changes[1].to == "12,480.00 USD");
  CHECK(after.facts.at("workflow").as_string() == "received");
}

TEST_CASE("diff against a missing or corrupt previous state sends everything and no comment") {
  auto next = map_purchase_order(order(), std::string("Acme"), settings());
  auto update = diff(json::object{}, next, jira_flavour::cloud);
  REQUIRE(update.edit);
  CHECK(update.edit->at("fields").as_object().size() == next.all_fields().size() - 3);
  CHECK_FALSE(update.comment);
  auto corrupt = json::parse(R"({"fields":[1],"facts":"x"})").as_object();
  CHECK(diff(corrupt, next, jira_flavour::cloud).edit->at("fields").as_object().size() == next.all_fields().size() - 3);
}

TEST_CASE("diff against an unknown issue (adopted) clears the mapped fields the record leaves empty") {
  auto po = order();
  for (auto& l : po.lines) l.received = true;  // no delivery date left to expect
  auto next = map_purchase_order(po, std::string("Acme"), settings());
  CHECK_FALSE(next.fields.contains("customfield_10052"));
  auto update = diff(json::object{}, next, jira_flavour::cloud);
  REQUIRE(update.edit);
  auto const& fields = update.edit->at("fields").as_object();
  REQUIRE(fields.contains("customfield_10052"));
  CHECK(fields.at("customfield_10052").is_null());
  CHECK(fields.size() == next.all_fields().size() - 3 + 1);
  // Against a known previous state nothing extra is sent: the field was empty before too.
  auto same = diff(stored(next), next, jira_flavour::cloud);
  CHECK_FALSE(same.edit);
}

TEST_CASE("long field values are stored as digests and still diff exactly") {
  auto before = map_purchase_order(order(), std::string("Acme Metals"), settings());
  auto kept = stored(before);
  REQUIRE(kept.at("fields").at("description").is_object());
  CHECK(kept.at("fields").at("description").as_object().contains("$digest"));
  CHECK(kept.at("fields").at("summary") == before.fields.at("summary"));  // short values stay as they are
  CHECK(json::serialize(kept).size() < json::serialize(before.all_fields()).size());
  CHECK_FALSE(diff(kept, before, jira_flavour::cloud).edit);
  // Every stored field is what storing the value as sent gives, but the Cloud description:
  // its digest is taken of the blocks it was rendered from (checked below).
  for (auto flavour : {jira_flavour::cloud, jira_flavour::data_center}) {
    auto s = settings();
    s.flavour = flavour;
    auto mapped = map_purchase_order(order(), std::string("Acme Metals"), s);
    auto const all = mapped.all_fields();
    auto const stored_fields = stored(mapped).at("fields").as_object();
    CHECK(stored_fields.size() == all.size());
    for (auto const& kv : all) {
      auto text = json::serialize(kv.value());
      INFO(kv.key());
      if (flavour == jira_flavour::cloud && kv.key() == "description")
        CHECK(stored_fields.at(kv.key()).at("$digest").as_string().size() == 64);
      else if (text.size() > 256)
        CHECK(stored_fields.at(kv.key()).at("$digest").as_string() == sha256_hex(text));
      else
        CHECK(stored_fields.at(kv.key()) == kv.value());
    }
  }
  // An entry written by a build that digested the description's text sends the
  // description once more, and nothing else.
  auto older = kept;
  older["fields"].as_object()["description"].as_object()["$digest"] =
      sha256_hex(json::serialize(before.all_fields().at("description")));
  auto once = diff(older, before, jira_flavour::cloud);
  REQUIRE(once.edit);
  CHECK(once.edit->at("fields").as_object().size() == 1);
  CHECK(once.edit->at("fields").as_object().contains("description"));

  // A change only inside the description (one line's product) is still seen.
  auto po = order();
  po.lines[0].product = "Another product";
  auto after = map_purchase_order(po, std::string("Acme Metals"), settings());
  auto update = diff(kept, after, jira_flavour::cloud);
  REQUIRE(update.edit);
  auto const& fields = update.edit->at("fields").as_object();
  CHECK(fields.size() == 1);
  CHECK(fields.at("description") == after.all_fields().at("description"));  // Jira gets the value, not the digest

  // States stored with full values (before digests) compare by value.
  json::object legacy;
  legacy["fields"] = before.all_fields();
  legacy["facts"] = before.facts;
  CHECK_FALSE(diff(legacy, before, jira_flavour::cloud).edit);
  CHECK(diff(legacy, after, jira_flavour::cloud).edit);
}

TEST_CASE("the description's stored digest changes exactly when the description does") {
  // Orders that differ from one another in what the description shows, in what it does not
  // show, or not at all: two stored digests are equal exactly when the texts are.
  auto description_of = [](desired_state const& s) { return s.texts.at(0).json; };
  auto digest_of = [](desired_state const& s) {
    return std::string(stored(s).at("fields").at("description").at("$digest").as_string());
  };
  std::vector<std::pair<std::string, purchase_order>> variants;
  auto add = [&](std::string what, auto change) {
    auto po = order();
    change(po);
    variants.emplace_back(std::move(what), std::move(po));
  };
  add("as it is", [](purchase_order&) {});
  add("the same again", [](purchase_order&) {});
  add("a line's product", [](purchase_order& po) { po.lines[1].product = "NUT-M10"; });
  // Two rows whose cells, put end to end, read the same: "NUT-M8" "25" and "NUT-M82" "5".
  add("25 of a product", [](purchase_order& po) { po.lines[1].quantity = "25"; });
  add("5 of another product", [](purchase_order& po) {
    po.lines[1].product = "NUT-M82";
    po.lines[1].quantity = "5";
  });
  add("two lines swapped", [](purchase_order& po) { std::swap(po.lines[0], po.lines[1]); });
  add("a line fewer", [](purchase_order& po) { po.lines.pop_back(); });
  add("no lines", [](purchase_order& po) { po.lines.clear(); });
  add("a received line", [](purchase_order& po) { po.lines[2].received = true; });
  add("the total", [](purchase_order& po) { po.total_excl_tax = "12481"; });
  add("the same total written otherwise", [](purchase_order& po) { po.total_excl_tax = "12480.00"; });
  add("the site", [](purchase_order& po) { po.site = "FR02"; });
  add("the update time only", [](purchase_order& po) { po.updated = "2026-02-01T10:00:00Z"; });
  add("a product cleaned to the same text", [](purchase_order& po) { po.lines[0].product = "BOLT-M8\n"; });
  add("the currency", [](purchase_order& po) { po.currency = "USD"; });

  std::vector<std::pair<std::string, desired_state>> mapped;
  for (auto const& [what, po] : variants)
    mapped.emplace_back(what, map_purchase_order(po, std::string("Acme"), settings()));
  int same = 0;
  for (std::size_t i = 0; i < mapped.size(); ++i)
    for (std::size_t j = i + 1; j < mapped.size(); ++j) {
      INFO(mapped[i].first << " / " << mapped[j].first);
      bool const same_text = description_of(mapped[i].second) == description_of(mapped[j].second);
      bool const same_digest = digest_of(mapped[i].second) == digest_of(mapped[j].second);
      if (same_text && !same_digest) {
        // Blocks that differ yet render alike (a value clean_line changes) may only cost a
        // needless update, never a missed one.
        CHECK(mapped[j].first == "a product cleaned to the same text");
        continue;
      }
      CHECK(same_digest == same_text);
      same += same_text;
    }
  CHECK(same >= 3);  // "as it is", "the same again", "the update time only", "the same total…"

  // Past Jira's limit the table is cut: a change to a line that is not shown changes
  // neither the text nor the digest; one to a shown line changes both.
  auto long_order = order();
  long_order.lines.clear();
  for (int i = 1; i <= 2'000; ++i)
    long_order.lines.push_back({i, "PRODUCT-" + std::to_string(i), "1", "EA", "1", "2026-03-01", false});
  auto hidden = long_order;
  hidden.lines.back().product = "CHANGED";
  auto shown = long_order;
  shown.lines.front().product = "CHANGED";
  auto base = map_purchase_order(long_order, std::string("Acme"), settings());
  auto with_hidden = map_purchase_order(hidden, std::string("Acme"), settings());
  auto with_shown = map_purchase_order(shown, std::string("Acme"), settings());
  REQUIRE(description_of(base).find(" more lines are not shown.") != std::string::npos);
  CHECK(description_of(with_hidden) == description_of(base));
  CHECK(digest_of(with_hidden) == digest_of(base));
  CHECK(description_of(with_shown) != description_of(base));
  CHECK(digest_of(with_shown) != digest_of(base));
}

TEST_CASE("take_json gives the stored state to_json gives and leaves the fields empty") {
  for (auto flavour : {jira_flavour::cloud, jira_flavour::data_center}) {
    auto s = settings();
    s.flavour = flavour;
    auto po = order();
    po.lines.resize(30, po.lines.front());  // a description long enough to be digested
    std::vector<desired_state> states;
    states.push_back(map_purchase_order(po, std::string("Acme Metals"), s));
    states.push_back(map_supplier_invoice(invoice(), std::string("Acme Metals"), s));
    for (auto& state : states) {
      auto const expected = state.to_json();
      auto const label = state.label;
      CHECK(state.take_json() == expected);
      CHECK(state.fields.empty());
      CHECK(state.texts.empty());
      CHECK(state.label == label);  // what process() still reads is kept
      CHECK(state.facts == expected.at("facts"));
    }
  }
}

TEST_CASE("a mapped record's JSON stays in its own arena up to the issue entry, never copied out") {
  // Each record's state is bump-allocated in one arena (desired_state); a step that
  // assigned it into an object of the default resource would copy it, malloc by malloc.
  for (auto flavour : {jira_flavour::cloud, jira_flavour::data_center}) {
    auto s = settings();
    s.flavour = flavour;
    s.fields["site"].schema = {"option", ""};  // an object value, built in the arena too
    std::vector<desired_state> states;
    states.push_back(map_purchase_order(order(), std::string("Acme Metals"), s));
    states.push_back(map_supplier_invoice(invoice(), std::string("Acme Metals"), s));
    for (auto& state : states) {
      auto const* arena = state.fields.storage().get();
      CHECK(arena != json::storage_ptr{}.get());
      for (auto const* part : {&state.facts, &state.source}) CHECK(part->storage().get() == arena);
      for (auto const& kv : state.fields) {
        if (auto const* o = kv.value().if_object()) CHECK(o->storage().get() == arena);
        if (auto const* str = kv.value().if_string()) CHECK(str->storage().get() == arena);
      }
      auto stored = state.take_json();
      CHECK(stored.storage().get() == arena);
      CHECK(stored.at("fields").get_object().storage().get() == arena);
      hashed_state sent;
      move_into(sent, hash_state(std::move(stored)));
      CHECK(sent.state.storage().get() == arena);
      issue_entry entry;
      entry.set_state(std::move(sent));
      CHECK(entry.state.storage().get() == arena);
      CHECK(entry.state.at("facts") == state.facts);
    }
  }
}
