#pragma once
// Reads one tenant's changed Sage X3 records, a page at a time, over GraphQL (V12+) or the
// legacy api1 REST interface, in (updated, id) order from a given time (DESIGN §2, §4).
// Coroutine safety: as remote.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/records.hpp"
#include "engine/remote.hpp"
#include "engine/watermark.hpp"
#include "engine/x3_parse.hpp"

namespace mlc::engine {

enum class x3_api { graphql, api1 };

struct x3_reader_settings {
  x3_api api = x3_api::graphql;
  std::string folder;
  int page_size = 100;
  // Per entity ("purchase_orders", "supplier_invoices", "suppliers"): query text overriding
  // the default GraphQL document (same variables).
  std::map<std::string, std::string> query_templates;
};

class x3_reader {
 public:
  x3_reader(std::shared_ptr<remote> remote, x3_reader_settings settings);

  // One page of records updated at or after `since`; pass the previous page's `next` to
  // continue. Throws x3_response_error for an unusable page, net::error, auth_error.
  awaitable<x3_page<purchase_order>> purchase_orders(sys_seconds since, std::optional<std::string> next);
  awaitable<x3_page<supplier_invoice>> supplier_invoices(sys_seconds since, std::optional<std::string> next);
  // nullopt when X3 knows no supplier with that code.
  awaitable<std::optional<record_result<supplier>>> supplier(std::string code);
  // The suppliers X3 knows among `codes`, in one request (a code X3 does not know is
  // absent from the answer). Only when batches_suppliers(): a tenant's own supplier query
  // template asks for one supplier by its own variables.
  awaitable<std::vector<record_result<engine::supplier>>> suppliers(std::vector<std::string> codes);
  bool batches_suppliers() const;

  x3_api api() const { return settings_.api; }

 private:
  awaitable<std::string> fetch_page(entity e, sys_seconds since, std::optional<std::string> next);
  std::string query_text(std::string const& name, std::string_view fallback) const;
  awaitable<std::string> graphql(std::string body);
  awaitable<std::string> get(std::string url);

  std::shared_ptr<remote> remote_;
  x3_reader_settings settings_;
};

// Re-reads one record kept in the replay store: `api` is "graphql", "api1" or "record"
// (the connector's own JSON of a parsed record).
record_result<purchase_order> reparse_purchase_order(std::string_view api, std::string_view raw);
record_result<supplier_invoice> reparse_supplier_invoice(std::string_view api, std::string_view raw);

// The connector's own JSON form of a parsed record, kept for records Jira refused.
std::string record_json(purchase_order const& po);
std::string record_json(supplier_invoice const& inv);

// What the issue map keeps to tell a record that comes back unchanged (issue_entry::
// source_hash): the SHA-256 of every field of the record, of the supplier name its mapping
// used, and of the tenant's mapping fingerprint. The fields go in a compact form only ever
// hashed: each text follows its length, so the bytes are equal exactly when every field
// is (half the bytes of record_json, and no escaping).
std::string source_fingerprint(purchase_order const& po, std::optional<std::string> const& supplier_name,
                               std::string_view mapping_fingerprint);
std::string source_fingerprint(supplier_invoice const& inv, std::optional<std::string> const& supplier_name,
                               std::string_view mapping_fingerprint);

}  // namespace mlc::engine
