#include "engine/tenant.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include "engine/content_hash.hpp"
#include "engine/log.hpp"
#include "engine/schedule.hpp"
#include "engine/tenant_connect.hpp"

namespace mlc::engine {

namespace json = boost::json;

namespace {

std::string_view record_noun(entity e) { return e == entity::purchase_order ? "purchase order" : "supplier invoice"; }

metrics::sync_action to_metric_action(std::string const& action) {
  if (action == "created" || action == "recreated" || action == "adopted") return metrics::sync_action::created;
  if (action == "unchanged") return metrics::sync_action::unchanged;
  if (action == "parked") return metrics::sync_action::parked;
  if (action == "replayed") return metrics::sync_action::replayed;
  return metrics::sync_action::updated;
}

metrics::component to_component(std::string_view system) {
  if (system == "x3") return metrics::component::x3;
  if (system == "storage") return metrics::component::storage;
  return metrics::component::jira;
}

metrics::error_kind to_metric_kind(failure_kind k) {
  switch (k) {
    case failure_kind::transient: return metrics::error_kind::transient;
    case failure_kind::bad_record: return metrics::error_kind::bad_record;
    case failure_kind::tenant_fault: return metrics::error_kind::tenant_fault;
  }
  return metrics::error_kind::transient;
}

sys_seconds to_seconds(std::chrono::system_clock::time_point t) { return std::chrono::floor<std::chrono::seconds>(t); }

// Record-type specifics the generic sync code needs.
template <class Record>
struct record_traits;

template <>
struct record_traits<purchase_order> {
  static std::string const& supplier_code(purchase_order const& r) { return r.supplier_code; }
  static desired_state map(purchase_order const& r, std::optional<std::string> const& name, mapping_settings const& m) {
    return map_purchase_order(r, name, m);
  }
  static record_result<purchase_order> reparse(std::string_view api, std::string_view raw) {
    return reparse_purchase_order(api, raw);
  }
  static awaitable<x3_page<purchase_order>> page(x3_reader& reader, sys_seconds since, std::optional<std::string> next) {
    return reader.purchase_orders(since, std::move(next));
  }
};

template <>
struct record_traits<supplier_invoice> {
  static std::string const& supplier_code(supplier_invoice const& r) { return r.supplier_code; }
  static desired_state map(supplier_invoice const& r, std::optional<std::string> const& name,
                           mapping_settings const& m) {
    return map_supplier_invoice(r, name, m);
  }
  static record_result<supplier_invoice> reparse(std::string_view api, std::string_view raw) {
    return reparse_supplier_invoice(api, raw);
  }
  static awaitable<x3_page<supplier_invoice>> page(x3_reader& reader, sys_seconds since,
                                                   std::optional<std::string> next) {
    return reader.supplier_invoices(since, std::move(next));
  }
};

}  // namespace

std::string_view to_string(tenant_state s) {
  switch (s) {
    case tenant_state::active: return "active";
    case tenant_state::degraded: return "degraded";
    case tenant_state::paused: return "paused";
  }
  return "active";
}

tenant::tenant(asio::any_io_executor ex, node_services services, config::tenant_config config)
    : executor_(ex),
      services_(std::move(services)),
      config_(std::move(config)),
      store_(services_.store, config_.id),
      wake_(ex),
      jitter_rng_(std::hash<std::string>{}(config_.id) ^
                  static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())) {
  metrics_ = &services_.metrics->add_tenant(config_.id, config_.entities);
  auto links = connect_tenant(ex, services_, config_, store_, *metrics_);
  x3_remote_ = std::move(links.x3);
  jira_remote_ = std::move(links.jira);
  reader_ = std::make_unique<x3_reader>(x3_remote_, reader_settings(config_));
  jira_ = std::make_unique<jira_client>(jira_remote_, config_.jira.flavour == "datacenter" ? jira_flavour::data_center
                                                                                         : jira_flavour::cloud);
  writer_settings ws;
  ws.project_key = config_.jira.project_key;
  ws.transition_closed = config_.jira.transition_closed;
  ws.transition_received = config_.jira.transition_received;
  ws.comment_on_change = config_.jira.comment_on_change;
  ws.recreate_deleted = config_.jira.recreate_deleted;
  ws.search_window = services_.search_window;
  ws.on_created = services_.on_created;
  writer_ = std::make_unique<jira_writer>(*jira_, store_, ws);
  suppliers_ = std::make_unique<supplier_cache>(*reader_, store_);
  paused_ = config_.paused;
  state_ = paused_ ? tenant_state::paused : tenant_state::active;
  services_.metrics->set_tenant_state(config_.id, paused_ ? metrics::tenant_state::paused : metrics::tenant_state::active);
  for (auto e : all_entities)
    if (auto wm = store_.load_watermark(e)) synced_through_[e] = wm->updated;
  auto const& names = config_.entities;
  links_invoices_ = std::find(names.begin(), names.end(), "purchase_orders") != names.end() &&
                    std::find(names.begin(), names.end(), "supplier_invoices") != names.end();
}

