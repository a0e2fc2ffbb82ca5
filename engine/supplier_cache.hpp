#pragma once
// Supplier code → name, resolved once per tenant: memory first, then the `suppliers` column
// family (entries younger than the TTL), then Sage X3. Names are cached with their fetch
// time so a renamed supplier shows up after the TTL.
// Coroutine safety: one cache per tenant, used by that tenant's loop only.
#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>

#include "engine/tenant_store.hpp"
#include "engine/x3_reader.hpp"

namespace mlc::engine {

class supplier_cache {
 public:
  supplier_cache(x3_reader& reader, tenant_store& store, std::chrono::seconds ttl = std::chrono::hours{24},
                 std::size_t memory_limit = 4096);

  // The supplier's name; nullopt when X3 does not know the code or its record is unreadable
  // (the mapper then shows the code). Throws what the reader throws (transient faults).
  awaitable<std::optional<std::string>> name(std::string code, sys_seconds now);

 private:
  x3_reader& reader_;
  tenant_store& store_;
  std::chrono::seconds ttl_;
  std::size_t memory_limit_;
  std::unordered_map<std::string, std::pair<std::optional<std::string>, sys_seconds>> memory_;
};

}  // namespace mlc::engine
