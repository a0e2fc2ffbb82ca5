#include "storage/export.hpp"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "storage/keys.hpp"

// The store's internals (handles, db) are reached through store::impl, which is defined
// in store.cpp; this file only needs the parts declared in store_impl.hpp.
#include "storage/store_impl.hpp"

namespace mlc::storage {

namespace {

constexpr std::string_view magic = "MLCTENANT1";

void append_chunk(std::string& out, std::string_view chunk) {
  append_be32(out, static_cast<std::uint32_t>(chunk.size()));
  out.append(chunk);
}

// Reads the blob front to back; every read checks the remaining length first.
class blob_reader {
 public:
  explicit blob_reader(std::string_view blob) : blob_(blob) {}
  std::size_t offset() const { return pos_; }
  bool at_end() const { return pos_ == blob_.size(); }

  std::string_view bytes(std::size_t n, std::string_view what) {
    if (blob_.size() - pos_ < n) fail("truncated " + std::string{what});
    auto out = blob_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  std::uint8_t u8(std::string_view what) { return static_cast<std::uint8_t>(bytes(1, what)[0]); }
  std::uint32_t u32(std::string_view what) { return read_be32(bytes(4, what)); }
  std::uint64_t u64(std::string_view what) { return read_be64(bytes(8, what)); }
  std::string_view chunk(std::string_view what) {
    auto n = u32(what);
    return bytes(n, what);
  }
  [[noreturn]] void fail(std::string const& what) const {
    throw storage_error("tenant import: malformed export at byte " + std::to_string(pos_) + ": " + what);
  }

 private:
  std::string_view blob_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string export_tenant(store const& s, std::string_view tenant) {
  auto& i = *s.impl_;
  i.require_open();
  std::string out{magic};
  append_chunk(out, tenant);

  // One snapshot for all families so the dump is a consistent point in time.
  auto const* snapshot = i.db->GetSnapshot();
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  auto prefix = tenant_prefix(tenant);
  auto end = *prefix_end(prefix);
  rocksdb::Slice upper{end};
  ro.iterate_upper_bound = &upper;
  std::uint64_t count = 0;
  try {
    for (auto c : all_columns) {
      std::unique_ptr<rocksdb::Iterator> it{i.db->NewIterator(ro, i.cf(c))};
      for (it->Seek(prefix); it->Valid(); it->Next()) {
        auto key = it->key();
        auto value = it->value();
        out.push_back('\x01');
        append_chunk(out, to_string(c));
        append_chunk(out, std::string_view{key.data() + prefix.size(), key.size() - prefix.size()});
        append_chunk(out, std::string_view{value.data(), value.size()});
        ++count;
      }
      if (!it->status().ok()) i.fail("exporting tenant " + std::string{tenant}, it->status());
    }
  } catch (...) {
    i.db->ReleaseSnapshot(snapshot);
    throw;
  }
  i.db->ReleaseSnapshot(snapshot);
  out.push_back('\0');
  append_be64(out, count);
  return out;
}

std::string import_tenant(store& s, std::string_view blob) {
  auto& i = *s.impl_;
  i.require_writable();
  blob_reader in{blob};
  if (in.bytes(magic.size(), "header") != magic) in.fail("not an ml-connector tenant export");
  std::string tenant{in.chunk("tenant id")};
  if (tenant.empty() || tenant.find('\0') != std::string::npos) in.fail("invalid tenant id");
  auto prefix = tenant_prefix(tenant);
  auto end = *prefix_end(prefix);

  // Parse everything before writing anything; the batch replaces the tenant atomically.
  rocksdb::WriteBatch batch;
  for (auto c : all_columns) {
    auto st = batch.DeleteRange(i.cf(c), prefix, end);
    if (!st.ok()) i.fail("importing tenant " + tenant, st);
  }
  std::uint64_t count = 0;
  for (;;) {
    auto tag = in.u8("record tag");
    if (tag == 0) break;
    if (tag != 1) in.fail("unknown record tag " + std::to_string(tag));
    auto cf_name = in.chunk("column name");
    auto c = column_from_string(cf_name);
    if (!c) in.fail("unknown column family \"" + std::string{cf_name} + "\"");
    auto rest = in.chunk("key");
    auto value = in.chunk("value");
    auto st = batch.Put(i.cf(*c), prefix + std::string{rest}, rocksdb::Slice{value.data(), value.size()});
    if (!st.ok()) i.fail("importing tenant " + tenant, st);
    ++count;
  }
  auto declared = in.u64("record count");
  if (declared != count)
    in.fail("record count mismatch (trailer says " + std::to_string(declared) + ", found " +
            std::to_string(count) + ")");
  if (!in.at_end()) in.fail("trailing bytes after the end marker");
  i.write_direct(batch, "importing tenant " + tenant);
  return tenant;
}

}  // namespace mlc::storage
