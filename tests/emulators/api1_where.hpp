#pragma once
// Sage X3 api1 (SData-style) query parameters: `where` expressions such as
// "UPDDATTIM ge @2026-01-01T00:00:00Z@ and BPSNUM eq 'O''Brien'" and `orderBy` lists such as
// "UPDDATTIM,POHNUM desc", checked against a class's properties.
#include <map>
#include <optional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

namespace mlc::emu {

enum class api1_type { string, integer, decimal, date, datetime };

struct api1_class {
  std::string name;
  std::vector<std::pair<std::string, api1_type>> properties;  // filterable, sortable header properties
  std::string key_property;                                   // unique key, the last tie-breaker
  std::optional<std::size_t> index_of(std::string_view property) const;
};

// One record's header properties in class order, typed for comparison: dates and
// date-times as int64 milliseconds, decimals as double, integers as int64, text as string.
using api1_row = std::vector<boost::json::value>;

// status 400: syntax; 500: unknown property (X3 answers an unknown property with 500).
class api1_error : public std::runtime_error {
 public:
  api1_error(int status, std::string message) : std::runtime_error(std::move(message)), status_{status} {}
  int status() const { return status_; }

 private:
  int status_;
};

struct where_node {
  enum class kind { all, any, negate, compare, in_list };
  kind k = kind::compare;
  std::vector<std::unique_ptr<where_node>> children;
  std::string property;
  std::size_t index = 0;
  api1_type type = api1_type::string;
  std::string op;  // eq ne gt ge lt le
  std::vector<boost::json::value> operands;  // typed like api1_row cells
};

std::unique_ptr<where_node> parse_where(std::string_view text, api1_class const& cls);
bool evaluate(where_node const& node, api1_row const& row);

struct api1_order {
  std::string property;
  std::size_t index = 0;
  api1_type type = api1_type::string;
  bool descending = false;
};
std::vector<api1_order> parse_order_by(std::string_view text, api1_class const& cls);
int compare_cells(boost::json::value const& a, boost::json::value const& b);

}  // namespace mlc::emu
