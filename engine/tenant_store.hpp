#pragma once
// One tenant's view of the node's RocksDB store: watermarks, the issue map, parked records,
// the supplier cache, tenant state and audit entries, with the key layout of DESIGN §5
// (every key starts with the tenant id). Reads are direct; writes are returned as
// storage::write_op so a caller can commit several of them in one atomic batch, through
// commit(), write_unsynced() or defer() of the same view.
// Thread safety: reads as storage::store (from any thread; ops are plain values); the
// three write methods share the view's deferred ops: one thread (the tenant's io_context).
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "engine/content_hash.hpp"
#include "engine/records.hpp"
#include "engine/watermark.hpp"
#include "storage/store.hpp"

namespace mlc::engine {

std::string_view entity_name(entity e);  // "purchase_orders" | "supplier_invoices"
std::optional<entity> parse_entity(std::string_view name);
inline constexpr entity all_entities[] = {entity::purchase_order, entity::supplier_invoice};

// What the node knows about the Jira issue of one ERP record.
struct issue_entry {
  std::string key;    // "OPS-12"; empty while only a create intent exists
  std::string id;     // Jira's numeric issue id, as text
  std::string hash;   // content_hash of `state`
  boost::json::object state;               // desired_state::to_json() last written
  std::optional<sys_seconds> intent_at;    // a create was (or is being) attempted at this time
  std::string workflow = "none";           // workflow target already applied
  bool linked = false;                     // invoice linked to its order's issue
  // A link request was (or is being) sent and not recorded as done: Jira keeps a second
  // identical link, so the next attempt reads the issue's links before sending again.
  bool link_sent = false;
  std::string order;  // an invoice's order id, as the invoice named it when last written
  // Content hash of a change whose comment was (or is being) posted and not yet recorded
  // as done: the next attempt looks for the comment before posting it again.
  std::string comment_for;
  std::string record_updated;              // the record's X3 update stamp
  // Fingerprint of what the mapping was computed from (record, supplier name, field
  // mapping): equal means nothing to map or write, without mapping again.
  std::string source_hash;
  // canonical_json(state) when `state` was set with it (set_state): to_text() writes it as
  // it is. Empty otherwise (an entry read back, or `state` assigned on its own).
  std::string state_text;
  void set_state(hashed_state s) {
    move_into(state, std::move(s.state));
    state_text = std::move(s.text);
    hash = std::move(s.hash);
  }

  std::string to_text() const;  // the stored JSON text
  boost::json::object to_json() const;
  static std::optional<issue_entry> from_json(std::string_view text);
};

// A record that could not be written, kept with everything needed to try again.
struct parked_record {
  entity what = entity::purchase_order;
  std::string id;
  std::string api;       // "graphql" | "api1": how to re-read raw_json
  std::string raw_json;  // the record exactly as X3 sent it
  std::string error;     // the message a user reads
  std::string field;     // the offending field, when known
  sys_seconds parked_at{};
  int attempts = 1;

  boost::json::object to_json() const;
  static std::optional<parked_record> from_json(std::string_view text);
};

struct audit_entry {
  std::string time;    // "YYYY-MM-DDTHH:MM:SS.uuuuuuZ"
  std::string entity;
  std::string record;
  std::string action;  // created, updated, unchanged, adopted, parked, replayed, transitioned, deleted_in_jira, …
  std::string issue;
  std::string message;
};

class tenant_store {
 public:
  tenant_store(std::shared_ptr<storage::store> store, std::string tenant);

  std::string const& tenant() const { return tenant_; }
  storage::store& store() const { return *store_; }

  // Writes. Every write of the tenant goes through these, so deferred ops always reach the
  // WAL before anything written after them.
  // Durable: the deferred ops, then `batch`, in one atomic group commit.
  boost::asio::awaitable<void> commit(storage::write_batch batch);
  // Without a WAL sync (storage::store::write_unsynced): the deferred ops, then `batch`.
  void write_unsynced(storage::write_batch batch);
  // Ops that could be written unsynced and may wait a little: they go out with the
  // tenant's next write, or at flush(). Until then a killed process loses them, so only
  // for writes whose loss is recovered from (a create's result, whose durable intent is
  // resolved by an exact search after a restart), and flushed before anything reads them.
  void defer(storage::write_batch ops);
  void flush();  // writes the deferred ops unsynced

  std::optional<watermark> load_watermark(entity e) const;
  std::optional<issue_entry> issue(entity e, std::string_view record_id) const;
  // issue(e, record_id)->key without parsing the rest of the entry (empty while only a
  // create intent exists); nullopt without an entry.
  std::optional<std::string> issue_key(entity e, std::string_view record_id) const;
  std::optional<parked_record> parked(entity e, std::string_view record_id) const;
  // Whether an issue-map entry / a parked record exists, without parsing it.
  bool has_issue(entity e, std::string_view record_id) const;
  bool is_parked(entity e, std::string_view record_id) const;
  std::vector<parked_record> all_parked() const;
  std::optional<std::string> state(std::string_view name) const;
  // Cached supplier name and when it was fetched.
  std::optional<std::pair<std::string, sys_seconds>> supplier(std::string_view code) const;
  // Newest first; at most `limit`; only `record` when given; only failures (parked) if asked.
  std::vector<audit_entry> audit(std::size_t limit, std::optional<std::string> record = std::nullopt,
                                 bool failures_only = false) const;

  storage::write_op put_watermark(entity e, watermark const& wm) const;
  storage::write_op put_issue(entity e, std::string_view record_id, issue_entry const& entry) const;
  storage::write_op drop_issue(entity e, std::string_view record_id) const;
  storage::write_op park(parked_record const& record) const;
  storage::write_op unpark(entity e, std::string_view record_id) const;
  storage::write_op put_state(std::string_view name, std::string value) const;
  storage::write_op put_supplier(std::string_view code, std::string_view name, sys_seconds fetched_at) const;
  storage::write_op audit(entity e, std::string_view record_id, std::string_view action, std::string_view issue,
                          std::string_view message) const;

  // The invoices that name an order, and whether each is linked to the order's current
  // issue. Written with the invoice's issue entry (and reset to unlinked with the order's
  // entry when the order's issue is recreated), so that an invoice synced before its order
  // had an issue is linked once the order has one, without waiting for the invoice to
  // change in X3. Keys sort by order, then invoice.
  struct order_invoice {
    std::string order;
    std::string invoice;
    bool linked = false;
  };
  storage::write_op put_order_invoice(std::string_view order_id, std::string_view invoice_id, bool linked) const;
  storage::write_op drop_order_invoice(std::string_view order_id, std::string_view invoice_id) const;
  // The invoices naming `order_id`; every order's when nullopt.
  std::vector<order_invoice> order_invoices(std::optional<std::string_view> order_id) const;

 private:
  std::string record_key(entity e, std::string_view record_id) const;
  std::string order_invoice_prefix(std::optional<std::string_view> order_id) const;
  std::shared_ptr<storage::store> store_;
  std::string tenant_;
  storage::write_batch deferred_;
};

}  // namespace mlc::engine
