#include "engine/mapper.hpp"

#include <algorithm>
#include <array>
#include <type_traits>

#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "engine/adf.hpp"
#include "engine/content_hash.hpp"
#include "engine/decimal.hpp"

namespace mlc::engine {

namespace json = boost::json;

namespace {

constexpr std::size_t k_string_limit = 255;    // Jira single-line text fields and summary
constexpr std::size_t k_text_limit = 32'767;   // Jira multi-line text fields and description
constexpr std::size_t k_cell_limit = 255;      // one table cell in the description

// A record's JSON arena (desired_state). A 10-line order's state and stored form take
// 4–8 KB of it: 8 KB holds them in one block (a 4 KB start would add an 8 KB second one).
json::storage_ptr record_arena() { return json::make_shared_resource<json::monotonic_resource>(8192); }

constexpr std::array<std::string_view, 7> k_order_fields = {
    "vendor", "order_date", "delivery_date", "total", "currency", "line_count", "site"};
constexpr std::array<std::string_view, 8> k_invoice_fields = {
    "invoice_number", "invoice_date", "due_date_basis", "amount_excl_tax",
    "tax_amount",     "related_po",   "vendor",         "currency"};

// ISO 4217 currencies without 2 minor units; everything else shows 2 decimals.
int minor_units(std::string_view currency) {
  static constexpr std::array<std::string_view, 16> zero = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY",
                                                            "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
                                                            "VND", "VUV", "XAF", "XOF"};
  static constexpr std::array<std::string_view, 7> three = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"};
  if (std::find(zero.begin(), zero.end(), currency) != zero.end()) return 0;
  if (std::find(three.begin(), three.end(), currency) != three.end()) return 3;
  return 2;
}

// `record` is "purchase order" or "supplier invoice"; `line` the order line's number, when
// the amount is a line's. The message is only built for an amount that does not parse.
decimal amount_of(std::string const& text, std::string_view what, std::string_view record, std::string_view id,
                  std::optional<std::int64_t> line = std::nullopt) {
  auto d = decimal::parse(text);
  if (!d)
    throw mapping_error(mapping_error::kind::bad_record,
                        std::string(record) + " " + clean_line(id) + ": " + std::string(what) +
                            (line ? " of line " + std::to_string(*line) : std::string{}) + " \"" + clean_line(text) +
                            "\" is not a decimal number");
  return *d;
}

// "12,480.00 EUR": the currency's minor units, more when the amount has more decimals.
std::string money(decimal const& d, std::string_view currency) {
  int scale = std::max(minor_units(currency), d.scale());
  return d.grouped(scale) + " " + cut_utf16(clean_line(currency), 16);
}

// A logical value before it is shaped for its Jira field's type.
struct logical_value {
  enum class kind { text, number, date } k = kind::text;
  std::string text;  // text, or a date as "YYYY-MM-DD"
  decimal number;
};
logical_value text_value(std::string s) { return {logical_value::kind::text, std::move(s), {}}; }
logical_value date_value(std::string s) { return {logical_value::kind::date, std::move(s), {}}; }
logical_value number_value(decimal d) { return {logical_value::kind::number, {}, d}; }

[[noreturn]] void misconfigured(mapping_settings const& s, std::string_view logical, resolved_field const& f,
                                std::string_view problem) {
  throw mapping_error(mapping_error::kind::field_misconfigured,
                      "tenant " + s.tenant + ": Jira field " + f.id + " (mapped as \"" + std::string(logical) +
                          "\") " + std::string(problem) + " — change the field map or the field's type");
}

// Built in `sp`, the state's arena.
json::value shaped(mapping_settings const& s, std::string_view logical, resolved_field const& f,
                   logical_value const& v, json::storage_ptr const& sp) {
  std::string const& type = f.schema.type;
  std::string as_text = v.k == logical_value::kind::number ? v.number.to_string() : clean_line(v.text);
  if (type == "string") {
    if (f.schema.custom.ends_with(":textarea")) {
      std::string text = cut_utf16(as_text, k_text_limit);
      if (s.flavour == jira_flavour::cloud) return json::value(adf_document({text}), sp);
      return json::value(text, sp);
    }
    return json::value(cut_utf16(as_text, k_string_limit), sp);
  }
  if (type == "option") {
    json::object option(sp);
    option["value"] = cut_utf16(as_text, k_string_limit);
    return option;
  }
  if (type == "number") {
    if (v.k == logical_value::kind::number) return v.number.to_json();
    if (v.k == logical_value::kind::text)
      if (auto d = decimal::parse(v.text)) return d->to_json();
    misconfigured(s, logical, f, "is a number field but the value \"" + cut_utf16(as_text, 60) + "\" is not a number");
  }
  if (type == "date" || type == "datetime") {
    if (v.k != logical_value::kind::date)
      misconfigured(s, logical, f, "is a " + type + " field but the value \"" + cut_utf16(as_text, 60) +
                                       "\" is not a date");
    return json::value(type == "date" ? v.text : v.text + "T00:00:00.000+0000", sp);
  }
  misconfigured(s, logical, f,
                "has type \"" + clean_line(type) + "\", which ml-connector cannot fill (use a string, number, "
                "date, datetime or option field)");
}

// Adds the mapped logical fields that have a value; notes those left empty.
void add_custom_fields(desired_state& state, mapping_settings const& s,
                       std::vector<std::pair<std::string_view, std::optional<logical_value>>> const& values) {
  for (auto const& [logical, value] : values) {
    auto it = s.fields.find(logical);
    if (it == s.fields.end()) continue;
    if (!value || (value->k != logical_value::kind::number && value->text.empty())) {
      state.empty_fields.push_back(it->second.id);
      continue;
    }
    state.fields[it->second.id] = shaped(s, logical, it->second, *value, state.fields.storage());
  }
}

// Field values longer than this (serialized) are stored as their digest: diff only needs
// to know whether they changed, and the description (an ADF table of every line) would
// otherwise make each issue-map entry several KB to write, read and hash on every sync.
constexpr std::size_t digest_over = 256;
constexpr std::string_view digest_key = "$digest";

std::string value_digest(std::string_view serialized) { return sha256_hex(serialized); }

// The blocks a description is rendered from in the counted form (content_hash.hpp), after
// the form they are rendered in: different blocks give different bytes.
// Rendering is a function of these bytes, so their digest stands for the rendered text's
// at a fraction of the bytes to hash: an ADF table cell is ~100 bytes of structure around
// its text. Change the tag when a change to rendering changes what given blocks render to.
std::string blocks_digest(std::vector<text_block> const& blocks, jira_flavour flavour) {
  std::size_t size = 16;
  for (auto const& b : blocks) {
    if (auto const* p = std::get_if<std::string>(&b)) {
      size += p->size() + 8;
      continue;
    }
    auto const& t = std::get<table_block>(b);
    for (auto const& h : t.header) size += h.size() + 8;
    for (auto const& row : t.rows)
      for (auto const& c : row) size += c.size() + 8;
  }
  std::string out;
  out.reserve(size);
  out += flavour == jira_flavour::cloud ? "adf/1" : "wiki/1";
  auto count = [](std::size_t n) { return static_cast<long long>(n); };
  for (auto const& b : blocks) {
    if (auto const* p = std::get_if<std::string>(&b)) {
      out += 'p';
      append_counted(out, *p);
      continue;
    }
    auto const& t = std::get<table_block>(b);
    append_tagged(out, 't', count(t.header.size()));
    append_tagged(out, ',', count(t.rows.size()));
    for (auto const& h : t.header) append_counted(out, h);
    for (auto const& row : t.rows) {
      append_tagged(out, 'r', count(row.size()));
      for (auto const& c : row) append_counted(out, c);
    }
  }
  return sha256_hex(out);
}

// The description as sent: the ADF document's JSON text (Cloud) or wiki markup (Data Center),
// and for Cloud the digest stored for it (blocks_digest of what it was rendered from).
struct rendered_description {
  std::string text;
  std::string digest;
};

// Renders `blocks`, cutting the table at `table_index` to the rows that keep the whole
// description within Jira's limit (measured on the ADF's JSON text for Cloud).
rendered_description description(std::vector<text_block> blocks, std::size_t table_index, std::size_t total_rows,
                                 std::string const& more_note_prefix, jira_flavour flavour) {
  auto text_of = [&](std::vector<text_block> const& b) {
    return flavour == jira_flavour::cloud ? adf_document_text(b) : wiki_document(b);
  };
  auto rendered = [&](std::vector<text_block> const& b, std::string text) -> rendered_description {
    return {std::move(text), flavour == jira_flavour::cloud ? blocks_digest(b, flavour) : std::string{}};
  };
  auto fits = [](std::string const& text) { return utf16_length(text) <= k_text_limit; };
  // With the first `rows` table rows; a note replaces the rest.
  auto cut = [&](std::size_t rows) {
    std::vector<text_block> b = blocks;
    auto& table = std::get<table_block>(b[table_index]);
    table.rows.resize(rows);
    b.insert(b.begin() + static_cast<long>(table_index) + 1,
             more_note_prefix + std::to_string(total_rows - rows) + " more lines are not shown.");
    return b;
  };
  auto full = text_of(blocks);
  if (fits(full) || table_index >= blocks.size()) return rendered(blocks, std::move(full));
  std::size_t lo = 0, hi = total_rows;  // largest row count that fits: lo fits, hi does not
  while (hi - lo > 1) {
    std::size_t mid = lo + (hi - lo) / 2;
    (fits(text_of(cut(mid))) ? lo : hi) = mid;
  }
  auto kept = cut(lo);
  auto text = text_of(kept);
  return rendered(kept, std::move(text));
}

// A data value as it appears inside generated text: one line, at most a cell's length, so
// a 10,000-character name cannot push the description past Jira's limit.
std::string piece(std::string_view text) { return cut_utf16(clean_line(text), k_cell_limit); }

std::string vendor_of(std::string const& code, std::optional<std::string> const& name) {
  if (name) {
    std::string clean = piece(*name);
    if (clean.find_first_not_of(' ') != std::string::npos) return clean;
  }
  return piece(code);
}

std::string summary_of(std::string_view prefix, std::string const& id, std::string const& vendor,
                       std::string const& amount) {
  return cut_utf16(std::string(prefix) + " " + piece(id) + " · " + vendor + " · " + amount, k_string_limit);
}

// Sets the fields every issue has: project, issue type, summary, description, labels.
void base_fields(desired_state& state, mapping_settings const& s, std::string const& summary,
                 rendered_description desc) {
  auto& fields = state.fields;
  fields["project"].emplace_object()["key"] = s.project_key;
  auto& issuetype = fields["issuetype"].emplace_object();
  if (!s.issue_type_id.empty()) issuetype["id"] = s.issue_type_id;
  else issuetype["name"] = s.issue_type_name;
  fields["summary"] = summary;
  if (s.flavour == jira_flavour::cloud) {
    state.texts.push_back({"description", std::move(desc.text), std::move(desc.digest)});
  } else {
    fields["description"] = std::move(desc.text);
  }
  fields["labels"].emplace_array().emplace_back(state.label);
}

std::string footer(mapping_settings const& s) {
  return "Synced from Sage X3 folder " + piece(s.folder) +
         " by ml-connector; edits to these fields in Jira are overwritten at the next change in Sage X3.";
}

std::string_view entity_name(entity e) {
  return e == entity::purchase_order ? "purchase_order" : "supplier_invoice";
}

}  // namespace