tenant::~tenant() = default;

void tenant::stop() {
  stopping_ = true;
  wake_.cancel();
}

void tenant::sync_now() {
  wake_requested_ = true;
  wake_.cancel();
}

void tenant::set_paused(bool paused) {
  paused_ = paused;
  state_ = paused ? tenant_state::paused : tenant_state::active;
  services_.metrics->set_tenant_state(config_.id, paused ? metrics::tenant_state::paused : metrics::tenant_state::active);
  if (!paused) sync_now();
}

tenant_status tenant::status() const {
  tenant_status s;
  s.id = config_.id;
  s.state = state_;
  s.last_error = last_error_;
  s.last_success = last_success_;
  auto now = to_seconds(services_.clock());
  for (auto const& [e, through] : synced_through_)
    s.lag_seconds[std::string{entity_name(e)}] = static_cast<double>((now - through).count());
  s.parked = store_.all_parked().size();
  return s;
}

mapping_settings const& tenant::mapping(entity e) const { return mappings_.at(e); }

std::string tenant::link_target(supplier_invoice const& invoice) const {
  if (!invoice.purchase_order || !mapping(entity::supplier_invoice).links_on_create) return {};
  return store_.issue_key(entity::purchase_order, *invoice.purchase_order).value_or("");
}

awaitable<void> tenant::ensure_mapping() {
  if (!mappings_.empty()) co_return;
  if (auto stored = store_.state("jira_mapping")) {
    if (auto parsed = mappings_from_json(*stored, config_)) {
      mappings_ = std::move(*parsed);
      mapping_fingerprint_ = sha256_hex(mappings_to_json(mappings_));
      co_return;
    }
  }
  co_await setup(false);
}

awaitable<void> tenant::setup(bool check_screens) {
  auto resolved = co_await resolve_mapping(*jira_, config_, check_screens);
  storage::write_batch batch{store_.put_state("jira_mapping", mappings_to_json(resolved))};
  co_await store_.commit(std::move(batch));
  mappings_ = std::move(resolved);
  mapping_fingerprint_ = sha256_hex(mappings_to_json(mappings_));
  log::info({config_.id, {}, {}}, "tenant.setup", "resolved Jira fields, project and issue types");
}

awaitable<void> tenant::probe_x3() {
  auto since = to_seconds(services_.clock()) - std::chrono::hours{24 * 365 * 50};
  for (auto const& name : config_.entities) {
    if (name == "purchase_orders") co_await reader_->purchase_orders(since, std::nullopt);
    else co_await reader_->supplier_invoices(since, std::nullopt);
  }
}

void tenant::note_fault(sync_error const& e) {
  last_error_ = e.what();
  metrics_->errors(to_metric_kind(e.kind()), to_component(e.system())).Increment();
  if (e.kind() == failure_kind::tenant_fault) {
    if (state_ != tenant_state::degraded)
      log::error({config_.id, {}, {}}, "tenant.degraded",
                 "tenant " + config_.id + " is degraded: " + e.what() + " — retrying every cycle");
    state_ = tenant_state::degraded;
    services_.metrics->set_tenant_state(config_.id, metrics::tenant_state::degraded);
    mappings_.clear();  // a project or field fixed in Jira is picked up on the next cycle
  } else {
    log::warn({config_.id, {}, {}}, "tenant.transient", std::string{"cycle stopped early, will retry: "} + e.what());
  }
}

template <class Record>
awaitable<void> tenant::park(entity e, std::string const& id, std::string api, std::string raw, sync_error const& why,
                             storage::write_batch extra) {
  auto now = to_seconds(services_.clock());
  parked_record p;
  p.what = e;
  p.id = id;
  p.api = std::move(api);
  p.raw_json = std::move(raw);
  p.error = why.what();
  p.field = why.field();
  p.parked_at = now;
  if (auto existing = store_.parked(e, id)) {
    p.parked_at = existing->parked_at;
    p.attempts = existing->attempts + 1;
  }
  extra.push_back(store_.park(p));
  extra.push_back(store_.audit(e, id, "parked", {}, why.what()));
  co_await store_.commit(std::move(extra));
  metrics_->errors(metrics::error_kind::bad_record, to_component(why.system())).Increment();
  if (auto const* em = metrics_->entity(entity_name(e))) em->records(metrics::sync_action::parked).Increment();
  log::warn({config_.id, entity_name(e), id}, "record.parked",
            "tenant " + config_.id + ": " + std::string{record_noun(e)} + " " + id + ": " + why.what() +
                " — parked; fix it, then run `ml-connector replay --tenant " + config_.id + " --record " + id + "`");
}

