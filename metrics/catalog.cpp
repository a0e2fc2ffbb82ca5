#include "metrics/catalog.hpp"

#include <stdexcept>

#include <prometheus/family.h>
#include <prometheus/registry.h>

#include "metrics/registry.hpp"

namespace mlc::metrics {

namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

constexpr sync_action all_actions[] = {sync_action::created, sync_action::updated, sync_action::unchanged,
                                       sync_action::parked, sync_action::replayed};
constexpr error_kind all_kinds[] = {error_kind::transient, error_kind::bad_record, error_kind::tenant_fault};
constexpr component all_components[] = {component::x3, component::jira, component::storage};
constexpr remote all_remotes[] = {remote::x3, remote::jira};
constexpr tenant_state all_states[] = {tenant_state::active, tenant_state::degraded, tenant_state::paused};
constexpr poll_result all_results[] = {poll_result::ok, poll_result::failed};
constexpr std::string_view all_status_classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx", "error"};

std::size_t idx(auto e) { return static_cast<std::size_t>(e); }

std::string s(std::string_view v) { return std::string{v}; }

// Seconds, from a cache hit to a slow page of a remote API.
Histogram::BucketBoundaries const http_buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
// A whole poll cycle for one entity: pages, mapping, writes.
Histogram::BucketBoundaries const poll_buckets{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
// One RocksDB write with fsync.
Histogram::BucketBoundaries const commit_buckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1};
Histogram::BucketBoundaries const batch_buckets{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000};

}  // namespace

std::string_view to_string(sync_action a) {
  switch (a) {
    case sync_action::created: return "created";
    case sync_action::updated: return "updated";
    case sync_action::unchanged: return "unchanged";
    case sync_action::parked: return "parked";
    case sync_action::replayed: return "replayed";
  }
  return "unknown";
}

std::string_view to_string(error_kind k) {
  switch (k) {
    case error_kind::transient: return "transient";
    case error_kind::bad_record: return "bad_record";
    case error_kind::tenant_fault: return "tenant_fault";
  }
  return "unknown";
}

std::string_view to_string(component c) {
  switch (c) {
    case component::x3: return "x3";
    case component::jira: return "jira";
    case component::storage: return "storage";
  }
  return "unknown";
}

std::string_view to_string(remote r) {
  switch (r) {
    case remote::x3: return "x3";
    case remote::jira: return "jira";
  }
  return "unknown";
}

std::string_view to_string(tenant_state t) {
  switch (t) {
    case tenant_state::active: return "active";
    case tenant_state::degraded: return "degraded";
    case tenant_state::paused: return "paused";
  }
  return "unknown";
}

std::string_view to_string(poll_result r) {
  switch (r) {
    case poll_result::ok: return "ok";
    case poll_result::failed: return "failed";
  }
  return "unknown";
}

std::string_view status_class(int status) {
  if (status < 100 || status > 599) return "error";
  return all_status_classes[status / 100 - 1];
}

entity_metrics const* tenant_metrics::entity(std::string_view name) const {
  auto it = entities.find(name);
  return it == entities.end() ? nullptr : &it->second;
}

struct catalog::families {
  Family<Gauge>* build_info;
  Family<Gauge>* sync_lag;
  Family<Gauge>* replay_oldest_age;
  Family<Gauge>* last_successful_poll;
  Family<Counter>* records_synced;
  Family<Counter>* errors;
  Family<Gauge>* replay_queue_size;
  Family<Gauge>* tenant_up;
  Family<Gauge>* tenants;
  Family<Histogram>* poll_duration;
  Family<Counter>* http_requests;
  Family<Histogram>* http_duration;
  Family<Counter>* http_rate_limited;
  Family<Counter>* rate_limit_wait;
  Family<Counter>* token_refreshes;
  Family<Gauge>* storage_size;
  Family<Histogram>* storage_commit;
  Family<Histogram>* storage_batch;
  Family<Counter>* poll_cycles;

