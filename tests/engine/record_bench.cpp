// mlc-record-bench: the connector's CPU cost per purchase order, stage by stage, for the
// work a first sync does on every record between the bytes X3 sends and the bytes Jira
// receives: parsing the GraphQL page, mapping (fields and the description with a table row
// per line), the source fingerprint, the create body, the stored state and its hash, and
// the issue-map entry with its audit entry written to RocksDB (unsynced, as the bulk path
// writes them). What it leaves out (HTTP, the Jira answer, the event loop, the kernel) is
// what the multi-tenant benchmark (tests/harness/bench.py) adds on top.
//
//     build/release/tests/engine/mlc-record-bench [--records 5000] [--rounds 5] [--flavour cloud|dc]
//
// Orders look like the emulator's (1 to 20 lines, 13 mapped custom fields). Each stage runs
// over every record `rounds` times; the fastest round is printed (thread CPU ns/record), so a
// busy machine mostly lengthens the others. Compare two builds by running both in turn.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include <boost/json/serialize.hpp>

#include "engine/content_hash.hpp"
#include "engine/mapper.hpp"
#include "engine/tenant_store.hpp"
#include "engine/x3_parse.hpp"
#include "engine/x3_reader.hpp"
#include "storage/store.hpp"
#include "tests/support/thread_cpu.hpp"

using namespace mlc::engine;
namespace storage = mlc::storage;

using mlc::test::thread_cpu_seconds;

namespace {

std::string pad(long n, int width) {
  std::string s = std::to_string(n);
  return std::string(static_cast<std::size_t>(std::max(0, width - static_cast<int>(s.size()))), '0') + s;
}

std::string date(int day) {  // 2026-01-01 + day (days < 28 per month, enough for a bench)
  int month = 1 + (day / 28) % 12;
  return "2026-" + pad(month, 2) + "-" + pad(1 + day % 28, 2);
}

// One GraphQL page of `count` orders shaped like the emulator's answers to the engine's query.
std::string graphql_page(std::mt19937& random, std::size_t first, std::size_t count) {
  auto between = [&](long lo, long hi) { return std::uniform_int_distribution<long>(lo, hi)(random); };
  static constexpr char const* prefixes[] = {"RM", "PK", "EL", "MC", "SV"};
  static constexpr char const* units[] = {"KG", "EA", "EA", "EA", "H"};
  std::string out = R"({"data":{"x3Purchasing":{"purchaseOrder":{"query":{"edges":[)";
  for (std::size_t i = 0; i < count; ++i) {
    auto id = "PO" + pad(static_cast<long>(first + i), 7);
    int order_day = static_cast<int>(between(0, 200));
    long lines = between(1, 20);
    long total = 0;
    std::string line_text;
    for (long l = 1; l <= lines; ++l) {
      auto family = static_cast<std::size_t>(between(0, 4));
      long qty = between(1, 500) * 100, price = between(50, 250'000);
      total += qty * price / 100;
      if (l > 1) line_text += ',';
      line_text += R"({"node":{"lineNumber":)" + std::to_string(l * 1000) + R"(,"product":{"code":")" +
                   prefixes[family] + pad(between(1, 400), 4) + R"("},"quantityInOrderUnitOrdered":")" +
                   std::to_string(qty / 100) + R"(","orderUnit":{"code":")" + units[family] +
                   R"("},"netPrice":")" + std::to_string(price / 100) + "." + pad(price % 100, 2) +
                   R"(","expectedReceiptDate":")" + date(order_day + static_cast<int>(between(7, 60))) +
                   R"(","isReceived":)" + (between(0, 9) < 3 ? "true" : "false") + "}}";
    }
    if (i > 0) out += ',';
    out += R"({"node":{"id":")" + id + R"(","purchaseSite":{"code":"FR0)" + std::to_string(between(1, 3)) +
           R"("},"orderDate":")" + date(order_day) + R"(","orderFromSupplier":{"code":"SUP)" +
           pad(between(1, 12), 3) + R"("},"currency":{"code":"EUR"},"taxExcludedTotalAmount":")" +
           std::to_string(total) + R"(","taxIncludedTotalAmount":")" + std::to_string(total * 6 / 5) +
           R"(","isClosed":false,"receiptStatus":"notReceived","_updateStamp":"2026-03-01T10:00:00Z",)" +
           R"("purchaseOrderLines":{"query":{"edges":[)" + line_text +
           R"(],"pageInfo":{"hasNextPage":false}}}},"cursor":"c)" + std::to_string(first + i) + "\"}";
  }
  out += R"(],"pageInfo":{"endCursor":"end","hasNextPage":false}}}}}})";
  return out;
}

mapping_settings settings_for(jira_flavour flavour) {
  mapping_settings s;
  s.tenant = "t0001";
  s.folder = "T0001";
  s.flavour = flavour;
  s.project_key = "OPS";
  s.issue_type_name = "Task";
  auto field = [&](std::string logical, std::string id, std::string type, std::string custom = {}) {
    s.fields[logical] = resolved_field{std::move(id), field_schema{std::move(type), std::move(custom)}};
  };
  field("vendor", "customfield_10050", "string");
  field("order_date", "customfield_10051", "date");
  field("delivery_date", "customfield_10052", "date");
  field("total", "customfield_10053", "number");
  field("currency", "customfield_10054", "string");
  field("line_count", "customfield_10055", "number");
  field("site", "customfield_10056", "string");
  return s;
}

struct stage {
  char const* name;
  double best_ns = 1e300;
};

}  // namespace

