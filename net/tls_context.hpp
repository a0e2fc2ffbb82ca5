#pragma once
// Client TLS contexts, shared process-wide per (verify_peer, ca_file): loading the system
// CA store costs milliseconds and memory, and hundreds of tenants use the same settings.
#include <memory>

#include <boost/asio/ssl/context.hpp>

#include "net/http_client.hpp"

namespace mlc::net {

// TLS 1.2 or newer; verify_peer against the system store plus tls.ca_file when set.
// Throws net::error(tls) naming the file when ca_file cannot be loaded.
// Thread-safe (an SSL_CTX may serve connections on several threads).
std::shared_ptr<boost::asio::ssl::context> client_tls_context(tls_options const& tls);

}  // namespace mlc::net
