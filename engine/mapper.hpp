#pragma once
// Sage X3 record → the Jira issue it should be, for one tenant's settings, and the minimal
// update that takes an issue from its previous mapped state to the new one (DESIGN §3, §4).
//
// The "desired state" is what this connector owns on the issue: the create fields plus a
// few facts behind change comments and transitions. Its JSON form (to_json) is stored in
// the issue map and hashed (content_hash.hpp); diff() compares a stored one with a new one.
// Pure functions; no shared state.
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "engine/records.hpp"

namespace mlc::engine {

enum class jira_flavour {
  cloud,        // REST v3: ADF for description, comments and textarea fields
  data_center,  // REST v2: wiki markup strings
};

// From GET /field: schema.type ("string", "number", "date", "datetime", "option") and
// schema.custom (e.g. "com.atlassian.jira.plugin.system.customfieldtypes:textarea").
struct field_schema {
  std::string type;
  std::string custom;
};

struct resolved_field {
  std::string id;  // "customfield_10050"
  field_schema schema;
};

struct mapping_settings {
  std::string tenant;
  std::string folder;  // X3 folder (endpoint): part of the external key
  jira_flavour flavour = jira_flavour::cloud;
  std::string project_key;
  std::string issue_type_id;    // used when non-empty
  std::string issue_type_name;  // otherwise
  // Logical field name → resolved Jira field. Only logical fields present here are sent.
  std::map<std::string, resolved_field, std::less<>> fields;
  // "issuelinks" is on the create screen: an invoice's create carries its link to the
  // order's issue (desired_state::link_to) instead of a POST /issueLink of its own.
  bool links_on_create = false;
};

// Logical field names a tenant can map.
// Orders: vendor, order_date, delivery_date (earliest expected receipt of lines not yet
// received; absent when none), total (excl. tax), currency, line_count, site.
// Invoices: invoice_number (supplier's document), invoice_date, due_date_basis,
// amount_excl_tax, tax_amount, related_po, vendor, currency.
std::span<std::string_view const> logical_fields(entity e);

enum class workflow_target { none, transition_closed, transition_received };
std::string_view to_string(workflow_target t);  // "none" | "closed" | "received"

// Closed → transition_closed; else fully received (receipt status "received", or every
// line received) → transition_received; else none.
workflow_target desired_transition(purchase_order const& po);

// A record that cannot become an issue for this tenant.
class mapping_error : public std::runtime_error {
 public:
  enum class kind {
    bad_record,           // the data itself does not map (e.g. an amount that is not a number)
    field_misconfigured,  // the field map or a field's type does not fit (tenant-level)
  };
  mapping_error(kind k, std::string message) : std::runtime_error(std::move(message)), kind_(k) {}
  kind error_kind() const noexcept { return kind_; }

 private:
  kind kind_;
};

struct desired_state {
  // The mapper gives each record's state an arena of its own (a shared monotonic resource):
  // the JSON below and what is made from it (the stored form) are bump-allocated and freed
  // at once when the last of them goes, instead of some 70 mallocs and frees per record.
  // A default-constructed state uses the default resource.
  desired_state() = default;
  explicit desired_state(boost::json::storage_ptr const& sp) : fields(sp), facts(sp), source(sp) {}

