// mlc-scrape-bench: what one /metrics scrape costs with N tenants (each with two entities,
// 31 series), as the node serves it: catalog::serialize() on the calling thread.
//
//     build/release/tests/metrics/mlc-scrape-bench [--tenants 10000] [--scrapes 5]
//
// Prints per scrape: wall and CPU milliseconds, bytes, and CPU nanoseconds per series.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "metrics/catalog.hpp"

namespace {

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  long tenants = 10000, scrapes = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--tenants") == 0) tenants = std::atol(argv[i + 1]);
    else if (std::strcmp(argv[i], "--scrapes") == 0) scrapes = std::atol(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: %s [--tenants N] [--scrapes K]\n", argv[0]);
      return 2;
    }
  }
  mlc::metrics::catalog c{"bench"};
  for (long i = 0; i < tenants; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "tenant-%06ld", i);
    auto& t = c.add_tenant(id);
    t.poll_cycles(mlc::metrics::poll_result::ok).Increment(static_cast<double>(i));
    t.entity("purchase_orders")->sync_lag_seconds.Set(1.5);
  }
  long const series = tenants * 31;
  for (long s = 0; s < scrapes; ++s) {
    auto wall0 = std::chrono::steady_clock::now();
    double cpu0 = thread_cpu_seconds();
    auto text = c.serialize();
    double cpu = thread_cpu_seconds() - cpu0;
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    std::printf("scrape %ld: %ld tenants, %ld series, %zu bytes, wall %.1f ms, CPU %.1f ms = %.0f ns per series\n", s + 1,
                tenants, series, text.size(), wall * 1e3, cpu * 1e3, cpu * 1e9 / static_cast<double>(series));
  }
  return 0;
}