std::span<std::string_view const> logical_fields(entity e) {
  if (e == entity::purchase_order) return k_order_fields;
  return k_invoice_fields;
}

std::string_view to_string(workflow_target t) {
  switch (t) {
    case workflow_target::transition_closed: return "closed";
    case workflow_target::transition_received: return "received";
    default: return "none";
  }
}

workflow_target desired_transition(purchase_order const& po) {
  if (po.closed) return workflow_target::transition_closed;
  bool all_lines = !po.lines.empty() &&
                   std::all_of(po.lines.begin(), po.lines.end(), [](po_line const& l) { return l.received; });
  if (po.receipt_status == "received" || all_lines) return workflow_target::transition_received;
  return workflow_target::none;
}

namespace {

// A stored {"$digest": "…"} stands for a long value.
std::optional<std::string_view> stored_digest(json::value const& v) {
  auto const* o = v.if_object();
  if (!o || o->size() != 1) return std::nullopt;
  auto const* d = o->if_contains(digest_key);
  if (!d || !d->is_string()) return std::nullopt;
  return std::string_view{d->get_string()};
}

bool same_value(json::value const& stored, json::value const& value) {
  if (auto digest = stored_digest(stored)) return *digest == value_digest(json::serialize(value));
  return stored == value;
}

bool same_text(json::value const& stored, desired_state::field_text const& text) {
  if (auto digest = stored_digest(stored)) return *digest == text.digest;
  return stored == json::parse(text.json);
}

}  // namespace