template <class Record>
std::string tenant::source_hash(Record const& record, std::optional<std::string> const& supplier_name) const {
  return source_fingerprint(record, supplier_name, mapping_fingerprint_);
}

template <class Record>
awaitable<void> tenant::prefetch_suppliers(x3_page<Record> const& page) {
  std::vector<std::string> codes;
  for (auto const& result : page.records)
    if (auto const* r = std::get_if<Record>(&result)) codes.push_back(record_traits<Record>::supplier_code(*r));
  auto const now = to_seconds(services_.clock());
  std::exception_ptr failure;
  try {
    co_await suppliers_->prefetch(std::move(codes), now);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) throw classify(failure, "x3");
}

template <class Record>
awaitable<std::size_t> tenant::create_ahead(entity e, x3_page<Record> const& page, std::size_t from,
                                           std::set<std::string>& unsent, std::map<std::string, created_ahead>& ahead) {
  using traits = record_traits<Record>;
  auto const now = to_seconds(services_.clock());
  std::vector<std::string> ids;
  std::vector<std::string> bodies;
  auto past = from;
  for (auto i = from; i < page.records.size() && ids.size() < k_bulk_chunk; ++i) {
    auto const* r = std::get_if<Record>(&page.records[i]);
    if (!r || !unsent.contains(r->id) || ahead.contains(r->id)) continue;
    created_ahead a;
    std::exception_ptr failure;
    try {
      a.supplier_name = co_await suppliers_->name(traits::supplier_code(*r), now);
      a.desired = traits::map(*r, a.supplier_name, mapping(e));
      if constexpr (std::is_same_v<Record, supplier_invoice>) a.desired->link_to = link_target(*r);
      writer_->plan_create(e, *a.desired);
    } catch (...) {
      failure = std::current_exception();
    }
    if (failure) continue;  // process() meets the same failure on its own and sorts it
    a.source = source_hash(*r, a.supplier_name);
    bodies.push_back(create_body(*a.desired));
    // The mapped fields are large and process() needs only the label and the workflow
    // target of a record whose create went ahead: they move into the stored state.
    move_into(a.sent.state, hash_state(a.desired->take_json()));
    ids.push_back(r->id);
    ahead.emplace(r->id, std::move(a));
    past = i + 1;
  }
  if (ids.size() < 2) {
    // Nothing gained over the record's own create (process() sends it).
    for (auto const& id : ids) ahead.erase(id);
    co_return from;
  }
  std::vector<jira_client::bulk_element> answers;
  std::exception_ptr failure;
  try {
    answers = co_await jira_->create_issues(std::move(bodies));
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    auto why = classify(failure, "jira");
    if (why.kind() != failure_kind::transient) {
      // Refused as a whole (nothing was created): each record goes on its own, and so do
      // later ones until the node restarts (this Jira, or a proxy before it, may not
      // offer bulk creates at all).
      for (auto const& id : ids) ahead.erase(id);
      bulk_create_ = false;
      log::warn({config_.id, entity_name(e), {}}, "jira.bulk_refused",
                std::string{"Jira refused a bulk create as a whole ("} + why.what() +
                    "); creating issues one at a time until the node restarts");
      co_return from;
    }
    // Jira may have created any of them: each record carries the failure, so the page is
    // written up to the first of them and the cycle stops there; their intents stay and
    // make the next cycle look for their issues by label.
    for (auto const& id : ids) {
      ahead.at(id).sent.answer.failure = why;
      unsent.erase(id);
    }
    co_return past;
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ahead.at(ids[i]).sent.answer = std::move(answers[i]);
    unsent.erase(ids[i]);
  }
  co_return past;
}

