#include "net/tls_context.hpp"

#include <map>
#include <mutex>
#include <utility>

#include <openssl/ssl.h>

#include "net/error.hpp"

namespace mlc::net {

std::shared_ptr<boost::asio::ssl::context> client_tls_context(tls_options const& tls) {
  namespace ssl = boost::asio::ssl;
  static std::mutex mutex;
  static std::map<std::pair<bool, std::string>, std::weak_ptr<ssl::context>> cache;
  std::lock_guard lock{mutex};
  auto key = std::make_pair(tls.verify_peer, tls.ca_file);
  if (auto existing = cache[key].lock()) return existing;

  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  // Idle pooled connections give their 2 x ~17 KiB record buffers back (thousands of tenants).
  SSL_CTX_set_mode(context->native_handle(), SSL_MODE_RELEASE_BUFFERS);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_compression);
  boost::system::error_code ec;
  context->set_default_verify_paths(ec);
  if (ec) throw error(error_kind::tls, "cannot load the system CA certificates: " + ec.message());
  if (!tls.ca_file.empty()) {
    context->load_verify_file(tls.ca_file, ec);
    if (ec) throw error(error_kind::tls, "cannot load CA file \"" + tls.ca_file + "\": " + ec.message());
  }
  context->set_verify_mode(tls.verify_peer ? ssl::verify_peer : ssl::verify_none);
  cache[key] = context;
  return context;
}

}  // namespace mlc::net