json::object desired_state::all_fields() const {
  json::object out = fields;
  for (auto const& t : texts) out[t.key] = json::parse(t.json);
  return out;
}

bool desired_state::has_field(std::string_view key) const {
  return fields.contains(key) ||
         std::any_of(texts.begin(), texts.end(), [&](field_text const& t) { return t.key == key; });
}

namespace {

// desired_state::to_json(), copying the fields from a const state or moving them out of one
// that is given up (take_json).
template <class State>
json::object stored_form(State& state) {
  constexpr bool take = !std::is_const_v<State>;
  auto const& sp = state.fields.storage();  // the record's arena: moves within it are moves
  auto digest_of = [&](std::string const& digest) {
    json::object out(sp);
    out[digest_key] = digest;
    return out;
  };
  json::object stored_fields(sp);
  stored_fields.reserve(state.fields.size() + state.texts.size());
  for (auto& kv : state.fields) {
    bool small = kv.value().is_number() || kv.value().is_bool() || kv.value().is_null() ||
                 (kv.value().is_string() && kv.value().get_string().size() < digest_over / 2);
    auto text = small ? std::string{} : json::serialize(kv.value());
    if (!small && text.size() > digest_over) stored_fields.emplace(kv.key(), digest_of(value_digest(text)));
    else if constexpr (take) stored_fields.emplace(kv.key(), std::move(kv.value()));
    else stored_fields.emplace(kv.key(), kv.value());
  }
  for (auto const& t : state.texts) {
    if (t.json.size() <= digest_over) stored_fields.emplace(t.key, json::parse(t.json, sp));
    else stored_fields.emplace(t.key, digest_of(t.digest));
  }
  json::object out(sp);
  out["fields"] = std::move(stored_fields);
  out["facts"] = state.facts;
  return out;
}

}  // namespace