template <class Record>
awaitable<std::string> tenant::process(entity e, Record const& record, std::string_view api, sys_seconds now,
                                       storage::write_batch& carry, bool fresh_intent, bool* sent,
                                       created_ahead* ahead) {
  using traits = record_traits<Record>;
  std::optional<std::string> supplier_name;
  std::optional<issue_entry> previous;
  std::optional<parked_record> parked;
  std::string source;
  std::exception_ptr failure;
  // Refused by the bulk create only for its link (the order's issue is gone): nothing was
  // created; it goes on its own below, where the create falls back to an unlinked one.
  if (ahead && ahead->sent.answer.failure && ahead->sent.answer.failure->refused_for("issuelinks")) ahead = nullptr;
  if (ahead) {
    // Looked up and mapped before its create went ahead: its entry is the page's intent
    // and it is not parked (create_ahead takes neither parked nor known records).
    supplier_name = std::move(ahead->supplier_name);
    previous = issue_entry{};
    source = std::move(ahead->source);
  } else {
    try {
      supplier_name = co_await suppliers_->name(traits::supplier_code(record), now);
    } catch (...) {
      failure = std::current_exception();
    }
    if (failure) throw classify(failure, "x3");
    previous = store_.issue(e, record.id);
    parked = store_.parked(e, record.id);
    source = source_hash(record, supplier_name);
  }
  bool link_pending = false;
  std::string named_before;  // the order an invoice named when last written, if another one now
  if constexpr (std::is_same_v<Record, supplier_invoice>) {
    if (previous && !previous->order.empty() && previous->order != record.purchase_order.value_or("")) {
      // Pointed at another order in X3: linked again, to that one (the old link stays).
      named_before = previous->order;
      previous->linked = false;
    }
    link_pending = record.purchase_order && previous && !previous->linked;
  }
  // Re-read and identical to what was last written: no mapping, no Jira request.
  if (previous && !previous->key.empty() && previous->source_hash == source && !parked && !link_pending)
    co_return std::string{"unchanged"};
  write_outcome outcome;
  try {
    auto desired = ahead ? std::move(*ahead->desired) : traits::map(record, supplier_name, mapping(e));
    if constexpr (std::is_same_v<Record, supplier_invoice>)
      if (!ahead && (!previous || !previous->linked)) desired.link_to = link_target(record);
    if (sent) *sent = true;  // from here on Jira may have seen it
    auto* sent_early = ahead ? &ahead->sent : nullptr;
    auto written = co_await writer_->write(e, record.id, std::move(desired), std::move(previous), now, fresh_intent,
                                           sent_early);
    move_into(outcome, std::move(written));  // the entry's state stays in the record's arena
  } catch (record_deferred const&) {
    throw;
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) throw classify(failure, "jira");

  bool link_changed = false;
  if constexpr (std::is_same_v<Record, supplier_invoice>) {
    if (record.purchase_order && !outcome.entry.linked && !outcome.entry.key.empty()) {
      auto link = co_await writer_->link_invoice(record.id, outcome.entry, *record.purchase_order, outcome.adopted_links);
      outcome.entry.linked = link.linked;
      outcome.entry.link_sent = false;
      link_changed = link.linked;
      auto note = link.linked ? std::string{"linked to the order"} : std::move(link.note);
      if (!note.empty()) outcome.message += (outcome.message.empty() ? "" : "; ") + note;
    }
  }
  if (outcome.action == "unchanged" && !link_changed && !parked && outcome.entry.source_hash == source)
    co_return outcome.action;
  outcome.entry.record_updated = record.updated;
  outcome.entry.source_hash = source;
  auto extra = std::exchange(carry, {});
  if constexpr (std::is_same_v<Record, supplier_invoice>) {
    outcome.entry.order = record.purchase_order.value_or("");
    if (!named_before.empty()) extra.push_back(store_.drop_order_invoice(named_before, record.id));
    if (record.purchase_order && !outcome.entry.key.empty())
      extra.push_back(store_.put_order_invoice(*record.purchase_order, record.id, outcome.entry.linked));
  } else if (outcome.action == "recreated" && links_invoices_) {
    // The invoices linked to the order's deleted issue are linked again, to this one.
    for (auto const& named : store_.order_invoices(record.id)) {
      if (!named.linked) continue;
      if (auto invoice = store_.issue(entity::supplier_invoice, named.invoice)) {
        invoice->linked = false;
        extra.push_back(store_.put_issue(entity::supplier_invoice, named.invoice, *invoice));
      }
      extra.push_back(store_.put_order_invoice(record.id, named.invoice, false));
    }
  }
  extra.push_back(store_.put_issue(e, record.id, outcome.entry));
  extra.push_back(store_.audit(e, record.id, outcome.action, outcome.entry.key, outcome.message));
  if (parked) extra.push_back(store_.unpark(e, record.id));
  if (outcome.action == "created" || outcome.action == "recreated" || outcome.action == "adopted") {
    // The create's intent is durable: if the machine loses this write, the restart finds
    // the issue by its label (adopts it). Waiting for a second WAL sync per created record
    // would halve the rate for nothing. The records of a bulk create are written together
    // once the last of them is through (sync_entity).
    if (ahead) store_.defer(std::move(extra));
    else store_.write_unsynced(std::move(extra));
  } else {
    co_await store_.commit(std::move(extra));
  }
  if (outcome.action != "unchanged" && outcome.action != "deleted_in_jira")
    log::info({config_.id, entity_name(e), record.id}, "record." + outcome.action, outcome.message);
  if constexpr (std::is_same_v<Record, purchase_order>)
    if (links_invoices_ && !outcome.entry.key.empty() &&
        (outcome.action == "created" || outcome.action == "recreated" || outcome.action == "adopted"))
      orders_with_new_issue_.insert(record.id);
  co_return outcome.action;
}