int main(int argc, char** argv) {
  std::size_t records = 5000, rounds = 5;
  jira_flavour flavour = jira_flavour::cloud;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--records") == 0) records = std::strtoul(argv[i + 1], nullptr, 10);
    else if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::strtoul(argv[i + 1], nullptr, 10);
    else if (std::strcmp(argv[i], "--flavour") == 0 && std::strcmp(argv[i + 1], "dc") == 0)
      flavour = jira_flavour::data_center;
    else if (std::strcmp(argv[i], "--flavour") == 0 && std::strcmp(argv[i + 1], "cloud") == 0)
      flavour = jira_flavour::cloud;
    else {
      std::fprintf(stderr, "usage: %s [--records N] [--rounds K] [--flavour cloud|dc]\n", argv[0]);
      return 2;
    }
  }
  if (records == 0 || rounds == 0) return 2;
  constexpr std::size_t page_size = 100;  // the engine's page size (x3_reader)
  std::mt19937 random{20261130};
  std::vector<std::string> pages;
  std::size_t page_bytes = 0;
  for (std::size_t first = 0; first < records; first += page_size) {
    pages.push_back(graphql_page(random, first, std::min(page_size, records - first)));
    page_bytes += pages.back().size();
  }
  auto const settings = settings_for(flavour);
  std::string const supplier_name = "Fournitures Industrielles du Rhône SA";
  std::string const fingerprint(64, 'f');

  auto dir = std::filesystem::temp_directory_path() / ("mlc-record-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  storage::store_options store_options;
  store_options.sync = false;
  auto db = storage::store::open(dir, store_options);
  tenant_store store{db, settings.tenant};

  // Kept between stages so each stage starts from the previous one's output.
  std::vector<purchase_order> orders;
  std::vector<desired_state> states;
  std::vector<std::string> sources, bodies;
  std::vector<issue_entry> entries;
  std::size_t body_bytes = 0, entry_bytes = 0;

  std::vector<std::pair<stage, std::function<void()>>> stages;
  stages.push_back({{"parse X3 page"}, [&] {
                      orders.clear();
                      for (auto const& p : pages)
                        for (auto& r : parse_graphql_purchase_orders(p).records)
                          orders.push_back(std::get<purchase_order>(std::move(r)));
                    }});
  stages.push_back({{"issue map lookups (3 misses)"}, [&] {
                      std::size_t hits = 0;
                      for (auto const& po : orders)
                        hits += store.has_issue(entity::purchase_order, po.id) +
                                store.is_parked(entity::purchase_order, po.id) +
                                store.parked(entity::purchase_order, po.id).has_value();
                      if (hits != 0) std::abort();
                    }});
  stages.push_back({{"map (fields, description)"}, [&] {
                      states.clear();
                      for (auto const& po : orders) states.push_back(map_purchase_order(po, supplier_name, settings));
                    }});
  stages.push_back({{"source fingerprint"}, [&] {
                      sources.clear();
                      for (auto const& po : orders)
                        sources.push_back(source_fingerprint(po, supplier_name, fingerprint));
                    }});
  stages.push_back({{"create body"}, [&] {
                      bodies.clear();
                      body_bytes = 0;
                      for (auto const& s : states) {
                        bodies.push_back(create_body(s));
                        body_bytes += bodies.back().size();
                      }
                    }});
  stages.push_back({{"stored state + hash"}, [&] {
                      entries.clear();
                      for (std::size_t i = 0; i < states.size(); ++i) {
                        issue_entry e;
                        e.key = "OPS-" + std::to_string(i + 1);
                        e.id = std::to_string(10000 + i);
                        e.set_state(hash_state(states[i].take_json()));  // as the bulk path: after the body
                        e.record_updated = orders[i].updated;
                        e.source_hash = sources[i];
                        entries.push_back(std::move(e));
                      }
                    }});
  // The issue map is written here and dropped at the next round's start (below), so every
  // round inserts into a memtable of about the same size.
  stages.push_back({{"issue entry + audit write"}, [&] {
                      entry_bytes = 0;
                      storage::write_batch batch;
                      for (std::size_t i = 0; i < entries.size(); ++i) {
                        batch.push_back(store.put_issue(entity::purchase_order, orders[i].id, entries[i]));
                        entry_bytes += batch.back().value->size();
                        batch.push_back(store.audit(entity::purchase_order, orders[i].id, "created", entries[i].key,
                                                    "created " + entries[i].key));
                        if (batch.size() >= 100) store.write_unsynced(std::exchange(batch, {}));
                      }
                      store.write_unsynced(std::move(batch));
                    }});

  for (std::size_t round = 0; round < rounds; ++round) {
    storage::write_batch drop;
    for (auto const& po : orders) drop.push_back(store.drop_issue(entity::purchase_order, po.id));
    store.write_unsynced(std::move(drop));
    for (auto& [s, run] : stages) {
      double started = thread_cpu_seconds();
      run();
      double ns = (thread_cpu_seconds() - started) * 1e9 / static_cast<double>(records);
      s.best_ns = std::min(s.best_ns, ns);
    }
  }

  std::printf("mlc-record-bench: %zu purchase orders (1-20 lines), %s, best of %zu rounds\n", records,
              flavour == jira_flavour::cloud ? "Jira Cloud (ADF)" : "Jira Data Center (wiki)", rounds);
  std::printf("  X3 page %zu bytes/record, create body %zu bytes/record, issue entry %zu bytes/record\n",
              page_bytes / records, body_bytes / records, entry_bytes / records);
  double total = 0;
  for (auto const& [s, run] : stages) {
    std::printf("  %-30s %8.2f us/record\n", s.name, s.best_ns / 1000);
    total += s.best_ns;
  }
  std::printf("  %-30s %8.2f us/record\n", "total", total / 1000);
  db->close();
  std::filesystem::remove_all(dir);
  return 0;
}
