#pragma once
// Requests the X3 readers send: GraphQL bodies (V12+) and api1/SData URLs (legacy), both
// asking for records changed since a watermark in (updated, id) order (DESIGN §2, §4).
// Values that come from data (supplier codes) are escaped for the target syntax so they
// cannot change the meaning of a filter or where clause.
// Pure functions; no shared state.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "engine/records.hpp"
#include "engine/watermark.hpp"

namespace mlc::engine {

// ---- GraphQL -------------------------------------------------------------------------

// Default query documents. Page queries declare $filter: String, $first: Int,
// $after: String, $orderBy: String; the supplier query declares $filter: String only.
// A tenant may override a document with its own text using the same variables (schemas
// differ between X3 releases). The line sub-query also asks pageInfo { hasNextPage } so a
// truncated line list is reported instead of silently synced short.
std::string_view default_graphql_query(entity e);
std::string_view default_supplier_graphql_query();
// Several suppliers by code in one request: declares $filter: String and $first: Int.
std::string_view suppliers_graphql_query();

// A single-quoted filter literal: '\' and '\'' are backslash-escaped. "O'Br" -> 'O\'Br'
std::string graphql_quote(std::string_view text);
// {_updateStamp: {_gte: '2026-01-01T00:00:00Z'}}
std::string graphql_updated_filter(sys_seconds since);
// {code: 'ACME01'}
std::string graphql_supplier_filter(std::string_view code);
// {code: {_in: ['ACME01', 'BETA02']}}
std::string graphql_suppliers_filter(std::vector<std::string> const& codes);
// The page order the watermark relies on.
inline constexpr std::string_view graphql_order_by = "{_updateStamp: 1, id: 1}";

// {"query":…,"variables":{"filter":…,"first":N[,"after":cursor],"orderBy":…}}
// "after" is omitted on the first page.
boost::json::object graphql_page_body(std::string_view query_text, std::string_view filter, int first,
                                      std::optional<std::string> const& after,
                                      std::string_view order_by = graphql_order_by);
// {"query":…,"variables":{"filter":"{code: '…'}"}}
boost::json::object graphql_supplier_body(std::string_view query_text, std::string_view supplier_code);
// {"query":<suppliers_graphql_query>,"variables":{"filter":"{code: {_in: […]}}","first":N}}
boost::json::object graphql_suppliers_body(std::vector<std::string> const& codes);

// ---- api1 (SData) --------------------------------------------------------------------

// X3 class and key property per entity: PORDER/POHNUM, PINVOICE/NUM.
std::string_view api1_class(entity e);
std::string_view api1_key(entity e);

// A where-clause string literal: quotes doubled. "O'Br" -> 'O''Br'
std::string api1_quote(std::string_view text);

// {base}/api1/x3/erp/{folder}/{CLASS}?representation={CLASS}.$query
//   &where=UPDDATTIM ge @{since}@&orderBy=UPDDATTIM,{KEY}&count={count}   (percent-encoded)
// Throws std::invalid_argument for a base URL that is not http(s) (see url_text.hpp).
std::string api1_page_url(std::string_view base_url, std::string_view folder, entity e, sys_seconds since,
                          int count);
// {base}/api1/x3/erp/{folder}/BPSUPPLIER?representation=BPSUPPLIER.$query
//   &where=BPSNUM eq '{code}'&count=1
std::string api1_supplier_url(std::string_view base_url, std::string_view folder, std::string_view supplier_code);
//   &where=BPSNUM in ('{code}','{code}',…)&count={number of codes}
std::string api1_suppliers_url(std::string_view base_url, std::string_view folder,
                               std::vector<std::string> const& codes);

}  // namespace mlc::engine