template <class Record>
awaitable<void> tenant::sync_entity(entity e, sys_seconds poll_start, cycle_report& report) {
  using traits = record_traits<Record>;
  auto const api = std::string{config_.x3.api};
  auto wm = store_.load_watermark(e).value_or(watermark{});
  auto since = std::max(query_from(wm, config_.lookback), sys_seconds{});
  auto current = wm;
  bool hold = false;  // a deferred record: the watermark must not pass it this cycle
  std::optional<std::string> next;
  auto* em = metrics_->entity(entity_name(e));
  int seen = 0;
  storage::write_batch pending;
  do {
    x3_page<Record> page;
    std::exception_ptr read_failure;
    try {
      page = co_await traits::page(*reader_, since, next);
    } catch (...) {
      read_failure = std::current_exception();
    }
    if (read_failure) throw classify(read_failure, "x3");
    co_await prefetch_suppliers(page);
    // Records new to the issue map get their create intents in one commit for the page:
    // one WAL sync instead of one per created record.
    std::set<std::string> unsent;
    std::map<std::string, created_ahead> ahead;
    auto intents_at = to_seconds(services_.clock());
    {
      storage::write_batch intents;
      issue_entry intent;
      intent.intent_at = intents_at;
      for (auto const& result : page.records)
        if (auto const* r = std::get_if<Record>(&result); r && !store_.has_issue(e, r->id) && !store_.is_parked(e, r->id)) {
          intents.push_back(store_.put_issue(e, r->id, intent));
          unsent.insert(r->id);
        }
      if (unsent.size() > 1) {
        co_await store_.commit(std::move(intents));
      } else {
        unsent.clear();  // a single create commits its own intent just as cheaply
      }
    }
    // Records whose creates went ahead are written before a stop may cut the page short:
    // Jira has their issues. Up to here (an index into the page) they may be pending.
    std::size_t must_finish = 0;
    std::size_t index = 0;
    for (auto& result : page.records) {
      auto const position = index++;
      if (stopping_ && position >= must_finish) {
        co_await drop_unsent(e, unsent);
        co_return;
      }
      if (auto* bad = std::get_if<record_error>(&result)) {
        auto id = bad->id.empty() ? "unreadable-" + sha256_hex(bad->raw_json).substr(0, 12) : bad->id;
        // Already parked as it is: replay retries it; parking it again would only repeat the audit.
        if (auto known = store_.parked(e, id); known && known->raw_json == bad->raw_json) continue;
        sync_error why(failure_kind::bad_record, "x3", bad->message, bad->field);
        co_await park<Record>(e, id, api, bad->raw_json, why, {});
        ++report.actions["parked"];
        continue;
      }
      auto const& record = std::get<Record>(result);
      auto updated = parse_timestamp(record.updated).value_or(sys_seconds{});
      auto advanced = advance(current, record_key{updated, record.id}, poll_start, config_.skew_margin);
      // A record whose intent this page wrote was not parked then (nor since: a record
      // leaves `unsent` before it is parked), so only the others are looked up.
      std::optional<parked_record> known;
      if (!unsent.contains(record.id)) known = store_.parked(e, record.id);
      if (known && known->api == "record" && known->raw_json == record_json(record)) {
        // Parked with this very content: replay owns it. The watermark may pass it.
        if (!hold && advanced != current) {
          pending = storage::write_batch{store_.put_watermark(e, advanced)};
          current = advanced;
        }
        continue;
      }
      // `pending` carries the watermark op not yet committed: it rides with the next write
      // (or the end of the page), so unchanged records cost no disk sync of their own.
      auto saved = pending;
      if (!hold && advanced != current) pending = storage::write_batch{store_.put_watermark(e, advanced)};

      std::string action;
      std::exception_ptr failure;
      bool deferred = false;
      if (unsent.contains(record.id)) {
        // A create's search window counts from its intent's time, and Jira's search lags the
        // create, not the intent: intents written long before their creates go out (a page
        // slowed by timeouts) are written again first, or a lost answer would let the next
        // cycle create again before search could show the issue.
        auto const now = to_seconds(services_.clock());
        if (now - intents_at > k_intent_max_age) {
          storage::write_batch restamp;
          issue_entry intent;
          intent.intent_at = now;
          for (auto const& id : unsent) restamp.push_back(store_.put_issue(e, id, intent));
          co_await store_.commit(std::move(restamp));
          intents_at = now;
        }
      }
      if (bulk_create_ && unsent.size() > 1 && unsent.contains(record.id) && !ahead.contains(record.id)) {
        // The next new records of the page, this one first, are created in one request.
        std::exception_ptr bulk_failure;
        std::size_t past = 0;
        try {
          past = co_await create_ahead(e, page, position, unsent, ahead);
        } catch (...) {
          bulk_failure = std::current_exception();
        }
        if (bulk_failure) {
          co_await drop_unsent(e, unsent);
          std::rethrow_exception(bulk_failure);
        }
        must_finish = std::max(must_finish, past);
      }
      auto went_ahead = ahead.find(record.id);
      auto* early = went_ahead == ahead.end() ? nullptr : &went_ahead->second;
      bool const fresh = unsent.contains(record.id) || early;
      bool sent = false;
      try {
        action = co_await process(e, record, api, to_seconds(services_.clock()), pending, fresh, &sent, early);
      } catch (record_deferred const&) {
        deferred = true;
      } catch (...) {
        failure = std::current_exception();
      }
      if (early) ahead.erase(went_ahead);  // its mapped state is large: not kept for the page
      if (deferred) {
        pending = std::move(saved);
        hold = true;
        ++report.actions["deferred"];
        continue;
      }
      if (fresh && (sent || !failure)) unsent.erase(record.id);  // its intent now tells what happened
      if (failure) {
        auto why = classify(failure, "jira");
        if (why.kind() != failure_kind::bad_record) {
          co_await drop_unsent(e, unsent);
          throw why;
        }
        if (unsent.erase(record.id) > 0) pending.push_back(store_.drop_issue(e, record.id));
        co_await park<Record>(e, record.id, "record", record_json(record), why, std::move(pending));
        pending.clear();
        action = "parked";
      } else if (em && action != "deleted_in_jira") {
        em->records(to_metric_action(action)).Increment();
      }
      ++report.actions[action];
      if (!hold) current = advanced;
      if (position + 1 >= must_finish) store_.flush();  // the bulk create's records are all through
      if (++seen % 1000 == 0)
        log::info({config_.id, entity_name(e), {}}, "sync.progress",
                  std::to_string(seen) + " records read so far this cycle");
    }
    if (!pending.empty()) {
      auto batch = std::exchange(pending, {});
      co_await store_.commit(std::move(batch));
    }
    store_.flush();
    next = std::move(page.next);
  } while (next && !stopping_);
  if (!hold && !stopping_) synced_through_[e] = poll_start - config_.skew_margin;
}

