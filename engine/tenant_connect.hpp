#pragma once
// Turning a tenant's configuration into live connections: HTTP clients with the tenant's
// TLS settings, credentials (secrets revealed here, never logged), the remotes, and the
// Jira field mapping resolved by name and kept in tenant_state.
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/node_config.hpp"
#include "engine/jira_client.hpp"
#include "engine/mapper.hpp"
#include "engine/remote.hpp"
#include "engine/tenant_store.hpp"
#include "engine/x3_reader.hpp"
#include "metrics/catalog.hpp"

namespace mlc::engine {

struct node_services;

struct tenant_remotes {
  std::shared_ptr<remote> x3;
  std::shared_ptr<remote> jira;
};

// Builds both remotes. A secret that cannot be revealed (unset variable, wrong key) does
// not throw here: the remote's credentials then fail every call with a tenant-level error
// naming the secret's source, so the tenant shows as degraded and the others go on.
tenant_remotes connect_tenant(asio::any_io_executor ex, node_services const& services,
                              config::tenant_config const& config, tenant_store& store,
                              metrics::tenant_metrics& metrics);

x3_reader_settings reader_settings(config::tenant_config const& config);

// Resolves every mapped field by name (GET /field), checks the project and the issue types
// (createmeta) and, with `check_screens`, that each mapped field is on the create screen.
// Throws sync_error (tenant_fault) with an actionable message.
awaitable<std::map<entity, mapping_settings>> resolve_mapping(jira_client& jira, config::tenant_config const& config,
                                                              bool check_screens);

std::string mappings_to_json(std::map<entity, mapping_settings> const& mappings);
// nullopt when the stored form is unreadable or no longer matches the config's field map.
std::optional<std::map<entity, mapping_settings>> mappings_from_json(std::string_view text,
                                                                     config::tenant_config const& config);

}  // namespace mlc::engine
