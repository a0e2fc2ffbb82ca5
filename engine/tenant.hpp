#pragma once
// One tenant of the node: its Sage X3 reader, Jira client and writer, stored state and
// metrics, and the poll loop that moves changed records from X3 to Jira (DESIGN §4).
// Coroutine safety: everything runs on the node's io_context; run() is the tenant's one
// loop, and the control calls (stop, sync_now, pause) only set state and wake it.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <boost/asio/steady_timer.hpp>

#include "config/node_config.hpp"
#include "config/secret_box.hpp"
#include "engine/failure.hpp"
#include "engine/jira_client.hpp"
#include "engine/jira_writer.hpp"
#include "engine/mapper.hpp"
#include "engine/schedule.hpp"
#include "engine/supplier_cache.hpp"
#include "engine/tenant_store.hpp"
#include "engine/x3_reader.hpp"
#include "metrics/catalog.hpp"
#include "storage/store.hpp"

namespace mlc::net {
class host_limiter_registry;
class observer;
}  // namespace mlc::net

namespace mlc::engine {

// What every tenant of a node shares.
struct node_services {
  std::shared_ptr<storage::store> store;
  std::shared_ptr<metrics::catalog> metrics;
  std::shared_ptr<net::observer> http_observer;
  std::shared_ptr<net::host_limiter_registry> x3_limiter;
  std::shared_ptr<net::host_limiter_registry> jira_limiter;
  std::shared_ptr<config::secret_box const> secrets;
  std::function<std::chrono::system_clock::time_point()> clock = [] { return std::chrono::system_clock::now(); };
  std::chrono::seconds search_window{60};
  std::chrono::milliseconds request_deadline{60'000};
  std::function<void(std::string const& issue_key)> on_created;  // see writer_settings::on_created
};

enum class tenant_state { active, degraded, paused };
std::string_view to_string(tenant_state);

// Counts of one cycle, for tests, logs and the admin API.
struct cycle_report {
  std::map<std::string, int> actions;  // created, updated, unchanged, adopted, parked, replayed, deferred, …
  bool complete = false;               // every entity read to the end without a fault
  std::optional<sync_error> fault;     // the transient or tenant-level fault that ended it

  int count(std::string const& action) const {
    auto it = actions.find(action);
    return it == actions.end() ? 0 : it->second;
  }
};

struct tenant_status {
  std::string id;
  tenant_state state = tenant_state::active;
  std::string last_error;
  std::optional<std::chrono::system_clock::time_point> last_success;
  std::map<std::string, double> lag_seconds;  // by entity
  std::size_t parked = 0;
};

class tenant : public std::enable_shared_from_this<tenant> {
 public:
  tenant(asio::any_io_executor ex, node_services services, config::tenant_config config);
  ~tenant();

  std::string const& id() const { return config_.id; }
  config::tenant_config const& config() const { return config_; }

  // The poll loop: a cycle, then wait for the schedule (or sync_now), until stop().
  awaitable<void> run();
  // One whole cycle: setup when needed, every entity, then parked records.
  awaitable<cycle_report> run_cycle();
  // Resolves Jira field ids by name, the project and the issue types, and stores them.
  // With `check_screens`, also verifies that each mapped field is on the create screen.
  // Throws sync_error (tenant_fault) naming what is wrong.
  awaitable<void> setup(bool check_screens);
  // Replays parked records now; `record` limits it to one. Returns how many landed.
  awaitable<int> replay(std::optional<std::string> record = std::nullopt);

  void stop();
  void sync_now();
  void set_paused(bool paused);
  tenant_status status() const;

  // For `check`: one small read from X3 of each entity (throws on failure).
  awaitable<void> probe_x3();
  jira_client& jira() { return *jira_; }

