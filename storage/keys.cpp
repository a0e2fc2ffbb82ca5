#include "storage/keys.hpp"

namespace mlc::storage {

std::string tenant_prefix(std::string_view tenant) {
  std::string key{tenant};
  key.push_back('\0');
  return key;
}

std::string make_key(std::string_view tenant, std::string_view rest) {
  std::string key;
  key.reserve(tenant.size() + 1 + rest.size());
  key.append(tenant).push_back('\0');
  key.append(rest);
  return key;
}

std::string make_key(std::string_view tenant, std::string_view first, std::string_view second) {
  std::string key;
  key.reserve(tenant.size() + first.size() + second.size() + 2);
  key.append(tenant).push_back('\0');
  key.append(first).push_back('\0');
  key.append(second);
  return key;
}

std::optional<key_parts> split_key(std::string_view key) {
  auto sep = key.find('\0');
  if (sep == std::string_view::npos) return std::nullopt;
  return key_parts{key.substr(0, sep), key.substr(sep + 1)};
}

std::optional<std::string> prefix_end(std::string_view prefix) {
  std::string end{prefix};
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last != 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return std::nullopt;
}

void append_be64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

void append_be32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

std::uint64_t read_be64(std::string_view in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

std::uint32_t read_be32(std::string_view in) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

namespace {
std::uint64_t micros_since_epoch(std::chrono::system_clock::time_point at) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
  return us < 0 ? 0 : static_cast<std::uint64_t>(us);
}
}  // namespace

std::string audit_time_bound(std::string_view tenant, std::chrono::system_clock::time_point at) {
  auto key = tenant_prefix(tenant);
  append_be64(key, micros_since_epoch(at));
  return key;
}

std::string audit_key(std::string_view tenant, std::chrono::system_clock::time_point at,
                      std::uint32_t sequence) {
  auto key = audit_time_bound(tenant, at);
  append_be32(key, sequence);
  return key;
}

std::optional<audit_key_parts> parse_audit_key(std::string_view key) {
  auto parts = split_key(key);
  if (!parts || parts->rest.size() != 12) return std::nullopt;
  audit_key_parts out;
  out.tenant = std::string{parts->tenant};
  out.at = std::chrono::system_clock::time_point{
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::microseconds{static_cast<std::int64_t>(read_be64(parts->rest))})};
  out.sequence = read_be32(parts->rest.substr(8));
  return out;
}

}  // namespace mlc::storage
