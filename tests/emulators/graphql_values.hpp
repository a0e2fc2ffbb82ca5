#pragma once
// Typed comparison, filtering and ordering of records for the GraphQL `query` operation:
// filter objects ({_updateStamp: {_gte: '…'}}, {code: 'X'}, _and/_or/_not, operators
// _eq _ne _gt _gte _lt _lte _in _nin) and orderBy objects ({_updateStamp: 1, id: -1}).
#include <cstdint>
#include <stdexcept>
#include <string_view>
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

// One sort key of one record (or of a cursor) as compared: by number for Int and Decimal
// fields, by flag for Boolean, by text (dates and stamps in their fixed-width text)
// otherwise; null sorts first. Formatted texts live inside the part, so no allocation.
class key_part {
 public:
  enum class kind : std::uint8_t { null, number, boolean, text };
  kind k = kind::null;
  bool flag = false;
  double number = 0;

  std::string_view text() const { return own_ ? std::string_view(buf_, len_) : view_; }
  void set_text(std::string_view borrowed) { k = kind::text, own_ = false, view_ = borrowed; }
  char* own_text(std::size_t n);  // n <= 24: fill the returned buffer

 private:
  std::string_view view_;
  char buf_[24] = {};
  std::uint8_t len_ = 0;
  bool own_ = false;
};

// The keys' parts for `item` into out[0 .. keys.size()); text may borrow from the record.
void key_of(std::vector<sort_key> const& keys, void const* item, void const* root, key_part* out);
// The JSON array of the item's key values as the API shows them (what cursors encode).
void append_key_json(std::string& out, std::vector<sort_key> const& keys, void const* item, void const* root);
// Parts from a decoded cursor (an array of keys.size() values); text borrows from `values`.
void key_of_json(std::vector<sort_key> const& keys, boost::json::array const& values, key_part* out);
int compare_keys(std::vector<sort_key> const& keys, key_part const* a, key_part const* b);

// Three-way comparison of a stored value and a filter operand of the field's type.
int compare_scalar(scalar_type type, boost::json::value const& stored, boost::json::value const& operand,
                   std::string const& field);

bool matches(object_type const& type, void const* item, void const* root, boost::json::object const& filter);

}  // namespace mlc::emu::graphql