  std::array<Gauge*, 3> tenants_by_state{};
  std::array<std::array<Counter*, 6>, 2> http_requests_by{};  // [remote][status class]
  std::array<Histogram*, 2> http_duration_by{};
  std::array<Counter*, 2> http_rate_limited_by{};
  std::array<Counter*, 2> rate_limit_wait_by{};
  Gauge* storage_size_bytes = nullptr;
  Histogram* storage_commit_duration = nullptr;
  Histogram* storage_batch_records = nullptr;
};

catalog::catalog(std::string const& version)
    : registry_(std::make_shared<prometheus::Registry>()), f_(std::make_unique<families>()) {
  auto& r = *registry_;
  auto& f = *f_;
  f.build_info = &prometheus::BuildGauge().Name("mlc_build_info").Help("Build information; the value is always 1.").Register(r);
  f.sync_lag = &prometheus::BuildGauge()
                    .Name("mlc_sync_lag_seconds")
                    .Help("Seconds between now and the watermark time of the last record written, per tenant and entity.")
                    .Register(r);
  f.replay_oldest_age = &prometheus::BuildGauge()
                             .Name("mlc_replay_oldest_age_seconds")
                             .Help("Age in seconds of the oldest parked record waiting for replay.")
                             .Register(r);
  f.last_successful_poll = &prometheus::BuildGauge()
                                .Name("mlc_last_successful_poll_timestamp_seconds")
                                .Help("Unix time of the tenant's last poll cycle that finished without error.")
                                .Register(r);
  f.records_synced = &prometheus::BuildCounter()
                          .Name("mlc_records_synced_total")
                          .Help("ERP records processed, by what happened to them in Jira.")
                          .Register(r);
  f.errors = &prometheus::BuildCounter()
                  .Name("mlc_errors_total")
                  .Help("Errors by kind (transient, bad_record, tenant_fault) and the system that caused them.")
                  .Register(r);
  f.replay_queue_size = &prometheus::BuildGauge()
                             .Name("mlc_replay_queue_size")
                             .Help("Parked records waiting for replay.")
                             .Register(r);
  f.tenant_up = &prometheus::BuildGauge()
                     .Name("mlc_tenant_up")
                     .Help("1 while the tenant is active, 0 while degraded; absent while paused.")
                     .Register(r);
  f.tenants = &prometheus::BuildGauge().Name("mlc_tenants").Help("Tenants on this node by state.").Register(r);
  f.poll_duration = &prometheus::BuildHistogram()
                         .Name("mlc_poll_duration_seconds")
                         .Help("Duration of one poll cycle of one entity, all tenants together.")
                         .Register(r);
  f.http_requests = &prometheus::BuildCounter()
                         .Name("mlc_http_requests_total")
                         .Help("HTTP exchanges with remote systems by status class; error = no HTTP response.")
                         .Register(r);
  f.http_duration = &prometheus::BuildHistogram()
                         .Name("mlc_http_request_duration_seconds")
                         .Help("Duration of HTTP exchanges with remote systems.")
                         .Register(r);
  f.http_rate_limited = &prometheus::BuildCounter()
                             .Name("mlc_http_rate_limited_total")
                             .Help("Responses 429 or 503 received from remote systems.")
                             .Register(r);
  f.rate_limit_wait = &prometheus::BuildCounter()
                           .Name("mlc_rate_limit_wait_seconds_total")
                           .Help("Seconds requests spent waiting for the per-host rate limiter.")
                           .Register(r);
  f.token_refreshes = &prometheus::BuildCounter()
                           .Name("mlc_token_refreshes_total")
                           .Help("Access token refreshes by result.")
                           .Register(r);
  f.storage_size = &prometheus::BuildGauge()
                        .Name("mlc_storage_size_bytes")
                        .Help("Size of the RocksDB store: live SST files and memtables.")
                        .Register(r);
  f.storage_commit = &prometheus::BuildHistogram()
                          .Name("mlc_storage_commit_duration_seconds")
                          .Help("Duration of one group commit (one WAL sync).")
                          .Register(r);
  f.storage_batch = &prometheus::BuildHistogram()
                         .Name("mlc_storage_batch_records")
                         .Help("Records carried by one group commit.")
                         .Register(r);
  f.poll_cycles = &prometheus::BuildCounter()
                       .Name("mlc_poll_cycles_total")
                       .Help("Tenant poll cycles by result.")
                       .Register(r);

  f.build_info->Add({{"version", version}}).Set(1);
  for (auto st : all_states) f.tenants_by_state[idx(st)] = &f.tenants->Add({{"state", s(to_string(st))}});
  for (auto rm : all_remotes) {
    auto sys = s(to_string(rm));
    for (std::size_t c = 0; c < std::size(all_status_classes); ++c)
      f.http_requests_by[idx(rm)][c] = &f.http_requests->Add({{"system", sys}, {"status_class", s(all_status_classes[c])}});
    f.http_duration_by[idx(rm)] = &f.http_duration->Add({{"system", sys}}, http_buckets);
    f.http_rate_limited_by[idx(rm)] = &f.http_rate_limited->Add({{"system", sys}});
    f.rate_limit_wait_by[idx(rm)] = &f.rate_limit_wait->Add({{"system", sys}});
  }
  f.storage_size_bytes = &f.storage_size->Add({});
  f.storage_commit_duration = &f.storage_commit->Add({}, commit_buckets);
  f.storage_batch_records = &f.storage_batch->Add({}, batch_buckets);
  for (auto const& entity : default_entities())
    poll_duration_[entity] = &f.poll_duration->Add({{"entity", entity}}, poll_buckets);
}