awaitable<void> tenant::drop_unsent(entity e, std::set<std::string>& unsent) {
  if (unsent.empty()) co_return;
  // Never sent: without their intents they are plain new records again next cycle,
  // instead of waiting out the search window for an issue that cannot exist.
  storage::write_batch batch;
  for (auto const& id : unsent) batch.push_back(store_.drop_issue(e, id));
  unsent.clear();
  co_await store_.commit(std::move(batch));
}

awaitable<int> tenant::replay(std::optional<std::string> only) {
  co_await ensure_mapping();
  int landed = 0;
  auto parked = store_.all_parked();
  std::size_t tried = 0;
  for (auto& p : parked) {
    if (stopping_) break;
    if (only && p.id != *only) continue;
    if (++tried % 100 == 0)
      log::info({config_.id, {}, {}}, "replay.progress",
                std::to_string(tried) + " of " + std::to_string(parked.size()) + " parked records tried, " +
                    std::to_string(landed) + " landed");
    auto now = to_seconds(services_.clock());
    std::exception_ptr failure;
    std::string action;
    bool deferred = false;
    try {
      if (p.what == entity::purchase_order) {
        auto parsed = reparse_purchase_order(p.api, p.raw_json);
        if (auto const* bad = std::get_if<record_error>(&parsed))
          throw sync_error(failure_kind::bad_record, "x3", bad->message, bad->field);
        storage::write_batch none;
        action = co_await process(p.what, std::get<purchase_order>(parsed), p.api, now, none);
      } else {
        auto parsed = reparse_supplier_invoice(p.api, p.raw_json);
        if (auto const* bad = std::get_if<record_error>(&parsed))
          throw sync_error(failure_kind::bad_record, "x3", bad->message, bad->field);
        storage::write_batch none;
        action = co_await process(p.what, std::get<supplier_invoice>(parsed), p.api, now, none);
      }
    } catch (record_deferred const&) {
      deferred = true;
    } catch (...) {
      failure = std::current_exception();
    }
    if (deferred) continue;
    if (failure) {
      auto why = classify(failure, "jira");
      if (why.kind() != failure_kind::bad_record) throw why;
      // Still bad: keep it parked with the newest error, without an audit entry every cycle.
      p.error = why.what();
      p.field = why.field();
      ++p.attempts;
      storage::write_batch batch{store_.park(p)};
      co_await store_.commit(std::move(batch));
      continue;
    }
    storage::write_batch batch{store_.audit(p.what, p.id, "replayed", store_.issue(p.what, p.id).value_or(issue_entry{}).key,
                                            "parked record written after " + std::to_string(p.attempts) + " attempt(s)")};
    co_await store_.commit(std::move(batch));
    if (auto const* em = metrics_->entity(entity_name(p.what))) em->records(metrics::sync_action::replayed).Increment();
    log::info({config_.id, entity_name(p.what), p.id}, "record.replayed", "parked record written (" + action + ")");
    ++landed;
  }
  co_return landed;
}

