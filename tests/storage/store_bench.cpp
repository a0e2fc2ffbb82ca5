// mlc-store-bench: what a point read of the store costs once its entries are in table files,
// for a key that is there and for one that is not, with and without the Bloom filter
// (store_options::filter_bits_per_key). A record the node has never seen is looked up in
// the issue map and the replay column before it is created, and on a node that has run for
// a while those entries sit in table files, not in the memtable.
//
//     build/release/tests/storage/mlc-store-bench [--entries 500000] [--lookups 200000]
//     build/release/tests/storage/mlc-store-bench --fill DIR --entries N [--filter-bits B]
//
// --fill writes N such entries into the store at DIR (made if missing), spread over the given
// tenants (default: 1,000 named history-K), for orders PH<n> that X3 does not have, and
// stops: the multi-tenant benchmark's `--history N` runs the connector on a store that
// already holds its tenants' older entries in table files, as a node's does.
//
// For each setting: writes `entries` issue-map entries of ~400 bytes (20 tenants, keys as
// the engine makes them) unsynced in batches of 1,000, reopens the store (which moves what
// the WAL holds into table files), then times `lookups` reads of absent keys and as many of
// present ones on this thread (thread CPU, µs per read). Prints one line per setting and
// the ratio; exits non-zero if a read gives a wrong answer.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "storage/keys.hpp"
#include "storage/store.hpp"
#include "tests/support/thread_cpu.hpp"

namespace storage = mlc::storage;

using mlc::test::thread_cpu_seconds;

namespace {

std::string key_of(long n) {
  return storage::make_key("tenant-" + std::to_string(n % 20), "purchase_order", "PO" + std::to_string(n));
}

std::string random_value(std::mt19937_64& random) {
  std::string value(400, ' ');
  for (auto& c : value) c = static_cast<char>('a' + random() % 26);  // not compressible to nothing
  return value;
}

template <class Key>
void fill(storage::store& s, std::mt19937_64& random, long entries, Key key_of_entry) {
  storage::write_batch batch;
  for (long n = 0; n < entries; ++n) {
    batch.push_back({storage::column::issue_map, key_of_entry(n), random_value(random)});
    if (batch.size() == 1000 || n + 1 == entries) {
      s.write_unsynced(batch);
      batch.clear();
    }
  }
}

std::vector<std::string> split(std::string_view list) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at <= list.size();) {
    auto end = std::min(list.find(',', at), list.size());
    if (end > at) out.emplace_back(list.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

struct timing {
  double miss_us = 0;
  double hit_us = 0;
  std::size_t tables = 0;
  bool ok = true;
};

timing run(std::filesystem::path const& dir, int filter_bits, long entries, long lookups) {
  std::filesystem::remove_all(dir);
  storage::store_options options;
  options.sync = false;
  options.filter_bits_per_key = filter_bits;
  std::mt19937_64 random{20261201};
  fill(*storage::store::open(dir, options), random, entries, key_of);
  auto s = storage::store::open(dir, options);
  timing t;
  for (auto const& f : std::filesystem::directory_iterator(dir)) t.tables += f.path().extension() == ".sst";

  std::uniform_int_distribution<long> any(0, entries - 1);
  double started = thread_cpu_seconds();
  for (long i = 0; i < lookups; ++i)
    if (s->contains(storage::column::issue_map, key_of(entries + any(random)))) t.ok = false;
  t.miss_us = (thread_cpu_seconds() - started) * 1e6 / static_cast<double>(lookups);

  started = thread_cpu_seconds();
  for (long i = 0; i < lookups; ++i)
    if (!s->contains(storage::column::issue_map, key_of(any(random)))) t.ok = false;
  t.hit_us = (thread_cpu_seconds() - started) * 1e6 / static_cast<double>(lookups);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  long entries = 500000, lookups = 200000;
  int filter_bits = storage::store_options{}.filter_bits_per_key;
  char const* fill_dir = nullptr;
  std::vector<std::string> tenants;
  auto usage = [&] {
    std::fprintf(stderr, "usage: %s [--entries N] [--lookups N] | --fill DIR --entries N [--tenants A,B,...] [--filter-bits B]\n", argv[0]);
    return 2;
  };
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--entries") == 0) entries = std::strtol(argv[i + 1], nullptr, 10);
    else if (std::strcmp(argv[i], "--lookups") == 0) lookups = std::strtol(argv[i + 1], nullptr, 10);
    else if (std::strcmp(argv[i], "--filter-bits") == 0) filter_bits = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--fill") == 0) fill_dir = argv[i + 1];
    else if (std::strcmp(argv[i], "--tenants") == 0) tenants = split(argv[i + 1]);
    else return usage();
  }
  if ((argc - 1) % 2 != 0 || entries <= 0 || lookups <= 0 || filter_bits < 0) return usage();
  if (fill_dir) {
    storage::store_options options;
    options.sync = false;
    options.filter_bits_per_key = filter_bits;
    std::mt19937_64 random{20261201};
    if (tenants.empty())
      for (int t = 0; t < 1000; ++t) tenants.push_back("history-" + std::to_string(t));
    fill(*storage::store::open(fill_dir, options), random, entries, [&](long n) {
      return storage::make_key(tenants[static_cast<std::size_t>(n) % tenants.size()], "purchase_order",
                               "PH" + std::to_string(n));
    });
    std::printf("%ld issue-map entries of %zu tenants written to %s\n", entries, tenants.size(), fill_dir);
    return 0;
  }
  auto dir = std::filesystem::temp_directory_path() / ("mlc-store-bench-" + std::to_string(::getpid()));
  timing with{}, without{};
  bool ok = true;
  for (int bits : {10, 0}) {
    auto t = run(dir, bits, entries, lookups);
    std::printf("filter %2d bits/key: %ld entries in %zu table files; absent key %.2f µs, present key %.2f µs per read\n",
                bits, entries, t.tables, t.miss_us, t.hit_us);
    std::fflush(stdout);
    ok = ok && t.ok;
    (bits ? with : without) = t;
  }
  std::filesystem::remove_all(dir);
  std::printf("absent key: %.1fx cheaper with the filter; present key: %.2fx\n", without.miss_us / with.miss_us,
              without.hit_us / with.hit_us);
  if (!ok) std::fprintf(stderr, "a read gave a wrong answer\n");
  return ok ? 0 : 1;
}
