#include "engine/url_text.hpp"

#include <stdexcept>

#include <boost/url/parse.hpp>

namespace mlc::engine {

std::string percent_encode(std::string_view text, std::string_view keep) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved || (c != 0 && keep.find(ch) != std::string_view::npos)) {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0x0f];
    }
  }
  return out;
}

std::string base_url_root(std::string_view base_url) {
  // Messages never echo the URL: a misconfigured one may carry user:password@.
  auto parsed = boost::urls::parse_absolute_uri(base_url);
  if (!parsed)
    throw std::invalid_argument("base URL is not an absolute URL without fragment");
  if (parsed->scheme() != "http" && parsed->scheme() != "https")
    throw std::invalid_argument("base URL must use http or https");
  if (parsed->encoded_host().empty()) throw std::invalid_argument("base URL has no host");
  if (parsed->has_userinfo())
    throw std::invalid_argument("base URL must not carry credentials (user:password@host)");
  if (parsed->has_query()) throw std::invalid_argument("base URL must not carry a query");
  std::string root(base_url);
  while (root.ends_with('/')) root.pop_back();
  return root;
}

}  // namespace mlc::engine
