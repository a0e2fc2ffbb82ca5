// Fuzz target: mapping an X3 record to its Jira issue (engine/mapper.hpp) with fuzzed record
// fields. Input: text lines, each a field (missing lines take a realistic default):
//   0 what: "po-cloud" | "po-dc" | "inv-cloud" | "inv-dc" (anything else picks by its bytes)
//   1 folder  2 id  3 site / supplier document  4 currency  5 total excl. tax / amount
//   6 total incl. tax / tax amount  7 supplier code  8 supplier name ("" = lookup failed)
//   9 receipt status / invoice status  10 product / related order  11 unit  12 quantity
//   13 net price  14 expected receipt ("" = none)  15 line count (0..40)  16 order date
//   17 closed ("2" = yes)
// Each field is cut to 512 bytes (longer values only cost time: every text is cut to 255).
// Dates come normalised from x3_parse, so a line that is not a normalised date keeps the
// default. Properties (abort on violation): only mapping_error is thrown; the summary is
// valid one-line UTF-8 of at most 255 UTF-16 units; the description fits Jira's 32,767
// (ADF text on Cloud, wiki markup on Data Center); text custom fields fit their field
// (255, textarea 32,767); the label is external_label of the record and the only label.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/json/serialize.hpp>

#include "engine/mapper.hpp"
#include "engine/x3_parse.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "tests/fuzz/mapped_states.hpp"

