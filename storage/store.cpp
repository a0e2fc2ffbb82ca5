#include "storage/store.hpp"

#include <algorithm>
#include <cstdint>

#include <pthread.h>

#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include "storage/keys.hpp"
#include "storage/store_impl.hpp"

namespace mlc::storage {

namespace {
// Bounds one group so a burst cannot make the first waiter wait for an unbounded write.
constexpr std::size_t max_group = 4096;

// The audit trail is only appended and scanned in key order: a filter there would be
// built at every flush and never asked.
rocksdb::ColumnFamilyOptions family_options(std::string_view name, store_options const& options) {
  rocksdb::ColumnFamilyOptions o;
  if (options.filter_bits_per_key > 0 && name != to_string(column::audit)) {
    rocksdb::BlockBasedTableOptions table;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(options.filter_bits_per_key));
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  }
  return o;
}
}  // namespace

void drop_superseded(write_batch& batch) {
  if (batch.size() < 2) return;
  // Indices in (column, key) order, equal ones in batch order: the last of each run stays.
  std::vector<std::uint32_t> order(batch.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  auto same = [&](std::uint32_t a, std::uint32_t b) {
    return batch[a].cf == batch[b].cf && batch[a].key == batch[b].key;
  };
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    if (batch[a].cf != batch[b].cf) return batch[a].cf < batch[b].cf;
    return batch[a].key < batch[b].key;
  });
  std::vector<bool> superseded(batch.size(), false);
  bool any = false;
  for (std::size_t i = 0; i + 1 < order.size(); ++i)
    if (same(order[i], order[i + 1])) superseded[order[i]] = any = true;
  if (!any) return;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < batch.size(); ++i)
    if (!superseded[i]) {
      if (kept != i) batch[kept] = std::move(batch[i]);
      ++kept;
    }
  batch.resize(kept);
}

std::string_view to_string(column c) {
  switch (c) {
    case column::watermarks: return "watermarks";
    case column::issue_map: return "issue_map";
    case column::suppliers: return "suppliers";
    case column::audit: return "audit";
    case column::replay: return "replay";
    case column::tenant_state: return "tenant_state";
    case column::meta: return "meta";
  }
  return "unknown";
}

std::optional<column> column_from_string(std::string_view name) {
  for (auto c : all_columns)
    if (to_string(c) == name) return c;
  return std::nullopt;
}

void store::impl::run_writer() {
  // Named so that per-thread CPU (top -H, /proc/PID/task) tells it from the io_context's.
  ::pthread_setname_np(::pthread_self(), "mlc-writer");
  std::vector<queued_commit> group;
  for (;;) {
    {
      std::unique_lock lock{mutex};
      wake.wait(lock, [&] { return stopping || !queue.empty(); });
      if (queue.empty()) return;  // stopping and drained
      while (!queue.empty() && group.size() < max_group) {
        group.push_back(std::move(queue.front()));
        queue.pop_front();
      }
    }
    write_group(group);
    group.clear();
  }
}

void store::impl::write_group(std::vector<queued_commit>& group) {
  std::exception_ptr error;
  auto started = std::chrono::steady_clock::now();
  try {
    rocksdb::WriteBatch batch;
    for (auto const& entry : group) {
      for (auto const& op : entry.batch) {
        auto s = op.value ? batch.Put(cf(op.cf), op.key, *op.value) : batch.Delete(cf(op.cf), op.key);
        if (!s.ok()) fail("building a write batch", s);
      }
    }
    if (batch.Count() > 0) {
      auto wo = write_options();
      auto s = db->Write(wo, &batch);
      if (!s.ok()) fail("group commit", s);
    }
    batches.fetch_add(1);
    commits.fetch_add(group.size());
  } catch (...) {
    error = std::current_exception();
  }
  if (!error && options.on_batch) {
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    try {
      options.on_batch(group.size(), took);
    } catch (...) {
      // An observer failure must not stop the writer or fail commits that are durable.
    }
  }
  for (auto& entry : group) {
    try {
      entry.done->complete(error);
    } catch (...) {
      // Only allocation failure while posting can land here; the writer must keep going.
    }
  }
}

store::store(std::unique_ptr<impl> i) : impl_(std::move(i)) {}

store::~store() { close(); }

