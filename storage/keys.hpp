#pragma once
// Key layout: every key starts with the tenant id and a 0x00 separator, so one tenant's
// data can be exported, imported or dropped by prefix.
#include <string>
#include <string_view>

namespace mlc::storage {

std::string tenant_prefix(std::string_view tenant);
std::string make_key(std::string_view tenant, std::string_view rest);

}  // namespace mlc::storage