json::object desired_state::to_json() const { return stored_form(*this); }

json::object desired_state::take_json() {
  auto out = stored_form(*this);
  fields = {};
  texts = {};
  return out;
}

desired_state map_purchase_order(purchase_order const& po, std::optional<std::string> const& supplier_name,
                                 mapping_settings const& s) {
  constexpr std::string_view record = "purchase order";
  decimal total = amount_of(po.total_excl_tax, "total excluding tax", record, po.id);
  decimal total_incl = amount_of(po.total_incl_tax, "total including tax", record, po.id);
  std::string vendor = vendor_of(po.supplier_code, supplier_name);

  std::optional<std::string> delivery;
  for (auto const& line : po.lines)
    if (!line.received && line.expected_receipt && (!delivery || *line.expected_receipt < *delivery))
      delivery = line.expected_receipt;

  desired_state state{record_arena()};
  state.target = desired_transition(po);
  state.label = external_label(entity::purchase_order, s.folder, po.id);
  state.source = source_property(s.tenant, s.folder, entity::purchase_order, po.id, state.source.storage());

  table_block table{{"Line", "Product", "Quantity", "Unit", "Net price", "Expected receipt"}, {}};
  int const price_decimals = minor_units(po.currency);
  table.rows.reserve(po.lines.size());
  for (auto const& line : po.lines) {
    decimal price = amount_of(line.net_price, "net price", record, po.id, line.line_number);
    decimal qty = amount_of(line.quantity, "quantity", record, po.id, line.line_number);
    std::string receipt = line.expected_receipt.value_or("");
    if (line.received) receipt += receipt.empty() ? "received" : " (received)";
    // Cells moved in, not copied from an initializer list: ten rows per order on average.
    auto& row = table.rows.emplace_back();
    row.reserve(table.header.size());
    row.push_back(std::to_string(line.line_number));
    row.push_back(piece(line.product));
    row.push_back(qty.to_string());
    row.push_back(piece(line.unit));
    row.push_back(price.grouped(std::max(price_decimals, price.scale())));
    row.push_back(std::move(receipt));
  }
  std::string status = po.closed ? "closed"
                       : po.receipt_status == "received" ? "open, received"
                       : po.receipt_status == "partial"  ? "open, partially received"
                                                         : "open";
  std::vector<text_block> blocks;
  blocks.reserve(4);
  blocks.emplace_back("Purchase order " + piece(po.id) + " from " + vendor + " (supplier " + piece(po.supplier_code) +
                      "), site " + piece(po.site) + ", ordered " + po.order_date + ".");
  blocks.emplace_back("Total " + money(total, po.currency) + " excluding tax, " + money(total_incl, po.currency) +
                      " including tax. Status: " + status + ".");
  std::size_t table_index = blocks.size();
  std::size_t rows = table.rows.size();
  if (rows > 0) blocks.push_back(std::move(table));
  else table_index = std::size_t(-1);
  blocks.push_back(footer(s));

  base_fields(state, s, summary_of("PO", po.id, vendor, money(total, po.currency)),
              description(std::move(blocks), table_index, rows, "The order has " + std::to_string(rows) + " lines; ",
                          s.flavour));
  add_custom_fields(state, s,
                    {{"vendor", text_value(vendor)},
                     {"order_date", date_value(po.order_date)},
                     {"delivery_date", delivery ? std::optional(date_value(*delivery)) : std::nullopt},
                     {"total", number_value(total)},
                     {"currency", text_value(po.currency)},
                     {"line_count", number_value(decimal::from_int(static_cast<std::int64_t>(po.lines.size())))},
                     {"site", text_value(po.site)}});

  state.facts["entity"] = entity_name(entity::purchase_order);
  state.facts["amount"] = total.to_string();
  state.facts["currency"] = po.currency;
  state.facts["delivery_date"] = delivery ? json::value(*delivery) : json::value(nullptr);
  state.facts["workflow"] = to_string(state.target);
  return state;
}

