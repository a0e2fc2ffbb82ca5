#pragma once
// A small typed schema for the executor: object types whose fields read from records the
// emulator owns (passed around as `void const*`, cast back inside each field's reader).
// Collections are Sage xtrem "operations" and child collections: they are selected as
// `name { query(filter, first, after, last, before, orderBy) { edges {node cursor}
// pageInfo {…} totalCount } }`.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

namespace mlc::emu::graphql {

enum class scalar_type { string, id, integer, decimal, boolean, date, datetime, enumeration };

char const* scalar_name(scalar_type t);

struct object_type;

struct field_def {
  enum class kind { scalar, object, collection };
  kind k = kind::scalar;
  scalar_type scalar = scalar_type::string;
  object_type const* type = nullptr;  // object: its type; collection: the element type
  // Readers get the record and the root (the tenant's data) for reference lookups.
  std::function<boost::json::value(void const*, void const*)> read_scalar;
  std::function<void const*(void const*, void const*)> read_object;  // nullptr -> JSON null
  std::function<std::vector<void const*>(void const*, void const*)> read_items;
};

struct object_type {
  std::string name;
  std::map<std::string, field_def> fields;
  std::vector<std::string> default_order;  // total order when orderBy does not give one
};

}  // namespace mlc::emu::graphql
