#pragma once
// A small typed schema for the executor: object types whose fields read from records the
// emulator owns (passed around as `void const*`, cast back inside each field's reader).
// Collections are Sage xtrem "operations" and child collections: they are selected as
// `name { query(filter, first, after, last, before, orderBy) { edges {node cursor}
// pageInfo {…} totalCount } }`.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

namespace mlc::emu::graphql {

enum class scalar_type { string, id, integer, decimal, boolean, date, datetime, enumeration };

char const* scalar_name(scalar_type t);

struct object_type;

// One scalar as a record holds it, read without allocating (a page reads thousands): text
// views into the record, numbers, dates and stamps unformatted. `to_json` gives the value
// the API shows; `append_scalar` prints exactly that value's JSON text.
struct scalar_value {
  enum class kind : std::uint8_t {
    null,
    text,          // `text`
    integer,       // `number`
    integer_text,  // `number`, shown as a string ("1000")
    hundredths,    // `number` / 100, shown as a JSON number
    boolean,       // `number` != 0
    date,          // `number` days since 1970-01-01, shown "YYYY-MM-DD"
    stamp,         // `number` ms since the epoch, shown "YYYY-MM-DDTHH:MM:SSZ"
  };
  kind k = kind::null;
  std::string_view text;
  std::int64_t number = 0;

  static scalar_value of_text(std::string_view t) { return {kind::text, t, 0}; }
  static scalar_value of(kind k, std::int64_t n) { return {k, {}, n}; }
};

boost::json::value to_json(scalar_value const& v);
void append_scalar(std::string& out, scalar_value const& v);

struct field_def {
  enum class kind { scalar, object, collection };
  kind k = kind::scalar;
  scalar_type scalar = scalar_type::string;
  object_type const* type = nullptr;  // object: its type; collection: the element type
  // Readers get the record and the root (the tenant's data) for reference lookups.
  std::function<scalar_value(void const*, void const*)> read_scalar;
  std::function<void const*(void const*, void const*)> read_object;  // nullptr -> JSON null
  std::function<std::vector<void const*>(void const*, void const*)> read_items;
};

struct object_type {
  std::string name;
  std::map<std::string, field_def> fields;
  std::vector<std::string> default_order;  // total order when orderBy does not give one
};

}  // namespace mlc::emu::graphql
