#pragma once
// Every metric family of the node, built once at start-up (DESIGN.md §6). Names and
// labels here are a contract with grafana/: change them only together.
//
// Thread-safe: every member may be called from any thread. Handles (prometheus::Counter,
// Gauge, Histogram) are thread-safe and cheap; keep the pointers, don't look them up on
// hot paths. Tenant handles stay valid until remove_tenant() for that tenant.
#include <array>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

namespace prometheus {
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace mlc::metrics {

enum class sync_action { created, updated, unchanged, parked, replayed };
enum class error_kind { transient, bad_record, tenant_fault };
enum class component { x3, jira, storage };  // `system` label of mlc_errors_total
enum class remote { x3, jira };              // `system` label of HTTP and token metrics
enum class tenant_state { active, degraded, paused };
enum class poll_result { ok, failed };

std::string_view to_string(sync_action);
std::string_view to_string(error_kind);
std::string_view to_string(component);
std::string_view to_string(remote);
std::string_view to_string(tenant_state);
std::string_view to_string(poll_result);
// "1xx".."5xx" for 100..599; "error" for anything else (0 = transport error).
std::string_view status_class(int status);

inline std::vector<std::string> const& default_entities() {
  static std::vector<std::string> const entities{"purchase_orders", "supplier_invoices"};
  return entities;
}

// Series of one (tenant, entity). The series live here, not in prometheus-cpp families:
// a family child costs ~300 bytes of label maps and hash nodes, ~9 KiB for a tenant's 31
// series; these cost 8 bytes each. catalog::serialize() writes them. Members are mutable:
// handles are updated through const access, like prometheus-cpp's own.
struct entity_metrics {
  mutable prometheus::Gauge sync_lag_seconds;                      // mlc_sync_lag_seconds
  mutable std::array<prometheus::Counter, 5> records_synced_total;  // by sync_action

  prometheus::Counter& records(sync_action a) const { return records_synced_total[static_cast<std::size_t>(a)]; }
};

// Series of one tenant. Created by catalog::add_tenant, never on hot paths.
struct tenant_metrics {
  std::string tenant;
  mutable prometheus::Gauge replay_oldest_age_seconds;
  mutable prometheus::Gauge last_successful_poll_timestamp_seconds;
  mutable prometheus::Gauge replay_queue_size;
  mutable std::array<std::array<prometheus::Counter, 3>, 3> errors_total;           // [error_kind][component]
  mutable std::array<std::array<prometheus::Counter, 2>, 2> token_refreshes_total;  // [remote][0 success, 1 failure]
  mutable std::array<prometheus::Counter, 2> poll_cycles_total;                     // by poll_result
  std::map<std::string, entity_metrics, std::less<>> entities;

  // nullptr when this tenant was added without that entity.
  entity_metrics const* entity(std::string_view name) const;
  prometheus::Counter& errors(error_kind k, component c) const {
    return errors_total[static_cast<std::size_t>(k)][static_cast<std::size_t>(c)];
  }
  prometheus::Counter& token_refreshes(remote r, bool success) const {
    return token_refreshes_total[static_cast<std::size_t>(r)][success ? 0 : 1];
  }
  prometheus::Counter& poll_cycles(poll_result r) const { return poll_cycles_total[static_cast<std::size_t>(r)]; }
};

class catalog {
 public:
  // `version` is the mlc_build_info label (engine passes MLC_VERSION).
  explicit catalog(std::string const& version);
  ~catalog();
  catalog(catalog const&) = delete;
  catalog& operator=(catalog const&) = delete;

  // Creates the tenant's labelled series once (again: returns the existing ones, adding
  // entities not seen before). A tenant with no state yet becomes active.
  tenant_metrics& add_tenant(std::string const& tenant,
                             std::vector<std::string> const& entities = default_entities());
  // Removes every series of the tenant and forgets its state.
  void remove_tenant(std::string const& tenant);
  // Updates mlc_tenants{state} and mlc_tenant_up: 1 active, 0 degraded, series removed
  // while paused. Works for tenants never added (then only mlc_tenants counts them).
  void set_tenant_state(std::string const& tenant, tenant_state state);

  prometheus::Histogram& poll_duration(std::string_view entity);  // mlc_poll_duration_seconds
  prometheus::Counter& http_requests(remote r, int status);       // status 0 = transport error
  prometheus::Histogram& http_request_duration(remote r);
  prometheus::Counter& http_rate_limited(remote r);
  prometheus::Counter& rate_limit_wait_seconds(remote r);
  prometheus::Gauge& storage_size_bytes();
  prometheus::Histogram& storage_commit_duration();
  prometheus::Histogram& storage_batch_records();
  // Matches storage::store_options::on_batch: one group commit.
  void observe_storage_batch(std::size_t records, double seconds);

  prometheus::Registry& registry();
  // Text exposition format 0.0.4 (Content-Type: text/plain; version=0.0.4).
  std::string serialize() const;

 private:
  struct families;
  void set_state_locked(std::string const& tenant, std::optional<tenant_state> state);  // nullopt: forget
  void serialize_tenants_locked(std::string& out) const;

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<families> f_;
  mutable std::mutex mutex_;  // guards tenants_, states_, poll_duration_
  std::map<std::string, std::unique_ptr<tenant_metrics>, std::less<>> tenants_;
  std::map<std::string, tenant_state, std::less<>> states_;
  std::map<std::string, prometheus::Histogram*, std::less<>> poll_duration_;
};

}  // namespace mlc::metrics