std::shared_ptr<store> store::open(std::filesystem::path dir, store_options options) {
  auto i = std::make_unique<impl>();
  i->dir = dir;
  i->options = std::move(options);
  bool const ro = i->options.read_only;

  if (!ro) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw storage_error(i->where() + ": cannot create the data directory: " + ec.message());
  }

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = !ro;
  db_options.create_missing_column_families = !ro;
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 5;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;

  // Every family on disk must be opened (RocksDB refuses otherwise): ours, "default",
  // and any a newer build may have added.
  std::vector<std::string> names;
  auto list = rocksdb::DB::ListColumnFamilies(db_options, dir.string(), &names);
  if (!list.ok()) names.clear();  // a new database
  if (std::find(names.begin(), names.end(), rocksdb::kDefaultColumnFamilyName) == names.end())
    names.push_back(rocksdb::kDefaultColumnFamilyName);
  for (auto c : all_columns) {
    std::string n{to_string(c)};
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (auto const& n : names) descriptors.emplace_back(n, family_options(n, i->options));

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto s = ro ? rocksdb::DB::OpenForReadOnly(db_options, dir.string(), descriptors, &handles, &raw)
              : rocksdb::DB::Open(db_options, dir.string(), descriptors, &handles, &raw);
  if (!s.ok()) {
    auto text = s.ToString();
    if (s.IsIOError() && text.find("LOCK") != std::string::npos)
      throw storage_error(i->where() + ": the data directory is locked by another running ml-connector node "
                          "(or another open store in this process); stop that node or choose another "
                          "data_dir. RocksDB said: " + text);
    throw storage_error(i->where() + ": cannot open the database: " + text);
  }
  i->db.reset(raw);
  for (std::size_t n = 0; n < names.size(); ++n) {
    auto c = column_from_string(names[n]);
    if (c) i->handles[index_of(*c)] = handles[n];
    else i->other_handles.push_back(handles[n]);
  }

  auto cleanup = [&] {
    for (auto* h : i->handles) if (h) i->db->DestroyColumnFamilyHandle(h);
    for (auto* h : i->other_handles) i->db->DestroyColumnFamilyHandle(h);
    i->db->Close();
  };

  // Schema version: written on a new database, checked on every other.
  std::string version;
  auto got = i->db->Get(rocksdb::ReadOptions{}, i->cf(column::meta), "schema_version", &version);
  if (got.IsNotFound()) {
    if (ro) {
      cleanup();
      throw storage_error(i->where() + ": not an ml-connector data directory (meta has no schema_version)");
    }
    auto wo = i->write_options();
    wo.sync = true;
    auto put = i->db->Put(wo, i->cf(column::meta), "schema_version", std::string{schema_version});
    if (!put.ok()) {
      cleanup();
      throw storage_error(i->where() + ": writing schema_version failed: " + put.ToString());
    }
  } else if (!got.ok()) {
    cleanup();
    throw storage_error(i->where() + ": reading schema_version failed: " + got.ToString());
  } else if (version != schema_version) {
    cleanup();
    throw storage_error(i->where() + ": the data directory has schema version " + version +
                        " but this build understands version " + std::string{schema_version} +
                        "; use a matching ml-connector release");
  }

  if (!ro) {
    auto* p = i.get();
    i->writer = std::thread([p] { p->run_writer(); });
  }
  return std::shared_ptr<store>(new store(std::move(i)));
}

std::optional<std::string> store::get(column c, std::string_view key) const {
  impl_->require_open();
  std::string value;
  auto s = impl_->db->Get(rocksdb::ReadOptions{}, impl_->cf(c), rocksdb::Slice{key.data(), key.size()}, &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) impl_->fail("reading " + std::string{to_string(c)}, s);
  return value;
}

bool store::contains(column c, std::string_view key) const {
  impl_->require_open();
  rocksdb::PinnableSlice value;
  auto s = impl_->db->Get(rocksdb::ReadOptions{}, impl_->cf(c), rocksdb::Slice{key.data(), key.size()}, &value);
  if (s.IsNotFound()) return false;
  if (!s.ok()) impl_->fail("reading " + std::string{to_string(c)}, s);
  return true;
}

void store::scan(column c, std::string_view prefix,
                 std::function<bool(std::string_view, std::string_view)> const& visit) const {
  impl_->require_open();
  rocksdb::ReadOptions ro;
  auto end = prefix_end(prefix);
  rocksdb::Slice upper;
  if (end) {
    upper = rocksdb::Slice{*end};
    ro.iterate_upper_bound = &upper;
  }
  std::unique_ptr<rocksdb::Iterator> it{impl_->db->NewIterator(ro, impl_->cf(c))};
  for (it->Seek(rocksdb::Slice{prefix.data(), prefix.size()}); it->Valid(); it->Next()) {
    auto key = it->key();
    std::string_view k{key.data(), key.size()};
    if (!k.starts_with(prefix)) break;
    auto value = it->value();
    if (!visit(k, std::string_view{value.data(), value.size()})) return;
  }
  if (!it->status().ok()) impl_->fail("scanning " + std::string{to_string(c)}, it->status());
}

void store::enqueue(write_batch batch, std::unique_ptr<detail::pending_commit> done) {
  {
    std::lock_guard lock{impl_->mutex};
    if (!impl_->stopping && !impl_->closed.load() && !impl_->options.read_only) {
      impl_->queue.push_back(queued_commit{std::move(batch), std::move(done)});
      impl_->wake.notify_one();
      return;
    }
  }
  auto reason = impl_->options.read_only ? ": the store was opened read-only" : ": the store is closed";
  done->complete(std::make_exception_ptr(storage_error(impl_->where() + reason)));
}

asio::awaitable<void> store::commit(write_batch batch) {
  impl_->require_writable();
  co_await async_commit(std::move(batch), asio::use_awaitable);
}

