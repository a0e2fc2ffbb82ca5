#pragma once
// How failures are sorted (DESIGN §4). Every error the sync path can meet is mapped here,
// in one place, to what the engine does about it:
//   transient    — network, timeout, 5xx, 429: retry later, nothing parked
//   bad_record   — this record can't be written (a 400 naming a field, data that won't map): park it
//   tenant_fault — auth rejected, project missing, field misconfigured: tenant degraded until fixed
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mlc::engine {

enum class failure_kind { transient, bad_record, tenant_fault };
std::string_view to_string(failure_kind);

// An error already sorted, with a message a user can act on. `system` is "x3", "jira" or
// "storage"; `field` names the offending field where one is known.
class sync_error : public std::runtime_error {
 public:
  sync_error(failure_kind kind, std::string system, std::string message, std::string field = {});
  failure_kind kind() const noexcept { return kind_; }
  std::string const& system() const noexcept { return system_; }
  std::string const& field() const noexcept { return field_; }
  // Jira (or X3) answered and refused the request for `name`: nothing was written.
  bool refused_for(std::string_view name) const noexcept {
    return kind_ == failure_kind::bad_record && field_ == name;
  }

 private:
  failure_kind kind_;
  std::string system_;
  std::string field_;
};

// Sorts any exception thrown while talking to `system` (net::error, auth errors, sync_error,
// JSON errors, anything else) into a sync_error.
sync_error classify(std::exception_ptr const& e, std::string_view system);

}  // namespace mlc::engine