catalog::~catalog() = default;

tenant_metrics& catalog::add_tenant(std::string const& tenant, std::vector<std::string> const& entities) {
  std::lock_guard lock{mutex_};
  auto& f = *f_;
  auto& slot = tenants_[tenant];
  if (!slot) {
    slot = std::make_unique<tenant_metrics>();
    auto& t = *slot;
    t.tenant = tenant;
    prometheus::Labels const tl{{"tenant", tenant}};
    t.replay_oldest_age_seconds = &f.replay_oldest_age->Add(tl);
    t.last_successful_poll_timestamp_seconds = &f.last_successful_poll->Add(tl);
    t.replay_queue_size = &f.replay_queue_size->Add(tl);
    for (auto k : all_kinds)
      for (auto c : all_components)
        t.errors_total[idx(k)][idx(c)] =
            &f.errors->Add({{"tenant", tenant}, {"kind", s(to_string(k))}, {"system", s(to_string(c))}});
    for (auto rm : all_remotes) {
      t.token_refreshes_total[idx(rm)][0] =
          &f.token_refreshes->Add({{"tenant", tenant}, {"system", s(to_string(rm))}, {"result", "success"}});
      t.token_refreshes_total[idx(rm)][1] =
          &f.token_refreshes->Add({{"tenant", tenant}, {"system", s(to_string(rm))}, {"result", "failure"}});
    }
    for (auto res : all_results)
      t.poll_cycles_total[idx(res)] = &f.poll_cycles->Add({{"tenant", tenant}, {"result", s(to_string(res))}});
  }
  auto& t = *slot;
  for (auto const& entity : entities) {
    if (t.entities.contains(entity)) continue;
    entity_metrics e;
    e.sync_lag_seconds = &f.sync_lag->Add({{"tenant", tenant}, {"entity", entity}});
    for (auto a : all_actions)
      e.records_synced_total[idx(a)] =
          &f.records_synced->Add({{"tenant", tenant}, {"entity", entity}, {"action", s(to_string(a))}});
    t.entities.emplace(entity, e);
  }
  if (!states_.contains(tenant)) set_state_locked(tenant, tenant_state::active);
  sync_tenant_up_locked(tenant);
  return t;
}

