#pragma once
// Key layout: every key starts with the tenant id and a 0x00 separator, so one tenant's
// data can be exported, imported or dropped by prefix. Tenant ids never contain 0x00
// (config allows [A-Za-z0-9_-]), so "a\0..." and "ab\0..." never share a prefix.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mlc::storage {

std::string tenant_prefix(std::string_view tenant);
std::string make_key(std::string_view tenant, std::string_view rest);
// tenant\0 + first + \0 + second, built in one allocation.
std::string make_key(std::string_view tenant, std::string_view first, std::string_view second);

// Splits "tenant\0rest" into views of `key`; nullopt when the key has no separator (e.g. meta "schema_version").
struct key_parts {
  std::string_view tenant;
  std::string_view rest;
};
std::optional<key_parts> split_key(std::string_view key);

// The smallest string greater than every string starting with `prefix` (an exclusive
// upper bound for a prefix range); nullopt when no such bound exists (all bytes 0xff).
std::optional<std::string> prefix_end(std::string_view prefix);

// Audit keys: tenant\0 + 8-byte big-endian microseconds since the epoch + 4-byte
// big-endian sequence, so a tenant's audit entries sort by time, then by sequence.
// Times before the epoch are clamped to 0.
std::string audit_key(std::string_view tenant, std::chrono::system_clock::time_point at,
                      std::uint32_t sequence);
// tenant\0 + 8-byte time: every audit key of `tenant` older than `at` sorts below it.
std::string audit_time_bound(std::string_view tenant, std::chrono::system_clock::time_point at);

struct audit_key_parts {
  std::string tenant;
  std::chrono::system_clock::time_point at;  // microsecond precision
  std::uint32_t sequence = 0;
};
// nullopt when `key` is not a well-formed audit key.
std::optional<audit_key_parts> parse_audit_key(std::string_view key);

// Big-endian fixed-width integers (used by audit keys and the export format).
void append_be64(std::string& out, std::uint64_t v);
void append_be32(std::string& out, std::uint32_t v);
std::uint64_t read_be64(std::string_view in);  // requires in.size() >= 8
std::uint32_t read_be32(std::string_view in);  // requires in.size() >= 4

}  // namespace mlc::storage
