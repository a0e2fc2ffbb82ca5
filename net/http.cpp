#include "net/http.hpp"

#include <algorithm>
#include <cctype>

namespace mlc::net {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS" || method == "TRACE";
}

void header_list::set(std::string name, std::string value) {
  erase(name);
  fields_.emplace_back(std::move(name), std::move(value));
}

void header_list::add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }

std::optional<std::string_view> header_list::get(std::string_view name) const {
  for (auto const& [n, v] : fields_)
    if (iequals(n, name)) return std::string_view{v};
  return std::nullopt;
}

void header_list::erase(std::string_view name) {
  std::erase_if(fields_, [&](value_type const& f) { return iequals(f.first, name); });
}

}  // namespace mlc::net
