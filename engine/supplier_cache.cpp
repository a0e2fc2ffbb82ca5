#include "engine/supplier_cache.hpp"

namespace mlc::engine {

supplier_cache::supplier_cache(x3_reader& reader, tenant_store& store, std::chrono::seconds ttl,
                               std::size_t memory_limit)
    : reader_(reader), store_(store), ttl_(ttl), memory_limit_(memory_limit) {}

awaitable<std::optional<std::string>> supplier_cache::name(std::string code, sys_seconds now) {
  if (code.empty()) co_return std::nullopt;
  if (auto it = memory_.find(code); it != memory_.end() && now - it->second.second < ttl_) co_return it->second.first;
  if (auto stored = store_.supplier(code); stored && now - stored->second < ttl_) {
    memory_[code] = {stored->first, stored->second};
    co_return stored->first;
  }
  auto found = co_await reader_.supplier(code);
  std::optional<std::string> name;
  if (found)
    if (auto const* s = std::get_if<supplier>(&*found); s && !s->name.empty()) name = s->name;
  if (name) {
    storage::write_batch batch{store_.put_supplier(code, *name, now)};
    co_await store_.commit(std::move(batch));
  }
  // A bounded map, not an LRU: at the limit it starts over, and RocksDB still has them.
  if (memory_.size() >= memory_limit_) memory_.clear();
  memory_[code] = {name, now};
  co_return name;
}

}  // namespace mlc::engine
