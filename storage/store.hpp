#pragma once
// RocksDB-backed persistent state of the node, one column family per kind of data
// (DESIGN.md §5), written through a group-commit writer thread.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/asio.hpp"

namespace mlc::storage {

enum class column { watermarks, issue_map, suppliers, audit, replay, tenant_state, meta };
inline constexpr column all_columns[] = {column::watermarks, column::issue_map, column::suppliers,
                                         column::audit,      column::replay,    column::tenant_state,
                                         column::meta};
std::string_view to_string(column);
// Inverse of to_string; nullopt for an unknown name.
std::optional<column> column_from_string(std::string_view);

// One put (value set) or delete (value nullopt).
struct write_op {
  column cf;
  std::string key;
  std::optional<std::string> value;
};
using write_batch = std::vector<write_op>;

// Of several ops on one key of one column only the last has any effect once the batch is
// written (a batch is applied atomically): the others are removed, the rest keep their
// order. A page's records, written unsynced together, each carry the watermark they
// advance to; only the last of those needs a memtable insert and WAL bytes.
void drop_superseded(write_batch& batch);

struct store_options {
  bool sync = true;        // fsync the WAL on every group commit
  bool read_only = false;  // no LOCK taken: inspect a live node's data from a CLI
  // Bits per key of the whole-key Bloom filter written into every table file of the
  // columns read by key (all but the audit trail); 0: none. A record the node has never
  // seen is looked up two or three times (its issue-map entry, its parked entry): with a
  // filter such a miss reads no table file's blocks. Changing it applies to files written
  // from then on; older ones keep what they were written with.
  int filter_bits_per_key = 10;
  // Called on the writer thread after each group commit (records in it, time spent in
  // the RocksDB write). Must be thread-safe and must not block; metrics hook here.
  std::function<void(std::size_t records, std::chrono::duration<double> took)> on_batch;
};

// Storage failures (I/O error, corruption, locked directory, closed store). The message
// names the data directory and what to do; it never contains stored values.
class storage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Current on-disk layout version, stored in meta under "schema_version".
inline constexpr std::string_view schema_version = "1";

namespace detail {
// A queued commit waiting for its batch to become durable.
struct pending_commit {
  virtual ~pending_commit() = default;
  // Called exactly once, on the writer thread (or the caller's thread if rejected).
  virtual void complete(std::exception_ptr error) = 0;
};

template <class Handler>
class handler_commit final : public pending_commit {
 public:
  explicit handler_commit(Handler h)
      : handler_(std::move(h)),
        work_(asio::prefer(asio::get_associated_executor(handler_),
                           asio::execution::outstanding_work.tracked)) {}
  void complete(std::exception_ptr error) override {
    // Resume the waiter on ITS executor, never on the writer thread.
    auto work = std::move(work_);
    asio::post(work, [h = std::move(handler_), error]() mutable { std::move(h)(error); });
  }

 private:
  Handler handler_;
  std::decay_t<decltype(asio::prefer(asio::get_associated_executor(std::declval<Handler&>()),
                                     asio::execution::outstanding_work.tracked))>
      work_;
};
}  // namespace detail

// Thread-safe: get/scan/commit/commit_now/drop_tenant/prune_audit may be called from any
// thread; commit() from coroutines on any io_context. close() must not race with reads.
class store {
 public:
  // Opens (creating if missing) the database in `dir` with every column family; writes
  // meta "schema_version" on a new database and refuses an unknown one. Throws
  // storage_error, with a clear message when another running node holds the directory.
  static std::shared_ptr<store> open(std::filesystem::path dir, store_options = {});

  ~store();
  store(store const&) = delete;
  store& operator=(store const&) = delete;

  std::optional<std::string> get(column, std::string_view key) const;
  bool contains(column, std::string_view key) const;  // get() without copying the value out
  // Visits keys with that prefix in order; the callback returns false to stop.
  void scan(column, std::string_view prefix,
            std::function<bool(std::string_view key, std::string_view value)> const&) const;

  // Group commit: the writer thread gathers everything queued into ONE rocksdb::WriteBatch
  // with ONE WAL sync, then resumes each waiter on its own executor. Completes (or throws
  // storage_error) only after the batch is durable. Not cancellable once queued: the
  // write happens regardless, so a cancelled caller must assume it may have committed.
  // A pending commit keeps its io_context's run() going (outstanding work); close the
  // store before destroying an io_context whose coroutines still await commits.
  asio::awaitable<void> commit(write_batch);
  // The same with any Asio completion token; signature void(std::exception_ptr).
  template <class Token>
  auto async_commit(write_batch batch, Token&& token) {
    return asio::async_initiate<Token, void(std::exception_ptr)>(
        [this](auto handler, write_batch b) {
          using handler_t = std::decay_t<decltype(handler)>;
          enqueue(std::move(b), std::make_unique<detail::handler_commit<handler_t>>(std::move(handler)));
        },
        token, std::move(batch));
  }
  // Blocking commit through the same writer, for CLI tools and setup. Never call it on
  // an io_context thread.
  void commit_now(write_batch);
  // Atomic write from the calling thread without waiting for a WAL sync (a memtable insert
  // and a write() to the WAL, microseconds). It survives a crash of the process at once,
  // and a crash of the machine once any later commit() has synced the WAL, which is
  // sequential. Only for writes whose loss with the machine is recovered from: a create's
  // result, whose durable intent is resolved by an exact search after a restart.
  void write_unsynced(write_batch const&);

  // Deletes every key with the tenant prefix in every column family (durable on return).
  void drop_tenant(std::string_view tenant);
  // Deletes the audit entries of every tenant older than `older_than` (durable on return).
  void prune_audit(std::chrono::system_clock::time_point older_than);
  // A fresh audit key for `tenant` at `at`; the sequence comes from a per-store counter
  // so entries written in the same microsecond stay distinct and in issue order.
  std::string next_audit_key(std::string_view tenant, std::chrono::system_clock::time_point at);

  std::uint64_t size_bytes() const;  // live SST files + memtables, all column families
  std::uint64_t commits() const;     // commit()/commit_now() calls made durable
  std::uint64_t batches() const;     // RocksDB writes (WAL syncs) that carried them
  std::uint64_t unsynced_writes() const;  // write_unsynced() calls that wrote something
  std::filesystem::path const& dir() const;
  bool read_only() const;

  // Drains the queue, stops the writer, closes the DB. Idempotent; the destructor calls it.
  void close();

  struct impl;

 private:
  explicit store(std::unique_ptr<impl>);
  void enqueue(write_batch, std::unique_ptr<detail::pending_commit>);
  friend std::string export_tenant(store const&, std::string_view tenant);
  friend std::string import_tenant(store&, std::string_view blob);

  std::unique_ptr<impl> impl_;
};

}  // namespace mlc::storage
