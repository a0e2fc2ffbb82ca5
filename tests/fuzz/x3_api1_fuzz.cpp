// Fuzz target: Sage X3 api1 (SData) responses and $next links (engine/x3_parse.hpp).
// The input is an HTTP body; the three api1 parsers read it, and any $next link it yields
// is resolved with api1_next_url against a request URL. Inputs that are not a JSON object
// are also tried as a raw $next link, so the URL resolver gets fuzzed directly.
// Properties: only x3_response_error escapes; records obey the normalisation contract; a
// resolved $next URL never leaves the request's origin (scheme, host, effective port), since
// the tenant's credentials follow it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include <boost/url/parse.hpp>

#include "tests/fuzz/x3_checks.hpp"

namespace {

using namespace mlc;

// Request URLs as x3_reader builds them (base URL from a tenant config + api1 path).
constexpr std::array<std::string_view, 3> k_requests = {
    "https://x3.example.com/api1/x3/erp/SEED/PORDER?representation=PORDER.$query&count=100",
    "http://x3-test.example.com:8124/sage/api1/x3/erp/TEST/PINVOICE?representation=PINVOICE.$query",
    "https://[2001:db8::5]:8443/api1/x3/erp/SEED/BPSUPPLIER?representation=BPSUPPLIER.$query",
};
// Config accepts an upper-case scheme ("HTTPS://…"); api1_next_url then takes port 80 as
// its default port (known bug, README.md). Tried only with MLC_FUZZ_KNOWN_BUGS=1.
constexpr std::string_view k_upper_scheme_request = "HTTPS://x3.example.com/api1/x3/erp/SEED/PORDER?count=10";

struct origin {
  std::string scheme, host;
  unsigned long port = 0;
  bool operator==(origin const&) const = default;
};

// Where a client would connect: lower-case scheme and host, numeric port with the scheme's
// default. nullopt when the URL does not parse as an absolute URI.
std::optional<origin> origin_of(std::string_view url) {
  auto u = boost::urls::parse_uri(url);
  if (!u) return std::nullopt;
  origin o{fuzz::ascii_lower(u->scheme()), fuzz::ascii_lower(u->host_address()), 0};
  if (u->has_port() && !u->port().empty()) {
    for (char c : u->port()) o.port = std::min(o.port * 10 + static_cast<unsigned long>(c - '0'), 100000ul);
  } else {
    o.port = o.scheme == "https" ? 443 : 80;
  }
  return o;
}

void check_next(std::string_view request, std::string_view next) {
  try {
    auto url = engine::api1_next_url(request, next);
    auto to = origin_of(url);
    MLC_FUZZ_CHECK(to.has_value());
    MLC_FUZZ_CHECK(*to == *origin_of(request));
  } catch (engine::x3_response_error const& e) {
    MLC_FUZZ_CHECK(e.error_kind() == engine::x3_response_error::kind::malformed);
  } catch (std::exception const& e) {
    fuzz::unexpected_exception("api1_next_url", e.what());
  }
}

void check_links(std::string_view next) {
  for (auto request : k_requests) check_next(request, next);
  if (fuzz::known_bug_checks()) check_next(k_upper_scheme_request, next);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  auto body = fuzz::as_text(data, size);
  fuzz::expect_only_response_errors("parse_api1_purchase_orders", [&] {
    auto page = engine::parse_api1_purchase_orders(body);
    fuzz::check_page(page, fuzz::check_order);
    if (page.next) check_links(*page.next);
  });
  fuzz::expect_only_response_errors("parse_api1_supplier_invoices", [&] {
    auto page = engine::parse_api1_supplier_invoices(body);
    fuzz::check_page(page, fuzz::check_invoice);
    if (page.next) check_links(*page.next);
  });
  fuzz::expect_only_response_errors("parse_api1_supplier", [&] {
    fuzz::check_one(engine::parse_api1_supplier(body), fuzz::check_supplier);
  });
  if (size < 4096 && (size == 0 || body.front() != '{')) check_links(body);
  fuzz::check_normalisers(body);
  return 0;
}
