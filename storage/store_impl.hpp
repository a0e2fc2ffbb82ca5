#pragma once
// Private to storage/: the state behind store, shared by store.cpp and export.cpp.
#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "storage/store.hpp"

namespace mlc::storage {

inline constexpr std::size_t column_count = std::size(all_columns);
inline std::size_t index_of(column c) { return static_cast<std::size_t>(c); }

struct queued_commit {
  write_batch batch;
  std::unique_ptr<detail::pending_commit> done;
};

struct store::impl {
  std::filesystem::path dir;
  store_options options;
  std::unique_ptr<rocksdb::DB> db;
  std::array<rocksdb::ColumnFamilyHandle*, column_count> handles{};
  std::vector<rocksdb::ColumnFamilyHandle*> other_handles;  // "default" and unknown families

  std::mutex mutex;  // guards queue and stopping
  std::condition_variable wake;
  std::deque<queued_commit> queue;
  bool stopping = false;
  std::thread writer;

  std::mutex close_mutex;
  std::atomic<bool> closed{false};
  std::atomic<std::uint64_t> commits{0};
  std::atomic<std::uint64_t> batches{0};
  std::atomic<std::uint64_t> unsynced_writes{0};
  std::atomic<std::uint32_t> audit_sequence{0};

  rocksdb::ColumnFamilyHandle* cf(column c) const { return handles[index_of(c)]; }

  std::string where() const { return "storage (" + dir.string() + ")"; }

  [[noreturn]] void fail(std::string_view what, rocksdb::Status const& s) const {
    throw storage_error(where() + ": " + std::string{what} + " failed: " + s.ToString());
  }

  void require_open() const {
    if (closed.load()) throw storage_error(where() + ": the store is closed");
  }

  void require_writable() const {
    require_open();
    if (options.read_only) throw storage_error(where() + ": the store was opened read-only");
  }

  rocksdb::WriteOptions write_options() const {
    rocksdb::WriteOptions wo;
    wo.sync = options.sync;
    return wo;
  }

  void write_direct(rocksdb::WriteBatch& batch, std::string_view what) {
    auto wo = write_options();
    auto s = db->Write(wo, &batch);
    if (!s.ok()) fail(what, s);
  }

  void run_writer();
  void write_group(std::vector<queued_commit>& group);
};

}  // namespace mlc::storage