void catalog::remove_tenant(std::string const& tenant) {
  std::lock_guard lock{mutex_};
  auto& f = *f_;
  if (auto it = tenants_.find(tenant); it != tenants_.end()) {
    auto& t = *it->second;
    f.replay_oldest_age->Remove(t.replay_oldest_age_seconds);
    f.last_successful_poll->Remove(t.last_successful_poll_timestamp_seconds);
    f.replay_queue_size->Remove(t.replay_queue_size);
    for (auto& row : t.errors_total)
      for (auto* c : row) f.errors->Remove(c);
    for (auto& row : t.token_refreshes_total)
      for (auto* c : row) f.token_refreshes->Remove(c);
    for (auto* c : t.poll_cycles_total) f.poll_cycles->Remove(c);
    for (auto& [name, e] : t.entities) {
      f.sync_lag->Remove(e.sync_lag_seconds);
      for (auto* c : e.records_synced_total) f.records_synced->Remove(c);
    }
    tenants_.erase(it);
  }
  set_state_locked(tenant, std::nullopt);
  sync_tenant_up_locked(tenant);
}

void catalog::set_tenant_state(std::string const& tenant, tenant_state state) {
  std::lock_guard lock{mutex_};
  // Every cycle reports its state: the common case changes nothing.
  if (auto it = states_.find(tenant); it != states_.end() && it->second == state && tenant_up_.contains(tenant)) return;
  set_state_locked(tenant, state);
  sync_tenant_up_locked(tenant);
}

// mlc_tenant_up exists while the tenant is added and not paused.
void catalog::sync_tenant_up_locked(std::string const& tenant) {
  auto state = states_.find(tenant);
  bool const wanted = tenants_.contains(tenant) && state != states_.end() && state->second != tenant_state::paused;
  auto up = tenant_up_.find(tenant);
  if (!wanted) {
    if (up != tenant_up_.end()) {
      f_->tenant_up->Remove(up->second);
      tenant_up_.erase(up);
    }
    return;
  }
  if (up == tenant_up_.end()) up = tenant_up_.emplace(tenant, &f_->tenant_up->Add({{"tenant", tenant}})).first;
  up->second->Set(state->second == tenant_state::active ? 1 : 0);
}

// mlc_tenants{state} is kept by increments: recounting every tenant on each call made a
// poll cycle cost O(tenants).
void catalog::set_state_locked(std::string const& tenant, std::optional<tenant_state> state) {
  auto it = states_.find(tenant);
  if (it != states_.end()) {
    f_->tenants_by_state[idx(it->second)]->Decrement();
    if (!state) {
      states_.erase(it);
      return;
    }
    it->second = *state;
  } else if (state) {
    states_.emplace(tenant, *state);
  } else {
    return;
  }
  f_->tenants_by_state[idx(*state)]->Increment();
}

prometheus::Histogram& catalog::poll_duration(std::string_view entity) {
  std::lock_guard lock{mutex_};
  auto it = poll_duration_.find(entity);
  if (it == poll_duration_.end())
    it = poll_duration_.emplace(s(entity), &f_->poll_duration->Add({{"entity", s(entity)}}, poll_buckets)).first;
  return *it->second;
}

prometheus::Counter& catalog::http_requests(remote r, int status) {
  auto cls = status_class(status);
  std::size_t c = 0;
  while (all_status_classes[c] != cls) ++c;
  return *f_->http_requests_by[idx(r)][c];
}

prometheus::Histogram& catalog::http_request_duration(remote r) { return *f_->http_duration_by[idx(r)]; }
prometheus::Counter& catalog::http_rate_limited(remote r) { return *f_->http_rate_limited_by[idx(r)]; }
prometheus::Counter& catalog::rate_limit_wait_seconds(remote r) { return *f_->rate_limit_wait_by[idx(r)]; }
prometheus::Gauge& catalog::storage_size_bytes() { return *f_->storage_size_bytes; }
prometheus::Histogram& catalog::storage_commit_duration() { return *f_->storage_commit_duration; }
prometheus::Histogram& catalog::storage_batch_records() { return *f_->storage_batch_records; }

void catalog::observe_storage_batch(std::size_t records, double seconds) {
  f_->storage_commit_duration->Observe(seconds);
  f_->storage_batch_records->Observe(static_cast<double>(records));
}

prometheus::Registry& catalog::registry() { return *registry_; }

std::string catalog::serialize() const { return metrics::serialize(*registry_); }

}  // namespace mlc::metrics
