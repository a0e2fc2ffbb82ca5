#include "storage/keys.hpp"

namespace mlc::storage {

std::string tenant_prefix(std::string_view tenant) {
  std::string key{tenant};
  key.push_back('\0');
  return key;
}

std::string make_key(std::string_view tenant, std::string_view rest) {
  auto key = tenant_prefix(tenant);
  key.append(rest);
  return key;
}

}  // namespace mlc::storage