namespace {

using namespace mlc;
namespace json = boost::json;

constexpr long k_summary_limit = 255;
constexpr long k_text_limit = 32'767;
// Enough rows to push a description past Jira's limit (the truncation path) while keeping
// one run well under a second in the -O0 sanitizer build.
constexpr std::size_t k_max_lines = 40;
constexpr std::size_t k_max_field = 512;

struct input_lines {
  std::vector<std::string_view> lines;
  bool has(std::size_t i) const { return i < lines.size(); }
  // At most k_max_field bytes: twice what any Jira text limit keeps of one value, and a
  // bound on the work per run (40 lines of 64 KB values would take seconds at -O0).
  std::string get(std::size_t i, std::string_view fallback) const {
    return std::string{(has(i) ? lines[i] : fallback).substr(0, k_max_field)};
  }
  // A normalised date, or `fallback` when the line is missing or something else.
  std::string date(std::size_t i, std::string const& fallback) const {
    auto text = get(i, fallback);
    return engine::normalise_x3_date(text) == text ? text : fallback;
  }
};

void check_result(engine::desired_state const& state, engine::mapping_settings const& settings,
                  std::string const& expected_label) {
  MLC_FUZZ_CHECK(state.label == expected_label);
  auto const& summary = state.fields.at("summary").as_string();
  std::string_view s{summary.data(), summary.size()};
  long units = fuzz::utf16_units_if_valid(s);
  MLC_FUZZ_CHECK(units >= 0 && units <= k_summary_limit);
  MLC_FUZZ_CHECK(!fuzz::has_control_characters(s));
  auto const fields = state.all_fields();
  auto const& desc = fields.at("description");
  if (settings.flavour == engine::jira_flavour::cloud) {
    MLC_FUZZ_CHECK(desc.is_object());
    long d = fuzz::utf16_units_if_valid(json::serialize(desc));
    MLC_FUZZ_CHECK(d >= 0 && d <= k_text_limit);
  } else {
    MLC_FUZZ_CHECK(desc.is_string());
    long d = fuzz::utf16_units_if_valid(desc.as_string());
    MLC_FUZZ_CHECK(d >= 0 && d <= k_text_limit);
  }
  auto const& labels = fields.at("labels").as_array();
  MLC_FUZZ_CHECK(labels.size() == 1 && labels[0].as_string() == state.label);
  for (auto const& [logical, field] : settings.fields) {
    auto const* value = fields.if_contains(field.id);
    if (!value || !value->is_string()) continue;
    long limit = field.schema.custom.ends_with(":textarea") ? k_text_limit : 255;
    long u = fuzz::utf16_units_if_valid(value->as_string());
    MLC_FUZZ_CHECK(u >= 0 && u <= limit);
  }
}

engine::purchase_order order_from(input_lines const& in) {
  engine::purchase_order po = fuzz::sample_order();
  po.id = in.get(2, po.id);
  po.site = in.get(3, po.site);
  po.currency = in.get(4, po.currency);
  po.total_excl_tax = in.get(5, po.total_excl_tax);
  po.total_incl_tax = in.get(6, po.total_incl_tax);
  po.supplier_code = in.get(7, po.supplier_code);
  po.receipt_status = in.get(9, po.receipt_status);
  po.order_date = in.date(16, po.order_date);
  po.closed = in.get(17, "1") == "2";
  if (!in.has(15)) return po;
  std::size_t count = 0;
  for (char c : in.get(15, "").substr(0, 2))
    count = count * 10 + (c >= '0' && c <= '9' ? c - '0' : static_cast<unsigned char>(c) % 10);
  po.lines.clear();
  for (std::size_t i = 0; i < std::min(count, k_max_lines); ++i) {
    engine::po_line line;
    line.line_number = static_cast<int>(1000 * (i + 1));
    line.product = in.get(10, "BOLT-M8");
    line.unit = in.get(11, "EA");
    line.quantity = in.get(12, "100");
    line.net_price = in.get(13, "1.5");
    if (!in.has(14) || !in.lines[14].empty()) line.expected_receipt = in.date(14, "2026-03-01");
    line.received = i % 3 == 0;
    po.lines.push_back(std::move(line));
  }
  return po;
}

engine::supplier_invoice invoice_from(input_lines const& in) {
  engine::supplier_invoice inv = fuzz::sample_invoice();
  inv.id = in.get(2, inv.id);
  inv.supplier_document = in.get(3, inv.supplier_document);
  inv.currency = in.get(4, inv.currency);
  inv.amount_excl_tax = in.get(5, inv.amount_excl_tax);
  inv.tax_amount = in.get(6, inv.tax_amount);
  inv.supplier_code = in.get(7, inv.supplier_code);
  inv.status = in.get(9, inv.status);
  if (in.has(10)) inv.purchase_order = in.lines[10].empty() ? std::nullopt : std::optional{in.get(10, "")};
  inv.document_date = in.date(16, *inv.document_date);
  return inv;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  input_lines in{fuzz::split_lines(fuzz::as_text(data, size))};
  auto what = in.get(0, "po-cloud");
  unsigned pick = what == "po-cloud" ? 0 : what == "po-dc" ? 1 : what == "inv-cloud" ? 2 : what == "inv-dc" ? 3 : 4;
  if (pick == 4) {
    pick = 0;
    for (char c : what) pick += static_cast<unsigned char>(c);
  }
  bool const order = pick % 4 < 2;
  auto const flavour = pick % 2 == 0 ? engine::jira_flavour::cloud : engine::jira_flavour::data_center;
  auto const folder = in.get(1, "SEED");
  auto const settings = fuzz::fuzz_settings(flavour, folder);
  auto name = in.get(8, "Acme Metals");
  std::optional<std::string> supplier_name = name.empty() ? std::nullopt : std::optional{name};

  try {
    if (order) {
      auto po = order_from(in);
      auto state = engine::map_purchase_order(po, supplier_name, settings);
      check_result(state, settings, engine::external_label(engine::entity::purchase_order, folder, po.id));
    } else {
      auto inv = invoice_from(in);
      auto state = engine::map_supplier_invoice(inv, supplier_name, settings);
      check_result(state, settings, engine::external_label(engine::entity::supplier_invoice, folder, inv.id));
    }
  } catch (engine::mapping_error const& e) {
    MLC_FUZZ_CHECK(e.what()[0] != '\0');
  } catch (std::exception const& e) {
    fuzz::unexpected_exception(order ? "map_purchase_order" : "map_supplier_invoice", e.what());
  }
  return 0;
}
