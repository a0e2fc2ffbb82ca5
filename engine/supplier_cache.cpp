#include "engine/supplier_cache.hpp"

#include <algorithm>
#include <set>

namespace mlc::engine {

supplier_cache::supplier_cache(x3_reader& reader, tenant_store& store, std::chrono::seconds ttl,
                               std::size_t memory_limit)
    : reader_(reader), store_(store), ttl_(ttl), memory_limit_(memory_limit) {}

std::pair<std::optional<std::string>, sys_seconds> const* supplier_cache::known(std::string const& code,
                                                                                 sys_seconds now) {
  if (auto it = memory_.find(code); it != memory_.end() && now - it->second.second < ttl_) return &it->second;
  if (auto stored = store_.supplier(code); stored && now - stored->second < ttl_) {
    remember(code, std::move(stored->first), stored->second);
    return &memory_.at(code);
  }
  return nullptr;
}

void supplier_cache::remember(std::string const& code, std::optional<std::string> name, sys_seconds now) {
  // A bounded map, not an LRU: at the limit it starts over, and RocksDB still has them.
  if (memory_.size() >= memory_limit_ && !memory_.contains(code)) memory_.clear();
  memory_[code] = {std::move(name), now};
}

awaitable<std::optional<std::string>> supplier_cache::name(std::string code, sys_seconds now) {
  if (code.empty()) co_return std::nullopt;
  if (auto const* hit = known(code, now)) co_return hit->first;
  auto found = co_await reader_.supplier(code);
  std::optional<std::string> name;
  if (found)
    if (auto const* s = std::get_if<supplier>(&*found); s && !s->name.empty()) name = s->name;
  if (name) {
    storage::write_batch batch{store_.put_supplier(code, *name, now)};
    co_await store_.commit(std::move(batch));
  }
  remember(code, name, now);
  co_return name;
}

awaitable<void> supplier_cache::prefetch(std::vector<std::string> codes, sys_seconds now) {
  if (!reader_.batches_suppliers()) co_return;
  std::set<std::string> wanted;
  for (auto& code : codes)
    if (!code.empty() && !known(code, now)) wanted.insert(std::move(code));
  // One unknown code costs name() one request either way.
  if (wanted.size() < 2) co_return;
  std::vector<std::string> chunk;
  for (auto it = wanted.begin(); it != wanted.end();) {
    chunk.clear();
    for (; it != wanted.end() && chunk.size() < batch_limit; ++it) chunk.push_back(*it);
    auto found = co_await reader_.suppliers(chunk);
    storage::write_batch batch;
    for (auto const& result : found) {
      auto const* s = std::get_if<supplier>(&result);
      if (!s || s->name.empty() || !std::binary_search(chunk.begin(), chunk.end(), s->code)) continue;
      batch.push_back(store_.put_supplier(s->code, s->name, now));
      remember(s->code, s->name, now);
    }
    if (!batch.empty()) co_await store_.commit(std::move(batch));
  }
}

}  // namespace mlc::engine
