#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <random>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <rocksdb/perf_context.h>
#include <rocksdb/perf_level.h>

#include "storage/keys.hpp"
#include "storage/store.hpp"
#include "tests/support/test_support.hpp"

using namespace mlc::storage;
using mlc::test::temp_dir;
using namespace std::string_literals;

namespace {
std::vector<std::pair<std::string, std::string>> scan_all(store const& s, column c, std::string_view prefix) {
  std::vector<std::pair<std::string, std::string>> out;
  s.scan(c, prefix, [&](std::string_view k, std::string_view v) {
    out.emplace_back(std::string{k}, std::string{v});
    return true;
  });
  return out;
}

store_options fast() {
  store_options o;
  o.sync = false;
  return o;
}

// RocksDB's per-thread counters around the calling thread's reads.
struct read_counts {
  std::uint64_t filtered;  // table files a filter ruled out
  std::uint64_t blocks;    // data blocks searched (from the block cache or the file)
};
template <class Reads>
read_counts count_reads(Reads reads) {
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kEnableCount);
  rocksdb::get_perf_context()->Reset();
  reads();
  auto const* pc = rocksdb::get_perf_context();
  read_counts out{pc->bloom_sst_miss_count, pc->block_cache_hit_count - pc->block_cache_index_hit_count -
                                                 pc->block_cache_filter_hit_count + pc->block_read_count -
                                                 pc->index_block_read_count - pc->filter_block_read_count};
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  return out;
}
}  // namespace

TEST_CASE("store persists every column family across reopen") {
  temp_dir dir;
  {
    auto s = store::open(dir.path());
    write_batch batch;
    for (auto c : all_columns) batch.push_back({c, make_key("t1", to_string(c)), "value-" + std::string{to_string(c)}});
    s->commit_now(std::move(batch));
    CHECK(s->commits() == 1);
    CHECK(s->batches() == 1);
  }
  auto s = store::open(dir.path());
  for (auto c : all_columns) {
    auto v = s->get(c, make_key("t1", to_string(c)));
    REQUIRE(v);
    CHECK(*v == "value-" + std::string{to_string(c)});
    CHECK(s->contains(c, make_key("t1", to_string(c))));
    // A key written to one family is not visible in the others.
    for (auto other : all_columns)
      if (other != c) {
        CHECK_FALSE(s->get(other, make_key("t1", to_string(c))));
        CHECK_FALSE(s->contains(other, make_key("t1", to_string(c))));
      }
  }
  CHECK(s->get(column::meta, "schema_version") == std::optional<std::string>{"1"});
  CHECK_FALSE(s->get(column::watermarks, "missing"));
}

TEST_CASE("store deletes with a nullopt value") {
  temp_dir dir;
  auto s = store::open(dir.path(), fast());
  s->commit_now({{column::issue_map, make_key("a", "k"), "v"}});
  REQUIRE(s->get(column::issue_map, make_key("a", "k")));
  s->commit_now({{column::issue_map, make_key("a", "k"), std::nullopt}});
  CHECK_FALSE(s->get(column::issue_map, make_key("a", "k")));
  CHECK_FALSE(s->contains(column::issue_map, make_key("a", "k")));
}

TEST_CASE("prefix scan keeps tenants a and ab apart and visits keys in order") {
  temp_dir dir;
  auto s = store::open(dir.path(), fast());
  s->commit_now({{column::issue_map, make_key("ab", "1"), "ab1"},
                 {column::issue_map, make_key("a", "2"), "a2"},
                 {column::issue_map, make_key("a", "1"), "a1"},
                 {column::issue_map, make_key("b", "1"), "b1"}});
  auto a = scan_all(*s, column::issue_map, tenant_prefix("a"));
  REQUIRE(a.size() == 2);
  CHECK(a[0].second == "a1");
  CHECK(a[1].second == "a2");
  auto ab = scan_all(*s, column::issue_map, tenant_prefix("ab"));
  REQUIRE(ab.size() == 1);
  CHECK(ab[0].second == "ab1");

  int visited = 0;
  s->scan(column::issue_map, "", [&](std::string_view, std::string_view) { return ++visited < 3; });
  CHECK(visited == 3);
}

TEST_CASE("drop_tenant removes one tenant from every family and nothing else") {
  temp_dir dir;
  auto s = store::open(dir.path(), fast());
  write_batch batch;
  for (auto c : all_columns) {
    batch.push_back({c, make_key("a", "k"), "a"});
    batch.push_back({c, make_key("ab", "k"), "ab"});
  }
  s->commit_now(std::move(batch));
  s->drop_tenant("a");
  for (auto c : all_columns) {
    CHECK(scan_all(*s, c, tenant_prefix("a")).empty());
    CHECK(s->get(c, make_key("ab", "k")) == std::optional<std::string>{"ab"});
  }
  CHECK(s->get(column::meta, "schema_version"));
}

