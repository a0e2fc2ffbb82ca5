#pragma once
// The slice of Sage X3's xtrem GraphQL schema the connector reads (DESIGN.md §2):
// x3Purchasing { purchaseOrder, purchaseInvoice }, x3MasterData { supplier }. The root
// record is the tenant's x3_data. Built once; immutable afterwards.
#include "tests/emulators/graphql_schema.hpp"

namespace mlc::emu {

graphql::object_type const& x3_query_type();

}  // namespace mlc::emu
