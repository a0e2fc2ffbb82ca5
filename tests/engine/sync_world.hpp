#pragma once
// The real engine against the in-process emulators, on one io_context, with one hand-driven
// clock shared by both (token expiry, search lag, X3 stamps, the search window): tests
// advance time instead of sleeping. Tenants run their real cycles over loopback HTTP.
#include <memory>
#include <vector>

#include "config/node_config.hpp"
#include "engine/tenant.hpp"
#include "tests/emulators/emulator.hpp"
#include "tests/support/convergence.hpp"
#include "tests/support/test_support.hpp"

namespace mlc::test {

class sync_world {
 public:
  // `tune` may edit each tenant's config before the engine sees it.
  sync_world(asio::io_context& ioc, emu::emulator_options options,
             std::function<void(config::tenant_config&)> tune = {});
  ~sync_world();

  emu::emulator& emulator() { return *emu_; }
  emu::manual_clock& clock() { return *clock_; }
  engine::node_services& services() { return services_; }
  config::node_config const& config() const { return config_; }
  std::filesystem::path const& dir() const { return dir_.path(); }

  engine::tenant& tenant(std::size_t i);
  // A process restart: forget every tenant object; the store stays.
  void restart();
  awaitable<engine::cycle_report> cycle(std::size_t i);
  // Cycles every tenant until one round writes nothing and completes; returns rounds run.
  // Advances the clock by `step` between rounds (search lag, lookback windows).
  awaitable<int> converge(int max_rounds = 10, std::chrono::milliseconds step = std::chrono::seconds{3});

  boost::json::object state() const { return emu_->state(); }
  convergence compare() const;
  // Requests the emulated Jira has answered, by "METHOD endpoint" (for "no write" checks).
  std::size_t jira_writes() const;
  // Requests the emulated X3 has answered whose endpoint contains `part` ("Supplier" counts
  // GraphQL supplier queries, "BPSUPPLIER" api1 ones).
  std::size_t x3_requests(std::string_view part) const;

  awaitable<void> stop();

 private:
  temp_dir dir_;
  asio::io_context& ioc_;
  std::shared_ptr<emu::manual_clock> clock_;
  std::unique_ptr<emu::emulator> emu_;
  config::node_config config_;
  engine::node_services services_;
  std::vector<std::shared_ptr<engine::tenant>> tenants_;
  bool stopped_ = false;
};

field_ids emulator_field_ids();

}  // namespace mlc::test