TEST_CASE("commit on a closed store throws, close is idempotent") {
  temp_dir dir;
  auto s = store::open(dir.path(), fast());
  s->close();
  s->close();
  CHECK_THROWS_AS(s->commit_now({{column::audit, "k", "v"}}), storage_error);
  CHECK_THROWS_AS(s->get(column::audit, "k"), storage_error);
  CHECK_THROWS_WITH(mlc::test::run([&](mlc::asio::io_context&) -> mlc::awaitable<void> {
                      write_batch batch;
                      batch.push_back({column::audit, "k", "v"});
                      co_await s->commit(std::move(batch));
                    }),
                    Catch::Contains("closed"));
}

TEST_CASE("a second open of a locked directory names the problem") {
  temp_dir dir;
  auto s = store::open(dir.path(), fast());
  CHECK_THROWS_WITH(store::open(dir.path()),
                    Catch::Contains("locked by another running ml-connector") && Catch::Contains(dir.str()));
  // Read-only opens take no lock and see committed data.
  s->commit_now({{column::watermarks, make_key("t", "po"), "w"}});
  store_options ro;
  ro.read_only = true;
  auto reader = store::open(dir.path(), ro);
  CHECK(reader->get(column::watermarks, make_key("t", "po")) == std::optional<std::string>{"w"});
  CHECK_THROWS_WITH(reader->commit_now({{column::audit, "k", "v"}}), Catch::Contains("read-only"));
}

