#include "engine/failure.hpp"

#include <system_error>

#include "engine/credentials.hpp"
#include "engine/mapper.hpp"
#include "engine/x3_parse.hpp"
#include "net/error.hpp"

namespace mlc::engine {

std::string_view to_string(failure_kind k) {
  switch (k) {
    case failure_kind::transient: return "transient";
    case failure_kind::bad_record: return "bad_record";
    case failure_kind::tenant_fault: return "tenant_fault";
  }
  return "transient";
}

sync_error::sync_error(failure_kind kind, std::string system, std::string message, std::string field)
    : std::runtime_error(std::move(message)), kind_(kind), system_(std::move(system)), field_(std::move(field)) {}

sync_error classify(std::exception_ptr const& e, std::string_view system) {
  std::string sys{system};
  try {
    std::rethrow_exception(e);
  } catch (sync_error const& err) {
    return err;
  } catch (net::error const& err) {
    // 401/403 answered after a credential refresh are the tenant's problem; every other
    // transport failure may pass.
    if (err.kind() == net::error_kind::http_status && (err.status() == 401 || err.status() == 403))
      return sync_error(failure_kind::tenant_fault, sys, err.what());
    if (err.kind() == net::error_kind::tls)
      return sync_error(failure_kind::tenant_fault, sys,
                        std::string{err.what()} + " — check the server certificate or the tenant's ca_file");
    if (err.kind() == net::error_kind::http_status && err.status() >= 400 && err.status() < 500 &&
        err.status() != 408 && err.status() != 429)
      return sync_error(failure_kind::tenant_fault, sys, err.what());
    return sync_error(failure_kind::transient, sys, err.what());
  } catch (auth_error const& err) {
    return sync_error(err.transient() ? failure_kind::transient : failure_kind::tenant_fault, sys, err.what());
  } catch (mapping_error const& err) {
    return sync_error(err.error_kind() == mapping_error::kind::bad_record ? failure_kind::bad_record
                                                                           : failure_kind::tenant_fault,
                      sys, err.what());
  } catch (x3_response_error const& err) {
    // errors[] or $diagnoses on a whole page: the query template, the folder or the
    // account's rights are wrong — the tenant's configuration, not one record.
    if (err.error_kind() == x3_response_error::kind::malformed)
      return sync_error(failure_kind::transient, sys, err.what());
    return sync_error(failure_kind::tenant_fault, sys, err.what());
  } catch (std::system_error const& err) {
    return sync_error(failure_kind::transient, sys, err.what());
  } catch (std::exception const& err) {
    return sync_error(failure_kind::transient, sys, err.what());
  } catch (...) {
    return sync_error(failure_kind::transient, sys, "unknown failure");
  }
}

}  // namespace mlc::engine