namespace {
// Blocks the calling thread until the writer has made its batch durable.
struct blocking_commit final : detail::pending_commit {
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  std::exception_ptr error;
  void complete(std::exception_ptr e) override {
    std::lock_guard lock{mutex};
    error = e;
    done = true;
    cv.notify_all();
  }
};
// Owned by the queue but observed by the caller: the caller keeps it alive via shared_ptr.
struct blocking_ref final : detail::pending_commit {
  std::shared_ptr<blocking_commit> target;
  explicit blocking_ref(std::shared_ptr<blocking_commit> t) : target(std::move(t)) {}
  void complete(std::exception_ptr e) override { target->complete(e); }
};
}  // namespace

void store::commit_now(write_batch batch) {
  impl_->require_writable();
  auto waiter = std::make_shared<blocking_commit>();
  enqueue(std::move(batch), std::make_unique<blocking_ref>(waiter));
  std::unique_lock lock{waiter->mutex};
  waiter->cv.wait(lock, [&] { return waiter->done; });
  if (waiter->error) std::rethrow_exception(waiter->error);
}

void store::write_unsynced(write_batch const& ops) {
  impl_->require_writable();
  rocksdb::WriteBatch batch;
  for (auto const& op : ops) {
    auto s = op.value ? batch.Put(impl_->cf(op.cf), op.key, *op.value) : batch.Delete(impl_->cf(op.cf), op.key);
    if (!s.ok()) impl_->fail("building a write batch", s);
  }
  if (batch.Count() == 0) return;
  auto wo = impl_->write_options();
  wo.sync = false;
  auto s = impl_->db->Write(wo, &batch);
  if (!s.ok()) impl_->fail("unsynced write", s);
  impl_->unsynced_writes.fetch_add(1);
}

void store::drop_tenant(std::string_view tenant) {
  impl_->require_writable();
  auto begin = tenant_prefix(tenant);
  auto end = *prefix_end(begin);  // the prefix ends in 0x00, so a bound always exists
  rocksdb::WriteBatch batch;
  for (auto c : all_columns) {
    auto s = batch.DeleteRange(impl_->cf(c), begin, end);
    if (!s.ok()) impl_->fail("dropping a tenant", s);
  }
  impl_->write_direct(batch, "dropping tenant " + std::string{tenant});
}

void store::prune_audit(std::chrono::system_clock::time_point older_than) {
  impl_->require_writable();
  // One range delete per tenant found in the audit family: tenants are visited by seeking
  // past each one's keys, so the cost follows the number of tenants, not of entries.
  rocksdb::WriteBatch batch;
  std::unique_ptr<rocksdb::Iterator> it{impl_->db->NewIterator(rocksdb::ReadOptions{}, impl_->cf(column::audit))};
  it->SeekToFirst();
  while (it->Valid()) {
    auto key = it->key();
    auto parts = split_key(std::string_view{key.data(), key.size()});
    if (!parts) {  // not tenant-prefixed: leave it and move on
      it->Next();
      continue;
    }
    std::string tenant{parts->tenant};
    auto begin = tenant_prefix(tenant);
    auto bound = audit_time_bound(tenant, older_than);
    auto s = batch.DeleteRange(impl_->cf(column::audit), begin, bound);
    if (!s.ok()) impl_->fail("pruning audit", s);
    auto next = *prefix_end(begin);
    it->Seek(next);
  }
  if (!it->status().ok()) impl_->fail("pruning audit", it->status());
  if (batch.Count() > 0) impl_->write_direct(batch, "pruning audit");
}

std::string store::next_audit_key(std::string_view tenant, std::chrono::system_clock::time_point at) {
  return audit_key(tenant, at, impl_->audit_sequence.fetch_add(1));
}

std::uint64_t store::size_bytes() const {
  impl_->require_open();
  std::uint64_t total = 0;
  for (auto* h : impl_->handles) {
    std::uint64_t v = 0;
    if (impl_->db->GetIntProperty(h, rocksdb::DB::Properties::kLiveSstFilesSize, &v)) total += v;
    if (impl_->db->GetIntProperty(h, rocksdb::DB::Properties::kCurSizeAllMemTables, &v)) total += v;
  }
  return total;
}

std::uint64_t store::commits() const { return impl_->commits.load(); }
std::uint64_t store::batches() const { return impl_->batches.load(); }
std::uint64_t store::unsynced_writes() const { return impl_->unsynced_writes.load(); }
std::filesystem::path const& store::dir() const { return impl_->dir; }
bool store::read_only() const { return impl_->options.read_only; }

void store::close() {
  if (!impl_) return;
  std::lock_guard guard{impl_->close_mutex};
  if (impl_->closed.load()) return;
  {
    std::lock_guard lock{impl_->mutex};
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  if (impl_->writer.joinable()) impl_->writer.join();
  impl_->closed.store(true);
  for (auto*& h : impl_->handles) {
    if (h) impl_->db->DestroyColumnFamilyHandle(h);
    h = nullptr;
  }
  for (auto* h : impl_->other_handles) impl_->db->DestroyColumnFamilyHandle(h);
  impl_->other_handles.clear();
  impl_->db->Close();
  impl_->db.reset();
}

}  // namespace mlc::storage