 private:
  template <class Record>
  awaitable<void> sync_entity(entity e, sys_seconds poll_start, cycle_report& report);
  // `fresh_intent`: the record had no issue entry and its create intent was committed
  // with its page's (sync_entity); it has not been sent to Jira. `*sent` becomes true
  // once Jira may have seen the record.
  // A new record of a page whose create was sent ahead, with the page's other new records,
  // in bulk requests (create_ahead): what process() would otherwise look up and map again.
  struct created_ahead {
    std::optional<std::string> supplier_name;
    std::string source;  // the record's source hash
    std::optional<desired_state> desired;  // without its fields once they are in the request
    sent_ahead sent;
  };
  // `ahead`: the record's create went ahead (fresh_intent is then true as well).
  template <class Record>
  awaitable<std::string> process(entity e, Record const& record, std::string_view api, sys_seconds now,
                                 storage::write_batch& carry, bool fresh_intent = false, bool* sent = nullptr,
                                 created_ahead* ahead = nullptr);
  template <class Record>
  std::string source_hash(Record const& record, std::optional<std::string> const& supplier_name) const;
  // Maps up to `k_bulk_chunk` of the page's records in `unsent`, from index `from` on, and
  // creates their issues in one bulk request (one HTTP exchange for all of them). A record
  // sent this way leaves `unsent` and gets its answer in `ahead`. A record that cannot be
  // mapped, or a request Jira refuses as a whole, is left to process(), one record at a
  // time, which sorts its failure. A request that failed with its outcome unknown gives
  // each of its records that failure as its answer. Returns the index past the last record
  // sent (`from` when none was).
  static constexpr std::size_t k_bulk_chunk = 20;  // Jira takes 50; mapped records are large
  static_assert(k_bulk_chunk <= jira_client::bulk_create_limit);
  bool bulk_create_ = true;  // false once Jira refused a bulk create as a whole
  // The page's create intents are written again before a create goes out once they are
  // older than this (see sync_entity).
  static constexpr std::chrono::seconds k_intent_max_age{5};
  template <class Record>
  awaitable<std::size_t> create_ahead(entity e, x3_page<Record> const& page, std::size_t from,
                                      std::set<std::string>& unsent, std::map<std::string, created_ahead>& ahead);
  // The page's supplier names looked up several per request before its records are
  // processed (supplier_cache::prefetch); a failure is sorted as the page read's would be.
  template <class Record>
  awaitable<void> prefetch_suppliers(x3_page<Record> const& page);
  // Drops the page's create intents whose records were never sent (the cycle stopped).
  awaitable<void> drop_unsent(entity e, std::set<std::string>& unsent);
  template <class Record>
  awaitable<void> park(entity e, std::string const& id, std::string api, std::string raw, sync_error const& why,
                       storage::write_batch extra);
  awaitable<void> ensure_mapping();
  // The invoices waiting for a link whose order got an issue after them (or a new one,
  // recreated) since the last call; the first call after a start looks at every unlinked
  // invoice, so none is forgotten across a restart. link_invoices() links them and
  // returns how many it linked; either one, once nothing is left, starts afresh.
  std::vector<tenant_store::order_invoice> waiting_invoices();
  awaitable<int> link_invoices(std::vector<tenant_store::order_invoice> waiting);
  bool invoices_may_wait() const {
    return links_invoices_ && (!waiting_scanned_ || !orders_with_new_issue_.empty());
  }
  void note_fault(sync_error const& e);
  void refresh_gauges(sys_seconds now);
  std::chrono::steady_clock::duration next_delay();
  mapping_settings const& mapping(entity e) const;
  // The key of the invoice's order issue when the invoice's create can carry the link
  // (mapping_settings::links_on_create); empty otherwise (linked afterwards, if at all).
  std::string link_target(supplier_invoice const& invoice) const;

  asio::any_io_executor executor_;
  node_services services_;
  config::tenant_config config_;
  tenant_store store_;
  std::shared_ptr<remote> x3_remote_;
  std::shared_ptr<remote> jira_remote_;
  std::unique_ptr<x3_reader> reader_;
  std::unique_ptr<jira_client> jira_;
  std::unique_ptr<jira_writer> writer_;
  std::unique_ptr<supplier_cache> suppliers_;
  metrics::tenant_metrics* metrics_ = nullptr;
  std::map<entity, mapping_settings> mappings_;
  std::string mapping_fingerprint_;  // hash of mappings_, part of every source hash
  asio::steady_timer wake_;
  bool stopping_ = false;
  bool paused_ = false;
  bool wake_requested_ = false;
  tenant_state state_ = tenant_state::active;
  std::string last_error_;
  std::optional<std::chrono::system_clock::time_point> last_success_;
  std::map<entity, sys_seconds> synced_through_;  // everything changed before this is in Jira
  bool links_invoices_ = false;                  // syncs both orders and invoices
  std::set<std::string> orders_with_new_issue_;  // since invoices waiting for them were linked
  bool waiting_scanned_ = false;                 // every waiting invoice was looked at since the start
  jitter_rng jitter_rng_;
};

}  // namespace mlc::engine
