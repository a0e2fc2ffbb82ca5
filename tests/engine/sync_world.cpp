#include "tests/engine/sync_world.hpp"

#include <fstream>

#include <boost/json/serialize.hpp>

#include "engine/log.hpp"
#include "engine/node.hpp"
#include "tests/emulators/jira_model.hpp"

namespace mlc::test {

namespace json = boost::json;

field_ids emulator_field_ids() {
  field_ids out;
  for (auto const& f : emu::jira_fields()) out[f.name] = f.id;
  return out;
}

sync_world::sync_world(asio::io_context& ioc, emu::emulator_options options,
                       std::function<void(config::tenant_config&)> tune)
    : ioc_(ioc) {
  engine::log::configure(std::getenv("MLC_TEST_LOG") ? engine::log::level::info : engine::log::level::warn, true);
  auto start = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  clock_ = std::make_shared<emu::manual_clock>(start);
  options.clk = clock_;
  emu_ = std::make_unique<emu::emulator>(ioc.get_executor(), options);
  emu_->start();

  // The emulator writes the node config a newcomer would use; load it through the real parser.
  auto node_json = emu_->node_config();
  node_json["data_dir"] = (dir_.path() / "data").string();
  auto file = dir_.path() / "node.json";
  std::ofstream(file) << json::serialize(node_json);
  config_ = config::load_node_config(file);
  for (auto& t : config_.tenants)
    if (tune) tune(t);

  engine::node_options node_options;
  node_options.request_deadline = std::chrono::seconds{30};
  // Loopback emulators: the budgets are not what is under test here (tests/net covers them).
  node_options.x3_limits = {2000, 2000, 16};
  node_options.jira_limits = {2000, 2000, 16};
  // In-process "crashes" lose no OS buffers: these tests need ordering, not fsync.
  node_options.durable = false;
  services_ = engine::open_services(config_, node_options);
  services_.secrets = std::make_shared<config::secret_box const>(
      config::keyring::parse("k1:" + std::string(64, 'a'), "test keyring"));
  auto clk = clock_;
  services_.clock = [clk] { return std::chrono::system_clock::time_point{clk->now()}; };
  services_.search_window = std::chrono::seconds{10};
}

sync_world::~sync_world() {
  // The io_context is gone by now in a failed test: close without waiting on it.
  if (!stopped_ && services_.store) services_.store->close();
}

engine::tenant& sync_world::tenant(std::size_t i) {
  if (tenants_.size() < config_.tenants.size()) tenants_.resize(config_.tenants.size());
  if (!tenants_.at(i)) tenants_[i] = std::make_shared<engine::tenant>(ioc_.get_executor(), services_, config_.tenants[i]);
  return *tenants_[i];
}

void sync_world::restart() {
  for (auto& t : tenants_) {
    if (!t) continue;
    services_.metrics->remove_tenant(t->id());
    t.reset();
  }
}

awaitable<engine::cycle_report> sync_world::cycle(std::size_t i) { co_return co_await tenant(i).run_cycle(); }

awaitable<int> sync_world::converge(int max_rounds, std::chrono::milliseconds step) {
  for (int round = 1; round <= max_rounds; ++round) {
    bool quiet = true;
    for (std::size_t i = 0; i < config_.tenants.size(); ++i) {
      auto report = co_await cycle(i);
      for (auto const& [action, n] : report.actions)
        if (action != "unchanged" && n > 0) quiet = false;
      if (!report.complete) quiet = false;
    }
    if (quiet) co_return round;
    clock_->advance(step);
  }
  co_return max_rounds + 1;
}

convergence sync_world::compare() const { return compare_state(emu_->state(), emulator_field_ids()); }

std::size_t sync_world::jira_writes() const {
  std::size_t n = 0;
  auto counts = emu_->request_counts().to_json();
  auto const* requests = counts.at("requests").as_object().if_contains("jira");
  if (!requests) return 0;
  for (auto const& [endpoint, by_status] : requests->as_object()) {
    std::string_view e = endpoint;
    bool write = e.starts_with("POST") || e.starts_with("PUT") || e.starts_with("DELETE");
    if (!write || e.find("search") != std::string_view::npos || e.find("token") != std::string_view::npos) continue;
    for (auto const& [status, count] : by_status.as_object()) n += count.to_number<std::size_t>();
  }
  return n;
}

std::size_t sync_world::x3_requests(std::string_view part) const {
  std::size_t n = 0;
  auto counts = emu_->request_counts().to_json();
  auto const* requests = counts.at("requests").as_object().if_contains("x3");
  if (!requests) return 0;
  for (auto const& [endpoint, by_status] : requests->as_object())
    if (std::string_view{endpoint}.find(part) != std::string_view::npos)
      for (auto const& [status, count] : by_status.as_object()) n += count.to_number<std::size_t>();
  return n;
}

awaitable<void> sync_world::stop() {
  for (auto& t : tenants_)
    if (t) t->stop();
  co_await emu_->stop();
  services_.store->close();
  stopped_ = true;
}

}  // namespace mlc::test
