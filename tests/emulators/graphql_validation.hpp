#pragma once
// Static validation of a GraphQL operation against the schema (graphql_schema.hpp), before
// anything executes: fields exist on their types, leaves have no selection and objects
// have one, arguments and directives are known and well typed, fragments resolve and
// apply to their type, variables are defined. Messages follow graphql-js.
#include <map>
#include <string>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "tests/emulators/graphql_document.hpp"
#include "tests/emulators/graphql_schema.hpp"

namespace mlc::emu::graphql {

// {"message": …, "locations": [{"line", "column"}]}
boost::json::object error_entry(std::string message, location loc);

// Errors found in `op` (empty when it may run). The root is the schema's query type.
boost::json::array validate(operation const& op, std::map<std::string, fragment const*> const& fragments,
                            object_type const& root);

}  // namespace mlc::emu::graphql
