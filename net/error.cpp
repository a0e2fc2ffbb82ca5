#include "net/error.hpp"

namespace mlc::net {

std::string_view to_string(error_kind kind) {
  switch (kind) {
    case error_kind::timeout: return "timeout";
    case error_kind::connect: return "connect";
    case error_kind::tls: return "tls";
    case error_kind::http_status: return "http_status";
    case error_kind::rate_limited: return "rate_limited";
    case error_kind::body_too_large: return "body_too_large";
    case error_kind::protocol: return "protocol";
  }
  return "unknown";
}

error::error(error_kind kind, std::string message, int status, std::string body_excerpt,
             std::optional<std::chrono::milliseconds> retry_after)
    : std::runtime_error(std::move(message)),
      kind_(kind),
      status_(status),
      body_excerpt_(std::move(body_excerpt)),
      retry_after_(retry_after) {}

bool error::transient() const noexcept {
  switch (kind_) {
    case error_kind::timeout:
    case error_kind::connect:
    case error_kind::rate_limited: return true;
    case error_kind::http_status: return status_ == 408 || status_ == 429 || status_ >= 500;
    case error_kind::tls:             // a certificate problem does not fix itself in a minute
    case error_kind::body_too_large:  // the same request gets the same body
    case error_kind::protocol: return false;
  }
  return false;
}

std::string excerpt(std::string_view body, std::size_t max) {
  std::string out;
  out.reserve(std::min(body.size(), max) + 3);
  for (std::size_t i = 0; i < body.size() && i < max; ++i) {
    auto c = static_cast<unsigned char>(body[i]);
    out.push_back(c < 0x20 || c == 0x7f ? ' ' : static_cast<char>(c));
  }
  if (body.size() > max) {
    // Do not leave half of a UTF-8 sequence at the cut.
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
    if (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0xC0) out.pop_back();
    out += "...";
  }
  return out;
}

}  // namespace mlc::net