desired_state map_supplier_invoice(supplier_invoice const& inv, std::optional<std::string> const& supplier_name,
                                   mapping_settings const& s) {
  constexpr std::string_view record = "supplier invoice";
  decimal amount = amount_of(inv.amount_excl_tax, "amount excluding tax", record, inv.id);
  decimal tax = amount_of(inv.tax_amount, "tax amount", record, inv.id);
  std::string vendor = vendor_of(inv.supplier_code, supplier_name);

  desired_state state{record_arena()};
  state.label = external_label(entity::supplier_invoice, s.folder, inv.id);
  state.source = source_property(s.tenant, s.folder, entity::supplier_invoice, inv.id, state.source.storage());

  std::string first =
      "Supplier invoice " + piece(inv.id) + " from " + vendor + " (supplier " + piece(inv.supplier_code) + ")";
  if (!inv.supplier_document.empty()) first += ", supplier document " + piece(inv.supplier_document);
  if (inv.document_date) first += ", dated " + *inv.document_date;
  if (inv.accounting_date) first += ", accounting date " + *inv.accounting_date;
  if (inv.due_date_basis) first += ", due date basis " + *inv.due_date_basis;
  std::string second = "Amount " + money(amount, inv.currency) + " excluding tax, tax " + money(tax, inv.currency) + ".";
  if (!inv.status.empty()) second += " Status: " + piece(inv.status) + ".";
  first += '.';
  std::vector<text_block> blocks;
  blocks.reserve(4);
  blocks.emplace_back(std::move(first));
  blocks.emplace_back(std::move(second));
  if (inv.purchase_order) blocks.push_back("Bills purchase order " + piece(*inv.purchase_order) + ".");
  blocks.push_back(footer(s));

  base_fields(state, s, summary_of("Invoice", inv.id, vendor, money(amount, inv.currency)),
              description(std::move(blocks), std::size_t(-1), 0, "", s.flavour));
  auto optional_date = [](std::optional<std::string> const& d) {
    return d ? std::optional(date_value(*d)) : std::nullopt;
  };
  add_custom_fields(state, s,
                    {{"invoice_number", text_value(inv.supplier_document)},
                     {"invoice_date", optional_date(inv.document_date)},
                     {"due_date_basis", optional_date(inv.due_date_basis)},
                     {"amount_excl_tax", number_value(amount)},
                     {"tax_amount", number_value(tax)},
                     {"related_po", inv.purchase_order ? std::optional(text_value(*inv.purchase_order)) : std::nullopt},
                     {"vendor", text_value(vendor)},
                     {"currency", text_value(inv.currency)}});

  state.facts["entity"] = entity_name(entity::supplier_invoice);
  state.facts["amount"] = amount.to_string();
  state.facts["currency"] = inv.currency;
  state.facts["delivery_date"] = nullptr;
  state.facts["workflow"] = to_string(state.target);
  return state;
}