std::vector<tenant_store::order_invoice> tenant::waiting_invoices() {
  // A few orders are looked up one by one; many (a first sync), or all after a start, in
  // one pass over the index.
  constexpr std::size_t one_by_one = 64;
  std::vector<tenant_store::order_invoice> waiting;
  auto keep = [&](tenant_store::order_invoice& named) {
    if (!named.linked) waiting.push_back(std::move(named));
  };
  if (!waiting_scanned_ || orders_with_new_issue_.size() > one_by_one) {
    for (auto& named : store_.order_invoices(std::nullopt))
      if (!waiting_scanned_ || orders_with_new_issue_.contains(named.order)) keep(named);
  } else {
    for (auto const& order : orders_with_new_issue_)
      for (auto& named : store_.order_invoices(order)) keep(named);
  }
  if (waiting.empty()) {
    orders_with_new_issue_.clear();
    waiting_scanned_ = true;
  }
  return waiting;
}

awaitable<int> tenant::link_invoices(std::vector<tenant_store::order_invoice> waiting) {
  int linked = 0;
  for (auto const& named : waiting) {
    if (stopping_) co_return linked;  // the rest next time: nothing above was forgotten yet
    auto const order_key = store_.issue_key(entity::purchase_order, named.order).value_or("");
    if (order_key.empty()) continue;  // still waiting
    auto invoice = store_.issue(entity::supplier_invoice, named.invoice);
    // Without an issue yet, the invoice's own create links it.
    if (!invoice || invoice->key.empty()) continue;
    if (invoice->order != named.order) {  // pointed at another order since
      storage::write_batch stale{store_.drop_order_invoice(named.order, named.invoice)};
      co_await store_.commit(std::move(stale));
      continue;
    }
    auto link = co_await writer_->link_invoice(named.invoice, *invoice, named.order, {});
    invoice->link_sent = false;
    invoice->linked = link.linked;
    storage::write_batch batch{store_.put_issue(entity::supplier_invoice, named.invoice, *invoice),
                               store_.put_order_invoice(named.order, named.invoice, link.linked)};
    // Not linked: the order's issue is gone from Jira; its order's next sync sorts that out.
    auto message = link.linked ? "linked to the order's issue " + order_key : std::move(link.note);
    if (link.linked) batch.push_back(store_.audit(entity::supplier_invoice, named.invoice, "linked", invoice->key, message));
    co_await store_.commit(std::move(batch));
    linked += link.linked ? 1 : 0;
    log::info({config_.id, entity_name(entity::supplier_invoice), named.invoice},
              link.linked ? "record.linked" : "record.not_linked", message);
  }
  orders_with_new_issue_.clear();
  waiting_scanned_ = true;
  co_return linked;
}

