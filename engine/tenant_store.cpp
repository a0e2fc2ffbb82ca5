#include "engine/tenant_store.hpp"

#include <cassert>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "engine/content_hash.hpp"
#include "storage/keys.hpp"

namespace mlc::engine {

namespace json = boost::json;
using storage::column;

namespace {

std::string str(json::object const& o, std::string_view key) {
  if (auto const* v = o.if_contains(key); v && v->is_string()) return std::string{v->as_string()};
  return {};
}

std::optional<json::object> parse_object(std::string_view text) {
  json::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

std::string time_with_micros(std::chrono::system_clock::time_point at) {
  auto secs = std::chrono::floor<std::chrono::seconds>(at);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(at - secs).count();
  auto text = format_timestamp(secs);  // "...:SSZ"
  text.pop_back();
  char frac[8] = {'.'};
  for (int i = 6; i >= 1; --i, micros /= 10) frac[i] = static_cast<char>('0' + micros % 10);
  frac[7] = 'Z';
  text.append(frac, sizeof frac);
  return text;
}

}  // namespace

std::string_view entity_name(entity e) {
  return e == entity::purchase_order ? "purchase_orders" : "supplier_invoices";
}

std::optional<entity> parse_entity(std::string_view name) {
  if (name == "purchase_orders") return entity::purchase_order;
  if (name == "supplier_invoices") return entity::supplier_invoice;
  return std::nullopt;
}

json::object issue_entry::to_json() const { return json::parse(to_text()).as_object(); }

std::string issue_entry::to_text() const {
  // Written as text: an entry is written for every record synced, and building it as an
  // object first would deep-copy the state into it.
  std::string out;
  out.reserve(256 + key.size() + hash.size() + source_hash.size() + comment_for.size());
  json_object_writer w{out};
  w.text("key", key);
  w.text("id", id);
  w.text("hash", hash);
  if (intent_at) w.text("intent_at", format_timestamp(*intent_at));
  w.text("workflow", workflow);
  w.flag("linked", linked);
  if (link_sent) w.flag("link_sent", true);
  if (!order.empty()) w.text("order", order);
  if (!comment_for.empty()) w.text("comment_for", comment_for);
  w.text("record_updated", record_updated);
  if (!source_hash.empty()) w.text("source_hash", source_hash);
  w.key("state");
  // The canonical text, when known, is the same object (its keys sorted).
  assert(state_text.empty() || state_text == canonical_json(state));
  if (state_text.empty()) out += json::serialize(state);
  else out += state_text;
  w.finish();
  return out;
}

std::optional<issue_entry> issue_entry::from_json(std::string_view text) {
  auto o = parse_object(text);
  if (!o) return std::nullopt;
  issue_entry e;
  e.key = str(*o, "key");
  e.id = str(*o, "id");
  e.hash = str(*o, "hash");
  if (auto* s = o->if_contains("state"); s && s->is_object()) e.state = std::move(s->as_object());
  if (auto t = str(*o, "intent_at"); !t.empty()) e.intent_at = parse_timestamp(t);
  e.workflow = str(*o, "workflow");
  if (e.workflow.empty()) e.workflow = "none";
  if (auto const* l = o->if_contains("linked"); l && l->is_bool()) e.linked = l->as_bool();
  if (auto const* l = o->if_contains("link_sent"); l && l->is_bool()) e.link_sent = l->as_bool();
  e.order = str(*o, "order");
  e.record_updated = str(*o, "record_updated");
  e.comment_for = str(*o, "comment_for");
  e.source_hash = str(*o, "source_hash");
  return e;
}

json::object parked_record::to_json() const {
  json::object o;
  o["entity"] = entity_name(what);
  o["id"] = id;
  o["api"] = api;
  o["raw"] = raw_json;
  o["error"] = error;
  o["field"] = field;
  o["parked_at"] = format_timestamp(parked_at);
  o["attempts"] = attempts;
  return o;
}

std::optional<parked_record> parked_record::from_json(std::string_view text) {
  auto o = parse_object(text);
  if (!o) return std::nullopt;
  parked_record p;
  auto e = parse_entity(str(*o, "entity"));
  if (!e) return std::nullopt;
  p.what = *e;
  p.id = str(*o, "id");
  p.api = str(*o, "api");
  p.raw_json = str(*o, "raw");
  p.error = str(*o, "error");
  p.field = str(*o, "field");
  if (auto t = parse_timestamp(str(*o, "parked_at"))) p.parked_at = *t;
  if (auto const* a = o->if_contains("attempts"); a && a->is_int64()) p.attempts = static_cast<int>(a->as_int64());
  return p;
}

tenant_store::tenant_store(std::shared_ptr<storage::store> store, std::string tenant)
    : store_(std::move(store)), tenant_(std::move(tenant)) {}

std::string tenant_store::record_key(entity e, std::string_view record_id) const {
  return storage::make_key(tenant_, entity_name(e), record_id);
}

boost::asio::awaitable<void> tenant_store::commit(storage::write_batch batch) {
  if (!deferred_.empty()) {
    auto all = std::exchange(deferred_, {});
    all.insert(all.end(), std::make_move_iterator(batch.begin()), std::make_move_iterator(batch.end()));
    batch = std::move(all);
  }
  co_await store_->commit(std::move(batch));
}

void tenant_store::write_unsynced(storage::write_batch batch) {
  defer(std::move(batch));
  flush();
}

void tenant_store::defer(storage::write_batch ops) {
  if (deferred_.empty()) {
    deferred_ = std::move(ops);
    return;
  }
  deferred_.insert(deferred_.end(), std::make_move_iterator(ops.begin()), std::make_move_iterator(ops.end()));
}

void tenant_store::flush() {
  if (deferred_.empty()) return;
  auto ops = std::exchange(deferred_, {});
  storage::drop_superseded(ops);
  store_->write_unsynced(ops);
}

std::optional<watermark> tenant_store::load_watermark(entity e) const {
  auto v = store_->get(column::watermarks, storage::make_key(tenant_, entity_name(e)));
  if (!v) return std::nullopt;
  return parse_watermark(*v);
}

std::optional<issue_entry> tenant_store::issue(entity e, std::string_view record_id) const {
  auto v = store_->get(column::issue_map, record_key(e, record_id));
  if (!v) return std::nullopt;
  return issue_entry::from_json(*v);
}

std::optional<std::string> tenant_store::issue_key(entity e, std::string_view record_id) const {
  auto v = store_->get(column::issue_map, record_key(e, record_id));
  if (!v) return std::nullopt;
  // to_text() writes the key first; a key needing no escapes is read as it is.
  constexpr std::string_view head = R"({"key":")";
  if (v->starts_with(head)) {
    auto end = v->find('"', head.size());
    if (end != std::string::npos) {
      auto key = std::string_view{*v}.substr(head.size(), end - head.size());
      if (key.find('\\') == std::string_view::npos) return std::string{key};
    }
  }
  auto entry = issue_entry::from_json(*v);
  if (!entry) return std::nullopt;
  return std::move(entry->key);
}

bool tenant_store::has_issue(entity e, std::string_view record_id) const {
  return store_->contains(column::issue_map, record_key(e, record_id));
}

bool tenant_store::is_parked(entity e, std::string_view record_id) const {
  return store_->contains(column::replay, record_key(e, record_id));
}

std::optional<parked_record> tenant_store::parked(entity e, std::string_view record_id) const {
  auto v = store_->get(column::replay, record_key(e, record_id));
  if (!v) return std::nullopt;
  return parked_record::from_json(*v);
}

std::vector<parked_record> tenant_store::all_parked() const {
  std::vector<parked_record> out;
  store_->scan(column::replay, storage::tenant_prefix(tenant_), [&](std::string_view, std::string_view value) {
    if (auto p = parked_record::from_json(value)) out.push_back(std::move(*p));
    return true;
  });
  return out;
}

std::optional<std::string> tenant_store::state(std::string_view name) const {
  return store_->get(column::tenant_state, storage::make_key(tenant_, name));
}

std::optional<std::pair<std::string, sys_seconds>> tenant_store::supplier(std::string_view code) const {
  auto v = store_->get(column::suppliers, storage::make_key(tenant_, code));
  if (!v) return std::nullopt;
  auto o = parse_object(*v);
  if (!o) return std::nullopt;
  auto at = parse_timestamp(str(*o, "fetched_at"));
  if (!at) return std::nullopt;
  return std::pair{str(*o, "name"), *at};
}

std::vector<audit_entry> tenant_store::audit(std::size_t limit, std::optional<std::string> record,
                                             bool failures_only) const {
  std::vector<audit_entry> all;
  store_->scan(column::audit, storage::tenant_prefix(tenant_), [&](std::string_view, std::string_view value) {
    auto o = parse_object(value);
    if (!o) return true;
    audit_entry a{str(*o, "time"), str(*o, "entity"), str(*o, "record"), str(*o, "action"), str(*o, "issue"),
                  str(*o, "message")};
    if (record && a.record != *record) return true;
    if (failures_only && a.action != "parked") return true;
    all.push_back(std::move(a));
    return true;
  });
  // Keys sort oldest first; callers want the newest.
  std::reverse(all.begin(), all.end());
  if (all.size() > limit) all.resize(limit);
  return all;
}

storage::write_op tenant_store::put_watermark(entity e, watermark const& wm) const {
  return {column::watermarks, storage::make_key(tenant_, entity_name(e)), to_string(wm)};
}

storage::write_op tenant_store::put_issue(entity e, std::string_view record_id, issue_entry const& entry) const {
  return {column::issue_map, record_key(e, record_id), entry.to_text()};
}

storage::write_op tenant_store::drop_issue(entity e, std::string_view record_id) const {
  return {column::issue_map, record_key(e, record_id), std::nullopt};
}

storage::write_op tenant_store::park(parked_record const& record) const {
  return {column::replay, record_key(record.what, record.id), json::serialize(record.to_json())};
}

storage::write_op tenant_store::unpark(entity e, std::string_view record_id) const {
  return {column::replay, record_key(e, record_id), std::nullopt};
}

storage::write_op tenant_store::put_state(std::string_view name, std::string value) const {
  return {column::tenant_state, storage::make_key(tenant_, name), std::move(value)};
}

storage::write_op tenant_store::put_supplier(std::string_view code, std::string_view name,
                                             sys_seconds fetched_at) const {
  json::object o;
  o["name"] = name;
  o["fetched_at"] = format_timestamp(fetched_at);
  return {column::suppliers, storage::make_key(tenant_, code), json::serialize(o)};
}

storage::write_op tenant_store::audit(entity e, std::string_view record_id, std::string_view action,
                                      std::string_view issue, std::string_view message) const {
  auto now = std::chrono::system_clock::now();
  std::string out;
  out.reserve(128 + record_id.size() + issue.size() + message.size());
  json_object_writer w{out};
  w.text("time", time_with_micros(now));
  w.text("entity", entity_name(e));
  w.text("record", record_id);
  w.text("action", action);
  if (!issue.empty()) w.text("issue", issue);
  if (!message.empty()) w.text("message", message);
  w.finish();
  return {column::audit, store_->next_audit_key(tenant_, now), std::move(out)};
}

// In the issue map, apart from the records' entries: tenant\0 "order_invoices" \0 order \0 invoice.
std::string tenant_store::order_invoice_prefix(std::optional<std::string_view> order_id) const {
  std::string rest{"order_invoices"};
  rest.push_back('\0');
  if (order_id) {
    rest.append(*order_id);
    rest.push_back('\0');
  }
  return storage::make_key(tenant_, rest);
}

storage::write_op tenant_store::put_order_invoice(std::string_view order_id, std::string_view invoice_id,
                                                  bool linked) const {
  return {column::issue_map, order_invoice_prefix(order_id).append(invoice_id), linked ? "linked" : ""};
}

storage::write_op tenant_store::drop_order_invoice(std::string_view order_id, std::string_view invoice_id) const {
  return {column::issue_map, order_invoice_prefix(order_id).append(invoice_id), std::nullopt};
}

std::vector<tenant_store::order_invoice> tenant_store::order_invoices(std::optional<std::string_view> order_id) const {
  std::vector<order_invoice> out;
  auto const prefix = order_invoice_prefix(order_id);
  auto const all = order_invoice_prefix(std::nullopt).size();
  store_->scan(column::issue_map, prefix, [&](std::string_view key, std::string_view value) {
    auto rest = key.substr(all);  // order \0 invoice
    auto split = rest.find('\0');
    if (split != std::string_view::npos)
      out.push_back({std::string{rest.substr(0, split)}, std::string{rest.substr(split + 1)}, value == "linked"});
    return true;
  });
  return out;
}

}  // namespace mlc::engine
