#pragma once
// Moving one tenant between nodes: a self-describing, length-prefixed dump of every key
// with the tenant's prefix in every column family.
//
// Format (all integers big-endian):
//   "MLCTENANT1"  u32 tenant length, tenant
//   repeated:     u8 1, u32 column-name length, column name, u32 key length, key-without-
//                 tenant-prefix, u32 value length, value
//   end:          u8 0, u64 record count
// Sealed secrets in tenant_state are bound to the tenant id and the master keyring, so
// the target node needs the same keyring.
#include <string>
#include <string_view>

#include "storage/store.hpp"

namespace mlc::storage {

// A consistent (snapshot) dump of `tenant`.
std::string export_tenant(store const&, std::string_view tenant);
// Replaces everything stored for the blob's tenant with the blob's content, atomically
// and durably; returns the tenant id. Throws storage_error naming the offset on a
// malformed or truncated blob, before anything is written.
std::string import_tenant(store&, std::string_view blob);

}  // namespace mlc::storage