TEST_CASE("a directory held by another running process is reported as locked") {
  temp_dir dir;
  int ready[2], release[2];
  REQUIRE(::pipe(ready) == 0);
  REQUIRE(::pipe(release) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {  // the "running node": hold the store until the parent closes `release`
    ::close(ready[0]);
    ::close(release[1]);
    int status = 0;
    try {
      auto s = store::open(dir.path(), fast());
      char ok = 1;
      if (::write(ready[1], &ok, 1) != 1) status = 2;
      char buf;
      while (::read(release[0], &buf, 1) > 0) {
      }
    } catch (...) {
      status = 1;
    }
    ::_exit(status);
  }
  ::close(ready[1]);
  ::close(release[0]);
  char ok = 0;
  REQUIRE(::read(ready[0], &ok, 1) == 1);  // the child has the store open
  CHECK_THROWS_WITH(store::open(dir.path()), Catch::Contains("locked by another running ml-connector"));
  ::close(release[1]);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  ::close(ready[0]);
  CHECK_NOTHROW(store::open(dir.path()));  // free again once that process is gone
}

TEST_CASE("an unknown schema version is refused") {
  temp_dir dir;
  {
    auto s = store::open(dir.path(), fast());
    s->commit_now({{column::meta, "schema_version", "99"}});
  }
  CHECK_THROWS_WITH(store::open(dir.path()), Catch::Contains("schema version 99"));
}

TEST_CASE("prune_audit deletes old entries of every tenant only") {
  temp_dir dir;
  auto s = store::open(dir.path(), fast());
  using std::chrono::system_clock;
  auto t0 = system_clock::time_point{std::chrono::seconds{1'700'000'000}};
  write_batch batch;
  for (std::string tenant : {"a", "ab", "b"}) {
    batch.push_back({column::audit, audit_key(tenant, t0, 0), "old"});
    batch.push_back({column::audit, audit_key(tenant, t0 + std::chrono::hours{1}, 0), "new"});
  }
  batch.push_back({column::issue_map, audit_key("a", t0, 0), "not audit"});
  s->commit_now(std::move(batch));
  s->prune_audit(t0 + std::chrono::minutes{30});
  for (std::string tenant : {"a", "ab", "b"}) {
    auto left = scan_all(*s, column::audit, tenant_prefix(tenant));
    REQUIRE(left.size() == 1);
    CHECK(left[0].second == "new");
  }
  CHECK(s->get(column::issue_map, audit_key("a", t0, 0)));
}

TEST_CASE("size_bytes grows with data and the on_batch hook sees each group") {
  temp_dir dir;
  std::size_t records = 0;
  auto o = fast();
  o.on_batch = [&](std::size_t n, std::chrono::duration<double> took) {
    records += n;
    CHECK(took.count() >= 0);
  };
  auto s = store::open(dir.path(), o);
  auto before = s->size_bytes();
  s->commit_now({{column::replay, make_key("t", "r"), std::string(100'000, 'x')}});
  CHECK(s->size_bytes() > before);
  s->close();
  CHECK(records == 1);
}

TEST_CASE("write_unsynced is visible at once and survives the process being killed") {
  temp_dir dir;
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto s = store::open(dir.path());
    s->write_unsynced({{column::issue_map, make_key("t", "r1"), "OPS-1"}, {column::watermarks, make_key("t", "w"), "7"}});
    bool seen = s->get(column::issue_map, make_key("t", "r1")) == std::optional<std::string>{"OPS-1"};
    if (!seen) ::_exit(3);
    ::kill(::getpid(), SIGKILL);  // no close, no flush, no sync
    ::_exit(4);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  auto s = store::open(dir.path());
  CHECK(s->get(column::issue_map, make_key("t", "r1")) == std::optional<std::string>{"OPS-1"});
  CHECK(s->get(column::watermarks, make_key("t", "w")) == std::optional<std::string>{"7"});
}

TEST_CASE("a key the store never had is ruled out by the table files' filters, without reading their blocks") {
  constexpr int keys = 2000, misses = 500;
  auto filter_bits = GENERATE(10, 0);
  CAPTURE(filter_bits);
  temp_dir dir;
  auto options = fast();
  options.filter_bits_per_key = filter_bits;
  {
    auto s = store::open(dir.path(), options);
    write_batch batch;
    for (int i = 0; i < keys; ++i) {
      auto id = "PO" + std::to_string(i);
      batch.push_back({column::issue_map, make_key("t1", "purchase_order", id), std::string(300, 'e')});
      batch.push_back({column::replay, make_key("t1", "purchase_order", id), std::string(100, 'p')});
      batch.push_back({column::audit, make_key("t1", "purchase_order", id), std::string(100, 'a')});
    }
    s->commit_now(std::move(batch));
  }
  // Reopened, the WAL's entries are flushed into table files: the reads below go to them.
  auto s = store::open(dir.path(), options);
  int tables = 0;
  for (auto const& f : std::filesystem::directory_iterator(dir.path())) tables += f.path().extension() == ".sst";
  REQUIRE(tables >= 3);

  auto absent = count_reads([&] {
    for (int i = 0; i < misses; ++i) {
      auto id = "PO" + std::to_string(keys + i);
      CHECK_FALSE(s->get(column::issue_map, make_key("t1", "purchase_order", id)));
      CHECK_FALSE(s->contains(column::replay, make_key("t1", "purchase_order", id)));
    }
  });
  auto audit = count_reads([&] {
    for (int i = 0; i < misses; ++i)
      CHECK_FALSE(s->contains(column::audit, make_key("t1", "purchase_order", "PO" + std::to_string(keys + i))));
  });
  std::uint64_t found = 0;
  auto present = count_reads([&] {
    for (int i = 0; i < keys; i += 7, ++found)
      CHECK(s->get(column::issue_map, make_key("t1", "purchase_order", "PO" + std::to_string(i))) ==
            std::optional<std::string>{std::string(300, 'e')});
  });
  CHECK(present.blocks >= found);  // one data block per key found
  // The audit trail is only scanned: it has no filter either way.
  CHECK(audit.filtered == 0);
  if (filter_bits > 0) {
    CHECK(absent.filtered >= 2 * misses * 95 / 100);  // 10 bits per key: ~1% false positives
    CHECK(absent.blocks < 2 * misses / 10);
  } else {
    CHECK(absent.filtered == 0);
    CHECK(absent.blocks >= 2 * misses);
  }
}

TEST_CASE("drop_superseded keeps the last op on each key, in batch order") {
  write_batch batch{{column::watermarks, "t\0po"s, "a"},       {column::issue_map, "t\0x"s, "1"},
                    {column::watermarks, "t\0po"s, "b"},       {column::issue_map, "t\0x"s, std::nullopt},
                    {column::audit, "t\0y"s, "2"},             {column::issue_map, "t\0po"s, "other column"},
                    {column::watermarks, "t\0inv"s, "c"}};
  drop_superseded(batch);
  REQUIRE(batch.size() == 5);
  CHECK((batch[0].cf == column::watermarks && batch[0].key == "t\0po"s && batch[0].value == "b"));
  CHECK((batch[1].cf == column::issue_map && batch[1].key == "t\0x"s && !batch[1].value));
  CHECK((batch[2].cf == column::audit && batch[2].value == "2"));
  CHECK((batch[3].cf == column::issue_map && batch[3].key == "t\0po"s && batch[3].value == "other column"));
  CHECK((batch[4].cf == column::watermarks && batch[4].key == "t\0inv"s));

  write_batch distinct{{column::audit, "a", "1"}, {column::audit, "b", "2"}};
  drop_superseded(distinct);
  CHECK(distinct.size() == 2);

  // Random batches over a few keys leave a store exactly as the whole batch does.
  std::mt19937 random{20261201};
  temp_dir whole_dir, dropped_dir;
  auto whole = store::open(whole_dir.path(), fast());
  auto dropped = store::open(dropped_dir.path(), fast());
  std::size_t before = 0, after = 0;
  for (int round = 0; round < 200; ++round) {
    write_batch b;
    auto const n = 1 + random() % 12;
    for (std::size_t i = 0; i < n; ++i) {
      auto const c = random() % 2 ? column::issue_map : column::watermarks;
      auto key = make_key("t", std::string(1, static_cast<char>('a' + random() % 4)));
      std::optional<std::string> value;
      if (random() % 4) value = std::to_string(random() % 1000);
      b.push_back({c, std::move(key), std::move(value)});
    }
    auto d = b;
    drop_superseded(d);
    before += b.size();
    after += d.size();
    whole->write_unsynced(b);
    dropped->write_unsynced(d);
    for (auto c : {column::issue_map, column::watermarks}) CHECK(scan_all(*whole, c, "") == scan_all(*dropped, c, ""));
  }
  CHECK(after < before);
}