std::string create_body(desired_state const& state) {
  std::string out;
  std::size_t text_size = 0;
  for (auto const& t : state.texts) text_size += t.key.size() + t.json.size() + 4;
  out.reserve(text_size + 1024);  // the description is most of the body: one allocation
  out += R"({"fields":{)";
  bool first = true;
  auto key = [&](std::string_view k) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, k);
    out += ':';
  };
  for (auto const& kv : state.fields) {
    key(kv.key());
    append_serialized(out, kv.value());
  }
  for (auto const& t : state.texts) {
    key(t.key);
    out += t.json;
  }
  out += '}';
  if (!state.link_to.empty()) {
    out += R"(,"update":{"issuelinks":[{"add":{"type":{"name":"Relates"},"outwardIssue":{"key":)";
    append_json_string(out, state.link_to);
    out += "}}}]}";
  }
  if (!state.transition_id.empty()) {
    out += R"(,"transition":{"id":)";
    append_json_string(out, state.transition_id);
    out += '}';
  }
  out += R"(,"properties":[{"key":)";
  append_json_string(out, source_property_key);
  out += R"(,"value":)";
  append_serialized(out, state.source);
  out += "}]}";
  return out;
}

std::string external_label(entity e, std::string_view folder, std::string_view id) {
  constexpr std::size_t k_label_limit = 255;
  std::string folder_lower;
  bool lossy = false;
  for (char c : folder) {
    char l = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '_';
    lossy |= !ok;
    folder_lower += ok ? l : '_';
  }
  std::string label = e == entity::purchase_order ? "x3-po-" : "x3-inv-";
  label += folder_lower + "-";
  for (char c : id) {
    bool upper = c >= 'A' && c <= 'Z';
    // '-' in an id would make a readable label look like a hashed one: hashed instead.
    bool keep = upper || (c >= '0' && c <= '9') || c == '_';
    lossy |= !keep;
    label += upper ? static_cast<char>(c + 32) : keep ? c : '_';
  }
  if (!lossy && label.size() <= k_label_limit) return label;
  std::string folder_key;
  for (char c : folder) folder_key += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  std::string hash = sha256_hex(std::string(entity_name(e)) + '\0' + folder_key + '\0' + std::string(id)).substr(0, 10);
  // Readable labels have exactly two '-' after "x3-po"/"x3-inv"; hashed ones three, or
  // "--" before the hash when cut to length, so the two kinds never meet.
  if (label.size() > k_label_limit - 11) {
    label.resize(k_label_limit - 12);
    return label + "--" + hash;
  }
  return label + "-" + hash;
}

