#pragma once
// Validates and executes one GraphQL request against a schema (graphql_schema.hpp) and
// builds the response body the way GraphQL servers do: {"data":…} on success; syntax and
// validation errors give {"errors":[{"message","locations"}]} with no data; an error in one
// field (a bad filter, a bad cursor) nulls that field and adds {"message","locations","path"}.
#include <string>

#include <boost/json/object.hpp>

#include "tests/emulators/graphql_schema.hpp"

namespace mlc::emu::graphql {

struct request {
  std::string query;
  boost::json::object variables;
  std::string operation_name;
};

struct limits {
  int default_page_size = 20;
  int max_page_size = 1000;
};

struct result {
  std::string body;  // the JSON response body, written directly (pages can be large)
  std::vector<std::string> collections_read;  // e.g. "PurchaseOrder": lets the caller churn data
};

result execute(object_type const& root_type, void const* root, request const& req, limits const& lim = {});

}  // namespace mlc::emu::graphql