void tenant::refresh_gauges(sys_seconds now) {
  for (auto const& name : config_.entities) {
    auto e = parse_entity(name);
    auto const* em = metrics_->entity(name);
    if (!e || !em) continue;
    auto it = synced_through_.find(*e);
    em->sync_lag_seconds.Set(it == synced_through_.end() ? 0.0 : static_cast<double>((now - it->second).count()));
  }
  auto parked = store_.all_parked();
  metrics_->replay_queue_size.Set(static_cast<double>(parked.size()));
  double oldest = 0;
  for (auto const& p : parked) oldest = std::max(oldest, static_cast<double>((now - p.parked_at).count()));
  metrics_->replay_oldest_age_seconds.Set(oldest);
}

awaitable<cycle_report> tenant::run_cycle() {
  cycle_report report;
  if (paused_) co_return report;
  auto started = std::chrono::steady_clock::now();
  auto poll_start = to_seconds(services_.clock());
  std::exception_ptr failure;
  try {
    co_await ensure_mapping();
    for (auto const& name : config_.entities) {
      auto entity_started = std::chrono::steady_clock::now();
      if (name == "purchase_orders") co_await sync_entity<purchase_order>(entity::purchase_order, poll_start, report);
      else co_await sync_entity<supplier_invoice>(entity::supplier_invoice, poll_start, report);
      services_.metrics->poll_duration(name).Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - entity_started).count());
    }
    report.actions["replayed"] += co_await replay();
    // A coroutine only when some invoice waits: called on every tenant's first cycle, its
    // 1 KB frames were still allocated at the idle tenants' peak (heaptrack, BENCHMARKS).
    if (invoices_may_wait()) {
      auto waiting = waiting_invoices();
      if (!waiting.empty()) {
        int linked = co_await link_invoices(std::move(waiting));
        if (linked > 0) report.actions["linked"] += linked;
      }
    }
    report.complete = !stopping_;
  } catch (...) {
    failure = std::current_exception();
  }
  try {
    store_.flush();  // a cycle cut short may leave a bulk create's results deferred
  } catch (...) {
    if (!failure) failure = std::current_exception();
  }
  auto now = services_.clock();
  if (failure) {
    auto why = classify(failure, "jira");
    note_fault(why);
    report.fault = why;
    metrics_->poll_cycles(metrics::poll_result::failed).Increment();
  } else if (!stopping_ && !paused_) {
    if (state_ == tenant_state::degraded)
      log::info({config_.id, {}, {}}, "tenant.recovered", "tenant " + config_.id + " is active again");
    state_ = tenant_state::active;
    last_error_.clear();
    last_success_ = now;
    services_.metrics->set_tenant_state(config_.id, metrics::tenant_state::active);
    metrics_->last_successful_poll_timestamp_seconds.Set(
        std::chrono::duration<double>(now.time_since_epoch()).count());
    metrics_->poll_cycles(metrics::poll_result::ok).Increment();
  }
  refresh_gauges(to_seconds(now));
  auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (report.count("created") + report.count("updated") + report.count("parked") + report.count("replayed") > 0)
    log::info({config_.id, {}, {}}, "cycle.done",
              "created " + std::to_string(report.count("created")) + ", updated " +
                  std::to_string(report.count("updated")) + ", parked " + std::to_string(report.count("parked")) +
                  ", replayed " + std::to_string(report.count("replayed")) + " in " + std::to_string(took) + " s");
  co_return report;
}

std::chrono::steady_clock::duration tenant::next_delay() {
  auto interval = interval_at(config_.schedule, services_.clock());
  return jittered(interval, config_.schedule.jitter, jitter_rng_);
}

awaitable<void> tenant::run() {
  auto self = shared_from_this();
  // Spread the first cycles of many tenants over a short window.
  auto first = std::min<std::chrono::steady_clock::duration>(next_delay() / 10, std::chrono::seconds{5});
  std::uniform_int_distribution<std::int64_t> spread(0, std::max<std::int64_t>(first.count(), 0));
  auto delay = std::chrono::steady_clock::duration{spread(jitter_rng_)};
  while (!stopping_) {
    if (!wake_requested_) {
      wake_.expires_after(delay);
      co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    wake_requested_ = false;
    if (stopping_) break;
    co_await run_cycle();
    delay = next_delay();
    // Until the next cycle the connections of this one would only wait for their idle
    // timeout; over TLS each holds ~70 KB, four times what an idle tenant needs otherwise.
    if (x3_remote_) x3_remote_->release_idle(delay);
    if (jira_remote_) jira_remote_->release_idle(delay);
  }
}

}  // namespace mlc::engine