json::object source_property(std::string_view tenant, std::string_view folder, entity e, std::string_view id,
                             json::storage_ptr sp) {
  json::object value(std::move(sp));
  value["tenant"] = tenant;
  value["folder"] = folder;
  value["entity"] = entity_name(e);
  value["id"] = id;
  return value;
}

namespace {

bool never_updated(std::string_view field) {
  return field == "project" || field == "issuetype" || field == "labels";
}

std::optional<std::string> fact_text(json::object const* facts, std::string_view key) {
  auto const* v = facts ? facts->if_contains(key) : nullptr;
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

}  // namespace

issue_update diff(json::object const& previous, desired_state const& next, jira_flavour flavour) {
  issue_update update;
  auto const* pf = previous.if_contains("fields");
  json::object const* prev_fields = pf && pf->is_object() ? &pf->get_object() : nullptr;
  json::object changed;
  for (auto const& kv : next.fields) {
    if (never_updated(kv.key())) continue;
    auto const* old = prev_fields ? prev_fields->if_contains(kv.key()) : nullptr;
    if (!old || !same_value(*old, kv.value())) changed[kv.key()] = kv.value();
  }
  for (auto const& t : next.texts) {
    auto const* old = prev_fields ? prev_fields->if_contains(t.key) : nullptr;
    if (!old || !same_text(*old, t)) changed[t.key] = json::parse(t.json);
  }
  if (prev_fields) {
    for (auto const& kv : *prev_fields)
      if (!never_updated(kv.key()) && !next.has_field(kv.key())) changed[kv.key()] = nullptr;
  } else {
    // The issue's content is unknown (adopted): whatever it holds in the fields this record
    // leaves empty is cleared.
    for (auto const& id : next.empty_fields) changed[id] = nullptr;
  }
  if (!changed.empty()) {
    json::object edit;
    edit["fields"] = std::move(changed);
    update.edit = std::move(edit);
  }

  auto const* pfacts = previous.if_contains("facts");
  json::object const* prev_facts = pfacts && pfacts->is_object() ? &pfacts->get_object() : nullptr;
  if (!prev_facts) return update;  // nothing known to compare against: no "from" to report

  auto old_date = fact_text(prev_facts, "delivery_date");
  auto new_date = fact_text(&next.facts, "delivery_date");
  if (old_date != new_date)
    update.changes.push_back({"delivery date", old_date.value_or("none"), new_date.value_or("none")});

  auto old_amount_text = fact_text(prev_facts, "amount");
  auto new_amount = decimal::parse(fact_text(&next.facts, "amount").value_or(""));
  auto old_amount = old_amount_text ? decimal::parse(*old_amount_text) : std::nullopt;
  std::string old_currency = fact_text(prev_facts, "currency").value_or("");
  std::string new_currency = fact_text(&next.facts, "currency").value_or("");
  if (old_amount && new_amount && (*old_amount != *new_amount || old_currency != new_currency)) {
    std::string what = fact_text(&next.facts, "entity") == "supplier_invoice" ? "amount excl. tax" : "total";
    std::string from = old_currency == new_currency
                           ? old_amount->grouped(std::max(minor_units(old_currency), old_amount->scale()))
                           : money(*old_amount, old_currency);
    update.changes.push_back({what, from, money(*new_amount, new_currency)});
  }

  if (!update.changes.empty()) {
    std::string text = "Sage X3 change: ";
    for (std::size_t i = 0; i < update.changes.size(); ++i) {
      auto const& c = update.changes[i];
      text += (i > 0 ? "; " : "") + c.what + " " + c.from + " → " + c.to;
    }
    json::object comment;
    if (flavour == jira_flavour::cloud) comment["body"] = adf_document({text});
    else comment["body"] = wiki_escape(text);
    update.comment = std::move(comment);
  }
  return update;
}

}  // namespace mlc::engine
