#pragma once
// The relaxed object notation Sage's xtrem GraphQL takes inside filter and orderBy strings:
// "{_updateStamp: {_gte: '2026-01-01T00:00:00Z'}, _or: [{code: 'A'}, {code: \"B\"}]}" —
// unquoted keys, single- or double-quoted strings, trailing commas.
#include <stdexcept>
#include <string_view>

#include <boost/json/value.hpp>

namespace mlc::emu {

class loose_json_error : public std::invalid_argument {
 public:
  loose_json_error(std::string const& message, std::size_t offset)
      : std::invalid_argument(message), offset_{offset} {}
  std::size_t offset() const { return offset_; }

 private:
  std::size_t offset_;
};

// Throws loose_json_error("expected ':' after key 'code' at offset 6").
boost::json::value parse_loose_json(std::string_view text);

}  // namespace mlc::emu
