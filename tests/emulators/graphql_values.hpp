#pragma once
// Typed comparison, filtering and ordering of records for the GraphQL `query` operation:
// filter objects ({_updateStamp: {_gte: '…'}}, {code: 'X'}, _and/_or/_not, operators
// _eq _ne _gt _gte _lt _lte _in _nin) and orderBy objects ({_updateStamp: 1, id: -1}).
#include <stdexcept>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "tests/emulators/graphql_schema.hpp"

namespace mlc::emu::graphql {

// A problem with one field's arguments: reported in "errors" with that field's path.
class query_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct sort_key {
  std::vector<field_def const*> path;  // object fields, then the scalar
  std::string name;                    // dotted, for messages
  bool descending = false;
};

// orderBy text (or null) -> keys, with the type's default order appended as tie-breaker.
std::vector<sort_key> sort_keys(object_type const& type, boost::json::value const& order_by_text);
boost::json::array key_of(std::vector<sort_key> const& keys, void const* item, void const* root);
int compare_keys(std::vector<sort_key> const& keys, boost::json::array const& a, boost::json::array const& b);

// Three-way comparison of a stored value and a filter operand of the field's type.
int compare_scalar(scalar_type type, boost::json::value const& stored, boost::json::value const& operand,
                   std::string const& field);

bool matches(object_type const& type, void const* item, void const* root, boost::json::object const& filter);

}  // namespace mlc::emu::graphql
