#pragma once
// Supplier code → name, resolved once per tenant: memory first, then the `suppliers` column
// family (entries younger than the TTL), then Sage X3. Names are cached with their fetch
// time so a renamed supplier shows up after the TTL.
// Coroutine safety: one cache per tenant, used by that tenant's loop only.
#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

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

  // Looks up the codes name() would ask X3 for, several per request (a page's suppliers
  // cost one request instead of one each), and keeps the names found. A code X3 does not
  // return is left to name(). Only when the reader batches_suppliers(). Throws what the
  // reader throws.
  awaitable<void> prefetch(std::vector<std::string> codes, sys_seconds now);
  static constexpr std::size_t batch_limit = 50;

 private:
  x3_reader& reader_;
  tenant_store& store_;
  std::chrono::seconds ttl_;
  std::size_t memory_limit_;
  // A fresh name from memory or the store (loaded into memory); nullptr when X3 must be asked.
  std::pair<std::optional<std::string>, sys_seconds> const* known(std::string const& code, sys_seconds now);
  void remember(std::string const& code, std::optional<std::string> name, sys_seconds now);

  std::unordered_map<std::string, std::pair<std::optional<std::string>, sys_seconds>> memory_;
};

}  // namespace mlc::engine
