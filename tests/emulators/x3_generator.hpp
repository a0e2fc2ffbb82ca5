#pragma once
// Deterministic sample data for one tenant: the same seed gives the same records on every
// machine. Stamps are spread over a fixed window with deliberate ties (several records
// share one second), so paging across equal stamps is exercised without any knob.
#include <chrono>
#include <cstddef>

#include "tests/emulators/rng.hpp"
#include "tests/emulators/x3_model.hpp"

namespace mlc::emu {

struct x3_generation {
  std::size_t orders = 50;
  std::size_t invoices = 25;
  std::size_t suppliers = 12;
  sys_ms start = sys_ms{std::chrono::milliseconds{days_from_civil(2026, 1, 5) * 86'400'000}};
  std::chrono::seconds span{std::chrono::hours{24 * 120}};
  double tie_probability = 0.35;  // chance that the next record reuses the previous stamp
};

x3_data generate_x3_data(rng& random, x3_generation const& g);

// A plausible order for `supplier` created now (control API "create" without lines).
x3_purchase_order generate_order(rng& random, std::string id, std::string const& site, std::string const& supplier,
                                 std::string const& currency, std::int64_t order_date);

}  // namespace mlc::emu