  boost::json::object fields;  // POST /issue "fields": project, issuetype, summary, description, labels, custom
  // {"entity","amount","currency","delivery_date"(string|null),"workflow"}: what change
  // comments and transitions are decided from, independent of which fields are mapped.
  boost::json::object facts;
  std::string label;            // external key label (also in fields.labels)
  boost::json::object source;   // value of the ml-connector.source issue property
  workflow_target target = workflow_target::none;
  // Mapped fields this record leaves empty (not in `fields`): an issue whose content is
  // unknown, such as one adopted after a crash, gets them cleared (diff).
  std::vector<std::string> empty_fields;
  // Fields kept as their JSON text instead of in `fields` (never in both): the Cloud
  // description, an ADF document with a table cell per line, is written as text, measured
  // against Jira's limit, and copied into the create body as it is.
  struct field_text {
    std::string key;
    std::string json;  // the value's JSON text
    // What the stored state keeps for it: a SHA-256 that changes whenever `json` does. For
    // the description, the digest of the blocks it was rendered from (a fraction of its
    // bytes), not of `json` itself.
    std::string digest;
  };
  std::vector<field_text> texts;
  // What the create carries besides the fields. Set by the caller (who knows the order's
  // issue and the workflow), never part of to_json():
  //  - link_to: an invoice's order issue key; the create adds a "Relates" link to it
  //    (update.issuelinks, the invoice inward, the order outward, as POST /issueLink does);
  //  - transition_id: a transition Jira carries out as it creates the issue ("transition"),
  //    so a closed order needs no transition request of its own; transition_name names it
  //    for the audit.
  std::string link_to;
  std::string transition_id;
  std::string transition_name;

  // `fields` with the `texts` parsed in: every field as Jira receives it.
  boost::json::object all_fields() const;
  bool has_field(std::string_view key) const;

  // {"fields":…,"facts":…}: what the issue map stores and content_hash() hashes. Long
  // field values (the description) are stored as {"$digest": sha256 of the value's JSON}.
  boost::json::object to_json() const;
  // to_json() for a state whose fields are no longer needed (its create body is written):
  // they are moved into the result instead of copied, and `fields` and `texts` left empty.
  boost::json::object take_json();
};

inline constexpr std::string_view source_property_key = "ml-connector.source";

// `supplier_name`: X3's name for the supplier code, when the lookup succeeded (the code
// is used in its place otherwise). Throws mapping_error.
desired_state map_purchase_order(purchase_order const& po, std::optional<std::string> const& supplier_name,
                                 mapping_settings const& settings);
desired_state map_supplier_invoice(supplier_invoice const& inv, std::optional<std::string> const& supplier_name,
                                   mapping_settings const& settings);

// POST /issue body, as JSON text: {"fields":…,"properties":[{"key":"ml-connector.source","value":…}]},
// plus "update":{"issuelinks":[{"add":…}]} when `state.link_to` is set, and
// "transition":{"id":…} when `state.transition_id` is.
std::string create_body(desired_state const& state);

// x3-po-<folder>-<id> / x3-inv-<folder>-<id>, lower-case. Characters outside [a-z0-9_]
// (and '-' inside the folder, or any lower-case letter in the id: X3 keys are upper-case,
// so "ab" and "AB" must not meet) become '_', and then — or when the label would exceed
// 255 characters — a '-' and 10 hex digits of SHA-256 over (entity, folder, id) are
// appended, so distinct (folder, id) pairs never share a label. The folder is
// case-insensitive in X3 and lower-cased first.
std::string external_label(entity e, std::string_view folder, std::string_view id);

// {"tenant":…,"folder":…,"entity":"purchase_order"|"supplier_invoice","id":…}
boost::json::object source_property(std::string_view tenant, std::string_view folder, entity e,
                                    std::string_view id, boost::json::storage_ptr sp = {});

struct notable_change {
  std::string what;  // "delivery date" | "total" | "amount excl. tax"
  std::string from;  // "2026-03-01", "12,480.00 EUR", "none"
  std::string to;
};

struct issue_update {
  // {"fields":{…}} for PUT /issue/{key}: changed fields only (removed ones as null).
  // project, issuetype and labels are never sent (labels would overwrite users' labels).
  // nullopt when nothing changed.
  std::optional<boost::json::object> edit;
  std::vector<notable_change> changes;
  // {"body": ADF doc | wiki string} for POST /issue/{key}/comment; nullopt without changes.
  // "Sage X3 change: delivery date 2026-03-01 → 2026-03-15; total 12,480.00 → 13,000.00 EUR"
  std::optional<boost::json::object> comment;
};

// `previous` is a stored desired_state::to_json(); a missing or malformed part of it
// counts as "everything changed" for that part.
issue_update diff(boost::json::object const& previous, desired_state const& next, jira_flavour flavour);

}  // namespace mlc::engine
